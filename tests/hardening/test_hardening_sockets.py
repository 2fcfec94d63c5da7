"""Review findings on Socket.IO: bad payloads and odd room names are refused (no crash), staff may
follow complaints, and a page of a foreign origin cannot open a connection."""
from __future__ import annotations

import pytest

from loket.extensions import db, socketio


@pytest.fixture
def staff_socket(app, officer):
    return socketio.test_client(app, flask_test_client=officer)


@pytest.mark.parametrize("payload", [["a"], "x", {"rooms": "abc"}, {"rooms": 5}, None, 7])
def test_unsubscribe_refuses_bad_payloads(app, payload):
    sio = socketio.test_client(app)
    assert sio.emit("unsubscribe", payload, callback=True) == {"ok": False, "message": "rooms must be a list"}
    assert sio.is_connected()


def test_unsubscribe_leaves_a_room(app, ctx, make_ticket):
    sio = socketio.test_client(app)
    assert sio.emit("subscribe", {"rooms": ["service:1"]}, callback=True)["rooms"] == ["service:1"]
    assert sio.emit("unsubscribe", {"rooms": ["service:1", 5]}, callback=True) == {"ok": True}
    sio.get_received()
    make_ticket("A")
    assert sio.get_received() == []


@pytest.mark.parametrize("room", ["counter:²", "rate:²", "counter:¹", "counter:99999999999999999999999",
                                  "rate:99999999999999999999999", f"counter:{2**31}"])
def test_odd_counter_ids_are_refused_not_crashed(staff_socket, room):
    assert staff_socket.emit("subscribe", {"rooms": [room, "office:1"]}, callback=True) == {
        "ok": True, "rooms": ["office:1"]}


def test_officer_still_joins_own_counter(staff_socket):
    assert staff_socket.emit("subscribe", {"rooms": ["counter:1"]}, callback=True)["rooms"] == ["counter:1"]


def test_staff_follow_complaints_and_anonymous_screens_may_not(app, staff_socket):
    anonymous = socketio.test_client(app)
    assert anonymous.emit("subscribe", {"rooms": ["complaints:1"]}, callback=True)["rooms"] == []
    assert staff_socket.emit("subscribe", {"rooms": ["complaints:1"]}, callback=True)["rooms"] == ["complaints:1"]
    staff_socket.get_received()
    anonymous.get_received()
    with app.app_context():
        from loket.feedback import complaints

        complaint_id = complaints.submit(category="saran", message="Mohon tambah kursi di ruang tunggu.").id
        db.session.remove()
    received = [m for m in staff_socket.get_received() if m["name"] == "complaint.received"]
    assert [m["args"][0]["id"] for m in received] == [complaint_id]
    assert not [m for m in anonymous.get_received() if m["name"] == "complaint.received"]


def _handshake(client, origin: str | None):
    headers = {"Origin": origin} if origin else {}
    return client.get("/socket.io/?EIO=4&transport=polling", headers=headers, base_url="http://loket.test")


def test_socketio_refuses_a_foreign_origin(app):
    client = app.test_client()
    assert _handshake(client, "http://evil.example").status_code == 400
    same = _handshake(client, "http://loket.test")
    assert same.status_code == 200 and b'"sid"' in same.data
    assert _handshake(client, None).status_code == 200  # no Origin: not a browser page of another site


@pytest.mark.parametrize("app_config", [{"LOKET_CORS_ORIGINS": ["https://kiosk.example"]}])
def test_configured_origins_are_still_honoured(app):
    client = app.test_client()
    assert _handshake(client, "https://kiosk.example").status_code == 200
    assert _handshake(client, "http://evil.example").status_code == 400
