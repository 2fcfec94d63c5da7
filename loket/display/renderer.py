"""Pushes each display's board to its screens: one render per affected display per event, over Socket.IO.

Subscribed to the app's publisher, so it runs after the commit in the process that made the
change; screens apply the HTML with htmx.swap instead of each re-requesting the same fragment.
Only displays serving the event's office are rendered (a shared display serves several).
"""
from __future__ import annotations

import logging
import threading
import time

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from loket.display import board as board_module
from loket.display.models import Display
from loket.display.settings import display_room
from loket.display.speech import announcement
from loket.events import DomainEvent, office_room
from loket.extensions import db
from loket.offices.models import Office

log = logging.getLogger(__name__)

# Events that change what a board shows; rating.* and the like are ignored.
BOARD_EVENTS = ("ticket.", "counter.", "service.", "queue.", "display.")
CALL_EVENTS = {"ticket.called": False, "ticket.recalled": True}
DISPLAY_LOCALE = "id"  # the TV speaks and reads Bahasa Indonesia whatever the officer's UI language


def render_board(display: Display) -> str:
    # Stripped: whitespace around the element would be swapped in as a new text node each time.
    return render_template("display/_board.html", board=board_module.build(display)).strip()


def render_ticker(display: Display) -> str:
    return render_template("display/_ticker.html", display=display, ticker=board_module.ticker_text(display)).strip()


def announce_payload(event: DomainEvent, *, shared: bool = False) -> dict:
    """The call as the screens say it; a shared display also hears (and gets) the office's name."""
    data = event.public
    office = db.session.get(Office, data["office"]) if shared and data.get("office") is not None else None
    spoken = announcement(data["number"], data.get("counter"), office.label if office else None)
    return {
        # Unique per call: the screen drops a repeated id (e.g. a duplicated delivery) but speaks a recall.
        "id": f"{data['number']}:{data.get('call_count')}:{data.get('counter')}:{int(time.time())}",
        "number": data["number"],
        "service": data.get("service"),
        "counter": data.get("counter"),
        "counter_name": data.get("counter_name"),
        "office": data.get("office"),
        "office_label": office.label if office else None,
        "recall": CALL_EVENTS[event.name],
        "text": spoken["text"],
        "clips": spoken["clips"],
    }


class BoardRenderer:
    def __init__(self, app):
        self.app = app
        # Serialises render+emit so the last board sent always reflects the latest commit.
        self.lock = threading.Lock()
        self.renders = 0  # counted for tests: one render per affected display per event

    def __call__(self, event: DomainEvent) -> None:
        if not event.name.startswith(BOARD_EVENTS):
            return
        server = self.app.extensions["loket.publisher"].server
        with self.lock, self.app.app_context():
            # A fresh app context gives a fresh database session (reads what was just committed) and
            # a request context of our own so the officer's language or login never leaks in.
            with self.app.test_request_context("/display/"), force_locale(DISPLAY_LOCALE):
                try:
                    self._render_all(event, server)
                finally:
                    db.session.remove()

    def _render_all(self, event: DomainEvent, server) -> None:
        only = event.public.get("display") if event.name == "display.updated" else None
        query = select(Display).where(Display.active.is_(True))
        if only is not None:
            query = query.where(Display.id == only)
        about = None if only is not None else event_offices(event)
        announce: dict[bool, dict] = {}  # plain / with the office's name (shared displays), made once each
        for display in db.session.scalars(query):
            offices = board_module.office_ids(display)
            if about is not None and not about.intersection(offices):
                continue  # another office's news: this board does not change
            room = display_room(display.id)
            html = render_board(display)
            self.renders += 1
            server.emit("swap", {"target": "#board", "html": html, "swap": "outerHTML"}, to=room, namespace="/")
            if event.name == "display.updated":
                server.emit("swap", {"target": "#ticker", "html": render_ticker(display), "swap": "outerHTML"},
                            to=room, namespace="/")
            if event.name in CALL_EVENTS and board_module.shows(
                    display, event.public.get("office"), event.public.get("service_id"), event.public.get("counter_id")):
                shared = len(offices) > 1
                if shared not in announce:
                    announce[shared] = announce_payload(event, shared=shared)
                server.emit("announce", announce[shared], to=room, namespace="/")


def event_offices(event: DomainEvent) -> set[int] | None:
    """The offices an event is about: its `office`, its `offices` (a day's close), or the office rooms
    it goes to (counter and service news). None when it names none: every display is rendered."""
    data = event.public
    found = set()
    if isinstance(data.get("office"), int):
        found.add(data["office"])
    found.update(o for o in data.get("offices") or () if isinstance(o, int))
    rooms = set(event.rooms)
    found.update(office_id for office_id in db.session.scalars(select(Office.id)) if office_room(office_id) in rooms)
    return found or None


def init_app(app) -> BoardRenderer:
    renderer = BoardRenderer(app)
    app.extensions["loket.display_renderer"] = renderer
    app.extensions["loket.publisher"].subscribe(renderer)
    return renderer
