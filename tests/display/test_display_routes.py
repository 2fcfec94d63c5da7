"""Display pages over HTTP and Socket.IO: public board, resync fragments, admin-only validated settings,
and the renderer that pushes one rendered board per display per burst of events (here: one event each)."""
from __future__ import annotations

import pytest

from loket.display.models import Display
from loket.extensions import db, socketio

from display_helpers import call_at, counter, login_as, service, settle


def test_display_page_is_public_and_shows_the_board(client, ctx, make_ticket):
    make_ticket("A")
    call_at(2, "A")
    make_ticket("A")
    html = client.get("/display/1").get_data(as_text=True)
    assert 'id="board"' in html and 'id="ticker"' in html and "Ketuk untuk mengaktifkan suara" in html
    assert 'data-number="A-001"' in html and "Loket 2" in html
    assert 'data-room="display:1"' in html and 'data-timezone="Asia/Makassar"' in html
    assert "socket.io-4.8.4.min." in html and "cdn" not in html.lower()


def test_board_fragment_for_resync_has_no_surrounding_whitespace(client, ctx, make_ticket):
    make_ticket("B")
    response = client.get("/display/1/board", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert body.startswith('<section id="board"') and body.endswith("</section>")
    assert "<html" not in body and 'data-service="B"' in body
    ticker = client.get("/display/1/ticker", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ticker.strip().startswith('<footer id="ticker"')


@pytest.mark.parametrize("path", ["/display/9", "/display/9/board", "/display/" + "x" * 300])
def test_unknown_display_is_a_readable_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)


def test_inactive_display_is_not_shown(client, ctx):
    db.session.get(Display, "1").active = False
    db.session.commit()
    assert client.get("/display/1").status_code == 404


def test_settings_need_an_admin(app, client, make_user):
    assert client.get("/display/1/settings").status_code == 302
    assert "/login" in client.get("/display/1/settings").headers["Location"]
    assert client.post("/display/1/settings", data={"name": "x"}).status_code == 302
    officer = login_as(app, make_user, "budi", "officer")
    assert officer.get("/display/1/settings").status_code == 403
    assert officer.post("/display/1/settings", data={"name": "x"}).status_code == 403
    supervisor = login_as(app, make_user, "sari", "supervisor")
    assert supervisor.get("/display/1/settings").status_code == 403


def test_admin_saves_display_settings_and_the_display_is_told(admin_client, ctx, published):
    b, a = service("B").id, service("A").id
    two, three = counter(2).id, counter(3).id
    response = admin_client.post("/display/1/settings", data={
        "name": "Ruang tunggu lantai 1", "services": [str(b), str(a), str(b)], "counters": [str(two), str(three)],
        "running_text": "  Maklumat: kami siap melayani.  "})
    assert response.status_code == 302 and "saved=1" in response.headers["Location"]
    db.session.expire_all()
    display = db.session.get(Display, "1")
    assert (display.name, display.service_ids, display.counter_ids, display.running_text) == (
        "Ruang tunggu lantai 1", [b, a], [two, three], "Maklumat: kami siap melayani.")
    assert [e.name for e in published][-1] == "display.updated"
    assert published[-1].rooms == ("display:1",)
    page = admin_client.get("/display/1/settings?saved=1").get_data(as_text=True)
    assert "Pengaturan disimpan." in page
    # htmx: the form comes back as a fragment; empty selections mean "everything".
    fragment = admin_client.post("/display/1/settings", data={"name": "", "running_text": ""},
                                 headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.get_data(as_text=True).lstrip().startswith("<form")
    db.session.expire_all()
    display = db.session.get(Display, "1")
    assert display.service_ids == [] and display.counter_ids == [] and display.name == "Ruang tunggu lantai 1"


@pytest.mark.parametrize("data, message", [
    ({"services": ["ZZ"]}, "Layanan yang dipilih tidak dikenal."),
    ({"services": ["A" * 500]}, "Layanan yang dipilih tidak dikenal."),
    ({"services": ["999"]}, "Layanan yang dipilih tidak dikenal."),
    ({"counters": ["dua"]}, "Loket yang dipilih tidak dikenal."),
    ({"counters": ["-1"]}, "Loket yang dipilih tidak dikenal."),
    ({"counters": ["99"]}, "Loket yang dipilih tidak dikenal."),
    ({"counters": ["9" * 400]}, "Loket yang dipilih tidak dikenal."),
    ({"name": "n" * 121}, "Nama layar terlalu panjang"),
    ({"running_text": "x" * 1001}, "Teks berjalan terlalu panjang"),
])
def test_display_settings_reject_bad_input_with_a_readable_400(admin_client, ctx, data, message):
    before = db.session.get(Display, "1")
    snapshot = (before.name, list(before.service_ids), list(before.counter_ids), before.running_text)
    response = admin_client.post("/display/1/settings", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    htmx = admin_client.post("/display/1/settings", data=data, headers={"HX-Request": "true"})
    assert htmx.status_code == 400 and htmx.headers["HX-Retarget"] == "#messages"
    db.session.expire_all()
    after = db.session.get(Display, "1")
    assert (after.name, after.service_ids, after.counter_ids, after.running_text) == snapshot


def received(client, name):
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


def test_renderer_pushes_one_board_per_display_and_announces_only_where_shown(app, ctx, make_ticket):
    from loket.display.settings import get_display, update_display
    from loket.queue import core

    from loket.offices.scope import default_office

    db.session.add(Display(id="lobby-b", name="Lobi B", service_ids=[service("B").id], counter_ids=[], running_text="",
                           offices=[default_office()]))
    db.session.commit()
    screens = {}
    for room in ("display:1", "display:1", "display:lobby-b"):
        sio = socketio.test_client(app)
        assert sio.emit("subscribe", {"rooms": [room]}, callback=True)["rooms"] == [room]
        screens.setdefault(room, []).append(sio)
    make_ticket("A")
    renderer = settle(app)
    for clients in screens.values():
        for sio in clients:
            sio.get_received()

    before = renderer.renders
    ticket = call_at(2, "A")
    settle(app)
    assert renderer.renders - before == 2  # once per display, not per screen
    for sio in screens["display:1"]:
        messages = sio.get_received()
        swaps = [m["args"][0] for m in messages if m["name"] == "swap"]
        announces = [m["args"][0] for m in messages if m["name"] == "announce"]
        assert len(swaps) == 1 and swaps[0]["target"] == "#board" and 'data-number="A-001"' in swaps[0]["html"]
        assert len(announces) == 1
        assert announces[0]["text"] == "Nomor antrean A nol nol satu, silakan menuju loket dua"
        assert announces[0]["recall"] is False and announces[0]["number"] == ticket.number
    lobby = screens["display:lobby-b"][0]
    assert len(received(lobby, "swap")) == 1  # its board is refreshed (counters) ...
    assert received(lobby, "announce") == []  # ... but service A is not called out there

    core.recall(ticket)
    settle(app)
    first, second = (received(sio, "announce") for sio in screens["display:1"])
    assert len(first) == 1 and first[0]["recall"] is True and first == second
    assert received(lobby, "announce") == []

    # Ratings and the like do not re-render boards; a settings change renders only its display.
    before = renderer.renders
    update_display(get_display("lobby-b"), name="Lobi B", service_ids=[service("B").id, service("C").id],
                   counter_ids=[], running_text="Antrean C dibuka")
    settle(app)
    assert renderer.renders - before == 1
    assert received(screens["display:1"][0], "swap") == []
    swaps = received(lobby, "swap")
    assert [s["target"] for s in swaps] == ["#board", "#ticker"]
    assert "Antrean C dibuka" in swaps[1]["html"]
    for clients in screens.values():
        for sio in clients:
            sio.disconnect()


def test_board_speaks_indonesian_even_when_the_officer_uses_english(app, ctx, make_ticket, make_user):
    officer = login_as(app, make_user, "ana", "officer", counters=(1,))
    officer.get("/?lang=en")
    sio = socketio.test_client(app)
    sio.emit("subscribe", {"rooms": ["display:1"]}, callback=True)
    make_ticket("A")
    settle(app)
    swaps = received(sio, "swap")
    assert "menunggu" in swaps[-1]["html"]
    sio.disconnect()


def test_display_strings_have_english_translations(admin_client, client):
    page = admin_client.get("/display/1/settings?lang=en").get_data(as_text=True)
    assert "Display settings" in page and "Services shown (none selected = all)" in page
    response = admin_client.post("/display/1/settings", data={"counters": ["dua"]})
    assert response.status_code == 400 and "The selected counter is unknown." in response.get_data(as_text=True)
    response = admin_client.post("/display/1/settings", data={"running_text": "x" * 1001})
    assert "The running text is too long (at most 1000 characters)." in response.get_data(as_text=True)
    assert "Display 9 not found." in client.get("/display/9?lang=en").get_data(as_text=True)
    assert "Tap to enable sound" in client.get("/display/1?lang=en").get_data(as_text=True)
