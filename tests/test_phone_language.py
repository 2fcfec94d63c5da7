"""The visitor's phone pages: they speak the browser's language (shared screens never do), and the ticket
page announces the call to screen readers through a live region that outlives the status refreshes.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def token(app):
    with app.app_context():
        ticket = core.issue_ticket("A")
        db.session.remove()
        return ticket.token


def html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("accept, lang, headline", [
    ("en", "en", "Waiting for your turn"),
    ("en-US,en;q=0.9", "en", "Waiting for your turn"),
    ("fr, en;q=0.5", "en", "Waiting for your turn"),
    ("id-ID,id;q=0.9,en;q=0.8", "id", "Menunggu giliran"),
    ("fr", "id", "Menunggu giliran"),  # a language we lack: Bahasa Indonesia
    (None, "id", "Menunggu giliran"),
])
def test_ticket_page_follows_the_browser_language(client, token, accept, lang, headline):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(f"/t/{token}", headers=headers)
    assert response.status_code == 200
    assert html_lang(response) == lang
    assert headline in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/pengaduan/baru", "/survei", "/standar-pelayanan"])
def test_public_pages_follow_the_browser_language(client, path):
    assert html_lang(client.get(path, headers={"Accept-Language": "en"})) == "en"


@pytest.mark.parametrize("path", ["/kiosk/1", "/kiosk/1/layanan/A", "/display/1", "/pengaduan/baru?kiosk=1",
                                  "/survei?kiosk=1"])
def test_shared_screens_start_in_indonesian_whatever_the_browser_says(client, path):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert html_lang(response) == "id"


def test_a_kiosk_form_sent_back_stays_in_indonesian(client):
    response = client.post("/pengaduan/baru", data={"kiosk": "1", "category": "pengaduan", "message": "  "},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert html_lang(response) == "id"


def test_a_chosen_language_wins_over_the_browser(client, token):
    assert html_lang(client.get(f"/t/{token}?lang=id", headers={"Accept-Language": "en"})) == "id"
    assert html_lang(client.get(f"/t/{token}", headers={"Accept-Language": "en"})) == "id"  # kept in the session
    assert html_lang(client.get("/kiosk/1?lang=en", headers={"Accept-Language": "id"})) == "en"


@pytest.mark.browser
def test_ticket_page_in_english_on_a_phone(live_server, browser, token, artifacts):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#headline").inner_text() == "Waiting for your turn"
    page.screenshot(path=str(artifacts / "ticket-page-en.png"), full_page=True)
    context.close()


@pytest.mark.browser
def test_ticket_page_announces_the_call_in_its_live_region(app, live_server, browser, token):
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}")
    region = page.locator("#ticket-announce")
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    assert region.inner_text() == ""
    page.locator("body[data-live='connected']").wait_for(timeout=15_000)
    before = region.element_handle()

    with app.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.services.any(code="A")))
        core.call_next(counter)
        name = counter.name
        db.session.remove()
    page.locator("#ticket-status[data-state='called']").wait_for(timeout=15_000)
    page.locator("#ticket-announce:not(:empty)").wait_for(timeout=15_000)  # (no eval under the page's CSP)
    assert region.inner_text() == f"Nomor Anda dipanggil. Silakan menuju {name}"
    # the same element, not a new one: a screen reader follows changes of a region it already knows
    assert page.evaluate("(el) => el === document.getElementById('ticket-announce')", before)
    context.close()
