"""Socket.IO connection handling: which rooms a screen may join.

Rooms: `office:<id>` and `service:<id>` (public queue news of one office, one service),
`ticket:<token>` (a visitor's own ticket), `case:<token>` (a case's tracking page), `display:<id>`,
`counter:<id>` (logged-in officers assigned to it, in its office), `rate:<id>` (a counter's rating
screen: a browser paired with that counter, or its officer), `complaints:<office id>` (logged-in staff
of that office). Areas add their own handlers.
"""
from __future__ import annotations

from flask import session
from flask_login import current_user
from flask_socketio import join_room, leave_room
from sqlalchemy import select

from loket import ID_MAX
from loket.extensions import db, socketio
from loket.web import storable


MAX_ROOMS = 120  # rooms one connection may name per subscribe


def _is_id(key: str) -> bool:
    """A database id: ASCII digits ("²".isdigit() is True) small enough for the database."""
    return key.isascii() and key.isdigit() and len(key) <= 10 and int(key) <= ID_MAX


def _staff() -> bool:
    """A signed-in staff member who may work: not one still holding a one-time password."""
    return bool(current_user.is_authenticated and not current_user.must_change_password)


def _allowed(room: str) -> bool:
    from loket.auth.models import ROLES
    from loket.display.models import Display
    from loket.offices.models import Office
    from loket.queue.models import Counter, Service, Ticket

    if not isinstance(room, str) or len(room) > 80 or not storable(room):
        return False
    kind, _, key = room.partition(":")
    if kind in ("office", "service", "counter", "rate", "complaints") and not _is_id(key):
        return False
    if kind == "office":
        return db.session.get(Office, int(key)) is not None
    if kind == "complaints":  # new/updated complaints: that office's staff only, never an anonymous screen
        return bool(_staff() and current_user.has_role(*ROLES)
                    and current_user.sees_office(int(key)))
    if kind == "service":
        return db.session.get(Service, int(key)) is not None
    if kind == "ticket":
        return db.session.scalar(select(Ticket.id).where(Ticket.token == key)) is not None
    if kind == "case":  # a case's public tracking page: its token is the key
        from loket.cases.models import Case

        return len(key) <= 32 and db.session.scalar(select(Case.id).where(Case.token == key)) is not None
    if kind == "complaint":  # a complaint's public tracking page: the code is its key
        from loket.feedback.models import Complaint

        return len(key) <= 16 and db.session.scalar(select(Complaint.id).where(Complaint.code == key)) is not None
    if kind == "display":
        return db.session.get(Display, key) is not None
    if kind == "counter":
        counter = db.session.get(Counter, int(key))
        return bool(counter and _staff() and current_user.may_use_counter(counter))
    if kind == "rate":
        # The rating screen's page put the pairing into the (signed) session cookie.
        counter = db.session.get(Counter, int(key))
        if counter is None:
            return False
        if counter.id in (session.get("rate_screens") or []):
            return True
        return bool(_staff() and current_user.may_use_counter(counter))
    return False


@socketio.on("subscribe")
def subscribe(data):
    """Sent by every live page after (re)connecting: `{"rooms": [...]}`; acks the joined rooms."""
    rooms = data.get("rooms") if isinstance(data, dict) else None
    if not isinstance(rooms, list):
        return {"ok": False, "message": "rooms must be a list"}
    # A mall's entrance kiosk follows one room per agency: enough for the largest Mal Pelayanan Publik.
    joined = [room for room in rooms[:MAX_ROOMS] if _allowed(room)]
    db.session.remove()
    try:
        for room in joined:
            join_room(room)
    except (ValueError, KeyError):  # the page went away (navigated, closed) while its rooms were checked
        return {"ok": False, "message": "disconnected"}
    return {"ok": True, "rooms": joined}


@socketio.on("unsubscribe")
def unsubscribe(data):
    """Sent by a page that stops following a room: `{"rooms": [...]}`."""
    rooms = data.get("rooms") if isinstance(data, dict) else None
    if not isinstance(rooms, list):
        return {"ok": False, "message": "rooms must be a list"}
    for room in rooms[:MAX_ROOMS]:
        if isinstance(room, str):
            leave_room(room)
    return {"ok": True}
