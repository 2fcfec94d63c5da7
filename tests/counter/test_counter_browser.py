"""The issue's end-to-end check in headless Debian Chromium, with three browser contexts — the
waiting-room display, the officer's counter (logged in) and the customer-facing rating screen — plus a
ticket taken at the kiosk page: calling updates the display within a second, recall announces again,
closing lights up the rating screen, and the tap is stored against ticket, officer and service."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from loket.counter.models import QuickRating
from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter, Ticket

pytestmark = pytest.mark.browser

# Headless Chromium has no audio device: make clips "play" at once so the announcement queue moves on.
# What is said is read from the display's own log (window.loketDisplay.spoken, see display.js).
QUIET_AUDIO = """
HTMLMediaElement.prototype.play = function () {
  var el = this; setTimeout(function () { el.dispatchEvent(new Event("ended")); }, 10); return Promise.resolve();
};
"""
SPOKEN = """(() => {
  const log = (window.loketDisplay && window.loketDisplay.spoken) || (window.Loket && window.Loket.spoken) || [];
  return log.map(e => typeof e === "string" ? {text: e, recall: null} : {text: e.text, recall: e.recall});
})()"""


def counter(number: int) -> Counter:
    return db.session.scalar(select(Counter).where(Counter.number == number))


@pytest.fixture
def contexts(browser):
    made = []

    def make(**options):
        # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
        context = browser.new_context(bypass_csp=True, **options)
        context.add_init_script(QUIET_AUDIO)
        made.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in made:
        context.close()


def live(page):
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)
    return page


def spoken(page) -> list[dict]:
    return page.evaluate(SPOKEN)


def test_call_recall_close_and_rate_across_display_counter_and_rating_screen(
        live_server, contexts, ctx, make_user, artifacts):
    base = live_server.url
    make_user("officer1", counters=(1,))
    cid = counter(1).id

    display = live(_goto(contexts(viewport={"width": 1920, "height": 1080}), f"{base}/display/1"))

    desk = log_in(contexts(viewport={"width": 1366, "height": 900}), f"{base}/login?next=/counter/")
    desk.wait_for_url(re.compile(rf"/counter/{cid}$"))
    live(desk)
    rate_url = desk.get_attribute("#rate-screen-link", "href")

    screen = contexts(viewport={"width": 1024, "height": 768})  # the tablet facing the visitor: no login
    screen.goto(base + rate_url)
    screen.wait_for_url(re.compile(rf"/counter/{cid}/rate$"))
    live(screen)
    assert screen.get_attribute("#rating", "data-state") == "dark"
    assert screen.locator(".act").count() == 0 and screen.locator("form.logout").count() == 0

    # A visitor takes a ticket at the kiosk; the officer's queue shows it without a reload.
    kiosk = contexts(viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{base}/kiosk/1")
    kiosk.click('.service-tile[data-code="A"] a')
    kiosk.click("#take-ticket")
    kiosk.wait_for_url(re.compile(r"/tiket/"))
    assert "A-001" in kiosk.content()
    desk.wait_for_selector('#side .q-item[data-number="A-001"]', timeout=5_000)

    # Call (keyboard shortcut N): the display shows it within a second and announces it once.
    started = time.monotonic()
    desk.keyboard.press("n")
    display.wait_for_selector('#board .now-number[data-number="A-001"]', timeout=1_000)
    display_latency = time.monotonic() - started
    desk.wait_for_selector('#current .v-number[data-number="A-001"]')
    assert "A-001 dipanggil." in desk.inner_text("#messages")
    display.wait_for_function(f"({SPOKEN}).length >= 1", timeout=10_000)
    first = spoken(display)
    assert len(first) == 1 and "A nol nol satu" in first[0]["text"] and "loket satu" in first[0]["text"]
    print(f"display updated {display_latency * 1000:.0f} ms after the call key")

    # Recall (U) announces the same number again, marked as a recall.
    desk.keyboard.press("u")
    display.wait_for_function(f"({SPOKEN}).length >= 2", timeout=15_000)
    again = spoken(display)
    assert len(again) == 2 and again[1]["text"] == first[0]["text"] and again[1]["recall"] in (True, None)
    desk.wait_for_selector('#workspace[data-call-count="2"]')

    # Start (M), tick the first requirement, screenshot, close (S): the rating screen lights up.
    desk.keyboard.press("m")
    desk.wait_for_selector('#workspace[data-state="serving"]')
    desk.check("#checklist input[value='0']")
    desk.screenshot(path=str(artifacts / "counter-desk.png"), full_page=True)
    display.screenshot(path=str(artifacts / "counter-flow-display.png"))
    desk.keyboard.press("s")
    desk.wait_for_selector("#current .visitor.empty")
    screen.wait_for_selector('#rating[data-state="open"]', timeout=5_000)
    assert "A-001" in screen.inner_text("#rating")
    screen.screenshot(path=str(artifacts / "counter-rating-screen.png"))

    screen.click(".rate-btn.rate-4")
    screen.wait_for_selector('#rating[data-state="thanks"]')
    desk.wait_for_selector('#counts [data-count="ratings"]:has-text("4.00/4")', timeout=5_000)

    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == "A-001"))
    rating = db.session.scalar(select(QuickRating).where(QuickRating.ticket_id == ticket.id))
    assert ticket.state == "done" and ticket.call_count == 2
    assert (rating.score, rating.officer_id, rating.service_id, rating.counter_id) == \
        (4, ticket.officer_id, ticket.service_id, cid)
    assert len(spoken(display)) == 2  # closing is not announced
    # The thanks fades back to dark by itself.
    screen.wait_for_selector('#rating[data-state="dark"]', timeout=10_000)
    for page in (display, desk, screen, kiosk):
        assert page.js_errors == []


def test_rating_screen_goes_dark_by_itself_when_nobody_taps(live_server, contexts, ctx, make_user, app):
    app.config["LOKET_RATING_TIMEOUT"] = 2
    make_user("officer1", counters=(1,))
    cid = counter(1).id
    desk = log_in(contexts(), f"{live_server.url}/login?next=/counter/{cid}")
    screen = live(_goto(contexts(), live_server.url + desk.get_attribute("#rate-screen-link", "href")))
    core.issue_ticket("A")
    ticket = core.call_next(counter(1))
    core.close_case(ticket)
    from loket.counter import rating
    rating.request_rating(ticket, counter(1))
    screen.wait_for_selector('#rating[data-state="open"]', timeout=5_000)
    screen.wait_for_selector('#rating[data-state="dark"]', timeout=8_000)
    assert db.session.scalars(select(QuickRating)).all() == []


def test_desk_buttons_follow_the_state_and_shortcuts_ignore_typing(live_server, contexts, ctx, make_user):
    make_user("officer1", counters=(1,))
    cid = counter(1).id
    desk = log_in(contexts(), f"{live_server.url}/login?next=/counter/{cid}")
    live(desk)
    assert desk.is_enabled(".act-call") and desk.is_disabled(".act-close") and desk.is_disabled(".act-recall")
    core.issue_ticket("A")
    desk.wait_for_selector('#side .q-item[data-number="A-001"]')
    desk.click(".act-call")
    desk.wait_for_selector('#workspace[data-number="A-001"]')
    assert desk.is_disabled(".act-call") and desk.is_enabled(".act-close") and desk.is_enabled(".act-recall")
    # While a request is in flight every button of the workspace is disabled (no double actions).
    desk.evaluate("""document.body.addEventListener("htmx:beforeSend", () => {
        const buttons = [...document.querySelectorAll("#workspace button")];
        window.__inFlight = {all: buttons.length, disabled: buttons.filter(b => b.disabled).length};
    }, {once: true})""")
    desk.click(".act-recall")
    desk.wait_for_selector('#workspace[data-call-count="2"]')
    in_flight = desk.evaluate("window.__inFlight")
    assert in_flight["all"] >= 7 and in_flight["disabled"] == in_flight["all"]
    assert desk.is_enabled(".act-recall")
    # Typing "s" in the transfer note must not close the case.
    desk.fill("textarea[name=note]", "")
    desk.type("textarea[name=note]", "sss")
    time.sleep(0.5)
    assert desk.get_attribute("#workspace", "data-state") == "called"
    desk.select_option("select[name=service]", "B")
    desk.click(".act-transfer")
    desk.wait_for_selector("#current .visitor.empty")
    assert "dialihkan" in desk.inner_text("#messages")
    # A domain error comes back as a readable message, not an error page.
    desk.click(".act-pause")
    desk.wait_for_selector('#workspace[data-paused="1"]')
    assert desk.is_disabled(".act-call")
    assert desk.js_errors == []


def log_in(page, login_url, username="officer1", password="rahasia-123"):
    """Log the officer in through the real login form; the page follows `next`."""
    page.goto(login_url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


def _goto(page, url):
    page.goto(url)
    return page


def test_a_live_refresh_keeps_what_the_officer_typed_and_ignores_late_echoes(live_server, contexts, ctx, make_user):
    """An officer halfway through a transfer (target chosen, note typed, focus in the note) keeps all of it
    when a live event re-renders the desk for the same visitor; and the late echo of an earlier call (a
    socket message trailing the answer to the next action) re-renders nothing."""
    from loket.events import DomainEvent, commit_and_publish, counter_room

    make_user("officer1", counters=(1,))
    cid = counter(1).id
    desk = live(log_in(contexts(), f"{live_server.url}/login?next=/counter/{cid}"))
    number = core.issue_ticket("A").number
    desk.wait_for_selector(f'#side .q-item[data-number="{number}"]')
    desk.click(".act-call")
    desk.wait_for_selector(f'#workspace[data-number="{number}"][data-state="called"]')
    desk.click(".act-start")
    desk.wait_for_selector('#workspace[data-state="serving"]')
    desk.select_option("select[name=service]", "B")
    desk.fill("textarea[name=note]", "Berkas lengkap, lanjut verifikasi.")
    desk.focus("textarea[name=note]")
    refreshes = desk.evaluate("() => ({...window.Loket.deskRefreshes})")

    # the echo of the call, late: the desk already shows the visitor being served
    commit_and_publish(DomainEvent("ticket.called", {"number": number, "state": "called", "call_count": 1,
                                                     "counter": 1, "priority": False}, rooms=(counter_room(cid),)))
    other = core.issue_ticket("A").number  # a real event after it: the queue list is fetched again
    desk.wait_for_selector(f'#side .q-item[data-number="{other}"]')
    assert desk.evaluate("() => window.Loket.deskRefreshes.workspace") == refreshes["workspace"]

    # a real change of the same visitor (marked priority elsewhere): the desk is fetched again ...
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    core.mark_priority(ticket, "lansia")
    desk.wait_for_selector('#workspace[data-priority="1"]')
    assert desk.evaluate("() => window.Loket.deskRefreshes.workspace") == refreshes["workspace"] + 1
    # ... and what was typed, and where, is still there
    assert desk.input_value("select[name=service]") == "B"
    assert desk.input_value("textarea[name=note]") == "Berkas lengkap, lanjut verifikasi."
    assert desk.evaluate("() => document.activeElement.name") == "note"
    desk.click(".act-transfer")
    desk.wait_for_selector("#current .visitor.empty")
    assert f"{number} dialihkan" in desk.inner_text("#messages")
    assert desk.js_errors == []
