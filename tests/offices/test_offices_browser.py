"""Two offices under one roof, in Debian Chromium: one entrance kiosk serving both issues a ticket of
each ("A-001" and "DK-A-001"); one shared TV shows both calls, each with its office; an officer of the
first office is refused (403) on the second office's counter and complaint pages."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from loket.extensions import db

pytestmark = pytest.mark.browser

KIOSK = {"width": 1080, "height": 1920}
TV = {"width": 1920, "height": 1080}


@pytest.fixture
def mall(app, second_office, make_user):
    """Kiosk 1 and display 1 serve both offices; an officer at counter 1 of each; a complaint for B."""
    from loket.display.models import Display
    from loket.feedback.models import Complaint
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office
    from loket.queue.models import Counter

    with app.app_context():
        offices = db.session.scalars(select(Office).order_by(Office.position)).all()
        db.session.get(Kiosk, "1").offices = offices
        db.session.get(Display, "1").offices = offices
        complaint = Complaint(code="BBBB2222", category="pengaduan", channel="web", office_id=second_office["id"],
                              message="Antrean Disdukcapil lama.")
        db.session.add(complaint)
        db.session.commit()
        counters = {o.code: db.session.scalar(select(Counter.id).where(Counter.office_id == o.id, Counter.number == 1))
                    for o in offices}
        info = {"counters": counters, "complaint": complaint.id}
        db.session.remove()
    make_user("petugas-a", role="officer", counters=(1,))
    make_user("petugas-b", role="officer", counters=(1,), office="dukcapil")
    return info


@pytest.fixture
def pages(browser):
    made = []

    def make(viewport):
        # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        made.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("response", lambda r: r.status >= 500 and page.errors.append(f"{r.status} {r.url}"))
        return page

    yield make
    for context in made:
        context.close()


def take_ticket(page, base, office_code, service_code):
    page.goto(f"{base}/kiosk/1")
    page.locator(f".office-tile[data-office='{office_code}'] a").click()
    page.wait_for_url(re.compile(rf"/kiosk/1/kantor/{office_code}$"))
    page.locator(f".service-tile[data-code='{service_code}'] a").click()
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    return page.locator("#ticket-number").inner_text()


def log_in(page, base, username, next_path):
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)
    return page


def test_one_kiosk_two_offices_one_tv_and_walls_between_offices(app, live_server, mall, pages, artifacts):
    base = live_server.url
    kiosk = pages(KIOSK)
    kiosk.goto(f"{base}/kiosk/1")
    assert kiosk.locator(".office-tile").count() == 2
    assert "Disdukcapil Contoh" in kiosk.locator(".office-tile[data-office='dukcapil']").inner_text()
    kiosk.screenshot(path=str(artifacts / "kiosk-offices.png"), full_page=True)
    assert take_ticket(kiosk, base, "utama", "A") == "A-001"
    assert take_ticket(kiosk, base, "dukcapil", "A") == "DK-A-001"
    assert "Disdukcapil Contoh" in kiosk.locator("main").inner_text()  # the confirmation names its office

    tv = pages(TV)
    tv.goto(f"{base}/display/1")
    tv.wait_for_selector("body[data-live=connected]", timeout=10_000)

    desk_a = log_in(pages({"width": 1366, "height": 900}), base, "petugas-a", f"/counter/{mall['counters']['utama']}")
    desk_a.locator(".act-call").click()
    expect(desk_a.locator("#current")).to_contain_text("A-001")
    expect(tv.locator("#board")).to_contain_text("A-001", timeout=10_000)

    desk_b = log_in(pages({"width": 1366, "height": 900}), base, "petugas-b",
                    f"/counter/{mall['counters']['dukcapil']}")
    desk_b.locator(".act-call").click()
    expect(desk_b.locator("#current")).to_contain_text("DK-A-001")
    board = tv.locator("#board")
    expect(board).to_contain_text("DK-A-001", timeout=10_000)
    expect(board).to_contain_text("A-001")
    expect(board).to_contain_text("Disdukcapil Contoh")  # "Loket 1" twice on one TV: the office tells them apart
    tv.screenshot(path=str(artifacts / "display-two-offices.png"))

    # the officer of the first office cannot open the second office's counter or complaint
    for path in (f"/counter/{mall['counters']['dukcapil']}", f"/admin/pengaduan/{mall['complaint']}"):
        response = desk_a.goto(base + path)
        assert response.status == 403, path
        assert "kantor lain" in desk_a.content() or "tidak ditugaskan" in desk_a.content() or \
            "tidak berhak" in desk_a.content(), path
    for page in (kiosk, tv, desk_b):
        assert page.errors == [], page.errors
