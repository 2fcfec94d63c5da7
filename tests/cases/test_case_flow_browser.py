"""Issue 12's flow in headless Debian Chromium: a Helpdesk ticket taken at the kiosk becomes a case at the counter,
escalated to LKPP, followed on the applicant's phone (7-day due date, "selesai" live); a selection request from a
letter walks its milestones with a stopped clock; the officers' pages follow changes made elsewhere.
Due dates are worked out by hand here (the office is open every day in the tests: its staff week is Monday to
Friday, README "Cases"), never with loket.cases.calendar.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from loket.auth.models import User
from loket.cases import core as cases
from loket.cases.models import Case
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue import hours
from loket.queue.models import Counter, Service
from loket.timeutil import local_day
from support import log_in_browser
from tests.a11y import axe

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def working_days_after(start: date, days: int, days_off: set[date]) -> date:
    """The `days`-th Monday-to-Friday day after `start` that is not a day off (the start does not count)."""
    day = start
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in days_off:
            days -= 1
    return day


def today_and_days_off(app) -> tuple[date, set[date]]:
    with app.app_context():
        assert hours.schedule(None).always  # open every day in the tests: the staff week is Monday to Friday
        today = local_day()
        days_off = hours.holidays_between(today, today + timedelta(days=60))
        db.session.remove()
    return today, days_off


def watch(page, errors: list):
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 500 and errors.append(r.url))
    return page


def test_a_helpdesk_ticket_becomes_a_case_escalated_to_lkpp_and_followed_on_the_phone(
        app, live_server, browser, make_user, artifacts):
    base, errors = live_server.url, []
    make_user("budi", counters=(2, 4, 6))
    sari = make_user("sari", counters=(2,))
    with app.app_context():
        counter_id = db.session.scalar(select(Counter.id).where(Counter.number == 2,
                                                                Counter.office_id == default_office().id))
        db.session.remove()
    today, days_off = today_and_days_off(app)

    # The visitor takes a Helpdesk ticket at the kiosk.
    kiosk = browser.new_context(viewport=DESK)
    visitor = watch(kiosk.new_page(), errors)
    visitor.goto(f"{base}/kiosk/1")
    visitor.locator(".service-tile[data-code='B'] a").click()
    visitor.locator("#take-ticket").click()
    visitor.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    number = visitor.locator("#ticket-number").inner_text()
    assert number.startswith("B-")

    # The officer calls it at the counter and opens a case from it.
    officer_context = axe.context(browser, viewport=DESK)
    officer = watch(officer_context.new_page(), errors)
    log_in_browser(officer, base, "budi")
    officer.goto(f"{base}/counter/{counter_id}")
    officer.locator("#workspace .act-call").click()
    officer.locator("#open-case").click()
    officer.fill("input[name=requester]", "CV Karya Mandiri")
    officer.fill("input[name=contact_name]", "I Made Wirawan")
    officer.click("form.case-form button[type=submit]")
    officer.wait_for_selector("#case[data-state=open]")
    assert officer.locator("#case-opened").is_visible()  # the slip is offered at once
    assert not axe.check(officer, "staff-case-opened")
    officer.locator("#print-slip").click()  # kiosk 1 prints to the preview printer in the tests
    officer.wait_for_selector("#slip-result[data-outcome=preview]")
    assert "memindai kode QR" in officer.locator("#slip-result").inner_text()
    track_path = urlsplit(officer.get_attribute("#track-link", "href")).path
    assert officer.get_attribute("#slip-qr", "data-url").endswith(track_path)
    assert not axe.check(officer, "staff-case-slip-preview")
    officer.locator("#escalate-form button[type=submit]").click()
    officer.wait_for_selector("#case-variant")
    assert "LKPP" in officer.locator("#case-variant").inner_text()

    # The applicant opens the tracking page on a phone: 7 working days from today.
    phone_context = axe.context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    phone = watch(phone_context.new_page(), errors)
    phone.goto(f"{base}{track_path}")
    seven_days = working_days_after(today, 7, days_off)
    assert phone.locator("#case-next-due time").get_attribute("datetime") == seven_days.isoformat()
    assert "Penyelesaian ditindaklanjuti ke helpdesk LKPP" in phone.locator("#case-milestones").inner_text()
    phone.wait_for_selector("body[data-live=connected]", timeout=10_000)
    phone.screenshot(path=str(artifacts / "case-tracking-phone.png"), full_page=True)
    assert not axe.check(phone, "case-tracking-phone")

    # Changed elsewhere (a supervisor reassigns it): the officer's page follows, keeping the note being typed.
    officer.goto(f"{base}{urlsplit(officer.url).path}")
    officer.wait_for_selector("body[data-live=connected]", timeout=10_000)
    officer.locator("#complete-form textarea[name=note]").fill("Diteruskan, tiket LKPP 4411")
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ticket_id.is_not(None)))
        cases.reassign(case, db.session.get(User, sari), db.session.get(User, sari))
        db.session.remove()
    officer.wait_for_selector("body[data-cases-refreshes='1']", timeout=10_000)
    assert officer.locator("#case-assignee").inner_text() == "Sari"
    assert officer.input_value("#complete-form textarea[name=note]") == "Diteruskan, tiket LKPP 4411"
    assert officer.evaluate("document.activeElement.name") == "note"

    # The officer completes the case: the phone says "selesai" without a reload.
    officer.locator("#complete-form button[type=submit]").click()
    officer.wait_for_selector("#case[data-state=done]")
    phone.wait_for_selector("body[data-case-state=done]", timeout=10_000)
    assert "selesai" in phone.locator("#case-done").inner_text()
    assert phone.locator("#case-state").inner_text() == "Status: Selesai"
    assert errors == []
    for context in (kiosk, officer_context, phone_context):
        context.close()


def test_a_selection_request_from_a_letter_walks_its_milestones_with_a_stopped_clock(
        app, live_server, browser, make_user):
    base, errors = live_server.url, []
    make_user("budi", counters=(2, 4, 6))
    today, _days_off = today_and_days_off(app)
    context = axe.context(browser, viewport=DESK)
    page = watch(context.new_page(), errors)
    log_in_browser(page, base, "budi")

    page.goto(f"{base}/admin/berkas/baru?layanan=D")
    page.fill("input[name=requester]", "Dinas Pekerjaan Umum dan Penataan Ruang")
    page.fill("input[name=contact_name]", "Ni Luh Putu Sari")
    page.uncheck("input[name=documents][value='1']")  # the letter came without one document
    page.click("form.case-form button.btn-primary")

    def row(key: str):
        return page.locator(f"#milestones tr[data-key='{key}']")

    page.wait_for_selector("#case[data-state=waiting]")  # the clock stands still
    assert "jam berhenti" in row("disposisi").inner_text()
    assert page.locator("#waiting-for").inner_text().strip()
    page.locator("#arrived-form button[type=submit]").click()
    page.wait_for_selector("#case[data-state=open]")
    assert row("disposisi").get_attribute("class") == "running"

    page.locator("#complete-form button[type=submit]").click()  # disposition and assignment letter
    page.wait_for_selector("#milestones tr.running[data-key=reviu_dpp]")
    page.locator("#complete-form button[type=submit]").click()  # the review with the PPK, done today
    page.wait_for_selector("#milestones tr.running[data-key=pemilihan]")
    assert "menunggu pilihan metode" in row("pemilihan").inner_text()

    page.select_option("#variant-form select[name=variant]", "tender")
    page.locator("#variant-form button[type=submit]").click()
    page.wait_for_selector("#case-variant")
    # Tender: 30 calendar days after the review's completion (today), nothing skipped.
    assert row("pemilihan").locator("time").get_attribute("datetime") == (today + timedelta(days=30)).isoformat()
    assert not axe.check(page, "staff-case-selection")

    page.locator("#complete-form button[type=submit]").click()
    page.wait_for_selector("#case[data-state=done]")
    assert row("pemilihan").get_attribute("class") == "done"
    assert [e for e in page.locator("#case-log li").evaluate_all("els => els.map(e => e.dataset.kind)")][:1] == ["done"]
    assert errors == []
    context.close()


def test_the_worklist_marks_an_overdue_case_and_follows_new_ones_live(app, live_server, browser, make_user):
    base, errors = live_server.url, []
    make_user("budi", counters=(2, 4, 6))

    def letter(days_ago: int) -> str:
        with app.app_context():
            budi = db.session.scalar(select(User).where(User.username == "budi"))
            service = db.session.scalar(select(Service).where(Service.code == "D",
                                                              Service.office_id == default_office().id))
            code = cases.register_letter(service, budi, "in_person", "Dinas Kesehatan", "Kadek Ayu",
                                         local_day() - timedelta(days=days_ago), assignee=budi).code
            db.session.remove()
        return code

    late = letter(30)
    context = axe.context(browser, viewport=DESK)
    page = watch(context.new_page(), errors)
    log_in_browser(page, base, "budi")
    page.goto(f"{base}/admin/berkas")
    assert "terlambat" in page.locator(f"tr[data-code='{late}']").inner_text()
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)
    page.locator(f"tr[data-code='{late}'] a").focus()
    fresh = letter(0)  # registered elsewhere: the table follows without a reload
    page.wait_for_selector("body[data-cases-refreshes='1']", timeout=10_000)
    assert "terlambat" not in page.locator(f"tr[data-code='{fresh}']").inner_text()
    assert page.evaluate("document.activeElement.textContent") == late  # the focus stayed on its link
    assert not axe.check(page, "staff-case-worklist-live")
    assert errors == []
    context.close()
