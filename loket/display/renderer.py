"""Pushes each display's board and calls to its screens over Socket.IO, from one background worker per process.

The publisher calls the renderer in the request, after the commit; it only queues the event, so issuing or
calling never waits for a board. The worker (a daemon thread; a greenlet under gevent's monkey-patching)
takes everything queued as one burst, renders each board the burst changed once (a fresh session reading
the latest commits; displays with the same selection share one), sends it to their rooms, then the burst's
calls in the order of the events. Only displays serving an event's office are rendered. Screens apply the
HTML with htmx.swap instead of re-requesting it.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import deque

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
WORKER_NAME = "loket-board-renderer"
# An idle worker ends after this long and the next event starts another: an app that is gone (tests build
# many) does not keep a thread, and a quiet office pays one thread start per quiet spell.
IDLE_EXIT_SECONDS = 15.0
# Woken by an event, the worker waits this long before taking the burst: the request that woke it finishes
# first (a threaded server shares one GIL between them) and events close behind (a close, the next call) join.
GATHER_SECONDS = 0.01
# At interpreter exit (a `loket` command, a stopping server) queued boards are still sent, this long at most.
EXIT_FLUSH_SECONDS = 5.0


def render_board(display: Display) -> str:
    # Stripped: whitespace around the element would be swapped in as a new text node each time.
    return render_template("display/_board.html", board=board_module.build(display)).strip()


def render_ticker(display: Display) -> str:
    return render_template("display/_ticker.html", display=display, ticker=board_module.ticker_text(display)).strip()


def board_key(display: Display) -> tuple:
    """What a board depends on: displays with the same key show the same HTML (rendered once per burst)."""
    return (tuple(board_module.office_ids(display)), frozenset(display.service_ids or ()),
            frozenset(display.counter_ids or ()))


def shows_call(display: Display, event: DomainEvent) -> bool:
    data = event.public
    return board_module.shows(display, data.get("office"), data.get("service_id"), data.get("counter_id"))


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
    """One per app: queues board events in the request, renders and sends them from a background worker."""

    def __init__(self, app):
        self.app = app
        self._queue: deque[DomainEvent] = deque()
        # Guards the queue, `_busy` and `_worker`; wakes the worker (new events) and `wait_idle` (drained).
        self._changed = threading.Condition()
        self._busy = False  # the worker holds a burst it has not finished sending
        self._worker: threading.Thread | None = None
        self.renders = 0  # boards rendered: one per distinct affected board per burst (tests read it)
        self.bursts = 0   # bursts sent

    def __call__(self, event: DomainEvent) -> None:
        """Called by the publisher in the request, after the commit: queue the event, wake the worker."""
        if not event.name.startswith(BOARD_EVENTS):
            return
        with self._changed:
            self._queue.append(event)
            # Not alive: never started, ended when idle, or left behind in the parent of a fork.
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name=WORKER_NAME, daemon=True)
                self._worker.start()
                _pending_at_exit.add(self)
            self._changed.notify_all()

    def idle(self) -> bool:
        """Nothing queued and nothing being sent right now."""
        with self._changed:
            return not self._queue and not self._busy

    def wait_idle(self, timeout: float | None = 10.0) -> bool:
        """Wait until every queued event has been sent (tests, a clean shutdown); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._busy, timeout)

    def _run(self) -> None:
        me = threading.current_thread()
        try:
            while True:
                with self._changed:
                    self._busy = False
                    while not self._queue:
                        self._changed.notify_all()  # idle: wake wait_idle
                        if not self._changed.wait(IDLE_EXIT_SECONDS) and not self._queue:
                            self._worker = None  # still under the lock: the next event starts a new worker
                            return
                    self._busy = True
                time.sleep(GATHER_SECONDS)
                with self._changed:
                    burst = list(self._queue)
                    self._queue.clear()
                try:
                    self._send_burst(burst)
                except Exception:  # a database hiccup must not stop the screens for good: the next event re-renders
                    log.exception("display boards could not be sent for %d event(s): %s", len(burst),
                                  ", ".join(event.name for event in burst))
        finally:
            with self._changed:
                self._busy = False
                if self._worker is me:
                    self._worker = None
                self._changed.notify_all()

    def _send_burst(self, burst: list[DomainEvent]) -> None:
        server = self.app.extensions["loket.publisher"].server
        with self.app.app_context():
            # A fresh app context gives a fresh database session (reads what was just committed) and
            # a request context of our own so the officer's language or login never leaks in.
            with self.app.test_request_context("/display/"), force_locale(DISPLAY_LOCALE):
                try:
                    self._render_all(burst, server)
                finally:
                    db.session.remove()
        self.bursts += 1

    def _render_all(self, burst: list[DomainEvent], server) -> None:
        displays = list(db.session.scalars(select(Display).where(Display.active.is_(True))
                                           .options(selectinload(Display.offices))))
        known_offices = set(db.session.scalars(select(Office.id)))
        about = [_about(event, known_offices) for event in burst]
        boards: dict[tuple, str | None] = {}     # board key → HTML (None: its render failed), once per burst
        payloads: dict[tuple[int, bool], dict] = {}  # (event, shared) → announce, made once each
        for display in displays:
            offices = board_module.office_ids(display)
            affected = ticker = False
            for event, (only, event_office_ids) in zip(burst, about):
                if event.name == "display.updated":
                    if only == display.id:
                        affected = ticker = True
                elif event_office_ids is None or event_office_ids.intersection(offices):
                    affected = True
            if not affected:
                continue  # only other offices' news in this burst: this board does not change
            room = display_room(display.id)
            key = board_key(display)
            if key not in boards:
                boards[key] = self._guarded("board", display, render_board, display)
                if boards[key] is not None:
                    self.renders += 1
            if boards[key] is not None:
                _emit(server, "swap", {"target": "#board", "html": boards[key], "swap": "outerHTML"}, room)
            if ticker:
                html = self._guarded("running text", display, render_ticker, display)
                if html is not None:
                    _emit(server, "swap", {"target": "#ticker", "html": html, "swap": "outerHTML"}, room)
            # After the board, so the screen flashes the number it shows; every call of the burst, in order.
            shared = len(offices) > 1
            for index, event in enumerate(burst):
                if event.name not in CALL_EVENTS or not self._guarded("call", display, shows_call, display, event):
                    continue
                if (index, shared) not in payloads:
                    payload = self._guarded("call", display, announce_payload, event, shared=shared)
                    if payload is None:
                        continue
                    payloads[index, shared] = payload
                _emit(server, "announce", payloads[index, shared], room)

    @staticmethod
    def _guarded(what: str, display: Display, render, *args, **kwargs):
        """One display's board (or call) failing must not keep the others, or later events, from the screens."""
        try:
            return render(*args, **kwargs)
        except Exception:
            log.exception("could not render the %s for display %s", what, display.id)
            db.session.rollback()  # a failed query leaves the session unusable for the next display
            return None


