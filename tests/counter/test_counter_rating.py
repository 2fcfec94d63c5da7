"""The customer-facing rating screen: pairing, one tap stored against ticket/officer/service, never
twice, expiry, and who may follow its Socket.IO room."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from loket.counter import desk
from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db, socketio
from loket.queue.models import Counter, Ticket

HX = {"HX-Request": "true"}


def counter(number: int) -> Counter:
    return db.session.scalar(select(Counter).where(Counter.number == number))


def closed_case(officer, make_ticket, number=1) -> Ticket:
    """A ticket called and closed at counter `number` through the officer's page."""
    t = make_ticket("A")
    cid = counter(number).id
    assert officer.post(f"/counter/{cid}/call", headers=HX).status_code == 200
    assert officer.post(f"/counter/{cid}/close", headers=HX).status_code == 200
    db.session.expire_all()
    return db.session.get(Ticket, t.id)


@pytest.fixture
def screen(app, ctx):
    """An anonymous browser paired as counter 1's rating screen through the desk's link."""
    client = app.test_client()
    key = desk.pairing_key(counter(1))
    response = client.get(f"/counter/{counter(1).id}/rate?key={key}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/counter/{counter(1).id}/rate")
    return client


def test_desk_links_to_the_paired_rating_screen(officer, ctx):
    html = officer.get(f"/counter/{counter(1).id}").get_data(as_text=True)
    assert f'/counter/{counter(1).id}/rate?key={desk.pairing_key(counter(1))}' in html


def test_a_wrong_or_foreign_key_is_refused(app, ctx):
    client = app.test_client()
    assert client.get(f"/counter/{counter(1).id}/rate?key=nonsense").status_code == 403
    other = desk.pairing_key(counter(2))  # counter 2's key does not open counter 1's screen
    assert client.get(f"/counter/{counter(1).id}/rate?key={other}").status_code == 403
    assert client.get(f"/counter/{counter(1).id}/rate").status_code == 302  # to the login


def test_screen_is_dark_until_a_case_closes_then_takes_one_tap(screen, officer, make_ticket):
    cid = counter(1).id
    assert 'data-state="dark"' in screen.get(f"/counter/{cid}/rate").get_data(as_text=True)
    t = closed_case(officer, make_ticket)
    html = screen.get(f"/counter/{cid}/rate/panel", headers=HX).get_data(as_text=True)
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.ticket_id == t.id))
    assert 'data-state="open"' in html and request.id in html and "A-001" in html
    assert "Panggil berikutnya" not in html and "Keluar" not in html  # no officer controls
    response = screen.post(f"/counter/{cid}/rate", data={"request": request.id, "score": "4"}, headers=HX)
    assert response.status_code == 200 and 'data-state="thanks"' in response.get_data(as_text=True)
    rating = db.session.scalar(select(QuickRating).where(QuickRating.ticket_id == t.id))
    assert (rating.score, rating.officer_id, rating.service_id, rating.counter_id) == (4, t.officer_id, t.service_id, cid)
    # A second tap (or a second visitor at the same screen) is refused and nothing more is stored.
    again = screen.post(f"/counter/{cid}/rate", data={"request": request.id, "score": "1"}, headers=HX)
    assert again.status_code == 410 and "sudah berakhir" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(QuickRating)).all()) == 1
    assert 'data-state="dark"' in screen.get(f"/counter/{cid}/rate/panel", headers=HX).get_data(as_text=True)


def test_the_officer_sees_the_rating_in_todays_counts(screen, officer, make_ticket):
    t = closed_case(officer, make_ticket)
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.ticket_id == t.id))
    screen.post(f"/counter/{counter(1).id}/rate", data={"request": request.id, "score": "3"}, headers=HX)
    html = officer.get(f"/counter/{counter(1).id}").get_data(as_text=True)
    assert 'data-count="ratings">1 · 3.00/4' in html


