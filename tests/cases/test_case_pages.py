"""The officers' case pages through HTTP: the worklist and its marks, the case page and each action, registering
a letter, opening a case from the ticket at the counter, office scoping, CSRF, and the pages in English.

Dates are relative to the office's today (cases may be received in the past, never in the future).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loket.auth.models import User
from loket.cases import core
from loket.cases.models import CANCELLED, DONE, OPEN, WAITING, Case, CaseEvent
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue import core as queue
from loket.queue.models import Counter, Service
from loket.timeutil import local_day
from escpos_tools import native_qr_payloads
from support import login

REQUESTER, CONTACT = "Dinas Pekerjaan Umum dan Penataan Ruang", "Ni Luh Putu Sari"


@pytest.fixture
def budi(app, make_user):
    """An officer of the first office at counters 2, 4 and 6 (the services with milestones), logged in."""
    make_user("budi", counters=(2, 4, 6))
    return login(app.test_client(), "budi")


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code, Service.office_id == default_office().id))


def _letter(app, code="D", username="budi", days_ago=0, **kwargs) -> int:
    """A letter registered through the domain by `username` (its assignee) `days_ago` days back; its id."""
    with app.app_context():
        actor = _user(username)
        kwargs.setdefault("channel", {"D": "in_person", "F": "e_surat"}[code])
        case = core.register_letter(_service(code), actor, kwargs.pop("channel"), REQUESTER, CONTACT,
                                    local_day() - timedelta(days=days_ago), assignee=actor, **kwargs)
        case_id = case.id
        db.session.remove()
    return case_id


def _case(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge_all()
        return case


def _kinds(app, case_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                       .order_by(CaseEvent.id)))


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def _row(html: str, code: str) -> str:
    return re.search(r'<tr[^>]*data-code="%s".*?</tr>' % re.escape(code), html, re.S).group(0)


# --- the worklist ------------------------------------------------------------------------------

def test_the_worklist_marks_an_overdue_case_and_one_waiting_for_documents(app, budi):
    late = _letter(app, "D", days_ago=30)  # disposition due one working day after: long past
    waiting = _letter(app, "D", days_ago=2, documents_received=[1])  # the DPP is missing
    html = budi.get("/admin/berkas").get_data(as_text=True)
    late_case, waiting_case = _case(app, late), _case(app, waiting)
    row = _row(html, late_case.code)
    assert "terlambat" in row and 'class="overdue"' in row and REQUESTER in row and "Pemilihan Penyedia" in row
    assert f'href="/admin/berkas/{late}"' in row and "Penerimaan surat permohonan" in row
    row = _row(html, waiting_case.code)
    assert "menunggu kelengkapan berkas" in row and "Dokumen Persiapan Pemilihan (DPP)" in row
    assert "terlambat" not in row
    # Soonest due first, waiting ones last.
    assert html.index(late_case.code) < html.index(waiting_case.code)


def test_the_worklist_marks_a_case_due_today(app, budi):
    # Tender cepat: 10 calendar days from the review's completion ten days ago: due today, whatever the weekday.
    case_id = _letter(app, "D", days_ago=10, variant="tender_cepat")
    with app.app_context():
        case, budi_user, day = db.session.get(Case, case_id), _user("budi"), local_day() - timedelta(days=10)
        case = core.complete_milestone(case, "disposisi", budi_user, day=day)
        case = core.complete_milestone(case, "reviu_dpp", budi_user, day=day)
        assert case.next_due == local_day()
        code = case.code
        db.session.remove()
    row = _row(budi.get("/admin/berkas").get_data(as_text=True), code)
    assert "jatuh tempo hari ini" in row and "terlambat" not in row and 'class="due-today"' in row


def test_officers_see_their_own_cases_by_default_and_everyone_s_with_semua(app, budi, make_user):
    make_user("sari", counters=(4,))
    mine, theirs = _letter(app, "D", "budi"), _letter(app, "D", "sari")
    codes = _case(app, mine).code, _case(app, theirs).code
    html = budi.get("/admin/berkas").get_data(as_text=True)
    assert codes[0] in html and codes[1] not in html
    html = budi.get("/admin/berkas?untuk=semua").get_data(as_text=True)
    assert codes[0] in html and codes[1] in html


def test_supervisors_see_every_case_and_filter_by_officer(app, budi, make_user):
    make_user("kepala", role="supervisor", counters=())
    make_user("sari", counters=(4,))
    mine, theirs = _letter(app, "D", "budi"), _letter(app, "D", "sari")
    codes = _case(app, mine).code, _case(app, theirs).code
    kepala = login(app.test_client(), "kepala")
    html = kepala.get("/admin/berkas").get_data(as_text=True)
    assert codes[0] in html and codes[1] in html and 'id="petugas"' in html
    with app.app_context():
        sari = _user("sari").id
    html = kepala.get(f"/admin/berkas?petugas={sari}").get_data(as_text=True)
    assert codes[0] not in html and codes[1] in html


# --- the case page and its actions ---------------------------------------------------------------

def test_the_case_page_shows_milestones_documents_the_log_and_the_tracking_link(app, budi):
    case_id = _letter(app, "D", days_ago=1)
    case = _case(app, case_id)
    response = budi.get(f"/admin/berkas/{case_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert case.code in html and f"/b/{case.token}" in html and REQUESTER in html and CONTACT in html
    assert html.count('<tr data-key="') == 3 and "Reviu Dokumen Persiapan Pengadaan" in html
    assert "Dokumen Persiapan Pemilihan (DPP)" in html and 'id="documents"' in html
    assert 'data-kind="opened"' in html and "Budi" in html  # the log names who did it
    for form in ("complete-form", "wait-form", "variant-form", "reassign-form", "cancel-form"):
        assert f'id="{form}"' in html, form
    assert 'id="escalate-form"' not in html  # only helpdesk cases go on to LKPP


def test_completing_milestones_with_a_note_walks_the_case_to_its_end(app, budi):
    case_id = _letter(app, "D", days_ago=0)
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan",
                         data={"milestone": "disposisi", "note": "Surat tugas 12"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/berkas/{case_id}?ok=1")
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert "Surat tugas 12" in html and 'data-kind="milestone"' in html
    # A stale page (the milestone already done) is refused, readable, and changes nothing.
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"})
    assert response.status_code == 409 and "Tahap ini sudah selesai." in response.get_data(as_text=True)
    assert budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "reviu_dpp"}).status_code == 303
    # The last milestone needs the selection method first.
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "pemilihan"})
    assert response.status_code == 409 and "Pilih dulu metodenya" in response.get_data(as_text=True)
    response = budi.post(f"/admin/berkas/{case_id}/metode", data={"variant": ""})
    assert response.status_code == 400 and 'id="variant-error"' in response.get_data(as_text=True)
    assert budi.post(f"/admin/berkas/{case_id}/metode", data={"variant": "tender_cepat"}).status_code == 303
    assert budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "pemilihan"}).status_code == 303
    assert _case(app, case_id).state == DONE
    assert _kinds(app, case_id) == ["opened", "milestone", "milestone", "variant", "milestone", "done"]
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'id="complete-form"' not in html and "selesai" in html


def test_waiting_for_documents_stops_the_clock_and_needs_what_is_missing(app, budi):
    case_id = _letter(app, "D", days_ago=0)
    response = budi.post(f"/admin/berkas/{case_id}/tunggu", data={"missing": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="missing-error"' in html and "Wajib diisi." in html
    assert _kinds(app, case_id) == ["opened"]
    response = budi.post(f"/admin/berkas/{case_id}/tunggu", data={"missing": "Revisi HPS"})
    assert response.status_code == 303 and _case(app, case_id).state == WAITING
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'id="arrived-form"' in html and "Revisi HPS" in html and 'id="pauses"' in html
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"})
    assert response.status_code == 409 and "menunggu kelengkapan" in response.get_data(as_text=True)
    assert budi.post(f"/admin/berkas/{case_id}/lengkap", data={}).status_code == 303
    assert _case(app, case_id).state == OPEN
    assert _kinds(app, case_id) == ["opened", "waiting", "documents_arrived"]


def test_ticking_a_document_reassigning_and_cancelling(app, budi, make_user):
    make_user("sari", counters=(4,))
    case_id = _letter(app, "D", days_ago=0, documents_received=[1])
    assert budi.post(f"/admin/berkas/{case_id}/persyaratan/2", data={"received": "1"}).status_code == 303
    assert [d.received for d in _documents(app, case_id)] == [True, True]
    assert budi.post(f"/admin/berkas/{case_id}/persyaratan/9", data={"received": "1"}).status_code == 404
    with app.app_context():
        sari = _user("sari").id
    assert budi.post(f"/admin/berkas/{case_id}/tugaskan", data={"assignee": str(sari)}).status_code == 303
    assert _case(app, case_id).assignee_id == sari
    response = budi.post(f"/admin/berkas/{case_id}/tugaskan", data={"assignee": "999"})
    assert response.status_code == 400 and "Pilihan tidak dikenal." in response.get_data(as_text=True)
    response = budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": ""})
    assert response.status_code == 400 and 'id="reason-error"' in response.get_data(as_text=True)
    assert _case(app, case_id).state == WAITING
    assert budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "Ditarik OPD"}).status_code == 303
    assert _case(app, case_id).state == CANCELLED
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert "Ditarik OPD" in html and 'id="cancel-form"' not in html


def _documents(app, case_id):
    with app.app_context():
        documents = list(db.session.get(Case, case_id).documents)
        db.session.expunge_all()
        return documents


def test_a_short_lead_time_is_shown_as_a_warning_with_its_reason(app, budi):
    case_id = _letter(app, "F", days_ago=0, activity_day=local_day() + timedelta(days=2))
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    warning = re.search(r'<div class="notice notice-warn" id="lead-time-warning".*?</div>', html, re.S).group(0)
    assert "standar minimal 5 hari kerja" in warning
    html = budi.get(f"/admin/berkas/{case_id}?lang=en").get_data(as_text=True)
    assert "the standard asks for at least 5 working days" in html


# --- registering a letter ----------------------------------------------------------------------

def test_registering_a_letter_opens_the_case(app, budi):
    page = budi.get("/admin/berkas/baru?layanan=F").get_data(as_text=True)
    assert 'value="e_surat"' in page and 'value="courier"' in page and 'name="activity_day"' in page
    assert "Surat permohonan yang memuat" in page
    assert 'value="B"' not in page  # the helpdesk takes no letters: opened from a ticket only
    received = local_day() - timedelta(days=3)
    response = budi.post("/admin/berkas/baru", data={
        "service": "F", "channel": "courier", "received_on": received.isoformat(), "requester": REQUESTER,
        "contact_name": CONTACT, "contact_email": "sari@example.go.id", "consent": "y", "documents": ["1", "2"],
        "activity_day": (received + timedelta(days=30)).isoformat()})
    assert response.status_code == 303
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    case = _case(app, case_id)
    assert (case.channel, case.received_on, case.contact_email, case.contact_consent, case.state) == (
        "courier", received, "sari@example.go.id", True, OPEN)
    with app.app_context():
        assert case.assignee_id == _user("budi").id


def test_a_letter_is_never_saved_under_a_service_other_than_the_one_picked(app, budi):
    """The service list and the letter are one form: a service changed in the list and sent with "Simpan"
    (or with "Pilih layanan") shows that service's form again, with what was typed, and saves nothing."""
    form = budi.get("/admin/berkas/baru?layanan=D").get_data(as_text=True)
    post = form[form.index('<form method="post"'):]
    assert '<select name="service" id="layanan">' in post[:post.index("</form>")]  # the list is sent with the letter
    assert 'type="hidden" name="service"' not in form
    before = _count(app)
    typed = {"shown": "D", "service": "F", "channel": "in_person", "received_on": local_day().isoformat(),
             "requester": REQUESTER, "contact_name": CONTACT, "documents": ["1"]}
    for extra in ({}, {"pick": "1"}):
        response = budi.post("/admin/berkas/baru", data={**typed, **extra})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and _count(app) == before
        assert re.search(r'id="chosen-service">F · ', html) and 'name="activity_day"' in html  # F's own form
        assert 'name="shown" value="F"' in html and f'value="{REQUESTER}"' in html and f'value="{CONTACT}"' in html
        assert 'id="service-switched"' in html and 'value="e_surat"' in html  # F's channels
        assert html.count('name="documents" type="checkbox" value=') == html.count("checked", html.index('id="documents"'))
    received = local_day() - timedelta(days=20)
    response = budi.post("/admin/berkas/baru", data={**typed, "shown": "F", "channel": "e_surat",
                                                     "received_on": received.isoformat(), "documents": ["1", "2"],
                                                     "activity_day": (received + timedelta(days=30)).isoformat()})
    assert response.status_code == 303
    with app.app_context():
        case = db.session.get(Case, int(response.headers["Location"].rsplit("/", 1)[1]))
        assert (case.service.code, case.channel) == ("F", "e_surat")


