"""Review 15 of the counter and staff pages: two active counters of an office never share a name (the TV
would send a visitor to the wrong desk), one message per field on the counter form, and disabling an
account or giving it a temporary password asks first, on a page of its own that works without JavaScript."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.auth.models import User
from loket.extensions import db
from loket.queue.models import Counter, Service
from support import log_in_browser, login

TAKEN = ("Nama {name} sudah dipakai loket nomor {number}. Pilih nama lain agar pengunjung tidak menuju loket "
         "yang salah.")


def _service_ids(app, *codes, office_id=None):
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = office_id or default_office().id
        return [str(db.session.scalar(select(Service.id).where(Service.code == c, Service.office_id == office_id)))
                for c in codes]


def _counter(app, number, office_id=None) -> Counter | None:
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = office_id or default_office().id
        counter = db.session.scalar(select(Counter).where(Counter.number == number, Counter.office_id == office_id))
        db.session.expunge_all()
        return counter


def _rename_in_database(app, number, name):
    """A name as an older Loket could have saved it (no check then)."""
    with app.app_context():
        from loket.offices.scope import default_office

        db.session.scalar(select(Counter).where(Counter.number == number,
                                                Counter.office_id == default_office().id)).name = name
        db.session.commit()


def _audit(app, kind):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.target_kind == kind)
                                                     .order_by(AuditEntry.id))]


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _error(response, field) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', _text(response), re.S)
    return match and match.group(1)


def _summary(response) -> list[str]:
    """The error summary's items as a person reads them (tags dropped)."""
    box = re.search(r'id="form-problems".*?</ul>', _text(response), re.S).group(0)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", box, re.S)]


# --- counters: one name, one desk ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Loket 1", "  loket 1 ", "LOKET   1"])
def test_a_name_another_active_counter_carries_is_refused_beside_the_field(app, admin_client, typed):
    response = admin_client.post("/admin/loket/baru", data={"number": "8", "name": typed,
                                                            "services": _service_ids(app, "B")})
    assert response.status_code == 400
    assert _error(response, "name") == TAKEN.format(name="Loket 1", number=1)
    text = _text(response)
    assert f'value="{typed.strip()}"' in text and 'value="8"' in text  # what was typed stays
    assert re.findall(r'<input checked id="services-\d+" name="services" type="checkbox" value="(\d+)"', text) \
        == _service_ids(app, "B")
    assert _counter(app, 8) is None and _audit(app, "counter") == []


def test_a_rename_to_a_taken_name_is_refused_but_an_older_duplicate_may_keep_its_name(app, admin_client):
    _rename_in_database(app, 3, "Loket 2")  # saved before the check existed
    counter_4, counter_3 = _counter(app, 4).id, _counter(app, 3).id

    refused = admin_client.post(f"/admin/loket/{counter_4}",
                                data={"name": " loket 2", "services": _service_ids(app, "D")})
    assert refused.status_code == 400
    assert _error(refused, "name") == TAKEN.format(name="Loket 2", number=2)
    assert 'value="loket 2"' in _text(refused) and _counter(app, 4).name == "Loket 4"

    # The old pair does not lock counter 3: its services still change while it keeps its name.
    kept = admin_client.post(f"/admin/loket/{counter_3}",
                             data={"name": "Loket 2", "services": _service_ids(app, "C", "D")})
    assert kept.status_code == 303
    assert [s.code for s in _counter_services(app, 3)] == ["C", "D"]
    assert _audit(app, "counter") == ["counter.changed"]


def _counter_services(app, number):
    with app.app_context():
        from loket.offices.scope import default_office

        counter = db.session.scalar(select(Counter).where(Counter.number == number,
                                                          Counter.office_id == default_office().id))
        return list(counter.services)


def test_a_blank_name_is_checked_as_the_default_name_it_becomes(app, admin_client):
    counter_3 = _counter(app, 3).id
    assert admin_client.post(f"/admin/loket/{counter_3}",
                             data={"name": "Loket 9", "services": _service_ids(app, "C")}).status_code == 303
    refused = admin_client.post("/admin/loket/baru",
                                data={"number": "9", "name": "", "services": _service_ids(app, "A")})
    assert refused.status_code == 400 and _error(refused, "name") == TAKEN.format(name="Loket 9", number=3)
    assert admin_client.post("/admin/loket/baru",
                             data={"number": "10", "name": "", "services": _service_ids(app, "A")}).status_code == 303
    assert _counter(app, 10).name == "Loket 10"