@pytest.mark.parametrize("score", ["0", "5", "x", ""])
def test_a_score_outside_the_scale_is_refused(screen, officer, make_ticket, score):
    t = closed_case(officer, make_ticket)
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.ticket_id == t.id))
    response = screen.post(f"/counter/{counter(1).id}/rate", data={"request": request.id, "score": score}, headers=HX)
    assert response.status_code == 400 and "antara 1 dan 4" in response.get_data(as_text=True)
    assert db.session.scalars(select(QuickRating)).all() == []


def test_missing_or_unknown_request_is_refused(screen, ctx):
    cid = counter(1).id
    assert screen.post(f"/counter/{cid}/rate", data={"score": "4"}, headers=HX).status_code == 400
    assert screen.post(f"/counter/{cid}/rate", data={"request": "nope", "score": "4"}, headers=HX).status_code == 410


def test_the_request_times_out_by_itself(screen, officer, make_ticket):
    t = closed_case(officer, make_ticket)
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.ticket_id == t.id))
    request.expires_at = request.created_at - timedelta(seconds=1)
    db.session.commit()
    cid = counter(1).id
    assert 'data-state="dark"' in screen.get(f"/counter/{cid}/rate/panel", headers=HX).get_data(as_text=True)
    late = screen.post(f"/counter/{cid}/rate", data={"request": request.id, "score": "4"}, headers=HX)
    assert late.status_code == 410


def test_the_open_panel_says_when_it_goes_dark(app_config, screen, officer, make_ticket):
    closed_case(officer, make_ticket)
    html = screen.get(f"/counter/{counter(1).id}/rate/panel", headers=HX).get_data(as_text=True)
    assert 'data-seconds-left="60"' in html or 'data-seconds-left="59"' in html


def test_a_screen_paired_with_counter_1_cannot_rate_counter_2(screen, make_user, app, make_ticket):
    make_user("officer2", counters=(2,))
    other = app.test_client()
    assert other.post("/login", data={"username": "officer2", "password": "rahasia-123"}).status_code == 302
    make_ticket("B")
    cid2 = counter(2).id
    other.post(f"/counter/{cid2}/call", headers=HX)
    other.post(f"/counter/{cid2}/close", headers=HX)
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.counter_id == cid2))
    g.pop("_login_user", None)  # the test's app context is shared by both clients: forget officer2
    assert screen.get(f"/counter/{cid2}/rate").status_code == 302  # not paired there: login
    # …and posting counter 2's request through counter 1's screen is refused.
    response = screen.post(f"/counter/{counter(1).id}/rate", data={"request": request.id, "score": "4"}, headers=HX)
    assert response.status_code == 410


def test_officer_of_another_counter_cannot_open_the_screen(officer, ctx):
    assert officer.get(f"/counter/{counter(2).id}/rate").status_code == 403
    assert officer.get(f"/counter/{counter(1).id}/rate").status_code == 200


def _joined(app, http_client, room):
    g.pop("_login_user", None)  # the test's app context is shared by every client: no cached user
    sio = socketio.test_client(app, flask_test_client=http_client)
    ack = sio.emit("subscribe", {"rooms": [room]}, callback=True)
    return sio, ack["rooms"]


def test_only_a_paired_screen_or_the_officer_may_follow_the_rating_room(app, screen, officer, make_ticket):
    room = f"rate:{counter(1).id}"
    sio, rooms = _joined(app, screen, room)
    assert rooms == [room]
    assert _joined(app, app.test_client(), room)[1] == []
    assert _joined(app, officer, room)[1] == [room]
    assert _joined(app, officer, f"rate:{counter(2).id}")[1] == []
    closed_case(officer, make_ticket)
    received = [m for m in sio.get_received() if m["name"] == "rating.requested"]
    assert len(received) == 1 and received[0]["args"][0]["number"] == "A-001"
    assert "token" not in received[0]["args"][0]
