"""Displays of several offices: a shared TV (Mal Pelayanan Publik) shows and says every office's calls,
naming the office beside the counter; a display of one office hears nothing of another office and
looks and sounds as before; only the installation admin (or the admin of every office on it) edits it."""
from __future__ import annotations

import pytest

from loket.display.models import Display
from loket.extensions import db, socketio

from display_helpers import call_at, counter, login_as, open_display, service, settle, speech_stub


@pytest.fixture
def offices(app, second_office):
    """Display 1 serves the first office only; display 2 is shared by both offices (first, then the second)."""
    from loket.offices.models import Office

    with app.app_context():
        first = db.session.get(Office, second_office["first"])
        second = db.session.get(Office, second_office["id"])
        db.session.add(Display(id="2", name="Mal Pelayanan Publik", service_ids=[], counter_ids=[], running_text="",
                               offices=[first, second]))
        db.session.commit()
        info = {"first": first.id, "second": second.id, "first_code": first.code, "first_label": first.label,
                "second_label": second.label, "first_name": first.name, "second_name": second.name}
        db.session.remove()
    app.extensions["loket.publisher"].sent.clear()
    return info


def screen(app, display_id: str):
    sio = socketio.test_client(app)
    room = f"display:{display_id}"
    assert sio.emit("subscribe", {"rooms": [room]}, callback=True)["rooms"] == [room]
    return sio


def received(sio, name):
    return [m["args"][0] for m in sio.get_received() if m["name"] == name]


def split(sio) -> tuple[list[dict], list[dict]]:
    messages = sio.get_received()
    return ([m["args"][0] for m in messages if m["name"] == "swap"],
            [m["args"][0] for m in messages if m["name"] == "announce"])


def test_calls_of_both_offices_reach_the_shared_display_naming_the_office(app, offices, ctx):
    from loket.queue import core
    from loket.queue.closing import close_day

    one, shared = screen(app, "1"), screen(app, "2")
    assert core.issue_ticket("A").number == "A-001"
    renderer = settle(app)
    one.get_received(), shared.get_received()
    before = renderer.renders
    assert core.issue_ticket("A", office_id=offices["second"]).number == "DK-A-001"
    settle(app)
    assert renderer.renders - before == 1  # the second office's ticket: the shared board only
    assert received(one, "swap") == []
    one.get_received(), shared.get_received()

    # A call at Loket 1 of the first office: both displays, the shared one names the office.
    before = renderer.renders
    first_call = call_at(1, "A")
    settle(app)
    assert renderer.renders - before == 2
    swaps, announces = split(one)
    assert len(swaps) == 1 and 'data-number="A-001"' in swaps[0]["html"] and "office-tag" not in swaps[0]["html"]
    assert [a["text"] for a in announces] == ["Nomor antrean A nol nol satu, silakan menuju loket satu"]
    assert announces[0]["office_label"] is None
    swaps, announces = split(shared)
    assert len(swaps) == 1 and len(announces) == 1
    first_label = offices["first_label"]
    assert announces[0]["text"] == f"Nomor antrean A nol nol satu, silakan menuju loket satu, {first_label}"
    assert announces[0]["office_label"] == first_label and announces[0]["office"] == offices["first"]
    assert announces[0]["clips"][-2:] == ["silakan-menuju-loket", "counter-1"]  # clips: number and counter
    assert f'<strong>Loket 1</strong><span class="office-tag"><span class="sep"> · </span>{first_label}</span>' in swaps[0]["html"]

    # Loket 1 of the second office: the shared display only; display 1 is not even re-rendered.
    before = renderer.renders
    ticket = call_at(1, "A", offices["second"])
    assert ticket.number == "DK-A-001"
    settle(app)
    assert renderer.renders - before == 1
    assert one.get_received() == []
    swaps, announces = split(shared)
    assert len(swaps) == 1 and len(announces) == 1
    html = swaps[0]["html"]
    assert 'data-number="DK-A-001"' in html
    assert '<strong>Loket 1</strong><span class="office-tag"><span class="sep"> · </span>Disdukcapil Contoh</span>' in html
    # The earlier call stays in the history with its own office; each counter row names its office.
    assert (f'<span class="h-number">A-001</span><span class="h-counter">Loket 1<span class="office-tag"><span class="sep"> · </span>'
            f'{first_label}</span>') in html
    assert '<span class="c-name">Loket 1<small class="c-office">Disdukcapil Contoh</small></span>' in html
    assert f'<span class="c-name">Loket 1<small class="c-office">{first_label}</small></span>' in html
    assert announces[0] == {**announces[0], "number": "DK-A-001", "office_label": "Disdukcapil Contoh",
                            "recall": False, "counter": 1}
    assert announces[0]["text"] == "Nomor antrean D K A nol nol satu, silakan menuju loket satu, Disdukcapil Contoh"
    assert announces[0]["clips"] == ["chime", "nomor-antrean", "letter-d", "letter-k", "letter-a", "digit-0",
                                     "digit-0", "digit-1", "silakan-menuju-loket", "counter-1"]

    # A recall is said again, at the shared display only.
    core.recall(ticket)
    settle(app)
    assert [a["recall"] for a in received(shared, "announce")] == [True]
    assert one.get_received() == []

    # Counter and queue news of the second office (no `office` in the payload) skip display 1 too.
    core.cancel(first_call)  # (so the day's close below has only the second office's ticket to close)
    core.cancel(ticket)
    settle(app)
    one.get_received(), shared.get_received()
    before = renderer.renders
    core.set_paused(counter(2, offices["second"]), True)
    settle(app)
    core.issue_ticket("B", office_id=offices["second"])
    settle(app)
    assert close_day(force=True)["numbers"] == ["DK-B-001"]
    settle(app)
    assert renderer.renders - before == 3  # one event at a time: one burst each
    assert one.get_received() == []
    assert len(received(shared, "swap")) == 3

    # A first-office counter paused: both boards; a settings change: that display only.
    before = renderer.renders
    core.set_paused(counter(3), True)
    settle(app)
    assert renderer.renders - before == 2
    from loket.display.settings import get_display, update_display

    update_display(get_display("2"), name="MPP", service_ids=[], counter_ids=[], running_text="Selamat datang")
    settle(app)
    assert renderer.renders - before == 3
    assert len(received(one, "swap")) == 1
    assert [s["target"] for s in received(shared, "swap")] == ["#board", "#board", "#ticker"]
    for sio in (one, shared):
        sio.disconnect()


