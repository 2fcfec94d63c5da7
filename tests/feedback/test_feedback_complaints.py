"""Complaints, suggestions and input: anonymous submission with a tracking code, the kiosk slip,
officer-recorded channels, the status flow with a written response, overdue flags and bad input.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback import complaints
from loket.feedback.models import Complaint
from loket.kiosk.models import Kiosk
from loket.printers.models import PrintJob
from loket.timeutil import utcnow


def login(client, username, password="rahasia-123"):
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    return client


def nonce_of(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def count(model=Complaint) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def only_complaint() -> Complaint:
    db.session.expire_all()
    return db.session.scalars(select(Complaint)).one()


def send(client, path="/pengaduan/baru", **fields):
    data = {"category": "pengaduan", "message": "Antrean loket A terlalu lama."}
    data.update(fields)
    return client.post(path, data=data)


@pytest.fixture
def supervisor(app, make_user):
    """A test client logged in as a supervisor."""
    make_user("supervisor1", role="supervisor", counters=())
    return login(app.test_client(), "supervisor1")


# --- the public complaint box -----------------------------------------------------------------

def test_anonymous_complaint_gets_a_tracking_code(ctx, client, published):
    form = client.get("/pengaduan/baru")
    assert form.status_code == 200
    assert "pengaduan anonim tetap kami tangani" in form.get_data(as_text=True)
    response = send(client, service="A")
    assert response.status_code == 303
    stored = only_complaint()
    assert (stored.category, stored.channel, stored.status) == ("pengaduan", "web", "received")
    assert stored.name is None and stored.contact is None
    assert stored.service.code == "A"
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}", stored.code)
    assert response.headers["Location"].startswith(f"/pengaduan/{stored.code}?baru=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = f"{stored.code[:5]}-{stored.code[5:]}"
    assert f'id="tracking-code">{shown}<' in page
    assert "<svg" in page  # the QR code to keep, drawn without JavaScript
    assert "Diterima" in page and "Belum ada tanggapan" in page
    # staff are told through their own room, without the message text or any personal data
    event = [e for e in published if e.name == "complaint.received"][-1]
    assert event.rooms == (f"complaints:{stored.office_id}",) and set(event.public) == {"id", "status"}


@pytest.mark.parametrize("category", ["saran", "masukan"])
def test_suggestions_and_input_use_the_same_box(ctx, client, category):
    assert send(client, category=category).status_code == 303
    assert only_complaint().category == category


def test_lookup_accepts_the_code_as_people_type_it(ctx, client):
    send(client)
    code = only_complaint().code
    typed = f" {code[:5].lower()}-{code[5:]} "
    response = client.get("/pengaduan", query_string={"kode": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/pengaduan/{code}"
    assert client.get(f"/pengaduan/{code.lower()}").status_code == 302
    bad = client.get("/pengaduan", query_string={"kode": "abc"})
    assert bad.status_code == 400 and "10 huruf/angka" in bad.get_data(as_text=True)
    missing = client.get("/pengaduan/ABCDEFGHJK")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.get_data(as_text=True)


def test_kiosk_complaint_prints_a_slip_with_the_code_and_qr(ctx, client):
    form = client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True)
    assert 'name="kiosk" value="1"' in form
    response = send(client, kiosk="1", nonce=nonce_of(form))
    assert response.status_code == 303
    stored = only_complaint()
    assert (stored.channel, stored.kiosk_id) == ("kiosk", "1")
    job = db.session.scalars(select(PrintJob)).one()
    assert (job.kiosk_id, job.kind) == ("1", "complaint")
    payload = job.payload
    assert f"{stored.code[:5]}-{stored.code[5:]}".encode() in payload
    assert f"http://loket.test/pengaduan/{stored.code}".encode() in payload  # the QR's data
    assert b"\x1d(k" in payload  # native ESC/POS QR command
    from loket.printers import jobs

    jobs.wait_for_sends()
    db.session.expire_all()
    assert db.session.get(PrintJob, job.id).status == "sent"  # kiosk 1's (preview) printer took it
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sedang dicetak" in page and 'href="/kiosk/1"' in page


def test_kiosk_without_a_working_printer_still_takes_the_complaint(ctx, client):
    kiosk = db.session.get(Kiosk, "1")
    kiosk.printer = {}
    db.session.commit()
    response = send(client, kiosk="1")
    assert response.status_code == 303
    assert count() == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tidak dapat dicetak" in page and "sedang dicetak" not in page


def test_the_same_form_sent_twice_is_stored_and_printed_once(ctx, client):
    nonce = nonce_of(client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True))
    first = send(client, kiosk="1", nonce=nonce)
    second = send(client, kiosk="1", nonce=nonce)
    assert first.status_code == second.status_code == 303
    code = only_complaint().code
    assert f"/pengaduan/{code}?" in second.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "hanya dicatat sekali" in page and code[:5] in page
    assert count() == 1 and count(PrintJob) == 1


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"message": "x" * 2001}, "maksimal 2000 karakter"),
    ({"message": "   "}, "Tuliskan isi pengaduan"),
    ({"category": "spam"}, "Pilih jenis"),
    ({"service": "Z"}, "Layanan tidak dikenal"),
    ({"name": "n" * 121}, "Nama terlalu panjang"),
    ({"contact": "c" * 121}, "Kontak terlalu panjang"),
])
def test_bad_complaints_get_a_clear_answer_and_are_not_stored(ctx, client, fields, message):
    response = send(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_message_of_exactly_the_maximum_length_is_accepted(ctx, client):
    assert send(client, message="y" * complaints.MESSAGE_MAX).status_code == 303


def test_script_in_a_message_is_shown_as_text_everywhere(ctx, client, officer):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    send(client, message=script, name="<b>Budi</b>", service="A")
    item = only_complaint()
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    for html in (client.get(f"/pengaduan/{item.code}").get_data(as_text=True),
                 officer.get(f"/admin/pengaduan/{item.id}").get_data(as_text=True)):
        assert escaped in html
        assert "<script>alert" not in html and "<img src=x" not in html
    listing = officer.get("/admin/pengaduan").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


# --- privacy ------------------------------------------------------------------------------------

def test_contact_details_are_shown_to_supervisors_only(app, client, officer, supervisor, admin_client):
    # No `ctx` here: requests inside one pushed app context would share flask.g and its logged-in user.
    # About service A, which the officer's counter serves: the officer handles it.
    send(client, name="Ni Made <b>Sari</b>", contact="0812-3456-7890", message="Petugas loket 1 tidak ramah.",
         service="A")
    with app.app_context():
        item = only_complaint()
        code, item_id = item.code, item.id
    public = client.get(f"/pengaduan/{code}").get_data(as_text=True)
    assert "Ni Made" not in public and "0812-3456-7890" not in public
    anonymous = app.test_client().get(f"/admin/pengaduan/{item_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert app.test_client().get("/admin/pengaduan").status_code == 302
    # The complaint may be about the officer: they handle it without learning who sent it.
    seen_by_officer = officer.get(f"/admin/pengaduan/{item_id}")
    assert seen_by_officer.status_code == 200
    html = seen_by_officer.get_data(as_text=True)
    assert "Ni Made" not in html and "0812-3456-7890" not in html
    assert "Petugas loket 1 tidak ramah." in html and 'id="status"' in html and 'name="response"' in html
    assert "hanya terlihat oleh supervisor" in html
    assert "Ni Made" not in officer.get("/admin/pengaduan").get_data(as_text=True)
    # Officers still answer it; the response is shown to them.
    assert officer.post(f"/admin/pengaduan/{item_id}",
                        data={"status": "answered", "response": "Kami minta maaf."}).status_code == 303
    html = officer.get(f"/admin/pengaduan/{item_id}").get_data(as_text=True)
    assert "Kami minta maaf." in html and "0812-3456-7890" not in html
    for staff in (supervisor, admin_client):
        html = staff.get(f"/admin/pengaduan/{item_id}").get_data(as_text=True)
        assert "Ni Made &lt;b&gt;Sari&lt;/b&gt;" in html and "0812-3456-7890" in html  # shown, as text
        assert "hanya terlihat oleh supervisor" not in html


def test_officer_does_not_see_the_contact_of_a_complaint_they_recorded(ctx, officer):
    response = officer.post("/admin/pengaduan/baru", data={
        "channel": "phone", "category": "pengaduan", "message": "Lewat telepon.",
        "name": "Pak Wayan", "contact": "0361-123456"})
    assert response.status_code == 303
    html = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lewat telepon." in html and "0361-123456" not in html


# --- officers: other channels and the status flow ---------------------------------------------

@pytest.mark.parametrize("channel", ["phone", "email", "letter", "suggestion_box", "sp4n_lapor",
                                     "klungkung_mesadu", "in_person"])
def test_officer_records_complaints_from_other_channels(ctx, officer, channel):
    form = officer.get("/admin/pengaduan/baru").get_data(as_text=True)
    assert f'value="{channel}"' in form
    response = officer.post("/admin/pengaduan/baru", data={"channel": channel, "category": "pengaduan",
                                                           "message": "Disampaikan lewat saluran lain."})
    assert response.status_code == 303
    item = only_complaint()
    assert item.channel == channel and item.recorded_by_id is not None
    assert response.headers["Location"] == f"/admin/pengaduan/{item.id}"


def test_officers_cannot_pretend_a_complaint_came_from_the_kiosk(ctx, officer):
    for channel in ("kiosk", "web", "fax"):
        response = officer.post("/admin/pengaduan/baru", data={"channel": channel, "category": "saran",
                                                               "message": "x"})
        assert response.status_code == 400 and "Saluran tidak dikenal" in response.get_data(as_text=True)
    assert count() == 0


def test_recording_needs_a_staff_login(app):
    anonymous = app.test_client()
    assert anonymous.post("/admin/pengaduan/baru", data={"channel": "phone", "category": "saran",
                                                         "message": "x"}).status_code == 302
    with app.app_context():
        assert count() == 0


def test_status_flow_with_written_response_is_shown_publicly(ctx, client, officer, published):
    send(client, service="A")
    item = only_complaint()
    admin_url, public_url = f"/admin/pengaduan/{item.id}", f"/pengaduan/{item.code}"

    def public_status():
        html = client.get(public_url).get_data(as_text=True)
        return re.search(r'id="complaint-status">([^<]+)<', html).group(1), html

    assert public_status()[0] == "Diterima"
    assert officer.post(admin_url, data={"status": "in_progress"}).status_code == 303
    assert public_status()[0] == "Sedang diproses"

    # answering needs the written response; what was typed is kept beside the error
    empty = officer.post(admin_url, data={"status": "answered", "response": "  "})
    assert empty.status_code == 400 and "Tuliskan tanggapan" in empty.get_data(as_text=True)
    assert only_complaint().status == "in_progress"

    answer = "Terima kasih. Mulai Senin kami membuka loket tambahan untuk layanan A."
    assert officer.post(admin_url, data={"status": "answered", "response": answer}).status_code == 303
    status, html = public_status()
    assert status == "Dijawab" and answer in html and "Belum ada tanggapan" not in html

    assert officer.post(admin_url, data={"status": "closed"}).status_code == 303
    status, html = public_status()
    assert status == "Selesai" and answer in html
    stored = only_complaint()
    assert stored.in_progress_at and stored.answered_at and stored.closed_at and stored.handled_by_id

    # a closed complaint does not move back
    again = officer.post(admin_url, data={"status": "in_progress"})
    assert again.status_code == 409 and "tidak bisa diubah" in again.get_data(as_text=True)
    names = [e.name for e in published if e.name.startswith("complaint.")]
    assert names == ["complaint.received", "complaint.in_progress", "complaint.answered", "complaint.closed"]


def test_status_rules(ctx, client):
    send(client)
    item = only_complaint()
    with pytest.raises(complaints.TransitionNotAllowed):
        complaints.change_status(item, "closed")  # not answered yet
    with pytest.raises(complaints.InvalidInput):
        complaints.change_status(item, "received")
    with pytest.raises(complaints.InvalidInput):
        complaints.change_status(item, "answered", response="r" * (complaints.RESPONSE_MAX + 1))
    complaints.change_status(item, "answered", response="Sudah kami tindak lanjuti.")  # straight from received
    complaints.change_status(item, "answered", response="Koreksi: sudah ditindaklanjuti.")
    assert item.response == "Koreksi: sudah ditindaklanjuti."


def test_complaint_list_filters_by_status(ctx, client, officer):
    send(client, message="pertama", service="A")
    send(client, message="kedua", service="A")
    first, second = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    complaints.change_status(second, "answered", response="ok")
    open_page = officer.get("/admin/pengaduan").get_data(as_text=True)
    assert first.code in open_page and second.code not in open_page
    answered = officer.get("/admin/pengaduan?status=answered")
    assert answered.status_code == 200
    assert second.code in answered.get_data(as_text=True) and first.code not in answered.get_data(as_text=True)
    everything = officer.get("/admin/pengaduan?status=all").get_data(as_text=True)
    assert first.code in everything and second.code in everything
    assert officer.get("/admin/pengaduan?status=nonsense").status_code == 200


# --- overdue ------------------------------------------------------------------------------------

@pytest.fixture
def app_config():
    return {"LOKET_COMPLAINT_RESPONSE_DAYS": 3, "LOKET_HOLIDAYS": "2026-12-25"}


def test_due_date_counts_working_days_and_holidays(ctx):
    # received Monday 21 Dec 2026 (office-local); 3 working days skip Christmas (Fri 25 Dec)
    item = complaints.submit(category="pengaduan", message="x", now=datetime(2026, 12, 21, 2, 0))
    assert complaints.due_date(item) == date(2026, 12, 24)
    friday = complaints.submit(category="pengaduan", message="y", now=datetime(2026, 12, 18, 2, 0))
    assert complaints.due_date(friday) == date(2026, 12, 23)  # Mon, Tue, Wed
    assert not complaints.is_overdue(item, now=datetime(2026, 12, 24, 15, 0))  # 23:00 WITA on the due day
    assert complaints.is_overdue(item, now=datetime(2026, 12, 24, 16, 1))  # 00:01 WITA the day after


def test_overdue_complaints_are_flagged_for_officers(ctx, client, officer):
    old = complaints.submit(category="pengaduan", message="lama", now=utcnow() - timedelta(days=10),
                            service_code="A")
    fresh = complaints.submit(category="pengaduan", message="baru", service_code="A")
    late_answer = complaints.submit(category="saran", message="dijawab terlambat",
                                    now=utcnow() - timedelta(days=20), service_code="A")
    complaints.change_status(late_answer, "answered", response="maaf terlambat",
                             now=utcnow() - timedelta(days=1))
    assert complaints.is_overdue(old) and not complaints.is_overdue(fresh)
    assert complaints.is_overdue(late_answer)

    listing = officer.get("/admin/pengaduan").get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="(overdue|)" data-code="([A-Z0-9]+)">', listing)[i][::-1]
                for i in range(2))
    assert rows == {old.code: "overdue", fresh.code: ""}
    summary = officer.get("/admin/").get_data(as_text=True)
    assert re.search(r'id="open-count">2<', summary) and re.search(r'id="overdue-count">1<', summary)
    detail = officer.get(f"/admin/pengaduan/{old.id}").get_data(as_text=True)
    assert "badge-late" in detail
    assert "badge-late" not in officer.get(f"/admin/pengaduan/{fresh.id}").get_data(as_text=True)


def test_due_date_follows_the_office_holiday_calendar(ctx):
    from loket.queue import hours

    item = complaints.submit(category="pengaduan", message="x", now=datetime(2027, 3, 1, 2, 0))  # Monday
    before = complaints.due_date(item)
    hours.add_holiday(before, "Hari raya")
    db.session.commit()
    after = complaints.due_date(item)
    assert after > before and after.weekday() < 5


def test_due_date_skips_the_offices_own_closed_days(ctx):
    """As a case's due dates do: the office closed on Friday 4 Dec (rapat kerja) moves the answer to Monday."""
    from loket.offices import settings
    from loket.offices.scope import default_office

    item = complaints.submit(category="pengaduan", message="x", now=datetime(2026, 12, 1, 2, 0))  # Tue
    assert complaints.due_date(item) == date(2026, 12, 4)  # Wed, Thu, Fri
    settings.set_exception(default_office(), "2026-12-04", "", "Rapat kerja", None)
    db.session.commit()
    assert complaints.due_date(item) == date(2026, 12, 7)  # Wed, Thu, Mon


