"""Pushes each display's board to its screens: one render per display per event, sent over Socket.IO.

Subscribed to the app's publisher, so it runs after the commit in the process that made the
change; screens apply the HTML with htmx.swap instead of each re-requesting the same fragment.
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
from loket.events import DomainEvent
from loket.extensions import db

log = logging.getLogger(__name__)

# Events that change what a board shows; rating.* and the like are ignored.
BOARD_EVENTS = ("ticket.", "counter.", "service.", "queue.", "display.")
CALL_EVENTS = {"ticket.called": False, "ticket.recalled": True}
DISPLAY_LOCALE = "id"  # the TV speaks and reads Bahasa Indonesia whatever the officer's UI language


def render_board(display: Display) -> str:
    # Stripped: whitespace around the element would be swapped in as a new text node each time.
    return render_template("display/_board.html", board=board_module.build(display)).strip()


def render_ticker(display: Display) -> str:
    return render_template("display/_ticker.html", display=display).strip()


def announce_payload(event: DomainEvent) -> dict:
    data = event.public
    spoken = announcement(data["number"], data.get("counter"))
    return {
        # Unique per call: the screen drops a repeated id (e.g. a duplicated delivery) but speaks a recall.
        "id": f"{data['number']}:{data.get('call_count')}:{data.get('counter')}:{int(time.time())}",
        "number": data["number"],
        "service": data.get("service"),
        "counter": data.get("counter"),
        "counter_name": data.get("counter_name"),
        "recall": CALL_EVENTS[event.name],
        "text": spoken["text"],
        "clips": spoken["clips"],
    }


class BoardRenderer:
    def __init__(self, app):
        self.app = app
        # Serialises render+emit so the last board sent always reflects the latest commit.
        self.lock = threading.Lock()
        self.renders = 0  # counted for tests: one render per display per event

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
        announce = announce_payload(event) if event.name in CALL_EVENTS else None
        for display in db.session.scalars(query):
            room = display_room(display.id)
            html = render_board(display)
            self.renders += 1
            server.emit("swap", {"target": "#board", "html": html, "swap": "outerHTML"}, to=room, namespace="/")
            if event.name == "display.updated":
                server.emit("swap", {"target": "#ticker", "html": render_ticker(display), "swap": "outerHTML"},
                            to=room, namespace="/")
            if announce and board_module.shows(display, announce["service"], announce["counter"]):
                server.emit("announce", announce, to=room, namespace="/")


def init_app(app) -> BoardRenderer:
    renderer = BoardRenderer(app)
    app.extensions["loket.display_renderer"] = renderer
    app.extensions["loket.publisher"].subscribe(renderer)
    return renderer