def _about(event: DomainEvent, known_offices: set[int]) -> tuple[str | None, set[int] | None]:
    """What an event is about: one display (its settings changed), some offices, or everything (None)."""
    try:
        if event.name == "display.updated":
            return event.public.get("display"), None
        return None, event_offices(event, known_offices)
    except Exception:  # a malformed event must not cost the rest of its burst: render every board for it
        log.exception("could not tell which displays %s is about", event.name)
        return None, None


def _emit(server, name: str, payload: dict, room: str) -> None:
    try:
        server.emit(name, payload, to=room, namespace="/")
    except Exception:  # e.g. Redis away: the other displays still get theirs
        log.exception("could not emit %s to %s", name, room)


def event_offices(event: DomainEvent, known: set[int] | None = None) -> set[int] | None:
    """The offices an event is about: its `office`, its `offices` (a day's close), or the office rooms
    it goes to (counter and service news). None when it names none: every display is rendered.
    `known` is every office id (read from the database when not given)."""
    data = event.public
    found = set()
    if isinstance(data.get("office"), int):
        found.add(data["office"])
    found.update(o for o in data.get("offices") or () if isinstance(o, int))
    rooms = set(event.rooms)
    if known is None:
        known = set(db.session.scalars(select(Office.id)))
    found.update(office_id for office_id in known if office_room(office_id) in rooms)
    return found or None


# Renderers whose worker has run in this process: at exit, what they still hold is sent (a `loket day close`
# with LOKET_REDIS_URL reaches the screens of the running servers, as it did when rendering in the command).
_pending_at_exit: weakref.WeakSet[BoardRenderer] = weakref.WeakSet()


@atexit.register
def _send_pending_at_exit() -> None:
    for renderer in list(_pending_at_exit):
        if not renderer.wait_idle(EXIT_FLUSH_SECONDS):
            log.warning("display boards still queued at exit were not sent")


def init_app(app) -> BoardRenderer:
    renderer = BoardRenderer(app)
    app.extensions["loket.display_renderer"] = renderer
    app.extensions["loket.publisher"].subscribe(renderer)
    return renderer
