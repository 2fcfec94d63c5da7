"""The admin's kiosks-and-displays page: links to the printer and display pages, the printer's live
state, adding kiosks and displays (each audited, each opening at once), and office scoping.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from loket.extensions import db

from support import login

FORBIDDEN = "kantor lain"  # "Anda tidak berhak membuka data kantor lain."


@pytest.fixture
def root(app, make_user):
    """The installation admin (no office)."""
    make_user("root", role="admin", counters=())
    return login(app.test_client(), "root")


@pytest.fixture
def office_admin(app, make_user):
    """An admin of the first office ("utama")."""
    make_user("a-admin", role="admin", counters=(), office="utama")
    return login(app.test_client(), "a-admin")


def _audit(app, action):
    from loket.audit import AuditEntry

    with app.app_context():
        return [(e.target_id, e.office_id, e.actor_id, e.after)
                for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def _kiosk(app, kiosk_id):
    from loket.kiosk.models import Kiosk

    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        return None if kiosk is None else {"name": kiosk.name, "printer": kiosk.printer,
                                           "offices": [o.code for o in kiosk.offices]}


def _display(app, display_id):
    from loket.display.models import Display

    with app.app_context():
        display = db.session.get(Display, display_id)
        return None if display is None else {"name": display.name, "offices": [o.code for o in display.offices]}


def _user_id(app, username):
    from loket.auth.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_the_list_links_the_printer_page_preview_test_print_and_display_settings(office_admin):
    response = office_admin.get("/admin/perangkat")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for href in ('href="/kiosk/1/printer"', 'href="/kiosk/1/printer/preview.png"',
                 'action="/kiosk/1/printer/test"', 'href="/kiosk/1"',
                 'href="/display/1/settings"', 'href="/display/1"',
                 'href="/admin/perangkat/kios/baru"', 'href="/admin/perangkat/layar/baru"'):
        assert href in html, href
    # Kiosk 1 starts on the preview printer, described as such, with nothing printed yet.
    assert "Hanya pratinjau" in html
    assert 'id="kiosk-status-1" data-state="unknown"' in html
    assert 'hx-get="/admin/perangkat/kios/1/status"' in html


def test_the_status_follows_the_printer(app, office_admin):
    from loket.kiosk.models import Kiosk
    from loket.printers.models import FAILED, PrintJob
    from loket.timeutil import utcnow

    assert office_admin.post("/kiosk/1/printer/test").status_code == 303  # the page's button
    html = office_admin.get("/admin/perangkat/kios/1/status").get_data(as_text=True)
    assert 'data-state="online"' in html and "Menunggu dicetak" not in html

    with app.app_context():
        db.session.add(PrintJob(kiosk_id=db.session.get(Kiosk, "1").id, kind="ticket", status=FAILED,
                                last_error="Printer not reachable: connection refused", created_at=utcnow()))
        db.session.commit()
    html = office_admin.get("/admin/perangkat/kios/1/status").get_data(as_text=True)
    assert 'data-state="offline"' in html
    assert "connection refused" in html and "Menunggu dicetak: 1" in html
    # what to do, in the page's language; the driver's English words only as technical detail
    error = html[html.index('id="printer-error-1"'):]
    assert error.index("Periksa apakah printer menyala") < error.index("Rincian teknis") < error.index("connection refused")
    english = office_admin.get("/admin/perangkat/kios/1/status?lang=en").get_data(as_text=True)
    assert "Check that the printer is on" in english and "Technical details" in english


def test_the_test_print_from_the_page_makes_a_job(app, office_admin):
    from loket.printers.models import PrintJob

    response = office_admin.post("/kiosk/1/printer/test")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/1/printer")
    with app.app_context():
        jobs = db.session.scalars(select(PrintJob).where(PrintJob.kiosk_id == "1")).all()
        assert [(job.kind, job.status) for job in jobs] == [("test", "sent")]
        assert jobs[0].payload  # the slip's ESC/POS bytes (their content is tested with the printers)


@pytest.mark.parametrize("app_database", ["sqlite", "postgresql"])
def test_an_added_kiosk_opens_and_is_audited(app, office_admin):
    response = office_admin.post("/admin/perangkat/kios/baru", data={"device_id": "Lobi-2", "name": "Kios lobi"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/perangkat?kios=lobi-2")
    page = office_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="device-added"' in page and 'data-kiosk="lobi-2"' in page and 'href="/kiosk/lobi-2/printer"' in page

    # An office's admin adds for their own office; the new kiosk prints on the preview printer.
    assert _kiosk(app, "lobi-2") == {"name": "Kios lobi", "printer": {"kind": "preview", "paper": "80mm",
                                                                      "qr": "native"}, "offices": ["utama"]}
    assert office_admin.get("/kiosk/lobi-2").status_code == 200
    assert office_admin.get("/kiosk/lobi-2/printer").status_code == 200
    assert office_admin.get("/kiosk/lobi-2/printer/preview.png").mimetype == "image/png"
    [(target, office_id, actor, after)] = _audit(app, "kiosk.added")
    assert (target, actor) == ("lobi-2", _user_id(app, "a-admin"))
    assert office_id is not None and after["kantor"] == ["utama"] and after["nama"] == "Kios lobi"


@pytest.mark.parametrize("app_database", ["sqlite", "postgresql"])
def test_an_added_display_opens_and_is_audited(app, office_admin, published):
    response = office_admin.post("/admin/perangkat/layar/baru", data={"device_id": "tv-lobi", "name": ""})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/perangkat?layar=tv-lobi")
    page = office_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="device-added"' in page and 'href="/display/tv-lobi/settings"' in page

    assert _display(app, "tv-lobi") == {"name": "Layar tv-lobi", "offices": ["utama"]}
    assert office_admin.get("/display/tv-lobi").status_code == 200
    assert office_admin.get("/display/tv-lobi/settings").status_code == 200
    [(target, office_id, actor, _after)] = _audit(app, "display.added")
    assert (target, actor) == ("tv-lobi", _user_id(app, "a-admin")) and office_id is not None
    assert any(e.name == "display.updated" and e.public == {"display": "tv-lobi"} for e in published)


@pytest.mark.parametrize("url, taken, message", [
    ("/admin/perangkat/kios/baru", "1", "Kode kios &#39;1&#39; sudah dipakai."),
    ("/admin/perangkat/layar/baru", "1", "Kode layar &#39;1&#39; sudah dipakai."),
])
def test_a_taken_id_is_refused_and_the_form_keeps_what_was_typed(app, office_admin, url, taken, message):
    response = office_admin.post(url, data={"device_id": taken, "name": "Pintu samping"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Pintu samping"' in html and f'value="{taken}"' in html
    assert 'aria-invalid="true"' in html
    assert _audit(app, "kiosk.added") == [] and _audit(app, "display.added") == []


@pytest.mark.parametrize("url", ["/admin/perangkat/kios/baru", "/admin/perangkat/layar/baru"])
@pytest.mark.parametrize("bad", ["Kios 2", "kios/2", "k" * 21, "kiós", "", "-", "-k2", "k2-"])
def test_a_bad_id_is_a_400_with_the_reason(app, office_admin, url, bad):
    response = office_admin.post(url, data={"device_id": bad, "name": "Pintu samping"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert ("Wajib diisi." if not bad else "Kode harus 1–20 huruf kecil, angka atau tanda hubung, diawali dan "
            "diakhiri huruf atau angka.") in html
    assert 'value="Pintu samping"' in html and f'value="{bad}"' in html  # as typed
    assert _audit(app, "kiosk.added") == [] and _audit(app, "display.added") == []


def test_an_office_admin_adds_only_for_their_office(app, second_office, office_admin):
    for url in ("/admin/perangkat/kios/baru", "/admin/perangkat/layar/baru"):
        # Their office is shown ticked and fixed; naming another office is refused.
        form = office_admin.get(url).get_data(as_text=True)
        assert "Disdukcapil" not in form and "disabled" in form
        response = office_admin.post(url, data={"device_id": "pintu-b", "offices": str(second_office["id"])})
        assert response.status_code == 400 and "Pilihan tidak dikenal." in response.get_data(as_text=True)
        assert office_admin.get(f"{url}?kantor=dukcapil").status_code == 403
    assert _kiosk(app, "pintu-b") is None and _display(app, "pintu-b") is None


def test_the_domain_refuses_another_office_to_an_office_admin(app, second_office, make_user):
    from loket.auth.models import User
    from loket.display.admin import add_display
    from loket.kiosk.admin import add_kiosk
    from loket.queue.errors import OfficeNotAllowed

    user_id = make_user("a-admin", role="admin", counters=(), office="utama")
    with app.app_context():
        actor = db.session.get(User, user_id)
        with pytest.raises(OfficeNotAllowed):
            add_kiosk("pintu-b", "", [second_office["id"]], actor)
        db.session.rollback()
        with pytest.raises(OfficeNotAllowed):
            add_display("pintu-b", "", [second_office["first"], second_office["id"]], actor)
    assert _kiosk(app, "pintu-b") is None and _display(app, "pintu-b") is None


def test_an_office_admin_sees_only_their_offices_devices(app, second_office, root, office_admin):
    office_b = str(second_office["id"])
    assert root.post("/admin/perangkat/kios/baru?kantor=dukcapil",
                     data={"device_id": "kios-b", "offices": office_b}).status_code == 303
    assert root.post("/admin/perangkat/layar/baru?kantor=dukcapil",
                     data={"device_id": "tv-b", "offices": office_b}).status_code == 303

    html = office_admin.get("/admin/perangkat").get_data(as_text=True)
    assert 'data-kiosk="1"' in html and 'data-display="1"' in html
    assert "kios-b" not in html and "tv-b" not in html
    response = office_admin.get("/admin/perangkat?kantor=dukcapil")
    assert response.status_code == 403 and FORBIDDEN in response.get_data(as_text=True)
    assert office_admin.get("/admin/perangkat/kios/kios-b/status").status_code == 403

    # The installation admin picks the office; office B's list has B's devices only.
    html = root.get("/admin/perangkat?kantor=dukcapil").get_data(as_text=True)
    assert 'data-kiosk="kios-b"' in html and 'data-display="tv-b"' in html and 'data-kiosk="1"' not in html


def test_a_shared_kiosk_is_listed_in_both_offices_and_managed_by_the_installation_admin(
        app, second_office, root, office_admin):
    both = [str(second_office["first"]), str(second_office["id"])]
    response = root.post("/admin/perangkat/kios/baru", data={"device_id": "mall", "name": "Mal", "offices": both})
    assert response.status_code == 303
    assert _kiosk(app, "mall")["offices"] == ["utama", "dukcapil"]
    [(_target, office_id, _actor, after)] = _audit(app, "kiosk.added")
    assert office_id is None and after["kantor"] == ["utama", "dukcapil"]  # the installation's, not one office's

    for kantor in ("utama", "dukcapil"):
        assert 'data-kiosk="mall"' in root.get(f"/admin/perangkat?kantor={kantor}").get_data(as_text=True)
    # The office admin sees it and its state, but its printer serves two offices: not theirs to set up.
    html = office_admin.get("/admin/perangkat").get_data(as_text=True)
    assert 'data-kiosk="mall"' in html and 'href="/kiosk/mall/printer"' not in html
    assert office_admin.get("/admin/perangkat/kios/mall/status").status_code == 200
    assert office_admin.get("/kiosk/mall/printer").status_code == 403


def test_a_supervisor_reads_the_list_but_changes_nothing(app, make_user):
    make_user("spv", role="supervisor", counters=())
    supervisor = login(app.test_client(), "spv")
    response = supervisor.get("/admin/perangkat")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-kiosk="1"' in html and 'href="/kiosk/1"' in html and 'href="/display/1"' in html
    for admin_only in ("/kiosk/1/printer", "/display/1/settings", "/admin/perangkat/kios/baru",
                       "/admin/perangkat/layar/baru"):
        assert admin_only not in html
    assert supervisor.get("/admin/perangkat/kios/1/status").status_code == 200
    for url in ("/admin/perangkat/kios/baru", "/admin/perangkat/layar/baru"):
        assert supervisor.get(url).status_code == 403
        assert supervisor.post(url, data={"device_id": "spv-x", "name": "x"}).status_code == 403
    assert _kiosk(app, "spv-x") is None and _display(app, "spv-x") is None


def test_officers_do_not_reach_the_devices_page(app, officer):
    assert officer.get("/admin/perangkat").status_code == 403
    assert officer.get("/admin/perangkat/kios/1/status").status_code == 403


def test_the_pages_read_in_english(office_admin):
    html = office_admin.get("/admin/perangkat?lang=en").get_data(as_text=True)
    assert "Add kiosk" in html and "Add display" in html and "Printer settings" in html
    assert "Display settings" in html and "Open kiosk" in html
    response = office_admin.post("/admin/perangkat/kios/baru?lang=en", data={"device_id": "1"})
    assert response.status_code == 400 and "Kiosk code &#39;1&#39; is already in use." in response.get_data(as_text=True)
