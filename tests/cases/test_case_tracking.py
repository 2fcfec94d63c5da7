"""The applicant's side of a case (berkas) over HTTP: the tracking page shows the public view and never personal
data, unknown tokens are a friendly 404, the code lookup is lenient and clear, the phone's language is followed,
nothing is cached; and the case's slip carries its code and the tracking page's URL in its QR.
"""
from __future__ import annotations

import re

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
