"""The officers' case pages in headless Chromium: from the ticket at the counter to a case escalated to LKPP and
closed; a letter registered through the form (a refused email without consent first); the worklist marking an
overdue case (screenshot under tests/artifacts/).
"""
from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

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

pytestmark = pytest.mark.browser


def _axe():
    """tests/a11y/axe.py (on sys.path only for the a11y tests), loaded by its path."""
    spec = importlib.util.spec_from_file_location("case_pages_axe", Path(__file__).parents[1] / "a11y" / "axe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def page(browser):
    # bypass_csp: axe is injected through Playwright (tests/a11y/axe.py), which the CSP would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    context.close()


def log_in(page, base, username, password="rahasia-123"):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_an_officer_opens_a_case_from_the_counter_escalates_and_closes_it(app, live_server, make_user, page):
    base = live_server.url
    make_user("budi", counters=(2, 4, 6))
    with app.app_context():
        core.issue_ticket("B")
        counter = db.session.scalar(select(Counter).where(Counter.number == 2,
                                                          Counter.office_id == default_office().id))
        core.call_next(counter)
        counter_id = counter.id
        db.session.remove()
    log_in(page, base, "budi")
    page.goto(f"{base}/counter/{counter_id}")
    page.click("#open-case")
    page.fill("input[name=requester]", "CV Karya Mandiri")
    page.fill("input[name=contact_name]", "I Made Wirawan")
    page.click("form.case-form button[type=submit]")
    page.wait_for_selector("#case[data-state=open]")
    code = page.text_content("#case-code").strip()
    assert not _axe().check(page, "staff-case-page")
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
    log_in(page, base, "budi")
    page.goto(f"{base}/admin/berkas/baru?layanan=D")
    page.fill("input[name=requester]", "Dinas Pekerjaan Umum dan Penataan Ruang")
    page.fill("input[name=contact_name]", "Ni Luh Putu Sari")
    page.fill("input[name=contact_email]", "sari@example.go.id")
    page.uncheck("input[name=documents][value='1']")
    page.click("form.case-form button[type=submit]")
    assert page.text_content("#contact_email-error") == "Email narahubung hanya disimpan dengan persetujuannya."
    assert page.input_value("input[name=requester]") == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert not _axe().check(page, "staff-case-register-errors")
    page.check("input[name=consent]")
    page.click("form.case-form button[type=submit]")
    page.wait_for_selector("#case[data-state=waiting]")
    page.screenshot(path=str(artifacts / "case-page.png"), full_page=True)
    assert "Surat Permohonan Pemilihan Penyedia" in page.text_content("#waiting-for")
    page.goto(f"{base}/admin/berkas")
    row = page.locator(f"tr[data-code='{late}']")
    assert "terlambat" in row.text_content()
    assert "menunggu kelengkapan berkas" in page.text_content("#worklist")
    page.screenshot(path=str(artifacts / "case-worklist.png"), full_page=True)
    assert not _axe().check(page, "staff-case-worklist")
    assert page.js_errors == []
