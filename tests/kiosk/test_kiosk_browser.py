"""The kiosk and the ticket page in headless Debian Chromium: pick a service, read what to bring, take a
ticket, scan its on-screen QR; the ticket page turns into "go to Loket N" when an officer calls it.
Screenshots of the kiosk screens go to tests/artifacts/ for review.
"""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

pytestmark = pytest.mark.browser

KIOSK_VIEWPORT = {"width": 1080, "height": 1920}  # a portrait entrance screen
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def app_config():
    return {"LOKET_KIOSK_IDLE_SECONDS": 10}


def decode_element_qr(locator, tmp_path) -> list[str]:
    import zxingcpp

    path = tmp_path / "qr.png"
    locator.screenshot(path=str(path))
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path))]


def assert_touch_target(locator):
    box = locator.bounding_box()
    assert box and box["height"] >= 64 and box["width"] >= 64, box


def test_kiosk_issues_a_ticket_and_the_ticket_page_follows_the_call(app, live_server, browser, artifacts, tmp_path):
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Counter

    kiosk = browser.new_context(viewport=KIOSK_VIEWPORT)
    page = kiosk.new_page()
    errors, server_errors = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 500 and server_errors.append(r.url))

    page.goto(f"{live_server.url}/kiosk/1")
    tiles = page.locator(".service-tile")
    assert tiles.count() == 6
    assert "Menunggu: 0 orang" in page.locator(".service-tile[data-code='A']").inner_text()
    assert_touch_target(page.locator(".service-tile[data-code='A'] a"))
    assert_touch_target(page.locator(".kiosk-lang a"))
    page.screenshot(path=str(artifacts / "kiosk-home.png"), full_page=True)

    page.locator(".service-tile[data-code='A'] a").click()
    page.wait_for_url(re.compile(r"/kiosk/1/layanan/A$"))
    requirements = page.locator("#persyaratan .checklist > li")
    assert requirements.count() == 7
    assert "NPWP" in page.locator("#persyaratan").inner_text()
    assert page.locator("#waktu").inner_text().strip() == "30 menit."
    assert "Gratis" in page.locator("#biaya").inner_text()
    assert_touch_target(page.locator("#take-ticket"))
    for button in page.locator(".kiosk-priority").all():
        assert_touch_target(button)
    page.screenshot(path=str(artifacts / "kiosk-requirements.png"), full_page=True)

    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert page.locator("#ticket-number").inner_text() == "A-001"
    assert "Verifikasi Akun Baru" in page.locator("#ticket-service").inner_text()
    page.locator("#print-status[data-status='sent']").wait_for(timeout=10_000)  # the preview printer took it
    token = page.url.rsplit("/", 1)[1]
    ticket_url = f"{live_server.url}/t/{token}"
    assert decode_element_qr(page.locator("#ticket-qr svg"), tmp_path) == [ticket_url]
    page.screenshot(path=str(artifacts / "kiosk-confirmation.png"), full_page=True)

    phone = browser.new_context(viewport=PHONE_VIEWPORT).new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("response", lambda r: r.status >= 500 and server_errors.append(r.url))
    phone.goto(ticket_url)
    assert phone.locator("#headline").inner_text() == "Menunggu giliran"
    phone.locator("body[data-live='connected']").wait_for(timeout=15_000)

    with app.app_context():
        counter = next(c for c in db.session.scalars(select(Counter)) if any(s.code == "A" for s in c.services))
        called = core.call_next(counter)
        assert called.token == token
        name = counter.name
        db.session.remove()
    headline = phone.locator("#ticket-status[data-state='called'] #headline")
    headline.wait_for(timeout=15_000)
    assert headline.inner_text() == f"Silakan menuju {name}"
    phone.screenshot(path=str(artifacts / "ticket-page-called.png"), full_page=True)
    assert errors == [] and server_errors == []


def test_kiosk_issues_a_ticket_with_javascript_disabled(live_server, browser):
    context = browser.new_context(viewport=KIOSK_VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/1")
    page.locator(".service-tile[data-code='B'] a").click()
    page.locator("button[name='priority_reason'][value='lansia']").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert page.locator("#ticket-number").inner_text() == "B-001"
    assert "PRIORITAS" in page.locator(".ticket-priority").inner_text()
    context.close()


def test_idle_kiosk_returns_home_in_indonesian(live_server, browser):
    page = browser.new_context(viewport=KIOSK_VIEWPORT).new_page()
    page.goto(f"{live_server.url}/kiosk/1?lang=en")
    assert page.locator("h1").inner_text() == "Please choose a service"
    page.locator(".service-tile[data-code='C'] a").click()
    page.wait_for_url(re.compile(r"/layanan/C$"))
    assert "What to bring" in page.locator("#persyaratan h2").inner_text()
    # LOKET_KIOSK_IDLE_SECONDS=10 here: nobody touches the screen, so it goes home and back to Indonesian
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"), timeout=30_000)
    assert page.locator("h1").inner_text() == "Silakan pilih layanan"


def test_kiosk_home_waiting_counts_follow_the_queue_live(app, live_server, browser):
    from loket.queue import core

    page = browser.new_context(viewport=KIOSK_VIEWPORT).new_page()
    page.goto(f"{live_server.url}/kiosk/1")
    page.locator("body[data-live='connected']").wait_for(timeout=15_000)
    with app.app_context():
        core.issue_ticket("E")
        core.issue_ticket("E")
    page.locator(".service-tile[data-code='E'] .waiting[data-waiting='2']").wait_for(timeout=15_000)
    assert "Menunggu: 2 orang" in page.locator(".service-tile[data-code='E']").inner_text()


def test_ticket_page_asks_for_its_status_only_when_its_place_can_change(app, live_server, browser):
    """A thousand phones hear every event of their service: a new ticket behind them must not make
    them all ask the server again; a priority ticket (it goes first) and a call ahead of them do."""
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Counter

    with app.app_context():
        first = core.issue_ticket("A").number
        token = core.issue_ticket("A").token
        db.session.remove()
    phone = browser.new_context(viewport=PHONE_VIEWPORT).new_page()
    asked: list[str] = []
    phone.on("request", lambda r: f"/t/{token}" in r.url and asked.append(r.url))
    phone.goto(f"{live_server.url}/t/{token}")
    phone.locator("body[data-live='connected']").wait_for(timeout=15_000)
    assert "1 orang" in phone.locator("#ticket-status").inner_text()
    asked.clear()

    with app.app_context():
        for _ in range(3):
            core.issue_ticket("A")  # behind: nothing to ask
        db.session.remove()
    phone.wait_for_timeout(3_000)
    assert asked == []

    with app.app_context():
        counter = next(c for c in db.session.scalars(select(Counter)) if any(s.code == "A" for s in c.services))
        assert core.call_next(counter).number == first
        db.session.remove()
    phone.locator("#ticket-status").filter(has_text="0 orang").wait_for(timeout=15_000)
    assert len(asked) == 1

    with app.app_context():
        core.issue_ticket("A", priority_reason="lansia")  # goes before everyone waiting
        db.session.remove()
    phone.locator("#ticket-status").filter(has_text="1 orang").wait_for(timeout=15_000)
    assert len(asked) == 2
