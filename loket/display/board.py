"""What a waiting-room display shows right now: calls, each counter's number, who waits next.

Read-only queries over the queue; the same data feeds the full page, the htmx resync and the
server-pushed swaps, so every path shows the same board. A display shared by several offices
names the office beside every counter, since "Loket 1" exists in each of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from loket.display.models import Display
from loket.extensions import db
from loket.offices.models import Office
from loket.queue.core import service_label
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
    office_label: str = ""


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
    offices: list[Office] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        """Several offices on one screen: every counter and service is labelled with its office."""
        return len(self.offices) > 1

    def service_label(self, service: Service) -> str:
        return service_label(service)


def offices(display: Display) -> list[Office]:
    """The active offices a display serves, in their order."""
    return [office for office in display.offices if office.active]


def office_ids(display: Display) -> list[int]:
    return [office.id for office in offices(display)]


def is_shared(display: Display) -> bool:
    return len(office_ids(display)) > 1


def ticker_text(display: Display) -> str:
    """The running text, else the Maklumat Pelayanan (each office's, named, on a shared display)."""
    if display.running_text:
        return display.running_text
    served = [office for office in offices(display) if office.maklumat]
    if len(offices(display)) <= 1:
        return served[0].maklumat if served else ""
    return " • ".join(f"{office.label}: {office.maklumat}" for office in served)


def shown_services(display: Display, *, everything: bool = False) -> list[Service]:
    """The services a display lists, office by office; `everything` ignores its selection."""
    query = (select(Service).join(Office, Office.id == Service.office_id)
             .where(Service.active.is_(True), Service.office_id.in_(office_ids(display)))
             .order_by(Office.position, Office.id, Service.position))
    if display.service_ids and not everything:
        query = query.where(Service.id.in_(display.service_ids))
    return list(db.session.scalars(query))


def shown_counters(display: Display, *, everything: bool = False) -> list[Counter]:
    """The counters a display lists, office by office; `everything` ignores its selection."""
    query = (select(Counter).join(Office, Office.id == Counter.office_id)
             .where(Counter.active.is_(True), Counter.office_id.in_(office_ids(display)))
             .order_by(Office.position, Office.id, Counter.number))
    if display.counter_ids and not everything:
        query = query.where(Counter.id.in_(display.counter_ids))
    return list(db.session.scalars(query))


def shows(display: Display, office_id: int | None, service_id: int | None, counter_id: int | None) -> bool:
    """Does this display show a call of service `service_id` at counter `counter_id` of `office_id`?"""
    if office_id not in office_ids(display):
        return False
    if display.service_ids and service_id not in display.service_ids:
        return False
    if display.counter_ids and counter_id is not None and counter_id not in display.counter_ids:
        return False
    return True


def build(display: Display) -> Board:
    today = local_day()
    start, end = day_bounds_utc(today)
    served = offices(display)
    labels = {office.id: office.label for office in served}
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
            select(TicketEvent.ticket_id, TicketEvent.kind, Ticket.number, Service.code, Counter.number, Counter.name,
                   Counter.office_id)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .join(Service, Service.id == TicketEvent.service_id)
            .join(Counter, Counter.id == TicketEvent.counter_id)
            .where(TicketEvent.kind.in_(("called", "recalled")), TicketEvent.at >= start, TicketEvent.at < end,
                   TicketEvent.service_id.in_(service_ids), TicketEvent.counter_id.in_(counter_ids))
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
            .limit(40)
        )
        for ticket_id, kind, number, code, counter_number, counter_name, office_id in events:
            if ticket_id in seen:
                continue
            seen.add(ticket_id)
            calls.append(Call(number, code, counter_number, counter_name, recall=kind == "recalled",
                              office_label=labels.get(office_id, "")))
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
    return Board(display, services, counters, calls[0] if calls else None, calls[1:], at_counter, waiting, upcoming,
                 offices=served)