def test_bad_input_is_a_400_beside_its_field_with_nothing_lost_or_saved(app, budi):
    before = _count(app)
    data = {"service": "D", "channel": "in_person", "received_on": local_day().isoformat(), "requester": REQUESTER,
            "contact_name": CONTACT, "contact_email": "sari@example.go.id", "documents": ["1"], "variant": "tender"}
    response = budi.post("/admin/berkas/baru", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'id="contact_email-error">([^<]*)<', html).group(1)
    assert error == "Email narahubung hanya disimpan dengan persetujuannya."
    assert f'value="{REQUESTER}"' in html and 'value="sari@example.go.id"' in html
    assert '<option selected value="tender">' in html
    response = budi.post("/admin/berkas/baru", data={**data, "contact_email": "", "requester": "",
                                                     "received_on": (local_day() + timedelta(days=1)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="requester-error"' in html
    tomorrow = (local_day() + timedelta(days=1)).isoformat()
    response = budi.post("/admin/berkas/baru?lang=en", data={**data, "contact_email": "", "received_on": tomorrow})
    assert response.status_code == 400
    assert re.search(r'id="received_on-error">([^<]*)<', response.get_data(as_text=True)).group(1) == \
        "The date received cannot be in the future."
    assert _count(app) == before


# --- from the ticket at the counter --------------------------------------------------------------

def test_an_officer_opens_a_case_from_the_ticket_at_the_counter(app, budi):
    with app.app_context():
        queue.issue_ticket("B")
        counter = db.session.scalar(select(Counter).where(Counter.number == 2,
                                                          Counter.office_id == default_office().id))
        ticket = queue.call_next(counter)
        ticket_id, counter_id = ticket.id, counter.id
        db.session.remove()
    workspace = budi.get(f"/counter/{counter_id}/workspace").get_data(as_text=True)
    assert f'href="/admin/berkas/dari-tiket/{ticket_id}"' in workspace
    form = budi.get(f"/admin/berkas/dari-tiket/{ticket_id}")
    assert form.status_code == 200 and 'name="requester"' in form.get_data(as_text=True)
    assert "checked" in form.get_data(as_text=True)  # nothing ticked at the counter: every document ticked
    assert "checked" in budi.get(f"/admin/berkas/dari-tiket/{ticket_id}?ada=x&ada=99").get_data(as_text=True)
    response = budi.post(f"/admin/berkas/dari-tiket/{ticket_id}", data={"requester": "", "contact_name": ""})
    assert response.status_code == 400 and 'id="contact_name-error"' in response.get_data(as_text=True)
    response = budi.post(f"/admin/berkas/dari-tiket/{ticket_id}", data={
        "requester": "CV Karya Mandiri", "contact_name": "I Made Wirawan", "documents": ["1"]})
    assert response.status_code == 303 and response.headers["Location"].endswith("?baru=1")
    case_id = int(response.headers["Location"].split("?")[0].rsplit("/", 1)[1])
    case = _case(app, case_id)
    assert (case.ticket_id, case.channel, case.requester) == (ticket_id, "loket", "CV Karya Mandiri")
    offered = budi.get(response.headers["Location"]).get_data(as_text=True)  # the slip, offered at once
    assert 'id="case-opened"' in offered and 'class="case-slip slip-offer"' in offered and 'id="print-slip"' in offered
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'id="case-opened"' not in html and 'id="print-slip"' in html
    assert 'id="escalate-form"' in html and f'href="/counter/{counter_id}" id="back-to-counter"' in html
    assert budi.post(f"/admin/berkas/{case_id}/lkpp", data={}).status_code == 303
    assert _case(app, case_id).variant == "lkpp"
    # Again from the same ticket: the case it already has.
    again = budi.get(f"/admin/berkas/dari-tiket/{ticket_id}")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/admin/berkas/{case_id}")


def test_only_a_ticket_at_one_of_the_officers_counters_opens_a_case(app, budi, make_user):
    with app.app_context():
        queue.issue_ticket("A")
        other = db.session.scalar(select(Counter).where(Counter.number == 1, Counter.office_id == default_office().id))
        ticket_id = queue.call_next(other).id
        waiting_id = queue.issue_ticket("B").id
        db.session.remove()
    assert budi.get(f"/admin/berkas/dari-tiket/{ticket_id}").status_code == 403  # counter 1 is not budi's
    assert budi.get(f"/admin/berkas/dari-tiket/{waiting_id}").status_code == 409  # not at a counter yet
    assert budi.post(f"/admin/berkas/dari-tiket/{ticket_id}", data={"requester": "X", "contact_name": "Y"}
                     ).status_code == 403
    assert _count(app) == 0


# --- the tracking slip ---------------------------------------------------------------------------

BASE_URL = "https://antrean.example.go.id"


def _kiosk_printer(app, config, kiosk_id="1"):
    from loket.kiosk import core as kiosk_core

    with app.app_context():
        kiosk_core.set_printer_config(kiosk_core.get_kiosk(kiosk_id), config)
        db.session.remove()


def _slip_jobs(app) -> list[tuple[str, str, str]]:
    from loket.printers.models import PrintJob

    with app.app_context():
        return [(j.kiosk_id, j.kind, j.status) for j in db.session.scalars(select(PrintJob).order_by(PrintJob.id))]


@pytest.mark.parametrize("app_config", [{"LOKET_PUBLIC_BASE_URL": BASE_URL}])
def test_the_slip_prints_on_the_kiosk_printer_with_the_code_and_the_tracking_url(app, budi, tcp_printer):
    from loket.printers import jobs

    case_id = _letter(app, "D")
    case = _case(app, case_id)
    _kiosk_printer(app, {**tcp_printer.config, "qr": "native"})
    response = budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/berkas/{case_id}?cetak=queued")
    jobs.wait_for_sends()
    data = tcp_printer.next_job()
    assert case.code.encode() in data
    assert native_qr_payloads(data) == [f"{BASE_URL}/b/{case.token}".encode()]
    html = budi.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-outcome="queued"' in html and "Slip pelacakan dikirim ke printer" in html
    assert _slip_jobs(app) == [("1", "case", "sent")]


@pytest.mark.parametrize("app_config", [{"LOKET_PUBLIC_BASE_URL": BASE_URL}])
def test_a_printer_that_is_off_prints_the_slip_on_a_retry_and_the_case_stays(app, budi, tcp_printer):
    from loket.printers import jobs

    case_id = _letter(app, "D")
    _kiosk_printer(app, {**tcp_printer.config, "qr": "native"})
    port = tcp_printer.port
    tcp_printer.stop()
    response = budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "1"})
    assert response.headers["Location"].endswith("?cetak=queued")  # queued: retried like every print job
    jobs.wait_for_sends()
    assert _slip_jobs(app) == [("1", "case", "failed")]
    assert _case(app, case_id).state == OPEN and budi.get(f"/admin/berkas/{case_id}").status_code == 200
    tcp_printer.port = port
    tcp_printer.start()
    with app.app_context():
        assert jobs.retry_pending(app) == 1
    assert _case(app, case_id).code.encode() in tcp_printer.next_job()
    assert _slip_jobs(app) == [("1", "case", "sent")]


def test_a_preview_printer_says_to_scan_the_qr_code_shown_on_the_page(app, budi):
    case_id = _letter(app, "D")  # kiosk 1 prints to the preview printer in the tests
    response = budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'data-outcome="preview"' in html and "memindai kode QR" in html
    assert 'id="slip-qr"' in html and "<svg" in html


def test_a_kiosk_without_a_printer_is_a_printer_problem_never_a_lost_case(app, budi):
    from loket.kiosk.models import Kiosk

    case_id = _letter(app, "D")
    with app.app_context():
        db.session.get(Kiosk, "1").printer = {}  # never set up
        db.session.commit()
    response = budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'data-outcome="failed"' in html and 'role="alert"' in html and 'id="slip-qr"' in html
    assert _case(app, case_id).state == OPEN and _slip_jobs(app) == [("1", "case", "failed")]


def test_the_officer_picks_the_kiosk_and_the_choice_is_remembered(app, budi, second_office):
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office

    with app.app_context():
        preview = {"kind": "preview", "paper": "80mm", "qr": "native"}
        db.session.add(Kiosk(id="lobi", name="Kios Lobi", printer=preview, offices=[default_office()]))
        db.session.add(Kiosk(id="dk", name="Kios Dukcapil", printer=preview,
                             offices=[db.session.scalar(select(Office).where(Office.code == second_office["code"]))]))
        db.session.commit()
        db.session.remove()
    case_id = _letter(app, "D")
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'name="kiosk"' in html and "Kios Lobi" in html and "Kios Dukcapil" not in html  # the office's kiosks
    assert budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "dk"}).status_code == 400
    assert budi.post(f"/admin/berkas/{case_id}/cetak", data={"kiosk": "lobi"}).status_code == 303
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="lobi"|<option[^>]*value="lobi"[^>]*selected', html)
    assert [kiosk for kiosk, _kind, _status in _slip_jobs(app)] == ["lobi"]


