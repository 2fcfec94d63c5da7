"""The officers' case pages in headless Chromium: from the ticket at the counter to a case escalated to LKPP and
closed; a letter registered through the form (a refused email without consent first); the worklist marking an
overdue case (screenshot under tests/artifacts/).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.auth.models import User
from loket.cases import core as cases
from loket.cases.models import DONE, Case
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue import core
from loket.queue.models import Counter, Service
from loket.timeutil import local_day
from support import log_in_browser
from tests.a11y import axe

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    # bypass_csp: axe is injected through Playwright (tests/a11y/axe.py), which the CSP would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    context.close()


def called_at_counter(app, code: str, number: int) -> int:
    """A ticket of service `code` taken and called at counter `number` of the first office; the counter's id."""
    with app.app_context():
        core.issue_ticket(code)
        counter = db.session.scalar(select(Counter).where(Counter.number == number,
                                                          Counter.office_id == default_office().id))
        core.call_next(counter)
        counter_id = counter.id
        db.session.remove()
    return counter_id


def test_an_officer_opens_a_case_from_the_counter_escalates_and_closes_it(app, live_server, make_user, page):
    base = live_server.url
    make_user("budi", counters=(2, 4, 6))
    counter_id = called_at_counter(app, "B", 2)
    log_in_browser(page, base, "budi")
    page.goto(f"{base}/counter/{counter_id}")
    page.click("#open-case")
    page.fill("input[name=requester]", "CV Karya Mandiri")
    page.fill("input[name=contact_name]", "I Made Wirawan")
    page.click("form.case-form button.btn-primary")
    page.wait_for_selector("#case[data-state=open]")
    code = page.text_content("#case-code").strip()
    assert not axe.check(page, "staff-case-page")
    assert code.startswith("BK-") and "/b/" in page.get_attribute("#track-link", "href")
    page.click("#escalate-form button[type=submit]")
    page.wait_for_selector("#case-variant")
    assert "LKPP" in page.text_content("#case-variant")
    page.fill("#complete-form textarea[name=note]", "Diteruskan, tiket LKPP 4411")
    page.click("#complete-form button[type=submit]")
    page.wait_for_selector("#case[data-state=done]")
    assert "Diteruskan, tiket LKPP 4411" in page.text_content("#case-log")
    assert page.js_errors == []
    with app.app_context():
        assert db.session.scalar(select(Case.state).where(Case.code == code)) == DONE


def test_a_letter_is_registered_and_the_worklist_marks_an_overdue_case(app, live_server, make_user, page, artifacts):
    base = live_server.url
    make_user("budi", counters=(2, 4, 6))
    with app.app_context():
        budi = db.session.scalar(select(User).where(User.username == "budi"))
        service = db.session.scalar(select(Service).where(Service.code == "D",
                                                          Service.office_id == default_office().id))
        late = cases.register_letter(service, budi, "in_person", "Dinas Kesehatan", "Kadek Ayu",
                                     local_day() - timedelta(days=30), assignee=budi).code
        db.session.remove()
    log_in_browser(page, base, "budi")
    page.goto(f"{base}/admin/berkas/baru?layanan=D")
    page.fill("input[name=requester]", "Dinas Pekerjaan Umum dan Penataan Ruang")
    page.fill("input[name=contact_name]", "Ni Luh Putu Sari")
    page.fill("input[name=contact_email]", "sari@example.go.id")
    page.uncheck("input[name=documents][value='1']")
    page.click("form.case-form button.btn-primary")
    assert page.text_content("#contact_email-error") == "Email narahubung hanya disimpan dengan persetujuannya."
    assert page.input_value("input[name=requester]") == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert not axe.check(page, "staff-case-register-errors")
    page.check("input[name=consent]")
    page.click("form.case-form button.btn-primary")
    page.wait_for_selector("#case[data-state=waiting]")
    page.screenshot(path=str(artifacts / "case-page.png"), full_page=True)
    assert "Surat Permohonan Pemilihan Penyedia" in page.text_content("#waiting-for")
    page.goto(f"{base}/admin/berkas")
    row = page.locator(f"tr[data-code='{late}']")
    assert "terlambat" in row.text_content()
    assert "menunggu kelengkapan berkas" in page.text_content("#worklist")
    page.screenshot(path=str(artifacts / "case-worklist.png"), full_page=True)
    assert not axe.check(page, "staff-case-worklist")
    assert page.js_errors == []


def test_enter_saves_the_letter_and_a_changed_service_is_shown_before_saving(app, live_server, make_user, page):
    make_user("budi", counters=(2, 4, 6))
    log_in_browser(page, live_server.url, "budi")
    page.goto(f"{live_server.url}/admin/berkas/baru?layanan=D")
    page.select_option("#layanan", "F")  # changed in the list, not with "Pilih layanan"
    page.fill("input[name=requester]", "Dinas Kesehatan")
    page.fill("input[name=contact_name]", "Kadek Ayu")
    page.press("input[name=requester]", "Enter")
    page.wait_for_selector("#service-switched")
    assert page.text_content("#chosen-service").startswith("F · ")
    assert page.input_value("input[name=requester]") == "Dinas Kesehatan"
    page.fill("input[name=activity_day]", (local_day() + timedelta(days=40)).isoformat())
    page.press("input[name=contact_name]", "Enter")  # Enter saves, as "Simpan berkas" does
    page.wait_for_selector("#case[data-state=open]")
    with app.app_context():
        case = db.session.scalar(select(Case).order_by(Case.id.desc()))
        assert (case.service.code, case.requester, case.contact_name) == ("F", "Dinas Kesehatan", "Kadek Ayu")
    assert page.js_errors == []


def test_buka_berkas_starts_from_what_was_ticked_at_the_counter(app, live_server, make_user, page):
    make_user("budi", counters=(2, 4, 6))
    counter_id = called_at_counter(app, "D", 4)
    log_in_browser(page, live_server.url, "budi")
    page.goto(f"{live_server.url}/counter/{counter_id}")
    boxes = page.locator("#checklist input[type=checkbox]")
    assert boxes.count() == 2
    boxes.nth(0).check()  # the request letter came; the second document did not
    page.click("#open-case")
    page.wait_for_selector("form.case-form")
    assert page.is_checked("input[name=documents][value='1']")
    assert not page.is_checked("input[name=documents][value='2']")
    page.fill("input[name=requester]", "Dinas Kesehatan")
    page.fill("input[name=contact_name]", "Kadek Ayu")
    page.click("form.case-form button.btn-primary")
    page.wait_for_selector("#case[data-state=waiting]")  # the clock waits for the second document
    assert page.js_errors == []
