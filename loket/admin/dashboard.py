"""The supervisors' live dashboard: today's queue of one office per service and per counter.

Plain queries over today's tickets (the office-day index) and the counters; no HTTP. The page is
redrawn when an event of the office arrives over Socket.IO, never on a timer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from loket.auth.accounts import display_names
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
    wait_total: float = 0.0  # minutes from issue to call, over the tickets called today
    waits: int = 0
    serve_total: float = 0.0  # minutes from start (or call) to close, over today's finished visits
    serves: int = 0

    @property
    def average_wait(self) -> float | None:
        return self.wait_total / self.waits if self.waits else None

    @property
    def average_service(self) -> float | None:
        return self.serve_total / self.serves if self.serves else None

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


class minutes_between(FunctionElement):
    """Minutes from one timestamp column to another, computed by the database (an aggregate over the
    day's tickets reads an index, not every row into Python)."""

    type = Float()
    inherit_cache = True


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


def _per_service(office_id: int, day) -> list:
    """Per service and state of the day: count, earliest issue, and the sums and counts of the waits
    (issue → call, any state) and of the visits (start or call → close, finished ones)."""
    wait = minutes_between(Ticket.issued_at, Ticket.called_at)
    served_from = func.coalesce(Ticket.started_at, Ticket.called_at)
    serve = minutes_between(served_from, Ticket.finished_at)
    waited = and_(Ticket.called_at.is_not(None), Ticket.called_at >= Ticket.issued_at)
    finished = and_(Ticket.state == DONE, Ticket.finished_at.is_not(None), served_from.is_not(None),
                    Ticket.finished_at >= served_from)
    return db.session.execute(
        select(Ticket.service_id, Ticket.state, func.count(), func.min(Ticket.issued_at),
               func.sum(case((waited, wait))), func.count(case((waited, 1))),
               func.sum(case((finished, serve))), func.count(case((finished, 1))))
        .where(Ticket.office_id == office_id, Ticket.day == day)
        .group_by(Ticket.service_id, Ticket.state)).all()


def office_today(office_id: int, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    day = local_day(now)
    services = list(db.session.scalars(select(Service).where(Service.office_id == office_id, Service.active.is_(True))
                                       .order_by(Service.position)))
    rows = {s.id: ServiceToday(s) for s in services}
    for service_id, state, count, first_issued, wait_sum, waits, serve_sum, serves in _per_service(office_id, day):
        row = rows.get(service_id)
        if row is None:
            continue
        if state == WAITING:
            row.waiting += count
            if first_issued is not None and first_issued <= now:
                row.longest_wait = (now - first_issued).total_seconds() / 60
        elif state in AT_COUNTER_STATES:
            row.at_counter += count
        elif state == DONE:
            row.done += count
        elif state == NO_SHOW:
            row.no_show += count
        elif state == CANCELLED:
            row.cancelled += count
        row.wait_total += float(wait_sum or 0)
        row.waits += waits
        row.serve_total += float(serve_sum or 0)
        row.serves += serves
    # Who is at a counter now: few rows, through the (counter, state) index.
    current = {t.counter_id: (t.state, t.number, t.officer_id) for t in db.session.execute(
        select(Ticket.counter_id, Ticket.state, Ticket.number, Ticket.officer_id)
        .where(Ticket.office_id == office_id, Ticket.day == day, Ticket.state.in_(AT_COUNTER_STATES),
               Ticket.counter_id.is_not(None)))}
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
    names = display_names(officer_ids)
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