# --- access --------------------------------------------------------------------------------------

def test_anonymous_users_are_sent_to_login(app, budi, client):
    case_id = _letter(app, "D")
    for method, path in (("GET", "/admin/berkas"), ("GET", f"/admin/berkas/{case_id}"), ("GET", "/admin/berkas/baru"),
                         ("POST", f"/admin/berkas/{case_id}/batalkan")):
        response = client.open(path, method=method, data={"reason": "x"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path
    assert _case(app, case_id).state == OPEN


def test_another_offices_staff_get_403(app, budi, make_user, second_office):
    """As for every object of another office (tests/offices/test_office_isolation.py): a readable 403."""
    case_id = _letter(app, "D")
    make_user("dk", counters=(1,), office=second_office["code"])
    make_user("dkboss", role="supervisor", counters=(), office=second_office["code"])
    for username in ("dk", "dkboss"):
        other = login(app.test_client(), username)
        response = other.get(f"/admin/berkas/{case_id}")
        assert response.status_code == 403 and "Berkas ini milik unit layanan lain." in response.get_data(as_text=True)
        assert other.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "x"}).status_code == 403
        assert _case(app, case_id).code not in other.get("/admin/berkas?untuk=semua").get_data(as_text=True)
    assert _case(app, case_id).state == OPEN


