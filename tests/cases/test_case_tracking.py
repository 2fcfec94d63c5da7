"""The applicant's side of a case (berkas) over HTTP: the tracking page shows the public view and never personal
data, unknown tokens are a friendly 404, the code lookup is lenient and clear, the phone's language is followed,
nothing is cached; and the case's slip carries its code and the tracking page's URL in its QR.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from escpos_tools import TcpPrinter, native_qr_payloads
from loket.auth.models import User
from loket.cases import core
from loket.cases.models import Case
from loket.cases.slip import case_slip, print_slip
from loket.extensions import db
from loket.kiosk.models import Kiosk
from loket.offices.scope import default_office
from loket.printers import jobs, make_dummy, render_slip
from loket.printers.models import PrintJob
from loket.queue import core as queue
from loket.queue.models import Counter, Service
from loket.timeutil import local_day

BASE_URL = "https://layanan.example.go.id"
# Personal data and internal text a case carries, none of which may reach its public page.
REQUESTER, CONTACT, EMAIL = "Dinas Rahasia Contoh", "Ni Luh Putu Sari", "sari.pribadi@example.org"
NOTE, OFFICER = "Catatan internal: PPK sulit dihubungi", "Wayansuryadi"


@pytest.fixture
def app_config():
    return {"LOKET_PUBLIC_BASE_URL": BASE_URL}


@pytest.fixture
def officer(ctx, make_user) -> User:
    return db.session.get(User, make_user("wayansuryadi", counters=(2, 4, 6)))


def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code, Service.office_id == default_office().id))


def selection(officer, **kwargs) -> Case:
    """A Pemilihan Penyedia letter received today with a contact, consent and email."""
    return core.register_letter(service("D"), officer, "in_person", REQUESTER, CONTACT, local_day(),
                                contact_email=EMAIL, consent=True, assignee=officer, **kwargs)


def helpdesk(officer) -> Case:
    """A helpdesk ticket served at counter 2 and opened as a case there."""
    ticket = queue.issue_ticket("B")
    counter = db.session.scalar(select(Counter).where(Counter.services.any(Service.code == "B"),
                                                      Counter.office_id == default_office().id))
    ticket = queue.close_case(queue.call_next(counter))
    return core.open_from_ticket(ticket, officer, requester=REQUESTER, contact_name=CONTACT, contact_email=EMAIL,
                                 consent=True)


def html(response) -> str:
    return response.get_data(as_text=True)


def NOV(day: int) -> date:  # noqa: N802 - reads like the calendar of the cases below
    return date(2026, 11, day)


DEC1 = date(2026, 12, 1)  # Tuesday: "today" of the cases below, whatever the machine's clock says


@pytest.fixture
def december(officer, monkeypatch):
    """The office's today is Tue 1 Dec 2026 for the case domain (and so for the tracking page)."""
    real = core.local_day
    monkeypatch.setattr(core, "local_day", lambda value=None: real(value) if value is not None else DEC1)
    return officer


def fast_tender(officer, received_on: date) -> Case:
    """A Pemilihan Penyedia letter (Tender Cepat) received on `received_on` with every document.
    November and December 2026 up to the 24th have no holiday, so the office works Monday to Friday:
    disposisi is due 1 working day after receipt, the DPP review 1 working day after that, the
    selection 10 calendar days after the review."""
    return core.register_letter(service("D"), officer, "in_person", REQUESTER, CONTACT, received_on,
                                variant="tender_cepat", contact_email=EMAIL, consent=True, assignee=officer)


def steps(view: dict) -> list[tuple]:
    return [(m["key"], m["status"], m["due"], m["completed"], m["on_time"], m["late_days"]) for m in view["milestones"]]


# --- the tracking page ----------------------------------------------------------------------

def test_the_tracking_page_shows_the_milestones_and_no_personal_data(officer, client):
    case = core.complete_milestone(selection(officer), "disposisi", officer, note=NOTE)
    token, code = case.token, case.code
    response = client.get(f"/b/{token}")
    assert response.status_code == 200
    page = html(response)
    assert code in page and 'lang="id">Pelayanan Pemilihan Penyedia Barang/Jasa Pemerintah</p>' in page
    assert "Status: <strong>Diproses</strong>" in page
    done, running, later = re.findall(r'<li class="milestone milestone-(\w+)" data-key="(\w+)"', page)
    assert [done, running, later] == [("done", "disposisi"), ("next", "reviu_dpp"), ("later", "pemilihan")]
    next_due = core.public_view(case)["next_due"]
    assert re.search(rf'id="case-next-due">Target selesai: <time datetime="{next_due}">', page)
    assert "Tanggal target ditetapkan" not in page  # the running milestone has its length
    for private in (REQUESTER, CONTACT, EMAIL, "sari.pribadi", NOTE, "PPK sulit", OFFICER, case.requester):
        assert private not in page, private
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Accept-Language" in response.headers["Vary"] and "HX-Request" in response.headers["Vary"]
    assert '<meta http-equiv="refresh" content="60">' in page  # without JavaScript it refreshes itself
    assert f'data-room="case:{token}"' in page and "case.milestone" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and " style=" not in page  # nothing the CSP refuses