def test_a_retired_counters_name_is_free_but_it_comes_back_only_under_a_free_name(app, admin_client):
    counter_2 = _counter(app, 2).id
    assert admin_client.post(f"/admin/loket/{counter_2}/pensiun").status_code == 303
    assert admin_client.post("/admin/loket/baru", data={"number": "8", "name": "Loket 2",
                                                        "services": _service_ids(app, "B")}).status_code == 303

    refused = admin_client.post(f"/admin/loket/{counter_2}/aktifkan")
    assert refused.status_code == 409
    assert ("Nama Loket 2 sudah dipakai loket nomor 8. Ganti dulu nama loket ini, lalu aktifkan kembali."
            in _text(refused))
    assert _counter(app, 2).active is False and "counter.reactivated" not in _audit(app, "counter")

    assert admin_client.post(f"/admin/loket/{counter_2}",
                             data={"name": "Loket Dua", "services": _service_ids(app, "B")}).status_code == 303
    assert admin_client.post(f"/admin/loket/{counter_2}/aktifkan").status_code == 303
    assert _counter(app, 2).active is True


def test_another_office_may_use_the_name_but_not_twice_itself(app, admin_client, second_office):
    services = [str(second_office["services"]["A"])]
    assert admin_client.post("/admin/loket/baru?kantor=dukcapil",
                             data={"number": "3", "name": "Loket 5", "services": services}).status_code == 303
    refused = admin_client.post("/admin/loket/baru?kantor=dukcapil",
                                data={"number": "4", "name": "loket 2", "services": services})
    assert refused.status_code == 400 and _error(refused, "name") == TAKEN.format(name="Loket 2", number=2)
    assert _counter(app, 3, office_id=second_office["id"]).name == "Loket 5"


# --- one message per field -----------------------------------------------------------------------------------

def test_the_domain_refuses_a_taken_name_whoever_asks(ctx):
    """The rule lives in loket.queue.counters: the command line and any other caller meet it too."""
    from loket.offices.scope import default_office
    from loket.queue import counters
    from loket.queue.counters import CounterInputError

    office = default_office()
    service_b = db.session.scalar(select(Service).where(Service.code == "B", Service.office_id == office.id))
    with pytest.raises(CounterInputError) as refused:
        counters.add_counter(office.id, 50, " loket  1 ", [service_b.id], None)
    assert refused.value.field == "name" and "sudah dipakai loket nomor 1" in str(refused.value)
    db.session.rollback()
    assert counters.add_counter(office.id, 50, "Loket Prioritas", [service_b.id], None).name == "Loket Prioritas"


def test_each_bad_field_of_the_counter_form_gets_one_message(app, admin_client):
    response = admin_client.post("/admin/loket/baru", data={"number": "abc", "name": "x", "services": "zz"})
    assert response.status_code == 400
    assert _error(response, "number") == "Nomor loket harus bilangan bulat 1 sampai 999."
    assert _error(response, "services") == "Pilihan tidak dikenal."
    assert _summary(response) == ["Layanan yang dilayani: Pilihan tidak dikenal.",
                                  "Nomor loket: Nomor loket harus bilangan bulat 1 sampai 999."]

    for number, message in (("", "Wajib diisi."), ("0", "Nomor loket harus bilangan bulat 1 sampai 999.")):
        response = admin_client.post("/admin/loket/baru", data={"number": number, "name": "x"})
        assert _error(response, "number") == message
        assert _error(response, "services") == "Pilih minimal satu layanan untuk loket ini."


# --- staff accounts: ask before disabling or replacing a password -------------------------------------------