def test_the_installation_admin_picks_the_office(app, budi, admin_client, second_office):
    case_id = _letter(app, "D")
    code = _case(app, case_id).code
    assert code in admin_client.get("/admin/berkas").get_data(as_text=True)
    assert code not in admin_client.get(f"/admin/berkas?kantor={second_office['code']}").get_data(as_text=True)
    assert admin_client.get(f"/admin/berkas/{case_id}").status_code == 200


def test_the_log_says_the_day_an_action_took_effect_and_lengths_read_as_words(app, budi):
    case_id = _letter(app, "D", days_ago=10, documents_received=[1])  # waiting from the day it came
    with app.app_context():
        arrived = local_day() - timedelta(days=7)
        core.documents_arrived(db.session.get(Case, case_id), _user("budi"), day=arrived)
        core.complete_milestone(db.session.get(Case, case_id), "disposisi", _user("budi"), note="Disposisi No. 12")
        db.session.remove()
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    log = html[html.index('id="case-log"'):]
    entry = re.search(r'<li data-kind="documents_arrived">(.*?)</li>', log, re.S).group(1)
    assert re.search(r'tanggal \d+ \w+ \d{4}</span>\s*· dicatat', entry)  # the day it came, then when recorded
    milestone = re.search(r'<li data-kind="milestone">(.*?)</li>', log, re.S).group(1)
    assert "Tahap selesai</strong>: " in milestone and "tanggal" not in milestone  # recorded the day it happened
    assert re.search(r'data-note-for="disposisi"><td colspan="5">.*Disposisi No. 12', html, re.S)
    english = budi.get(f"/admin/berkas/{case_id}?lang=en").get_data(as_text=True)
    assert "1 working day<" in english and "30 calendar days" not in english and "day(s)" not in english


