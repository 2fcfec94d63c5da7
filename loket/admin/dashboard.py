"""The supervisors' live dashboard: today's queue of one office per service and per counter.

Plain queries over today's tickets (the office-day index) and the counters; no HTTP. The page is
redrawn when an event of the office arrives over Socket.IO, never on a timer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

from sqlalchemy import select

from loket.auth.models import User
from loket.extensions import db
from loket.queue.models import (AT_COUNTER_STATES, CALLED, CANCELLED, DONE, NO_SHOW, SERVING, WAITING, Counter,
                                Service, Ticket, TicketEvent)
from loket.timeutil import local_day, utcnow


@dataclass
class ServiceToday:
    service: Service
    waiting: int = 0
    at_counter: int = 0  # called or being served
    done: int = 0
    no_show: int = 0
    cancelled: int = 0
    longest_wait: float | None = None  # minutes the longest-waiting visitor has waited so far
    waits: list[float] = field(default_factory=list)
    serves: list[float] = field(default_factory=list)

    @property
    def average_wait(self) -> float | None:
        return mean(self.waits) if self.waits else None

    @property
    def average_service(self) -> float | None:
        return mean(self.serves) if self.serves else None

    @property
    def over_promise(self) -> bool:
        """Service takes longer on average than the standard promises (the row stands out)."""
        promised = self.service.promised_minutes
        return bool(promised and self.average_service is not None and self.average_service > promised)


@dataclass
class CounterToday:
    counter: Counter
    state: str  # "serving", "called", "idle", "paused"
    officer: str | None
    ticket: str | None
    paused_since: datetime | None


@dataclass
class Dashboard:
    services: list[ServiceToday]
    counters: list[CounterToday]
    at: datetime


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 60


def office_today(office_id: int, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    day = local_day(now)
    services = list(db.session.scalars(select(Service).where(Service.office_id == office_id, Service.active.is_(True))
                                       .order_by(Service.position)))
    rows = {s.id: ServiceToday(s) for s in services}
    tickets = db.session.execute(
        select(Ticket.service_id, Ticket.state, Ticket.queued_at, Ticket.issued_at, Ticket.called_at,
               Ticket.started_at, Ticket.finished_at, Ticket.counter_id, Ticket.number, Ticket.officer_id)
        .where(Ticket.office_id == office_id, Ticket.day == day)).all()
    current: dict[int, tuple] = {}
    for t in tickets:
        row = rows.get(t.service_id)
        if row is None:
            continue
        if t.state == WAITING:
            row.waiting += 1
            waited = _minutes(t.issued_at, now)
            if waited is not None and (row.longest_wait is None or waited > row.longest_wait):
                row.longest_wait = waited
        elif t.state in AT_COUNTER_STATES:
            row.at_counter += 1
            if t.counter_id is not None:
                current[t.counter_id] = (t.state, t.number, t.officer_id)
        elif t.state == DONE:
            row.done += 1
            served = _minutes(t.started_at or t.called_at, t.finished_at)
            if served is not None:
                row.serves.append(served)
        elif t.state == NO_SHOW:
            row.no_show += 1
        elif t.state == CANCELLED:
            row.cancelled += 1
        if t.called_at is not None:
            waited = _minutes(t.issued_at, t.called_at)
            if waited is not None:
                row.waits.append(waited)
    return Dashboard(services=[rows[s.id] for s in services], counters=_counters(office_id, current, day), at=now)


def _counters(office_id: int, current: dict[int, tuple], day) -> list[CounterToday]:
    from loket.timeutil import day_bounds_utc

    counters = list(db.session.scalars(select(Counter).where(Counter.office_id == office_id,
                                                             Counter.active.is_(True)).order_by(Counter.number)))
    start, _end = day_bounds_utc(day)
    # Who worked at each counter last today: the officer of its current visitor, else of its latest action.
    last_actor: dict[int, int] = {}
    if counters:
        for counter_id, actor_id in db.session.execute(
                select(TicketEvent.counter_id, TicketEvent.actor_id)
                .where(TicketEvent.counter_id.in_([c.id for c in counters]), TicketEvent.at >= start,
                       TicketEvent.actor_id.is_not(None))
                .order_by(TicketEvent.at)):
            last_actor[counter_id] = actor_id
    officer_ids = {v[2] for v in current.values() if v[2]} | set(last_actor.values())
    names = {u.id: u.display_name or u.username
             for u in db.session.scalars(select(User).where(User.id.in_(officer_ids)))} if officer_ids else {}
    result = []
    for counter in counters:
        state, number, officer_id = current.get(counter.id, (None, None, None))
        officer_id = officer_id or last_actor.get(counter.id)
        if counter.paused:
            shown = "paused"
        elif state == SERVING:
            shown = "serving"
        elif state == CALLED:
            shown = "called"
        else:
            shown = "idle"
        result.append(CounterToday(counter, shown, names.get(officer_id), number,
                                   counter.paused_at if counter.paused else None))
    return result
