"""Staff accounts from the browser: an admin adds an officer with a one-time password shown once,
the officer must replace it before anything else opens, accounts are changed, disabled and reset,
and every step is in the audit log. Another office's accounts are a 403."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.auth.models import User
from loket.extensions import db
from support import login


def _counter_id(app, number, office_id=None):
    from loket.offices.scope import default_office
    from loket.queue.models import Counter

    with app.app_context():
        office_id = office_id or default_office().id
        return db.session.scalar(select(Counter.id).where(Counter.number == number, Counter.office_id == office_id))


def _add(client, username="budi", **extra):
    data = {"username": username, "display_name": "Budi Santoso", "role": "officer", **extra}
    return client.post("/admin/petugas/baru", data=data)


def _password_in(response) -> str:
    match = re.search(r'id="one-time-password"[^>]*>([a-z0-9-]+)<', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:800]
    return match.group(1)


def _table(response) -> str:
    """The audit table alone (the filter's options name every action too)."""
    text = response.get_data(as_text=True)
    return text[text.index('<table class="data" id="audit">'):]


def _user(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge_all()
        return user


def _audit(app, action=None):
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def test_an_admin_adds_an_officer_whose_one_time_password_is_shown_once(app, admin_client):
    response = _add(admin_client, counters=[str(_counter_id(app, 1)), str(_counter_id(app, 2))])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    password = _password_in(response)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    user = _user(app, "budi")
    assert user.must_change_password and user.role == "officer" and user.display_name == "Budi Santoso"
    assert password not in user.password_hash
    listing = admin_client.get("/admin/petugas").get_data(as_text=True)
    assert "budi" in listing and "Menunggu ganti kata sandi" in listing and password not in listing
    [entry] = _audit(app, "officer.added")
    assert entry.after == {"nama": "Budi Santoso", "peran": "officer", "aktif": True, "loket": [1, 2]}
    assert entry.before == {} and entry.target_label == "budi"


def test_a_one_time_password_opens_nothing_but_the_page_that_replaces_it(app, admin_client):
    password = _password_in(_add(admin_client, counters=[str(_counter_id(app, 1))]))
    officer = app.test_client()
    response = officer.post("/login", data={"username": "budi", "password": password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/akun/kata-sandi")
    # Every staff page, fragment and API call goes to the change first.
    assert officer.get("/counter/").headers["Location"].endswith("/akun/kata-sandi")
    htmx = officer.post(f"/counter/{_counter_id(app, 1)}/call", headers={"HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"].endswith("/akun/kata-sandi")
    page = officer.get("/akun/kata-sandi").get_data(as_text=True)
    assert 'id="forced-change"' in page
    # The same password again is refused, with the message beside its field.
    same = officer.post("/akun/kata-sandi", data={"current": password, "new": password, "repeat": password})
    assert same.status_code == 400
    assert re.search(r'id="new-error"[^>]*>Kata sandi baru harus berbeda', same.get_data(as_text=True))
    done = officer.post("/akun/kata-sandi", data={"current": password, "new": "pilihan-budi-1",
                                                  "repeat": "pilihan-budi-1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/counter/")
    assert officer.get("/counter/").status_code in (200, 302)
    assert officer.get("/counter/").headers.get("Location", "").endswith("/akun/kata-sandi") is False
    assert not _user(app, "budi").must_change_password
    assert login(app.test_client(), "budi", "pilihan-budi-1")


def test_a_one_time_password_joins_no_staff_room(app, admin_client):
    from loket.extensions import socketio

    counter = _counter_id(app, 1)
    password = _password_in(_add(admin_client, counters=[str(counter)]))
    officer = app.test_client()
    officer.post("/login", data={"username": "budi", "password": password})
    socket = socketio.test_client(app, flask_test_client=officer)
    ack = socket.emit("subscribe", {"rooms": [f"counter:{counter}", "office:1"]}, callback=True)
    assert ack == {"ok": True, "rooms": ["office:1"]}


@pytest.mark.parametrize("username, message", [
    ("", "Wajib diisi."),
    ("a b", "Nama pengguna 2–40 karakter"),
    ("x" * 41, "Harus 2 sampai 40 karakter."),
    ("Budi", "sudah dipakai"),  # names compare without case
])
def test_a_bad_username_is_refused_beside_its_field_and_the_form_is_kept(app, admin_client, make_user,
                                                                          username, message):
    make_user("budi")
    response = _add(admin_client, username=username)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="username-error"[^>]*>[^<]*' + re.escape(message), text), text[:2000]
    assert 'value="Budi Santoso"' in text  # what was typed stays
    assert len(_audit(app, "officer.added")) == 0


def test_unknown_role_or_another_offices_counter_is_a_400(app, admin_client, second_office):
    assert _add(admin_client, role="root").status_code == 400
    response = _add(admin_client, counters=[str(second_office["counters"][1])])
    assert response.status_code == 400 and "Pilihan tidak dikenal." in response.get_data(as_text=True)
    assert _add(admin_client, counters=["abc"]).status_code == 400
    assert _user(app, "budi") is None


def test_role_and_counters_change_with_before_and_after_in_the_audit_log(app, admin_client, make_user):
    user_id = make_user("budi", counters=(1,))
    response = admin_client.post(f"/admin/petugas/{user_id}", data={
        "display_name": "Budi", "role": "supervisor", "counters": [str(_counter_id(app, 2))]})
    assert response.status_code == 303
    user = _user(app, "budi")
    assert user.role == "supervisor"
    [entry] = _audit(app, "officer.changed")
    assert entry.before == {"peran": "officer", "loket": [1]}
    assert entry.after == {"peran": "supervisor", "loket": [2]}
    assert entry.actor_id == _user(app, "admin2").id
    page = _table(admin_client.get("/admin/audit"))
    assert "Akun petugas diubah" in page and "Peran: Petugas loket" in page and "Peran: Supervisor" in page


def test_a_disabled_account_is_signed_out_at_once_and_can_be_enabled(app, admin_client, make_user):
    user_id = make_user("budi")
    desk = login(app.test_client(), "budi")
    assert desk.get("/counter/").status_code in (200, 302)
    assert admin_client.post(f"/admin/petugas/{user_id}/aktif", data={"active": "0"}).status_code == 303
    assert desk.get("/counter/").headers["Location"].startswith("/login")
    assert app.test_client().post("/login", data={"username": "budi", "password": "rahasia-123"}).status_code == 401
    assert admin_client.post(f"/admin/petugas/{user_id}/aktif", data={"active": "x"}).status_code == 400
    assert admin_client.post(f"/admin/petugas/{user_id}/aktif", data={"active": "1"}).status_code == 303
    assert login(app.test_client(), "budi")
    assert [e.action for e in _audit(app)] == ["officer.disabled", "officer.enabled"]


def test_a_reset_password_replaces_the_old_one_and_must_be_changed(app, admin_client, make_user):
    user_id = make_user("budi")
    desk = login(app.test_client(), "budi")
    response = admin_client.post(f"/admin/petugas/{user_id}/sandi-baru")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = _password_in(response)
    assert desk.get("/counter/").headers["Location"].startswith("/login")  # the old session ended
    assert app.test_client().post("/login", data={"username": "budi", "password": "rahasia-123"}).status_code == 401
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "budi", "password": password}).headers["Location"].endswith(
        "/akun/kata-sandi")
    assert [e.action for e in _audit(app)] == ["officer.password_reset"]
    assert password not in str(_audit(app)[0].after) + str(_audit(app)[0].before)


def test_nobody_disables_resets_or_demotes_their_own_account(app, make_user):
    admin_id = make_user("kepala", role="admin", office="utama", counters=())
    client = login(app.test_client(), "kepala")
    assert client.post(f"/admin/petugas/{admin_id}/aktif", data={"active": "0"}).status_code == 400
    assert client.post(f"/admin/petugas/{admin_id}/sandi-baru").status_code == 400
    response = client.post(f"/admin/petugas/{admin_id}", data={"display_name": "K", "role": "officer"})
    assert response.status_code == 400 and "peran akun Anda sendiri" in response.get_data(as_text=True)
    assert _user(app, "kepala").role == "admin" and _user(app, "kepala").active


def test_an_office_admin_sees_and_touches_only_their_own_office(app, make_user, second_office):
    make_user("kepala", role="admin", office="utama", counters=())
    theirs = make_user("dina", office="dukcapil", counters=(1,))
    mine = make_user("budi")
    client = login(app.test_client(), "kepala")
    listing = client.get("/admin/petugas").get_data(as_text=True)
    assert "budi" in listing and "dina" not in listing
    assert client.get(f"/admin/petugas/{theirs}").status_code == 403
    assert client.post(f"/admin/petugas/{theirs}/aktif", data={"active": "0"}).status_code == 403
    assert client.post(f"/admin/petugas/{theirs}/sandi-baru").status_code == 403
    assert client.get("/admin/petugas?kantor=dukcapil").status_code == 403
    assert client.get(f"/admin/petugas/{mine}").status_code == 200
    assert _user(app, "dina").active


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_supervisors_read_the_list_but_change_nothing(app, make_user, app_database):
    make_user("kasubag", role="supervisor", counters=())
    target = make_user("budi")
    supervisor = login(app.test_client(), "kasubag")
    page = supervisor.get("/admin/petugas")
    assert page.status_code == 200 and "budi" in page.get_data(as_text=True)
    assert "Tambah petugas" not in page.get_data(as_text=True)
    assert supervisor.post("/admin/petugas/baru", data={"username": "x1"}).status_code == 403
    assert supervisor.post(f"/admin/petugas/{target}/aktif", data={"active": "0"}).status_code == 403
    assert supervisor.post(f"/admin/petugas/{target}/sandi-baru").status_code == 403
    assert supervisor.get("/admin/audit").status_code == 200


def test_the_audit_log_shows_officers_ticket_actions_and_filters_them(app, admin_client, make_user, make_ticket):
    from loket.counter import desk
    from loket.queue import core

    budi = make_user("budi", counters=(1,))
    admin_client.post(f"/admin/petugas/{make_user('sari')}/aktif", data={"active": "0"})
    with app.app_context():
        ticket = make_ticket("A")
        officer = db.session.get(User, budi)
        counter = desk.counter_for(_counter_id(app, 1), officer)
        core.call_next(counter, officer=officer)
        core.transfer(db.session.get(type(ticket), ticket.id), "B", officer=officer, note="Berkas ke verifikasi")
        number = ticket.number
    everything = _table(admin_client.get("/admin/audit"))
    assert "Memanggil tiket" in everything and "Dialihkan ke layanan lain" in everything
    assert "Berkas ke verifikasi" in everything and "Layanan: A" in everything and "Layanan: B" in everything
    assert "Akun dinonaktifkan" in everything and number in everything
    only_budi = _table(admin_client.get(f"/admin/audit?actor={budi}"))
    assert "Memanggil tiket" in only_budi and "Akun dinonaktifkan" not in only_budi
    only_accounts = _table(admin_client.get("/admin/audit?action=officer."))
    assert "Akun dinonaktifkan" in only_accounts and "Memanggil tiket" not in only_accounts
    transfers = _table(admin_client.get("/admin/audit?action=ticket.transferred"))
    assert "Dialihkan ke layanan lain" in transfers and "Memanggil tiket" not in transfers
    tomorrow = admin_client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "Tidak ada catatan" in tomorrow
    assert admin_client.get("/admin/audit?since=kemarin").status_code == 400
    backwards = admin_client.get("/admin/audit?since=2026-02-02&until=2026-02-01")
    assert backwards.status_code == 400 and "Tanggal akhir sebelum tanggal awal." in backwards.get_data(as_text=True)
    assert admin_client.get("/admin/audit?actor=999999").status_code == 400
    # Read-only: no route changes or removes a line.
    assert admin_client.post("/admin/audit").status_code == 405
    assert admin_client.delete("/admin/audit").status_code == 405


def test_the_audit_log_of_one_office_does_not_show_another(app, make_user, second_office):
    make_user("kepala", role="admin", office="utama", counters=())
    make_user("kepala2", role="admin", office="dukcapil", counters=())
    other = login(app.test_client(), "kepala2")
    other.post(f"/admin/petugas/{make_user('dina', office='dukcapil', counters=())}/aktif", data={"active": "0"})
    mine = _table(login(app.test_client(), "kepala").get("/admin/audit"))
    assert "Akun dinonaktifkan" not in mine
    assert "Akun dinonaktifkan" in _table(other.get("/admin/audit"))


def test_english_pages_and_messages(app, admin_client):
    response = admin_client.post("/admin/petugas/baru?lang=en", data={"username": "", "role": "officer"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Required." in text and "Add officer" in text