def test_an_actions_address_opened_again_leads_to_the_case(app, budi):
    case_id = _letter(app, "D")
    refused = budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": ""})
    assert refused.status_code == 400  # the page now stands at the action's address: reloading it is a GET
    for action in ("selesaikan", "cetak", "tunggu", "lengkap", "metode", "lkpp", "tugaskan", "batalkan",
                   "persyaratan/1"):
        response = budi.get(f"/admin/berkas/{case_id}/{action}")
        assert response.status_code == 303 and response.headers["Location"] == f"/admin/berkas/{case_id}", action
    assert budi.get(f"/admin/berkas/{case_id}/lain").status_code == 404


def test_the_counter_and_the_worklist_link_each_other(app, budi):
    html = budi.get("/admin/pengaduan").get_data(as_text=True)
    assert 'href="/admin/berkas"' in html and 'href="/counter/" id="nav-counter"' in html  # the officer's desk
    with app.app_context():
        counters = {c.number: c.id for c in db.session.scalars(select(Counter).where(
            Counter.office_id == default_office().id))}
    assert 'id="worklist-link" href="/admin/berkas"' in budi.get(f"/counter/{counters[2]}").get_data(as_text=True)


# --- English -------------------------------------------------------------------------------------

def test_the_pages_read_in_english(app, budi):
    case_id = _letter(app, "D", days_ago=30)
    html = budi.get("/admin/berkas?lang=en").get_data(as_text=True)
    assert "overdue" in html and "Requester" in html and "Running milestone" in html
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)  # the session keeps the language
    assert "Complete the milestone" in html and "Cancel the case" in html and "Public tracking page" in html
    html = budi.get("/admin/berkas/baru").get_data(as_text=True)
    assert "Register a request letter" in html and "Contact person" in html


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_every_action_needs_the_csrf_token(app, make_user):
    make_user("budi", counters=(2, 4, 6))
    budi = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', budi.get("/login").get_data(as_text=True)).group(1)
    assert budi.post("/login", data={"username": "budi", "password": "rahasia-123", "csrf_token": token}
                     ).status_code == 302
    case_id = _letter(app, "D")
    for action, data in (("selesaikan", {"milestone": "disposisi"}), ("tunggu", {"missing": "x"}),
                         ("batalkan", {"reason": "x"}), ("metode", {"variant": "tender"}),
                         ("persyaratan/1", {"received": "0"})):
        response = budi.post(f"/admin/berkas/{case_id}/{action}", data=data)
        assert response.status_code == 400, action
    assert _kinds(app, case_id) == ["opened"]
    page = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi", "csrf_token": token})
    assert response.status_code == 303
    before = _count(app)
    response = budi.post("/admin/berkas/baru", data={"service": "D", "channel": "in_person", "requester": "X",
                                                     "contact_name": "Y", "received_on": local_day().isoformat()})
    assert response.status_code == 400 and _count(app) == before