def test_response_time_is_configurable(app, ctx):
    item = complaints.submit(category="pengaduan", message="x", now=datetime(2026, 12, 1, 2, 0))  # Tue
    assert complaints.due_date(item) == date(2026, 12, 4)
    app.config["LOKET_COMPLAINT_RESPONSE_DAYS"] = 10
    assert complaints.due_date(item) == date(2026, 12, 15)


def test_kiosk_receipt_goes_home_by_itself(app, ctx, client):
    app.config["LOKET_KIOSK_IDLE_SECONDS"] = 45
    at_kiosk = client.get(send(client, kiosk="1").headers["Location"]).get_data(as_text=True)
    # a receipt is a confirmation: it clears after the done time (20 s), sooner than the idle time
    assert '<noscript><meta http-equiv="refresh" content="20;url=/kiosk/1?lang=id"></noscript>' in at_kiosk
    app.config["LOKET_KIOSK_IDLE_SECONDS"] = 15  # never longer than the idle time
    at_kiosk = client.get(send(client, kiosk="1").headers["Location"]).get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="15;url=/kiosk/1?lang=id"></noscript>' in at_kiosk
    on_phone = client.get(send(client).headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in on_phone


def test_officer_records_the_day_a_letter_arrived(ctx, officer):
    from loket.timeutil import local_day

    arrived = local_day() - timedelta(days=20)
    response = officer.post("/admin/pengaduan/baru", data={
        "channel": "letter", "category": "pengaduan", "message": "Surat dari penyedia.",
        "received_on": arrived.isoformat()})
    assert response.status_code == 303
    item = only_complaint()
    assert local_day(item.received_at) == arrived
    assert complaints.is_overdue(item)  # 20 days ago, 3 working days to answer
    listing = officer.get("/admin/pengaduan").get_data(as_text=True)
    assert f'<tr class="overdue" data-code="{item.code}">' in listing


@pytest.mark.parametrize("typed, message", [
    ("2026-02-30", "tidak valid"),
    ("kemarin", "tidak valid"),
    ("2999-01-01", "masa depan"),
    ("2000-01-01", "paling lama 90 hari"),
])
def test_bad_received_dates_are_refused(ctx, officer, typed, message):
    response = officer.post("/admin/pengaduan/baru", data={
        "channel": "letter", "category": "pengaduan", "message": "x", "received_on": typed})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count() == 0


def test_received_today_keeps_the_current_time(ctx, officer):
    from loket.timeutil import local_day

    before = utcnow()
    officer.post("/admin/pengaduan/baru", data={"channel": "phone", "category": "saran", "message": "x",
                                                "received_on": local_day().isoformat()})
    assert only_complaint().received_at >= before.replace(microsecond=0) - timedelta(seconds=1)
