"""The waiting-room display in a real Chromium: board content, spoken calls, live updates, memory."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from display_helpers import call_at, counter, open_display, service, settle, speech_stub

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}


@pytest.fixture
def tv(browser, live_server):
    """A 1920×1080 display page in its own context (its own localStorage), clock in another zone."""
    contexts = []

    def make(stub: str | None = speech_stub(), display_id: str = "1", timezone_id: str = "America/New_York"):
        # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
        context = browser.new_context(viewport=TV, timezone_id=timezone_id, bypass_csp=True)
        contexts.append(context)
        if stub:
            context.add_init_script(stub)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return open_display(page, live_server.url, display_id)

    yield make
    for context in contexts:
        context.close()


def spoken(page) -> list[dict]:
    return page.evaluate("window.loketDisplay.spoken.slice()")


def wait_spoken(page, n: int, timeout=10_000):
    page.wait_for_function(f"window.loketDisplay.spoken.filter(e => e.end).length >= {n}", timeout=timeout)
    return spoken(page)


def test_display_board_shows_calls_counters_waiting_clock_and_office(tv, ctx, make_ticket, artifacts):
    from loket.offices.scope import default_office
    from loket.queue import core

    for code in ("A", "A", "A", "B", "B"):
        make_ticket(code)
    make_ticket("A", priority=True, priority_reason="lansia")  # priority: first in the next list
    page = tv()
    first = call_at(2, "A")   # the priority ticket A-004, at Loket 2
    second = call_at(1, "A")  # A-001 at Loket 1: now the newest call
    core.set_paused(counter(3), True)
    page.wait_for_function("document.querySelector('#board .counter[data-counter=\"3\"]').classList.contains('paused')")

    assert first.number == "A-004" and second.number == "A-001"
    assert page.locator("#board .now-number").inner_text() == "A-001"
    assert "Loket 1" in page.locator("#board .now-counter").inner_text()
    assert page.locator("#board .history .h-number").all_inner_texts() == ["A-004"]
    assert page.locator("#board .counter[data-counter='1'] .c-number").inner_text() == "A-001"
    assert page.locator("#board .counter[data-counter='2'] .c-number").inner_text() == "A-004"
    assert page.locator("#board .counter[data-counter='3'] .c-number").inner_text() == "Istirahat"
    assert page.locator("#board .counter[data-counter='4'] .c-number").inner_text() == "—"
    a_card = page.locator("#board .service-card[data-service='A']")
    assert a_card.locator(".s-count strong").inner_text() == "2"
    assert a_card.locator(".next-number").all_inner_texts() == ["A-002", "A-003"]
    b_card = page.locator("#board .service-card[data-service='B']")
    assert b_card.locator(".s-count strong").inner_text() == "2"
    assert b_card.locator(".next-number").all_inner_texts() == ["B-001", "B-002"]
    assert page.locator("#board .service-card").count() == 6

    office = default_office()
    assert page.locator(".office-name").inner_text() == office.name
    assert office.maklumat and office.maklumat[:40] in page.locator("#ticker").inner_text()

    # The browser runs in New York time; the clock shows the office's zone (WITA).
    now = datetime.now(ZoneInfo("Asia/Makassar"))
    clock = page.locator("#clock-time").inner_text()
    assert re.fullmatch(r"\d\d:\d\d:\d\d", clock)
    near = {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}
    assert clock[:5] in near, (clock, near)
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]
    assert f"{now.day} {months[now.month - 1]} {now.year}" in page.locator("#clock-date").inner_text()
    assert page.locator(".zone").inner_text() == "WITA"
    assert not page.locator(".offline-mark").is_visible()

    # Legible from 6 m: the called number is big; the board fits the TV without scrolling.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#board .now-number')).fontSize)")
    assert size >= 150
    assert page.evaluate("document.documentElement.scrollHeight <= 1080 && document.documentElement.scrollWidth <= 1920")
    assert_everything_on_screen(page)
    page.locator("#sound-enable").click()  # the screenshot shows the board, not the sound prompt
    page.screenshot(path=str(artifacts / "display.png"))
    assert page.js_errors == []


def assert_everything_on_screen(page):
    """Every counter row and service card lies inside its panel and the 1920×1080 screen."""
    boxes = page.evaluate("""() => {
        const inside = (el, box) => { const r = el.getBoundingClientRect();
            return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1; };
        const panel = document.querySelector('#board .counters').getBoundingClientRect();
        const screen = {top: 0, left: 0, bottom: 1080, right: 1920};
        return {
            counters: [...document.querySelectorAll('#board .counter')].map(el => inside(el, panel) && inside(el, screen)),
            cards: [...document.querySelectorAll('#board .service-card')].map(el => inside(el, screen)),
            header: inside(document.querySelector('.office-name'), screen) && inside(document.querySelector('#clock-time'), screen),
        };
    }""")
    assert all(boxes["counters"]) and all(boxes["cards"]) and boxes["header"], boxes


def test_twelve_counters_all_fit_on_the_tv(tv, ctx, make_counter, make_ticket):
    for _ in range(6):
        make_counter(("A",))
    make_ticket("A")
    call_at(12, "A")
    page = tv()
    assert page.locator("#board .counter").count() == 12
    assert page.locator("#board .counter[data-counter='12'] .c-number").inner_text() == "A-001"
    assert_everything_on_screen(page)


def test_busy_day_board_still_fits_the_tv(tv, ctx, make_ticket, artifacts):
    for code in "ABCDEF":
        for _ in range(8):
            make_ticket(code)
    for number, code in enumerate("ABCDEF", start=1):
        call_at(number, code)
    page = tv()
    assert page.locator("#board .next-number").count() == 6 * 5  # five next numbers per service
    assert page.locator("#board .history li").count() == 5
    page.locator("#sound-enable").click()
    page.screenshot(path=str(artifacts / "display-busy.png"))
    assert_everything_on_screen(page)
    # What does not fit is left out whole (never half a number): the first ones always show.
    visible = page.evaluate("""() => [...document.querySelectorAll('#board .service-card')].map(card => {
        const box = card.querySelector('.s-next').getBoundingClientRect();
        return [...card.querySelectorAll('.next-number')].filter(n => {
            const r = n.getBoundingClientRect(); return r.bottom <= box.bottom + 1 && r.right <= box.right + 1;
        }).map(n => n.innerText);
    })""")
    for code, shown in zip("ABCDEF", visible):
        assert len(shown) >= 2 and shown == [f"{code}-{i:03d}" for i in range(2, 2 + len(shown))], shown


def test_display_settings_filter_services_counters_and_running_text(tv, ctx, make_ticket):
    from loket.display.settings import get_display, update_display

    for code in ("A", "B", "C"):
        make_ticket(code)
    update_display(get_display("1"), name="Ruang tunggu B", service_ids=[service("B").id], counter_ids=[counter(2).id],
                   running_text="Pelayanan tutup pukul 15.00 WITA")
    page = tv()
    assert page.locator("#board .service-card").evaluate_all("cards => cards.map(c => c.dataset.service)") == ["B"]
    assert page.locator("#board .counter").evaluate_all("cs => cs.map(c => c.dataset.counter)") == ["2"]
    assert page.locator("#ticker").inner_text().strip() == "Pelayanan tutup pukul 15.00 WITA"

    call_at(1, "A")  # not on this display: neither shown nor announced
    call_at(2, "B")
    page.wait_for_function("document.querySelector('#board .now-number').dataset.number === 'B-001'")
    said = wait_spoken(page, 1)
    assert [e["number"] for e in said] == ["B-001"]
    assert page.locator("#board .history").count() == 0

    # A change of settings is pushed to the open screen (board and running text).
    update_display(get_display("1"), name="Ruang tunggu", service_ids=[], counter_ids=[],
                   running_text="Pengumuman baru")
    page.wait_for_function("document.querySelector('#ticker').innerText.trim() === 'Pengumuman baru'")
    page.wait_for_function("document.querySelectorAll('#board .service-card').length === 6")
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["id", "id-ID"])
def test_call_is_announced_once_with_indonesian_voice_and_again_on_recall(tv, ctx, make_ticket, lang):
    from loket.queue import core

    make_ticket("A")
    make_ticket("A")
    page = tv(speech_stub(voice_langs=("en-US", lang, "ms-MY")))
    assert page.evaluate("window.loketDisplay.voice()") == lang  # matched by the prefix "id"

    first = call_at(2, "A")
    said = wait_spoken(page, 1)
    core.recall(first)
    said = wait_spoken(page, 2)
    core.close_case(first)
    call_at(2, "A")
    said = wait_spoken(page, 3)
    time.sleep(1.0)  # nothing more comes: each call is said exactly once
    speech = page.evaluate("window.__speech")

    texts = [s["text"] for s in speech["said"]]
    assert texts == [
        "Nomor antrean A nol nol satu, silakan menuju loket dua",
        "Nomor antrean A nol nol satu, silakan menuju loket dua",
        "Nomor antrean A nol nol dua, silakan menuju loket dua",
    ]
    assert {s["voice"] for s in speech["said"]} == {lang}
    assert [e["recall"] for e in spoken(page)] == [False, True, False]
    assert {e["via"] for e in spoken(page)} == {"speech"}
    assert speech["clips"] == ["chime", "chime", "chime"]  # a chime before each spoken call
    assert speech["maxConcurrent"] == 1
    assert page.js_errors == []


def test_without_indonesian_voice_the_shipped_clips_play_in_order(tv, ctx, make_ticket):
    make_ticket("A")
    page = tv(speech_stub(voice_langs=("en-US", "ind-XX")))  # "ind" is not the Indonesian prefix "id-"
    assert page.evaluate("window.loketDisplay.voice()") is None
    call_at(2, "A")
    said = wait_spoken(page, 1)
    assert said[0]["via"] == "clips"
    expected = ["chime", "nomor-antrean", "letter-a", "digit-0", "digit-0", "digit-1",
                "silakan-menuju-loket", "counter-2"]
    assert said[0]["clips"] == expected
    assert page.evaluate("window.__speech.clips") == expected
    assert page.evaluate("window.__speech.said") == []
    # The clips are served from static/, no network beyond the app itself.
    for name in expected:
        assert page.request.get(f"{page.url.split('/display')[0]}/static/audio/id/{name}.ogg").ok


def test_calls_in_quick_succession_are_queued_never_overlapping(tv, ctx, make_ticket):
    from loket.queue import core

    for _ in range(3):
        make_ticket("A")
    make_ticket("B")
    page = tv(speech_stub(speak_ms=400))
    a1 = call_at(1, "A")
    b1 = call_at(2, "B")
    a2 = call_at(3, "A")
    core.recall(a1)
    said = wait_spoken(page, 4, timeout=20_000)
    assert [(e["number"], e["recall"]) for e in said] == [(a1.number, False), (b1.number, False),
                                                          (a2.number, False), (a1.number, True)]
    for before, after in zip(said, said[1:]):
        assert after["start"] >= before["end"], "two calls talked over each other"
    assert page.evaluate("window.__speech.maxConcurrent") == 1
    assert [s["text"] for s in page.evaluate("window.__speech.said")][1] == \
        "Nomor antrean B nol nol satu, silakan menuju loket dua"


def test_tap_to_enable_sound_is_shown_once_and_remembered(tv, live_server):
    page = tv()
    button = page.locator("#sound-enable")
    assert button.is_visible()
    assert "Ketuk untuk mengaktifkan suara" in button.inner_text()
    button.click()
    assert not button.is_visible()
    assert page.evaluate("localStorage.getItem('loket.sound')") == "on"
    page.reload()
    page.wait_for_function("document.body.dataset.live === 'connected'")
    assert not page.locator("#sound-enable").is_visible()
    # Another screen (fresh storage) asks again.
    other = tv()
    assert other.locator("#sound-enable").is_visible()


def test_call_reaches_display_within_a_second_with_one_render_per_event(tv, app, ctx, make_ticket):
    """Three screens on display 1: one server render per event, pushed; no screen re-requests the board."""
    make_ticket("A")
    settle(app)
    pages = [tv() for _ in range(3)]
    board_requests = []
    for i, page in enumerate(pages):
        page.on("request", lambda req, i=i: board_requests.append((i, req.url)) if "/board" in req.url else None)
    renderer = app.extensions["loket.display_renderer"]
    before = renderer.renders

    started = time.monotonic()
    ticket = call_at(2, "A")
    for page in pages:
        page.wait_for_function(f"document.querySelector('#board .now-number').dataset.number === '{ticket.number}'",
                               timeout=1_000)
    elapsed = time.monotonic() - started
    print(f"call→3 displays updated: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0
    settle(app)
    assert renderer.renders - before == 1  # one display configured: rendered once for all its screens
    assert board_requests == []


def test_one_board_swap_frame_per_event_per_screen(browser, live_server, ctx, make_ticket):
    # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
    context = browser.new_context(viewport=TV, bypass_csp=True)
    context.add_init_script(speech_stub())
    page = context.new_page()
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, str) else "")))
    open_display(page, live_server.url)
    make_ticket("A")
    page.wait_for_function("document.querySelector('#board .service-card[data-service=\"A\"] strong').dataset.waiting === '1'")
    call_at(1, "A")
    page.wait_for_function("document.querySelector('#board .now-number').dataset.number === 'A-001'")

    def count(prefix):
        return len([f for f in frames if f.startswith(prefix)])

    # Playwright's sync API delivers frame events only while it runs: wait with wait_for_timeout, not sleep.
    for _ in range(50):
        if count('42["announce"') >= 1:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)  # room for any extra (wrong) frames to arrive
    swaps = [f for f in frames if f.startswith('42["swap"')]
    announces = [f for f in frames if f.startswith('42["announce"')]
    assert len(swaps) == 2  # issued, called
    assert len(announces) == 1
    context.close()


def test_display_stays_bounded_after_300_events(tv, ctx, make_ticket):
    """A display left running for days: DOM nodes and listeners do not grow with events."""
    from loket.queue import core

    page = tv(speech_stub(speak_ms=5, clip_ms=1))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def metrics():
        cdp.send("HeapProfiler.collectGarbage")
        values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        # Every node in the document, text nodes included (a stray one per swap would pile up).
        dom = page.evaluate("""() => {
            const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
            let n = 0;
            while (walker.nextNode()) { n++; }
            return n;
        }""")
        return {"nodes": values["Nodes"], "listeners": values["JSEventListeners"], "dom": dom,
                "heap": values["JSHeapUsedSize"]}

    events = 0

    def cycle():
        nonlocal events
        make_ticket("A")
        ticket = call_at(1, "A")
        core.close_case(ticket)
        events += 3
        return ticket

    for _ in range(10):
        last = cycle()
    page.wait_for_function(f"document.querySelector('#board .now-number').dataset.number === '{last.number}'")
    time.sleep(0.5)
    before = metrics()
    for _ in range(100):
        last = cycle()
    page.wait_for_function(f"document.querySelector('#board .now-number').dataset.number === '{last.number}'",
                           timeout=30_000)
    page.wait_for_function("window.loketDisplay.pending() === 0", timeout=60_000)
    time.sleep(0.5)
    after = metrics()
    print(f"after {events} events: before={before} after={after}")
    assert events >= 300
    assert after["dom"] <= before["dom"] + 10
    assert after["nodes"] <= before["nodes"] * 1.2 + 50
    assert after["listeners"] <= before["listeners"] + 5
    assert len(spoken(page)) <= 50  # the spoken log is capped
    assert page.js_errors == []


def test_display_catches_up_with_changes_made_before_its_socket_joined(browser, live_server, app, ctx, make_ticket):
    """The page is rendered, then the socket joins the room: a call in between is not lost."""
    make_ticket("A")
    # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
    context = browser.new_context(viewport=TV, bypass_csp=True)
    context.add_init_script(speech_stub())
    page = context.new_page()
    calls = []

    def late_socket(ws):
        if not calls:  # the page is already rendered (nobody called yet) when its socket opens ...
            with app.app_context():  # (Playwright runs this handler in its own greenlet)
                calls.append(call_at(1, "A").number)  # ... and a call happens before it joins its room
        ws.connect_to_server()

    page.route_web_socket(re.compile(r".*/socket\.io/.*"), late_socket)
    open_display(page, live_server.url)
    assert calls == ["A-001"]
    page.wait_for_function("document.querySelector('#board .now-number').dataset.number === 'A-001'", timeout=5_000)
    context.close()


def test_board_is_refreshed_at_the_office_midnight(tv):
    page = tv()
    now = datetime.now(ZoneInfo("Asia/Makassar"))
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert abs(page.evaluate("Loket.msToOfficeMidnight()") / 1000 - (midnight - now).total_seconds()) < 5