def test_the_method_list_offers_not_chosen_only_while_it_is_and_says_what_to_pick(app, budi):
    case_id = _letter(app, "D")
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert "— belum dipilih —" in html
    response = budi.post(f"/admin/berkas/{case_id}/metode", data={"variant": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="variant-error">([^<]*)<', html).group(1) == "Pilih metode pemilihan."
    assert budi.post(f"/admin/berkas/{case_id}/metode", data={"variant": "tender"}).status_code == 303
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert "— belum dipilih —" not in html and '<option selected value="tender">' in html


def test_a_waiting_case_says_what_ticking_and_documents_arrived_do(app, budi):
    case_id = _letter(app, "D", documents_received=[1])
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'id="arrived-ticks"' in html and 'id="all-documents-in"' not in html
    assert budi.post(f"/admin/berkas/{case_id}/persyaratan/2", data={"received": "1"}).status_code == 303
    html = budi.get(f"/admin/berkas/{case_id}").get_data(as_text=True)
    assert 'id="all-documents-in"' in html and _case(app, case_id).state == WAITING  # a tick alone: still waiting


def test_the_officers_summary_counts_the_offices_cases(app, budi):
    _letter(app, "D", days_ago=30)  # overdue
    _letter(app, "D", documents_received=[1])  # waiting
    _letter(app, "F", activity_day=local_day() + timedelta(days=40))  # on track
    html = budi.get("/admin/").get_data(as_text=True)
    counts = {name: int(re.search(rf'id="cases-{name}">(\d+)<', html).group(1))
              for name in ("running", "due-today", "overdue", "waiting")}
    assert counts == {"running": 3, "due-today": 0, "overdue": 1, "waiting": 1}
    assert 'href="/admin/berkas"' in html[html.index('id="case-cards"'):]
