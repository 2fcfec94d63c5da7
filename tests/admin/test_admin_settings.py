"""Office settings from the browser: stored settings override the LOKET_* defaults (name, public address,
hours with a lunch break and per-date exceptions, complaint response days, retention), the holiday
calendar takes local days and the national ones, bad input is a 400 beside its field, other offices a
403, supervisors read only, and every change is in the audit log with before and after."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.events import office_room
from loket.extensions import db
from loket.feedback import complaints
from loket.offices import settings
from loket.offices.models import Office
from loket.offices.scope import default_office
from loket.queue import core, hours
from loket.queue.errors import OfficeClosed
from loket.timeutil import utcnow
from support import login

# 2026-11-25 is a Wednesday; WITA = UTC+8.
WED_1130 = datetime(2026, 11, 25, 3, 30)
WED_1230 = datetime(2026, 11, 25, 4, 30)
WED_1330 = datetime(2026, 11, 25, 5, 30)
WED_1700 = datetime(2026, 11, 25, 9, 0)
WEEK = {"mon": "07:30-12:00, 13:00-15:30", "tue": "07:30-12:00, 13:00-15:30", "wed": "07:30-12:00, 13:00-15:30",
        "thu": "07:30-12:00, 13:00-15:30", "fri": "07:30-11:00", "sat": "", "sun": ""}


def _form(**changes) -> dict:
    """A complete settings form as the page posts it."""
    data = {"name": "Bagian Pengadaan Barang/Jasa Setda Klungkung", "short_name": "PBJ Klungkung",
            "public_base_url": "https://antrean.klungkungkab.go.id", "complaint_response_days": "5",
            "contact_retention_days": "90", **{f"hours_{day}": text for day, text in WEEK.items()}}
    data.update(changes)
    return data


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', _text(response))
    return match[1] if match else ""


def _input_value(response, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return html.unescape(match[1]) if match else None


def _audit(app, action="office.settings"):
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def _save(client, **changes):
    response = client.post("/admin/kantor", data=_form(**changes))
    assert response.status_code == 303, _text(response)[:2000]
    return response


# --- stored settings override the environment -------------------------------------------------

@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_saved_settings_override_the_defaults_and_are_audited(app, admin_client, published):
    before = admin_client.get("/admin/kantor")
    assert before.status_code == 200
    assert _input_value(before, "public_base_url") == "http://loket.test"  # LOKET_PUBLIC_BASE_URL, the default
    assert _input_value(before, "hours_sun") == "00:00-24:00"  # "24/7" as the grid shows it

    _save(admin_client, name="Bagian Pengadaan Barang/Jasa", short_name="PBJ Klungkung")

    page = admin_client.get("/admin/kantor?ok=1")
    assert re.search(r'class="brand"[^>]*>PBJ Klungkung<', _text(page))  # the header shows the new name
    assert "Perubahan disimpan." in _text(page)
    assert _input_value(page, "hours_mon") == "07:30-12:00, 13:00-15:30"
    with app.app_context():
        office_id = default_office().id
        assert settings.get(office_id, "public_base_url") == "https://antrean.klungkungkab.go.id"
        assert settings.get(office_id, "hours")["mon"] == [["07:30", "12:00"], ["13:00", "15:30"]]
        assert settings.get(office_id, "hours")["sat"] == []
        # Unchanged values are not stored: they keep following their LOKET_* default.
        assert "complaint_response_days" not in settings.stored(office_id)
    entry, = _audit(app)
    assert entry.office_id == office_id and entry.target_kind == "office" and entry.actor_id is not None
    assert entry.before["alamat_publik"] == "http://loket.test"
    assert entry.after["alamat_publik"] == "https://antrean.klungkungkab.go.id"
    assert entry.after["nama_singkat"] == "PBJ Klungkung" and "07:30-12:00, 13:00-15:30" in entry.after["jam_buka"]
    assert "hari_tanggapan" not in entry.after  # only what changed
    event, = [e for e in published if e.name == "office.settings"]
    assert event.rooms == (office_room(office_id),)

    _save(admin_client, name="Bagian Pengadaan Barang/Jasa", short_name="PBJ Klungkung")  # the same again
    assert len(_audit(app)) == 1  # nothing changed, nothing logged
    app.config["LOKET_COMPLAINT_RESPONSE_DAYS"] = 8
    with app.app_context():
        assert settings.get(office_id, "complaint_response_days") == 8


def test_response_days_change_a_complaints_due_date(ctx):
    office = default_office()
    item = complaints.submit(category="pengaduan", message="Lambat", now=datetime(2026, 11, 23, 2, 0))  # Monday
    assert complaints.due_date(item) == date(2026, 11, 30)  # 5 working days (the default)
    settings.update(office, {"complaint_response_days": "2"}, actor=None)
    assert complaints.due_date(item) == date(2026, 11, 25)
    assert complaints.is_overdue(item, now=datetime(2026, 11, 26, 2, 0))


def test_retention_changes_what_purge_removes(ctx):
    office = default_office()
    item = complaints.submit(category="pengaduan", message="Kontak lama", name="Made", contact="made@contoh.id",
                             now=utcnow() - timedelta(days=40))
    assert complaints.purge_contacts() == 0  # 90 days by default
    settings.update(office, {"contact_retention_days": 30}, actor=None)
    assert complaints.purge_contacts() == 1
    db.session.expire_all()
    assert (item.name, item.contact) == (None, None)


# --- hours: a lunch break, exceptions, holidays ------------------------------------------------

def test_a_lunch_break_closes_the_kiosk_and_keeps_the_queue(app, admin_client):
    _save(admin_client)
    with app.app_context():
        assert hours.state(WED_1130).open
        lunch = hours.state(WED_1230)
        assert not lunch.open and lunch.opens_at.isoformat() == "2026-11-25T13:00:00+08:00"
        assert hours.state(WED_1330).open
        assert hours.state(WED_1330).closes_at.isoformat() == "2026-11-25T15:30:00+08:00"
        ticket = core.issue_ticket("A", now=WED_1130)
        with pytest.raises(OfficeClosed) as info:
            core.issue_ticket("A", now=WED_1230)
        assert "25-11-2026 13:00" in str(info.value)

        from loket.queue.closing import close_day

        assert close_day(WED_1230)["closed"] == 0  # the waiting visitor is served after lunch
        assert close_day(WED_1700)["closed"] == 1
        assert db.session.get(type(ticket), ticket.id).state == "cancelled"


def test_an_exception_closes_a_weekday_or_opens_another_day(app, admin_client):
    _save(admin_client)
    response = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-11-25",
                                                         "exc-spans": "", "exc-note": "Rapat kerja"})
    assert response.status_code == 303
    saturday = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-11-28",
                                                         "exc-spans": "08:00-11:00", "exc-note": "Layanan Sabtu"})
    assert saturday.status_code == 303
    with app.app_context():
        closed = hours.state(WED_1130)
        assert not closed.open and closed.opens_at.isoformat() == "2026-11-26T07:30:00+08:00"
        assert hours.state(datetime(2026, 11, 28, 1, 0)).open  # Saturday 09:00
        assert hours.state(datetime(2026, 11, 27, 6, 0)).opens_at.isoformat() == "2026-11-28T08:00:00+08:00"
    listing = _text(admin_client.get("/admin/kantor"))
    assert re.search(r'data-day="2026-11-25">.*?tutup.*?Rapat kerja', listing, re.S)
    removed = admin_client.post("/admin/kantor", data={"aksi": "hapus-pengecualian", "tanggal": "2026-11-25"})
    assert removed.status_code == 303
    with app.app_context():
        assert hours.state(WED_1130).open
    assert len(_audit(app)) == 4  # hours, two exceptions added, one removed
    again = admin_client.post("/admin/kantor", data={"aksi": "hapus-pengecualian", "tanggal": "2026-11-25"})
    assert again.status_code == 404 and "tidak ada di daftar pengecualian" in _text(again)


def test_an_exception_for_a_day_that_has_one_says_it_replaced_it(app, admin_client):
    _save(admin_client)
    first = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-12-04",
                                                      "exc-spans": "08:00-12:00", "exc-note": "Rapat kerja"})
    assert "diganti" not in first.headers["Location"]
    assert 'id="exception-replaced"' not in _text(admin_client.get(first.headers["Location"]))
    second = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-12-04",
                                                       "exc-spans": "", "exc-note": "Pemadaman listrik"})
    page = _text(admin_client.get(second.headers["Location"]))
    assert "Pengecualian tanggal 4 Des 2026 menggantikan yang sudah ada" in page
    assert re.search(r'data-day="2026-12-04">.*?tutup.*?Pemadaman listrik', page, re.S)
    assert 'id="exception-replaced"' not in _text(admin_client.get("/admin/kantor?ok=1&diganti=bukan-tanggal"))


def test_a_holiday_added_in_the_browser_closes_that_day(app, admin_client):
    _save(admin_client)
    response = admin_client.post("/admin/kantor/libur?tahun=2026",
                                 data={"aksi": "tambah", "day": "2026-11-25", "name": "Hari Raya Galungan"})
    assert response.status_code == 303 and "tahun=2026" in response.headers["Location"]
    listing = _text(admin_client.get("/admin/kantor/libur?tahun=2026"))
    assert re.search(r'data-day="2026-11-25"[^>]*>.*?Hari Raya Galungan.*?kantor', listing, re.S)
    with app.app_context():
        assert not hours.state(WED_1130).open
    entry, = _audit(app, "holiday.added")
    assert entry.after == {"tanggal": "2026-11-25", "nama": "Hari Raya Galungan"}
    twice = admin_client.post("/admin/kantor/libur?tahun=2026",
                              data={"aksi": "tambah", "day": "2026-11-25", "name": "Kuningan"})
    assert twice.status_code == 400 and "sudah ada di kalender" in _error(twice, "day")
    removed = admin_client.post("/admin/kantor/libur?tahun=2026", data={"aksi": "hapus", "tanggal": "2026-11-25"})
    assert removed.status_code == 303
    with app.app_context():
        assert hours.state(WED_1130).open
    assert _audit(app, "holiday.removed")[0].before["nama"] == "Hari Raya Galungan"


def test_national_holidays_are_imported_for_a_year(app, admin_client):
    with app.app_context():
        assert hours.calendar(2027) == []
    response = admin_client.post("/admin/kantor/libur?tahun=2027", data={"aksi": "impor"})
    assert response.status_code == 303
    added = int(re.search(r"impor=(\d+)", response.headers["Location"])[1])
    assert added >= 15
    page = admin_client.get(response.headers["Location"])
    assert f"{added} hari libur nasional ditambahkan untuk 2027" in _text(page)
    assert 'data-day="2027-08-17"' in _text(page)  # Hari Kemerdekaan
    with app.app_context():
        assert len(hours.calendar(2027)) == added and hours.is_holiday(date(2027, 8, 17))
    assert _audit(app, "holiday.imported")[0].after == {"tahun": 2027, "ditambahkan": added}
    again = admin_client.post("/admin/kantor/libur?tahun=2027", data={"aksi": "impor"})
    assert "impor=0" in again.headers["Location"]


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("hours_mon", "07:30-12:00, 11:00-15:30", "bertumpuk"),
    ("hours_tue", "15:30-07:30", "selesai sebelum dimulai"),
    ("hours_wed", "07:30-25:00", "'25:00' bukan jam yang ada"),
    ("hours_thu", "pagi", "Tulis jam seperti 07:30-12:00"),
    ("complaint_response_days", "0", "bilangan bulat 1 sampai 60"),
    ("contact_retention_days", "abc", "Isi dengan bilangan bulat"),
    ("public_base_url", "https://antrean.klungkungkab.go.id/?kiosk=1", "tanpa tanda ? atau #"),
    ("public_base_url", "antrean.klungkungkab.go.id", "http:// atau https://"),
    ("name", "   ", "Wajib diisi"),
])
def test_bad_settings_are_refused_beside_the_field_and_kept(app, admin_client, field, value, message):
    response = admin_client.post("/admin/kantor", data=_form(**{field: value, "short_name": "Diketik"}))
    assert response.status_code == 400
    assert message in _error(response, field)
    assert f'aria-describedby="{field}-help {field}-error"' in response.get_data(as_text=True) or \
        f'aria-describedby="{field}-error"' in response.get_data(as_text=True)
    if field != "name":
        assert _input_value(response, field) == value  # what was typed stays
    assert _input_value(response, "short_name") == "Diketik"
    assert _audit(app) == []


def test_the_messages_are_translated_to_english(admin_client):
    response = admin_client.post("/admin/kantor?lang=en", data=_form(hours_mon="07:30-12:00, 11:00-15:30",
                                                                      contact_retention_days="3"))
    assert response.status_code == 400
    assert "The spans overlap (11:00-15:30)" in _error(response, "hours_mon")
    assert _error(response, "contact_retention_days") == "Enter a whole number from 7 to 3650."
    assert "Office settings" in _text(response) and "Monday" in _text(response)


def test_an_impossible_date_is_refused_beside_the_field(app, admin_client):
    exception = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-02-30",
                                                          "exc-spans": "08:00-12:00", "exc-note": "Rapat"})
    assert exception.status_code == 400 and _error(exception, "exc-day") == "Tanggal tidak valid."
    assert _input_value(exception, "exc-note") == "Rapat" and _input_value(exception, "exc-spans") == "08:00-12:00"
    bad_spans = admin_client.post("/admin/kantor", data={"aksi": "pengecualian", "exc-day": "2026-02-27",
                                                          "exc-spans": "12:00-08:00"})
    assert bad_spans.status_code == 400 and "selesai sebelum dimulai" in _error(bad_spans, "exc-spans")
    holiday = admin_client.post("/admin/kantor/libur", data={"aksi": "tambah", "day": "2026-02-30", "name": "Nyepi"})
    assert holiday.status_code == 400 and _error(holiday, "day") == "Tanggal tidak valid."
    assert _input_value(holiday, "name") == "Nyepi"
    year = admin_client.get("/admin/kantor/libur?tahun=dua-ribu")
    assert year.status_code == 400 and "Tahun harus antara 2000 dan 2100" in _text(year)
    with app.app_context():
        assert settings.stored(default_office().id) == {} and hours.calendar(2026) == []


# --- the public address -----------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"LOKET_PUBLIC_BASE_URL": ""}])
def test_an_unset_public_address_is_warned_about_until_set_and_then_used(app, admin_client, client):
    for path in ("/admin/", "/admin/loket", "/admin/kantor"):
        page = _text(admin_client.get(path))
        assert 'id="base-url-warning"' in page and "Alamat publik belum diisi." in page, path
    issued = client.post("/kiosk/1/tiket", data={"service": "A"})
    qr = re.search(r'id="ticket-qr" data-url="([^"]+)"', _text(client.get(issued.headers["Location"])))[1]
    assert qr.startswith("http://localhost/t/")  # the kiosk's own address: what the warning is about

    always = {f"hours_{day}": "00:00-24:00" for day in hours.DAYS}  # the kiosk issues at any hour
    _save(admin_client, public_base_url="https://antrean.klungkungkab.go.id/", **always)

    assert 'id="base-url-warning"' not in _text(admin_client.get("/admin/"))
    issued = client.post("/kiosk/1/tiket", data={"service": "A"})
    qr = re.search(r'id="ticket-qr" data-url="([^"]+)"', _text(client.get(issued.headers["Location"])))[1]
    assert qr.startswith("https://antrean.klungkungkab.go.id/t/")
    api = client.post("/api/v1/tickets", json={"service": "A"})
    assert api.get_json()["url"].startswith("https://antrean.klungkungkab.go.id/t/")


# --- who may see and change ------------------------------------------------------------------

def test_another_offices_settings_are_forbidden(app, make_user, second_office):
    with app.app_context():
        first_code = default_office().code
    make_user("admin-pbj", role="admin", counters=(), office=first_code)
    own_admin = login(app.test_client(), "admin-pbj")
    assert own_admin.get("/admin/kantor").status_code == 200
    assert own_admin.get("/admin/kantor?kantor=dukcapil").status_code == 403
    assert own_admin.post("/admin/kantor?kantor=dukcapil", data=_form()).status_code == 403
    assert own_admin.get("/admin/kantor/libur?kantor=dukcapil").status_code == 403
    # The calendar is every office's: with two offices only the installation admin changes it.
    refused = own_admin.post("/admin/kantor/libur", data={"aksi": "tambah", "day": "2026-11-25", "name": "Galungan"})
    assert refused.status_code == 403
    with app.app_context():
        assert settings.stored(second_office["id"]) == {} and hours.calendar(2026) == []


def test_the_installation_admin_sets_each_office_on_its_own(app, admin_client, second_office):
    _save(admin_client)  # the first office (no ?kantor=)
    response = admin_client.post("/admin/kantor?kantor=dukcapil",
                                 data=_form(name="Disdukcapil Contoh", short_name="Dukcapil",
                                            public_base_url="", hours_wed="08:00-14:00"))
    assert response.status_code == 303 and "kantor=dukcapil" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Office, second_office["id"]).short_name == "Dukcapil"
        assert hours.state(WED_1230, office_id=second_office["id"]).open  # no lunch break there
        assert not hours.state(WED_1230).open
        # The public address is the server's: an office without its own uses the first office's.
        assert settings.get(second_office["id"], "public_base_url") == "https://antrean.klungkungkab.go.id"
    entries = _audit(app)
    assert [e.office_id for e in entries] == [second_office["first"], second_office["id"]]


def test_supervisors_read_but_do_not_change(app, make_user):
    make_user("kasubag", role="supervisor", counters=())
    supervisor = login(app.test_client(), "kasubag")
    page = supervisor.get("/admin/kantor")
    assert page.status_code == 200 and 'id="read-only"' in _text(page)
    assert re.search(r'<input(?=[^>]*\bdisabled\b)[^>]*name="hours_mon"', page.get_data(as_text=True))
    assert 'id="save-settings"' not in _text(page) and 'id="add-exception"' not in _text(page)
    assert supervisor.post("/admin/kantor", data=_form()).status_code == 403
    calendar = supervisor.get("/admin/kantor/libur")
    assert calendar.status_code == 200 and 'id="import-national"' not in _text(calendar)
    assert supervisor.post("/admin/kantor/libur", data={"aksi": "impor"}).status_code == 403
    make_user("budi", counters=(1,))
    assert login(app.test_client(), "budi").get("/admin/kantor").status_code == 403
    with app.app_context():
        assert settings.stored(default_office().id) == {}


# --- the page in a browser ----------------------------------------------------------------------

@pytest.mark.browser
def test_office_settings_page_in_a_browser(app, live_server, browser, artifacts, make_user):
    make_user("admin2", role="admin", counters=())
    with app.app_context():
        settings.update(default_office(), {"exceptions": {"2026-12-24": {"spans": "", "note": "Cuti bersama"},
                                                          "2026-12-31": {"spans": "07:30-11:00",
                                                                         "note": "Tutup buku"}}}, actor=None)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login?next=/admin/kantor")
    page.fill("input[name=username]", "admin2")
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#office-settings")
    page.fill("#short_name", "PBJ Klungkung")
    for day, text in WEEK.items():
        page.fill(f"#hours_{day}", text)
    page.click("#save-settings")
    page.wait_for_selector("p.notice-ok")
    assert page.inner_text("header .brand") == "PBJ Klungkung"
    assert page.input_value("#hours_mon") == "07:30-12:00, 13:00-15:30"
    page.fill("#hours_tue", "07:30-12:00, 11:00-15:30")
    page.click("#save-settings")
    page.wait_for_selector("#hours_tue-error")
    assert "bertumpuk" in page.inner_text("#hours_tue-error")
    page.screenshot(path=str(artifacts / "admin-office-settings.png"), full_page=True)
    context.close()


def test_each_office_s_kiosk_follows_its_own_hours(app, second_office):
    """Office B closes today (an exception on its settings) while A stays open: B's kiosk page, its
    services, the API and issuing say closed; A's do not."""
    from loket.kiosk.models import Kiosk
    from loket.offices import settings as office_settings
    from loket.offices.models import Office
    from loket.timeutil import local_day

    with app.app_context():
        b = db.session.get(Office, second_office["id"])
        db.session.add(Kiosk(id="2", name="Kiosk B", printer={"kind": "preview"}, offices=[b]))
        db.session.commit()
        office_settings.set_exception(b, local_day().isoformat(), "", "Rapat kerja", None)
    client = app.test_client()
    assert "sudah tutup" not in _text(client.get("/kiosk/1")) and "sedang tutup" not in _text(client.get("/kiosk/1"))
    b_home = _text(client.get("/kiosk/2"))
    assert "sudah tutup" in b_home or "sedang tutup" in b_home
    assert client.get("/api/v1/services?office=dukcapil").get_json()["office_open"] is False
    assert client.get("/api/v1/services?office=utama").get_json()["office_open"] is True
    refused = client.post("/kiosk/2/tiket", data={"service": "A"})
    assert refused.status_code == 409
    assert client.post("/kiosk/1/tiket", data={"service": "A"}).status_code == 303