def test_a_waiting_case_says_what_the_office_waits_for_and_shows_no_due_date(officer, client):
    case = selection(officer, documents_received=[1])
    page = html(client.get(f"/b/{case.token}"))
    assert ('Status: <strong>Menunggu kelengkapan berkas: <span lang="id">Dokumen Persiapan Pemilihan (DPP)</span>'
            in page)
    assert 'id="case-waiting"' in page and 'id="case-next-due"' not in page
    assert "Menunggu kelengkapan berkas · target" not in page  # nothing open is due while the clock stands


def test_a_closed_case_says_selesai_and_stops_refreshing(officer, client):
    case = helpdesk(officer)
    case = core.complete_milestone(case, "penyelesaian", officer, note=NOTE)
    page = html(client.get(f"/b/{case.token}"))
    assert "Status: <strong>Selesai</strong>" in page and 'id="case-done"' in page
    assert 'http-equiv="refresh"' not in page and NOTE not in page


def test_htmx_gets_the_live_part_alone(officer, client):
    case = helpdesk(officer)
    response = client.get(f"/b/{case.token}", headers={"HX-Request": "true"})
    page = html(response)
    assert response.status_code == 200
    assert page.count('id="case-live"') == 1 and "<html" not in page and 'id="case-announce"' not in page
    assert 'data-announce="Status berkas: diproses. Target tahap berikutnya:' in page
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("token", ["tidak-ada", "x" * 40])
def test_an_unknown_token_is_a_friendly_404_with_the_lookup_form(client, token):
    response = client.get(f"/b/{token}")
    page = html(response)
    assert response.status_code == 404
    assert "Berkas tidak ditemukan" in page and 'name="kode"' in page and 'role="alert"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_follows_the_phone_language(officer, client):
    case = helpdesk(officer)
    page = html(client.get(f"/b/{case.token}", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="en">' in page
    assert "Status: <strong>In progress</strong>" in page and "Next step" in page
    # data from the standard stays Indonesian and says so
    assert '<strong lang="id">Penyelesaian di Helpdesk LPSE</strong>' in page
    assert "2 working days" in page


# --- overdue, cancelled and done: no promise in the past, nothing due once closed ----------------

def test_an_overdue_case_says_how_late_its_running_milestone_is_and_promises_no_past_date(december):
    # Received Mon 16 Nov: disposisi due Tue 17 Nov, nothing done by Tue 1 Dec: 14 days late. What follows
    # would have been due Wed 18 and Sat 28 Nov, both past: no date, it waits for the late step.
    case = fast_tender(december, NOV(16))
    view = core.public_view(case, today=DEC1)
    assert (view["state"], view["next"], view["next_due"]) == ("open", "disposisi", "2026-11-17")
    assert steps(view) == [("disposisi", "next", "2026-11-17", None, None, 14),
                           ("reviu_dpp", "later", None, None, None, None),
                           ("pemilihan", "later", None, None, None, None)]
    assert core.public_view(case, today=NOV(17))["milestones"][0]["late_days"] is None  # its due day is in time
    assert core.public_view(case, today=NOV(18))["milestones"][0]["late_days"] == 1


def test_once_the_late_milestone_is_done_the_next_ones_get_dates_counted_from_that_day(december):
    # disposisi done Mon 30 Nov, 13 days after its due day; the review is due Tue 1 Dec (today, not late),
    # the selection 10 calendar days later, Fri 11 Dec.
    case = core.complete_milestone(fast_tender(december, NOV(16)), "disposisi", december, day=NOV(30))
    assert steps(core.public_view(case, today=DEC1)) == [
        ("disposisi", "done", "2026-11-17", "2026-11-30", False, 13),
        ("reviu_dpp", "next", "2026-12-01", None, None, None),
        ("pemilihan", "later", "2026-12-11", None, None, None)]


def test_a_cancelled_case_shows_no_due_date_and_no_milestone_still_to_come(december):
    # Received Mon 30 Nov, disposisi done Tue 1 Dec (its due day), then cancelled the same day: the review
    # (due Wed 2 Dec) and the selection (Sat 12 Dec) will never be reached.
    case = core.complete_milestone(fast_tender(december, NOV(30)), "disposisi", december, day=DEC1)
    case = core.cancel(case, december, "Permohonan ditarik OPD")
    view = core.public_view(case, today=DEC1)
    assert (view["state"], view["next"], view["next_due"]) == ("cancelled", None, None)
    assert steps(view) == [("disposisi", "done", "2026-12-01", "2026-12-01", True, None),
                           ("reviu_dpp", "dropped", None, None, None, None),
                           ("pemilihan", "dropped", None, None, None, None)]


def done_case(officer) -> Case:
    # Received Mon 16 Nov: disposisi due Tue 17, done Tue 17 (on time); the review due Wed 18, done Fri 20
    # (2 days late); the selection counted from Fri 20: due Mon 30 Nov, done Mon 30 Nov (on time).
    case = fast_tender(officer, NOV(16))
    for key, day in (("disposisi", NOV(17)), ("reviu_dpp", NOV(20)), ("pemilihan", NOV(30))):
        case = core.complete_milestone(case, key, officer, day=day)
    return case


def test_a_done_case_shows_each_completion_day_and_whether_it_was_on_time(december):
    view = core.public_view(done_case(december), today=DEC1)
    assert (view["state"], view["next"], view["next_due"]) == ("done", None, None)
    assert steps(view) == [("disposisi", "done", "2026-11-17", "2026-11-17", True, None),
                           ("reviu_dpp", "done", "2026-11-18", "2026-11-20", False, 2),
                           ("pemilihan", "done", "2026-11-30", "2026-11-30", True, None)]


def shown(client, url: str) -> str:
    """A page's HTML; the language it chose is forgotten after (the test's app context outlives the request,
    and Flask-Babel keeps the locale there)."""
    from flask_babel import refresh

    page = html(client.get(url))
    refresh()
    return page


def milestone_texts(page: str) -> list[str]:
    """Each milestone's status line, tags stripped."""
    return [re.sub(r"<[^>]+>", "", line).strip()
            for line in re.findall(r'<p class="milestone-status[^"]*">(.*?)</p>', page, re.S)]


def test_the_page_of_an_overdue_case_says_late_in_words_and_shows_no_past_target(december, client):
    token = fast_tender(december, NOV(16)).token
    page = shown(client, f"/b/{token}")
    assert re.search(r'id="case-next-due">Target selesai: <time datetime="2026-11-17">17 Nov 2026</time>', page)
    assert 'id="case-late"' in page and "Terlambat 14 hari" in page
    assert milestone_texts(page) == ["Sedang diproses · target 17 Nov 2026 · terlambat 14 hari",
                                     "Menunggu tahap sebelumnya", "Menunggu tahap sebelumnya"]
    assert "1 hari kerja setelah tahap sebelumnya selesai" in page
    assert "18 Nov 2026" not in page and "28 Nov 2026" not in page and "Belum dimulai" not in page
    assert 'data-announce="Status berkas: diproses. Tahap berikutnya terlambat 14 hari (target 17 Nov 2026)."' in page
    assert "Halaman ini diperbarui otomatis" in page

    english = shown(client, f"/b/{token}?lang=en")
    assert "14 days late" in english
    assert milestone_texts(english) == ["In progress · due Nov 17, 2026 · 14 days late",
                                        "Waiting for the previous step", "Waiting for the previous step"]
    assert "1 working day after the previous step is done" in english
    assert "Nov 18, 2026" not in english and "Nov 28, 2026" not in english


def test_the_page_of_a_cancelled_case_shows_no_target_and_no_live_promise(december, client):
    case = core.cancel(fast_tender(december, DEC1), december, "Permohonan ditarik OPD")
    page = shown(client, f"/b/{case.token}")
    assert "Status: <strong>Dibatalkan</strong>" in page and 'id="case-cancelled"' in page
    assert milestone_texts(page) == ["Tidak dilanjutkan"] * 3
    assert 'id="case-next-due' not in page and "· target" not in page and "Belum dimulai" not in page
    assert "diperbarui otomatis" not in page and 'http-equiv="refresh"' not in page

    english = shown(client, f"/b/{case.token}?lang=en")
    assert milestone_texts(english) == ["Not continued"] * 3
    assert "Not started" not in english and "updates by itself" not in english


def test_the_page_of_a_done_case_says_per_milestone_whether_it_was_on_time(december, client):
    token = done_case(december).token
    page = shown(client, f"/b/{token}")
    assert "Status: <strong>Selesai</strong>" in page and "diperbarui otomatis" not in page
    assert milestone_texts(page) == ["Selesai 17 Nov 2026 · tepat waktu",
                                     "Selesai 20 Nov 2026 · terlambat 2 hari dari target 18 Nov 2026",
                                     "Selesai 30 Nov 2026 · tepat waktu"]
    english = shown(client, f"/b/{token}?lang=en")
    assert milestone_texts(english) == ["Done Nov 17, 2026 · on time",
                                        "Done Nov 20, 2026 · 2 days later than the due date, Nov 18, 2026",
                                        "Done Nov 30, 2026 · on time"]
    assert "updates by itself" not in english


# --- the lookup -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["{code}", "{lower}", "  {spaced}  ", "{plain}", "{bare}"])
def test_the_lookup_takes_the_code_however_it_is_typed(officer, client, typed):
    case = helpdesk(officer)
    code = case.code  # BK-XXXX-XXXX
    forms = {"code": code, "lower": code.lower(), "spaced": code.replace("-", " ").lower(),
             "plain": code.replace("-", ""), "bare": code[3:].lower()}
    response = client.get("/berkas/lacak", query_string={"kode": typed.format(**forms)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/b/{case.token}"


def test_the_lookup_answers_wrong_codes_clearly(client):
    empty = client.get("/berkas/lacak")
    assert empty.status_code == 200 and 'name="kode"' in html(empty) and "lookup-error" not in html(empty)
    malformed = client.get("/berkas/lacak", query_string={"kode": "BK-12"})
    assert malformed.status_code == 400
    assert "Kode berkas terdiri dari BK dan 8 huruf/angka" in html(malformed) and 'value="BK-12"' in html(malformed)
    unknown = client.get("/berkas/lacak", query_string={"kode": "BK-ZZZZ-ZZZZ"})
    assert unknown.status_code == 404
    assert "Kode berkas tidak ditemukan" in html(unknown) and 'aria-invalid="true"' in html(unknown)
    english = client.get("/berkas/lacak", query_string={"kode": "??"}, headers={"Accept-Language": "en"})
    assert english.status_code == 400 and "Track a case" in html(english)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_the_lookup_is_rate_limited_per_address(client):
    answers = [client.get("/berkas/lacak", query_string={"kode": "BK-ZZZZ-ZZZZ"}).status_code for _ in range(61)]
    assert answers[:60] == [404] * 60 and answers[60] == 429


# --- the slip ---------------------------------------------------------------------------------

def test_the_slip_carries_the_code_and_the_tracking_url_in_its_qr(officer):
    case = helpdesk(officer)
    dummy = make_dummy("80mm")
    render_slip(dummy, case_slip(case), qr_mode="native")
    data = dummy.output
    assert case.code.encode() in data and b"Pelayanan Helpdesk LPSE" in data and b"Lacak berkas Anda" in data
    assert native_qr_payloads(data) == [f"{BASE_URL}/b/{case.token}".encode()]
    assert f"Target selesai: {case.next_due:%d-%m-%Y}".encode() in data
    assert f"Diterima: {case.received_on:%d-%m-%Y}".encode() in data
    assert CONTACT.encode() not in data and REQUESTER.encode() not in data


def test_a_slip_printed_again_for_a_late_case_says_it_is_late(officer):
    on_time = make_dummy("58mm")
    render_slip(on_time, case_slip(selection(officer)), qr_mode="native")
    assert b"Target selesai: " in on_time.output and b"Sudah lewat target" not in on_time.output
    late_case = core.register_letter(service("D"), officer, "in_person", REQUESTER, CONTACT,
                                     local_day() - timedelta(days=20), assignee=officer)
    late = make_dummy("58mm")
    render_slip(late, case_slip(late_case), qr_mode="native")
    assert f"Target selesai: {late_case.next_due:%d-%m-%Y}\n".encode() in late.output
    assert b"Sudah lewat target; sedang diproses" in late.output


def test_a_waiting_case_slip_says_the_clock_waits(officer):
    dummy = make_dummy("58mm")
    render_slip(dummy, case_slip(selection(officer, documents_received=[1])), qr_mode="native")
    assert b"\nMenunggu kelengkapan berkas\n" in dummy.output and b"Target selesai" not in dummy.output


def test_the_slip_is_queued_on_the_kiosk_printer_like_the_complaint_slip(officer):
    from loket.kiosk import core as kiosk_core

    case = helpdesk(officer)
    kiosk = db.session.get(Kiosk, "1")
    kiosk.printer = {}
    db.session.commit()
    assert print_slip(kiosk, case) is False  # no printer configured: recorded as failed, the caller goes on
    printer = TcpPrinter().start()
    try:
        kiosk_core.set_printer_config(kiosk, printer.config)
        assert print_slip(db.session.get(Kiosk, "1"), case) is True
        jobs.wait_for_sends()
        data = printer.next_job()
    finally:
        printer.stop()
    assert case.code.encode() in data and native_qr_payloads(data) == [f"{BASE_URL}/b/{case.token}".encode()]
    kinds = [(job.kind, job.status) for job in db.session.scalars(select(PrintJob).order_by(PrintJob.id))]
    assert kinds == [("case", "failed"), ("case", "sent")]
