"""In headless Debian Chromium on a phone (390×844): the applicant's tracking page of a helpdesk case shows its
due date, moves to the 7-day due date when the case is escalated to LKPP and says "selesai" when it is closed,
both without a reload (and stops saying it updates itself), and passes axe; an overdue case says so in words
and promises no past date, and once cancelled shows no target at all.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from loket.auth.models import User
from loket.cases import core
from loket.cases.models import Case
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue import core as queue
from loket.queue.models import Counter, Service
from tests.a11y import axe

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def open_helpdesk_case(app, officer_id: int) -> str:
    """A helpdesk ticket served at its counter and opened as a case (with a contact); returns its token."""
    with app.app_context():
        queue.issue_ticket("B")
        counter = db.session.scalar(select(Counter).where(Counter.services.any(Service.code == "B"),
                                                          Counter.office_id == default_office().id))
        ticket = queue.close_case(queue.call_next(counter))
        case = core.open_from_ticket(ticket, db.session.get(User, officer_id), requester="CV Karya Mandiri",
                                     contact_name="I Made Wirawan", contact_email="made@example.org", consent=True)
        token = case.token
        db.session.remove()
    return token


def change(app, token: str, officer_id: int, action) -> str:
    """Run a domain action on the case in the test process (as the officers' page would); returns the running
    milestone's due date (ISO) afterwards, computed by the domain."""
    with app.app_context():
        case = action(db.session.scalar(select(Case).where(Case.token == token)), db.session.get(User, officer_id))
        due = core.public_view(case)["next_due"]
        db.session.remove()
    return due


def test_the_tracking_page_follows_escalation_and_closing_live(app, live_server, browser, make_user, artifacts):
    officer = make_user("budi", counters=(2,))
    token = open_helpdesk_case(app, officer)
    with app.app_context():
        two_days = core.public_view(db.session.scalar(select(Case).where(Case.token == token)))["next_due"]
        db.session.remove()

    context = axe.context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/b/{token}")
    assert page.locator("#case-state").inner_text() == "Status: Diproses"
    assert page.locator("#case-next-due time").get_attribute("datetime") == two_days
    assert page.locator("#case-service").get_attribute("lang") == "id"
    assert "I Made Wirawan" not in page.content() and "CV Karya Mandiri" not in page.content()
    assert "diperbarui otomatis" in page.locator("#case-updates").inner_text()
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)

    seven_days = change(app, token, officer, core.escalate)
    assert seven_days > two_days
    page.wait_for_selector(f"#case-next-due time[datetime='{seven_days}']", timeout=10_000)
    assert "Penyelesaian ditindaklanjuti ke helpdesk LKPP" in page.locator("#case-milestones").inner_text()
    page.wait_for_function("() => document.getElementById('case-announce').textContent.includes('Target')",
                           timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    page.screenshot(path=str(artifacts / "case-tracking.png"), full_page=True)
    assert not axe.check(page, "case-tracking")

    change(app, token, officer, lambda case, actor: core.complete_milestone(case, "penyelesaian", actor))
    page.wait_for_selector("body[data-case-state=done]", timeout=10_000)
    assert page.locator("#case-state").inner_text() == "Status: Selesai"
    assert "selesai" in page.locator("#case-done").inner_text()
    page.wait_for_function("() => document.getElementById('case-announce').textContent.includes('selesai')",
                           timeout=10_000)
    assert page.locator("#case-next-due").count() == 0
    assert page.locator("#case-updates").count() == 0  # a closed case no longer changes: no such promise
    assert errors == []
    context.close()


def test_an_overdue_case_says_it_is_late_and_once_cancelled_promises_nothing(app, live_server, browser, make_user,
                                                                             artifacts, monkeypatch):
    # Today is Tue 1 Dec 2026 for the domain (the server runs in this process). A Tender Cepat letter of
    # Mon 16 Nov, nothing done: disposisi was due Tue 17 Nov, 14 days ago; the review and the selection
    # (Wed 18 and Sat 28 Nov by the standard) get no date while it is late.
    real = core.local_day
    monkeypatch.setattr(core, "local_day", lambda value=None: real(value) if value is not None else date(2026, 12, 1))
    officer = make_user("budi", counters=(4,))
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "D",
                                                          Service.office_id == default_office().id))
        token = core.register_letter(service, db.session.get(User, officer), "in_person", "Dinas Contoh",
                                     "Ni Luh Putu Sari", date(2026, 11, 16), variant="tender_cepat").token
        db.session.remove()

    context = axe.context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/b/{token}")
    assert page.locator("#case-late").inner_text().startswith("Terlambat 14 hari")
    statuses = page.locator("#case-milestones .milestone-status").all_inner_texts()
    assert statuses == ["Sedang diproses · target 17 Nov 2026 · terlambat 14 hari",
                        "Menunggu tahap sebelumnya", "Menunggu tahap sebelumnya"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts / "case-tracking-overdue.png"), full_page=True)
    assert not axe.check(page, "case-tracking-overdue")
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)

    change(app, token, officer, lambda case, actor: core.cancel(case, actor, "Permohonan ditarik"))
    page.wait_for_selector("body[data-case-state=cancelled]", timeout=10_000)
    statuses = page.locator("#case-milestones .milestone-status").all_inner_texts()
    assert statuses == ["Tidak dilanjutkan"] * 3
    assert page.locator("#case-next-due, #case-late, #case-updates").count() == 0
    assert not axe.check(page, "case-tracking-cancelled")
    context.close()
