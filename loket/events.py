"""The one place where state changes become durable and visible: commit, then publish.

Domain code calls `commit_and_publish(event)`; the publisher sends it to Socket.IO rooms
(in-process, or through Redis when scaled out) and to in-process subscribers such as the
display renderer. Views never emit by themselves. The sending happens in the background, in
order (`loket.background.OrderedWorker`): a room of a thousand screens is a thousand writes, and
the officer's "call next" answers without waiting for them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app

from loket.background import OrderedWorker
from loket.extensions import db

log = logging.getLogger(__name__)

def office_room(office_id: int) -> str:
    """Everything public about one office's queues (kiosks and displays of that office follow it)."""
    return f"office:{office_id}"


def service_room(service_id: int) -> str:
    """One service's queue, by id: codes repeat across offices."""
    return f"service:{service_id}"


def complaints_room(office_id: int) -> str:
    """New and updated complaints of one office: its staff only."""
    return f"complaints:{office_id}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def case_room(token: str) -> str:
    """One case's public tracking page: its token is the key, like a ticket's."""
    return f"case:{token}"


def counter_room(counter_id: int) -> str:
    return f"counter:{counter_id}"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, e.g. `ticket.called`; `public` goes to everyone, `private` per room."""

    name: str
    public: dict
    rooms: tuple[str, ...] = ()
    # Extra payloads for specific rooms (a ticket's own page gets its token-bound status).
    private: dict[str, dict] = field(default_factory=dict)


Subscriber = Callable[[DomainEvent], None]

# Subscribers every app's publisher starts with, registered by an area's module when it is imported (as
# scheduled jobs are): `loket.cases.notify` mails a case's contact person. Each runs in the request, after
# the commit, so it only hands work to a background worker.
SUBSCRIBERS: list[Subscriber] = []


def subscribe_everywhere(fn: Subscriber) -> Subscriber:
    SUBSCRIBERS.append(fn)
    return fn


class Publisher:
    """Sends events to Socket.IO rooms and to local subscribers; one per app."""

    def __init__(self, server):
        self.server = server  # a python-socketio Server (in-process or with a Redis manager)
        self.subscribers: list[Subscriber] = list(SUBSCRIBERS)
        self.sent: list[DomainEvent] = []  # kept only when LOKET_RECORD_EVENTS (tests)
        self.record = False
        self.outbox = OrderedWorker("loket-socket-sender", self._send)

    def wait_sent(self, timeout: float | None = 10.0) -> bool:
        """Wait until every event published so far has been handed to Socket.IO (tests, shutdown)."""
        return self.outbox.wait_idle(timeout)

    def subscribe(self, fn: Subscriber) -> Subscriber:
        self.subscribers.append(fn)
        return fn

    def publish(self, event: DomainEvent) -> None:
        if self.record:
            self.sent.append(event)
        sends = [(event.name, event.public, room) for room in event.rooms]
        sends += [(event.name, payload, room) for room, payload in event.private.items()]
        if sends:
            self.outbox.put(*sends)
        for fn in self.subscribers:
            try:
                fn(event)
            except Exception:  # a broken screen renderer must never undo a committed change
                log.exception("subscriber %r failed for %s", fn, event.name)

    def _send(self, batch: list[tuple[str, dict, str]]) -> None:
        for name, payload, room in batch:
            self._emit(name, payload, room)

    def _emit(self, name: str, payload: dict, room: str) -> None:
        try:
            self.server.emit(name, payload, to=room, namespace="/")
        except Exception:
            log.exception("could not emit %s to %s", name, room)


def publisher() -> Publisher:
    return current_app.extensions["loket.publisher"]


def commit_and_publish(*events: DomainEvent, keep_loaded: bool = False) -> None:
    """Commit the session; only once the change is durable, publish its events.

    `keep_loaded`: the objects of the session stay loaded after the commit instead of being read
    again on their next use; for a request that has just written them and only answers with them
    (a new ticket)."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = not keep_loaded and expire
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expire
    pub = publisher()
    for event in events:
        pub.publish(event)
