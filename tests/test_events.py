"""The publisher: events are sent to Socket.IO after the request that made the change, in order."""
from __future__ import annotations

import threading

from loket.queue import core


def test_a_change_does_not_wait_for_its_screens_and_events_keep_their_order(ctx, monkeypatch):
    publisher = ctx.extensions["loket.publisher"]
    gate = threading.Event()
    sent: list[tuple[str, str, str]] = []

    def slow_emit(name, payload, room):  # a room of a thousand screens
        gate.wait(10)
        sent.append((name, payload.get("number"), room))

    monkeypatch.setattr(publisher, "_emit", slow_emit)
    tickets = [core.issue_ticket("A") for _ in range(3)]  # each returns while sending is held up
    assert sent == [] and not publisher.outbox.idle()
    gate.set()
    assert publisher.wait_sent()
    office, service = f"office:{tickets[0].office_id}", f"service:{tickets[0].service_id}"
    assert sent == [(name, ticket.number, room) for ticket in tickets
                    for name, room in (("ticket.issued", office), ("ticket.issued", service))]
    assert publisher.outbox.idle()


def test_a_failing_send_does_not_stop_the_next_ones(ctx, monkeypatch):
    publisher = ctx.extensions["loket.publisher"]
    sent = []

    def flaky(name, payload, to=None, namespace=None):
        if payload.get("number") == "A-001":
            raise RuntimeError("socket gone")
        sent.append((payload.get("number"), to))

    monkeypatch.setattr(publisher.server, "emit", flaky)
    first = core.issue_ticket("A")
    core.issue_ticket("A")
    assert publisher.wait_sent()
    assert sent == [("A-002", f"office:{first.office_id}"), ("A-002", f"service:{first.service_id}")]
