"""What a waiting-room display shows right now: calls, each counter's number, who waits next.

Read-only queries over the queue; the same data feeds the full page, the htmx resync and the
server-pushed swaps, so every path shows the same board.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from loket.display.models import Display
from loket.extensions import db
from loket.queue.models import AT_COUNTER_STATES, WAITING, Counter, Service, Ticket, TicketEvent
from loket.timeutil import day_bounds_utc, local_day

NEXT_SHOWN = 5     # next numbers listed per service
HISTORY_SHOWN = 5  # earlier calls listed under the current one


@dataclass
class Call:
    number: str
    service_code: str
    counter_number: int | None
    counter_name: str | None
    recall: bool = False


@dataclass
class Board:
    display: Display
    services: list[Service]
    counters: list[Counter]
    current: Call | None
    history: list[Call]
    at_counter: dict[int, Ticket]          # counter id → ticket called/served there
    waiting: dict[int, int]                # service id → waiting count
    upcoming: dict[int, list[Ticket]] = field(default_factory=dict)  # service id → next tickets


def shown_services(display: Display) -> list[Service]:
    query = select(Service).where(Service.active.is_(True)).order_by(Service.position)
    if display.service_codes:
        query = query.where(Service.code.in_(display.service_codes))
    return list(db.session.scalars(query))


def shown_counters(display: Display) -> list[Counter]:
    query = select(Counter).where(Counter.active.is_(True)).order_by(Counter.number)
    if display.counter_numbers:
        query = query.where(Counter.number.in_(display.counter_numbers))
    return list(db.session.scalars(query))


def shows(display: Display, service_code: str | None, counter_number: int | None) -> bool:
    """Does this display show a call of `service_code` at `counter_number`?"""
    if display.service_codes and service_code not in display.service_codes:
        return False
    if display.counter_numbers and counter_number is not None and counter_number not in display.counter_numbers:
        return False
    return True


def build(display: Display) -> Board:
    today = local_day()
    start, end = day_bounds_utc(today)
    services = shown_services(display)
    counters = shown_counters(display)
    service_ids = [s.id for s in services]
    counter_ids = [c.id for c in counters]

    at_counter: dict[int, Ticket] = {}
    if counter_ids:
        rows = db.session.scalars(
            select(Ticket).where(Ticket.counter_id.in_(counter_ids), Ticket.state.in_(AT_COUNTER_STATES),
                                 Ticket.day == today)
            .order_by(Ticket.called_at)
        )
        for ticket in rows:  # the latest call wins if a counter somehow holds two
            at_counter[ticket.counter_id] = ticket

    # Calls and recalls of the day, newest first: the log knows recalls, the ticket does not.
    calls: list[Call] = []
    seen: set[int] = set()
    if service_ids and counter_ids:
        events = db.session.execute(
            select(TicketEvent.ticket_id, TicketEvent.kind, Ticket.number, Service.code, Counter.number, Counter.name)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .join(Service, Service.id == TicketEvent.service_id)
            .join(Counter, Counter.id == TicketEvent.counter_id)
            .where(TicketEvent.kind.in_(("called", "recalled")), TicketEvent.at >= start, TicketEvent.at < end,
                   TicketEvent.service_id.in_(service_ids), TicketEvent.counter_id.in_(counter_ids))
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
            .limit(40)
        )
        for ticket_id, kind, number, code, counter_number, counter_name in events:
            if ticket_id in seen:
                continue
            seen.add(ticket_id)
            calls.append(Call(number, code, counter_number, counter_name, recall=kind == "recalled"))
            if len(calls) > HISTORY_SHOWN:
                break

    waiting = {}
    upcoming = {}
    if service_ids:
        waiting = dict(db.session.execute(
            select(Ticket.service_id, func.count()).where(
                Ticket.service_id.in_(service_ids), Ticket.state == WAITING, Ticket.day == today)
            .group_by(Ticket.service_id)
        ).all())
        for service in services:
            upcoming[service.id] = list(db.session.scalars(
                select(Ticket).where(Ticket.service_id == service.id, Ticket.state == WAITING, Ticket.day == today)
                .order_by(Ticket.priority.desc(), Ticket.queued_at, Ticket.id)
                .limit(NEXT_SHOWN)
            ))
    return Board(display, services, counters, calls[0] if calls else None, calls[1:], at_counter, waiting, upcoming)