def _form(text: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', text, re.S)
    assert match, text[:1500]
    return match.group(0)


def _fields(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


def test_disabling_an_account_asks_first_naming_the_person_and_what_happens(app, admin_client, make_user):
    user_id = make_user("budi")
    desk = login(app.test_client(), "budi")
    listing = _text(admin_client.get("/admin/petugas"))
    assert f'href="/admin/petugas/{user_id}/nonaktifkan"' in listing
    assert f'action="/admin/petugas/{user_id}/aktif"' not in listing  # nothing on the list acts at once

    page = admin_client.get(f"/admin/petugas/{user_id}/nonaktifkan")
    assert page.status_code == 200
    text = _text(page)
    assert "Nonaktifkan akun?" in text and "Budi (budi) tidak bisa masuk lagi" in text
    form = _form(text, f"/admin/petugas/{user_id}/aktif")
    assert "Ya, nonaktifkan" in form and 'href="/admin/petugas"' in form and ">Batal<" in form
    fields = _fields(form)
    assert fields["active"] == "0" and "csrf_token" in fields
    # Opening the page changed nothing.
    assert "/login" not in desk.get("/counter/").headers.get("Location", "")
    assert _audit(app, "user") == []

    assert admin_client.post(f"/admin/petugas/{user_id}/aktif", data=fields).status_code == 303
    assert desk.get("/counter/").headers["Location"].startswith("/login")
    assert _audit(app, "user") == ["officer.disabled"]
    # Already disabled: nothing left to confirm; enabling again is one button on the list.
    again = admin_client.get(f"/admin/petugas/{user_id}/nonaktifkan")
    assert again.status_code == 303 and again.headers["Location"] == "/admin/petugas"
    assert _fields(_form(_text(admin_client.get("/admin/petugas")), f"/admin/petugas/{user_id}/aktif")) \
        ["active"] == "1"


def test_a_temporary_password_is_made_only_after_a_yes(app, admin_client, make_user):
    user_id = make_user("budi")
    desk = login(app.test_client(), "budi")
    listing = _text(admin_client.get("/admin/petugas"))
    assert f'href="/admin/petugas/{user_id}/sandi-baru"' in listing
    assert f'action="/admin/petugas/{user_id}/sandi-baru"' not in listing

    page = admin_client.get(f"/admin/petugas/{user_id}/sandi-baru")
    assert page.status_code == 200
    text = _text(page)
    assert "Buat kata sandi sementara?" in text and "Kata sandi Budi (budi) diganti" in text
    assert 'id="one-time-password"' not in text
    form = _form(text, f"/admin/petugas/{user_id}/sandi-baru")
    assert "Ya, buat kata sandi sementara" in form and "csrf_token" in _fields(form)
    assert "/login" not in desk.get("/counter/").headers.get("Location", "")
    login(app.test_client(), "budi")  # the old password still works
    assert _audit(app, "user") == []

    done = admin_client.post(f"/admin/petugas/{user_id}/sandi-baru", data=_fields(form))
    assert done.status_code == 200 and 'id="one-time-password"' in done.get_data(as_text=True)
    assert _audit(app, "user") == ["officer.password_reset"]


def test_the_confirmation_pages_are_for_the_offices_admins_only(app, make_user, second_office):
    target = make_user("budi")
    theirs = make_user("dina", office="dukcapil", counters=())
    make_user("kasubag", role="supervisor", counters=())
    make_user("kepala2", role="admin", office="dukcapil", counters=())
    supervisor, other_admin = login(app.test_client(), "kasubag"), login(app.test_client(), "kepala2")
    for path in ("nonaktifkan", "sandi-baru"):
        assert supervisor.get(f"/admin/petugas/{target}/{path}").status_code == 403
        assert other_admin.get(f"/admin/petugas/{target}/{path}").status_code == 403
        assert other_admin.get(f"/admin/petugas/{theirs}/{path}").status_code == 200


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_yes_of_a_confirmation_needs_the_csrf_token(app, client, make_user):
    user_id = make_user("budi")
    make_user("kepala", role="admin", counters=())
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "kepala", "password": "rahasia-123", "csrf_token": token.group(1)})
    fields = _fields(_form(_text(client.get(f"/admin/petugas/{user_id}/nonaktifkan")),
                           f"/admin/petugas/{user_id}/aktif"))
    assert client.post(f"/admin/petugas/{user_id}/aktif", data={"active": "0"}).status_code == 400
    assert _audit(app, "user") == []
    assert client.post(f"/admin/petugas/{user_id}/aktif", data=fields).status_code == 303
    with app.app_context():
        assert db.session.get(User, user_id).active is False


@pytest.mark.browser
def test_the_confirmations_work_without_javascript_and_pass_axe(app, live_server, make_user, browser):
    from tests.a11y.axe import check, context

    user_id = make_user("budi")
    make_user("kepala", role="admin", counters=())
    base = live_server.url
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = plain.new_page()
    log_in_browser(page, base, "kepala")
    page.goto(f"{base}/admin/petugas")
    page.click(f"#officer-{user_id} >> text=Nonaktifkan")
    page.wait_for_url(f"**/admin/petugas/{user_id}/nonaktifkan")
    assert "Budi (budi)" in page.inner_text("main")
    page.click("text=Batal")
    page.wait_for_url(f"{base}/admin/petugas")
    assert page.inner_text(f"#officer-{user_id} td:nth-child(5)").strip() == "Aktif"

    page.click(f"#officer-{user_id} >> text=Buat kata sandi sementara")
    page.click("text=Ya, buat kata sandi sementara")
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", page.inner_text("#one-time-password").strip())

    page.goto(f"{base}/admin/petugas/{user_id}/nonaktifkan")
    page.click("text=Ya, nonaktifkan")
    page.wait_for_url(re.compile(r"/admin/petugas\?ok=budi$"))
    assert page.inner_text(f"#officer-{user_id} td:nth-child(5)").strip() == "Nonaktif"
    plain.close()

    checked = context(browser, viewport={"width": 1280, "height": 900})
    page = checked.new_page()
    log_in_browser(page, base, "kepala")
    page.goto(f"{base}/admin/petugas/{user_id}/sandi-baru")
    found = check(page, "staff-admin-petugas-confirm")
    checked.close()
    assert not found, found