def test_shared_display_page_labels_counters_and_services_by_office(client, offices, ctx):
    from loket.queue import core

    core.issue_ticket("A")
    core.issue_ticket("A", office_id=offices["second"])
    html = client.get("/display/2").get_data(as_text=True)
    # Header: both offices; waiting cards of both offices, each labelled; counters carry their office.
    assert f'<div class="office-name">{offices["first_label"]} · Disdukcapil Contoh</div>' in html
    assert f'data-service="A" data-office="{offices["first_code"]}"' in html and 'data-service="DK-A" data-office="dukcapil"' in html
    assert '<div class="s-office">Disdukcapil Contoh</div>' in html
    assert '<span class="s-code">DK-A</span>' in html
    assert 'data-counter="1" data-office="dukcapil"' in html and f'data-counter="1" data-office="{offices["first_code"]}"' in html
    assert '<section id="board" class="board shared">' in html
    # The running text is each office's Maklumat, named.
    ticker = client.get("/display/2/ticker", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Disdukcapil Contoh: Kami siap melayani sesuai standar pelayanan." in ticker
    assert f"{offices['first_label']}: " in ticker

    # Display 1 (one office) looks as before: its office's name, no office labels, no second office.
    one = client.get("/display/1").get_data(as_text=True)
    assert f'<div class="office-name">{offices["first_name"]}</div>' in one
    assert '<section id="board" class="board">' in one
    for absent in ("office-tag", "c-office", "s-office", "data-office", "Disdukcapil", "DK-"):
        assert absent not in one


def test_display_of_the_second_office_alone_is_not_shared(client, offices, ctx):
    from loket.offices.models import Office
    from loket.queue import core

    db.session.add(Display(id="dk", name="Disdukcapil", service_ids=[], counter_ids=[], running_text="",
                           offices=[db.session.get(Office, offices["second"])]))
    db.session.commit()
    core.issue_ticket("A", office_id=offices["second"])
    sio = screen(client.application, "dk")
    call_at(1, "A", offices["second"])
    settle(client.application)
    announces = received(sio, "announce")
    assert [a["text"] for a in announces] == ["Nomor antrean D K A nol nol satu, silakan menuju loket satu"]
    sio.disconnect()
    html = client.get("/display/dk").get_data(as_text=True)
    assert f'<div class="office-name">{offices["second_name"]}</div>' in html and "Jalan Contoh No. 1" in html
    assert "office-tag" not in html and 'data-service="DK-A"' in html and 'data-number="DK-A-001"' in html
    assert "Kami siap melayani sesuai standar pelayanan." in html  # its own Maklumat, not the first office's


def login_as_existing(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "rahasia-123"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_display_settings_belong_to_the_admins_of_its_offices(app, offices, make_user, published):
    # No `ctx` here: requests inside a held app context would share flask-login's cached user.
    make_user("admin_dk", role="admin", counters=(), office="dukcapil")
    make_user("admin_utama", role="admin", counters=(), office=offices["first_code"])
    other = login_as_existing(app, "admin_dk")
    own = login_as_existing(app, "admin_utama")
    installation = login_as(app, make_user, "root", "admin")

    # An admin of the other office: neither display 1 (first office) nor the shared display 2.
    for path in ("/display/1/settings", "/display/2/settings"):
        assert other.get(path).status_code == 403
        response = other.post(path, data={"name": "diambil alih"})
        assert response.status_code == 403 and "kantor lain" in response.get_data(as_text=True)
    # The first office's admin edits display 1, not the display it shares with another office.
    assert own.get("/display/1/settings").status_code == 200
    assert own.get("/display/2/settings").status_code == 403
    with app.app_context():
        assert db.session.get(Display, "1").name == "Layar 1"
        assert db.session.get(Display, "2").name == "Mal Pelayanan Publik"
        dk_service, dk_counter = service("A", offices["second"]).id, counter(1, offices["second"]).id
        a_service = service("A").id
    assert [e for e in published if e.name == "display.updated"] == []

    # Display 1 lists only its office's services and counters; another office's id is an unknown choice.
    form = own.get("/display/1/settings").get_data(as_text=True)
    assert "Disdukcapil" not in form and "Penerbitan Kartu Keluarga" not in form
    response = own.post("/display/1/settings", data={"services": [str(dk_service)]})
    assert response.status_code == 400 and "Layanan yang dipilih tidak dikenal." in response.get_data(as_text=True)

    # The installation admin edits the shared display: both offices' choices, labelled by office.
    form = installation.get("/display/2/settings").get_data(as_text=True)
    assert "Penerbitan Kartu Keluarga · Disdukcapil Contoh" in form
    assert "Loket 1 · Disdukcapil Contoh" in form and f"Loket 1 · {offices['first_label']}" in form
    assert f"{offices['first_label']}, Disdukcapil Contoh" in form and "loket office display" in form
    english = installation.get("/display/2/settings?lang=en").get_data(as_text=True)
    assert "Offices this display serves:" in english and "Changed with the command loket office display." in english
    response = installation.post("/display/2/settings", data={
        "name": "MPP", "services": [str(dk_service), str(a_service)], "counters": [str(dk_counter)]})
    assert response.status_code == 302
    with app.app_context():
        display = db.session.get(Display, "2")
        assert display.service_ids == [dk_service, a_service] and display.counter_ids == [dk_counter]


def test_single_office_settings_page_does_not_mention_offices(admin_client):
    page = admin_client.get("/display/1/settings").get_data(as_text=True)
    assert "Kantor yang dilayani" not in page and "display-offices" not in page
    assert "Loket 1 · " not in page


def test_speech_for_a_prefixed_number_at_a_shared_display():
    from loket.display.speech import announcement

    said = announcement("DK-A-001", 1, "Disdukcapil Contoh")
    assert said["text"] == "Nomor antrean D K A nol nol satu, silakan menuju loket satu, Disdukcapil Contoh"
    # The clips cannot say an office's name: they say the number and the counter, nothing else.
    assert said["clips"] == ["chime", "nomor-antrean", "letter-d", "letter-k", "letter-a", "digit-0", "digit-0",
                             "digit-1", "silakan-menuju-loket", "counter-1"]
    assert announcement("DK-A-001", 1)["clips"] == said["clips"]
    assert announcement("DK-A-001", 1)["text"] == "Nomor antrean D K A nol nol satu, silakan menuju loket satu"
    # Multi-segment numbers: every letter by name, every digit one by one; blanks in a name collapse.
    assert announcement("ABC-Z-120", 25, "  Kantor \n Pajak ")["text"] == (
        "Nomor antrean A B C Z satu dua nol, silakan menuju loket dua puluh lima, Kantor Pajak")
    assert announcement("DK-A-001", None, "Disdukcapil Contoh")["text"] == "Nomor antrean D K A nol nol satu"
    assert announcement("A-001", 2, "")["text"] == "Nomor antrean A nol nol satu, silakan menuju loket dua"


def _assert_fits_the_tv(page):
    boxes = page.evaluate("""() => {
        const inside = (el, box) => { const r = el.getBoundingClientRect();
            return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1; };
        const screen = {top: 0, left: 0, bottom: 1080, right: 1920};
        const panel = document.querySelector('#board .counters').getBoundingClientRect();
        const now = document.querySelector('#board .now').getBoundingClientRect();
        const all = sel => [...document.querySelectorAll(sel)];
        return {
            counters: all('#board .counter').map(el => inside(el, panel) && inside(el, screen)),
            // nothing in a counter row spills out of it (name, office, number side by side)
            rows: all('#board .counter').map(el => el.scrollWidth <= el.clientWidth + 1),
            cards: all('#board .service-card').map(el => inside(el, screen)),
            now: all('#board .now-number, #board .now-counter').map(el => inside(el, now)),
            page: document.documentElement.scrollHeight <= 1080 && document.documentElement.scrollWidth <= 1920,
        };
    }""")
    assert all(boxes["counters"]) and all(boxes["rows"]) and all(boxes["cards"]) and all(boxes["now"]), boxes
    assert boxes["page"], boxes


@pytest.mark.browser
@pytest.mark.parametrize("voices", [("en-US", "id"), ("en-US",)], ids=["speech", "clips"])
def test_shared_display_in_chromium_says_and_shows_the_office(browser, live_server, offices, ctx, artifacts, voices):
    from loket.queue import core

    for _ in range(3):
        core.issue_ticket("A")
        core.issue_ticket("A", office_id=offices["second"])
    core.issue_ticket("B", office_id=offices["second"])
    # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    context.add_init_script(speech_stub(voice_langs=voices))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_display(page, live_server.url, "2")

    call_at(1, "A")
    call_at(1, "A", offices["second"])
    page.wait_for_function("document.querySelector('#board .now-number').dataset.number === 'DK-A-001'")
    page.wait_for_function("window.loketDisplay.spoken.filter(e => e.end).length >= 2", timeout=10_000)
    said = page.evaluate("window.loketDisplay.spoken.slice()")
    first_label = offices["first_label"]
    assert [e["text"] for e in said] == [
        f"Nomor antrean A nol nol satu, silakan menuju loket satu, {first_label}",
        "Nomor antrean D K A nol nol satu, silakan menuju loket satu, Disdukcapil Contoh"]
    if "id" in voices:
        assert [e["via"] for e in said] == ["speech", "speech"]
        assert [s["text"] for s in page.evaluate("window.__speech.said")] == [e["text"] for e in said]
    else:  # no Indonesian voice: the clips say the number and the counter
        assert [e["via"] for e in said] == ["clips", "clips"]
        assert said[1]["clips"] == ["chime", "nomor-antrean", "letter-d", "letter-k", "letter-a", "digit-0",
                                    "digit-0", "digit-1", "silakan-menuju-loket", "counter-1"]

    # The office on its own line under the counter; the history names it after the counter.
    assert page.locator("#board .now-counter").inner_text() == "silakan menuju Loket 1\nDisdukcapil Contoh"
    assert page.locator("#board .history li").all_inner_texts() == [f"A-001Loket 1 · {first_label}"]
    rows = page.locator("#board .counter[data-counter='1']")
    assert rows.count() == 2
    assert page.locator("#board .counter[data-office='dukcapil'][data-counter='1'] .c-number").inner_text() == "DK-A-001"
    assert page.locator("#board .counter[data-office='dukcapil'][data-counter='1'] .c-office").inner_text() == \
        "Disdukcapil Contoh"
    card = page.locator("#board .service-card[data-service='DK-A']")
    assert card.locator(".s-office").inner_text() == "Disdukcapil Contoh"
    assert card.locator(".next-number").all_inner_texts() == ["DK-A-002", "DK-A-003"]
    assert "Disdukcapil Contoh" in page.locator(".office-name").inner_text()
    _assert_fits_the_tv(page)
    if "id" in voices:
        page.locator("#sound-enable").click()
        page.screenshot(path=str(artifacts / "display-shared.png"))
    assert errors == []
    context.close()
