"""A period's figures per service, per counter and per officer, read from the ticket event log.

Each ticket of the period (by its office-local day of issue) is replayed from its events into a `Visit`:
waiting = the time spent in a queue (from issue or transfer to the next call), service = the time at a
counter (from the start of service, or the call when nobody pressed start, to a transfer or the close).
Waiting and service figures are about visits that were served (closed); a no-show is counted, not timed.
"""
from __future__ import annotations

import math
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import select

from loket.extensions import db
from loket.queue.models import Counter, Service, Ticket, TicketEvent
from loket.reports.periods import Period
from loket.timeutil import to_local

DONE, NO_SHOW = "done", "no_show"
# Waiting-time bins in minutes for the distribution chart: [low, high); the last one is open.
WAIT_BINS = (0, 5, 10, 15, 20, 30, 45, 60)


@dataclass
class Visit:
    """One ticket replayed from its events."""

    ticket_id: int
    service_id: int
    outcome: str | None = None          # "done", "no_show", "cancelled" or None (never finished)
    arrived_hour: int | None = None     # office-local hour of issue
    wait: float = 0.0                   # minutes in a queue before a counter took it
    service: float = 0.0                # minutes at counters
    counter_id: int | None = None       # the counter that finished it
    officer_id: int | None = None       # the officer who finished it
    transferred: bool = False
    _queued: datetime | None = None
    _at_counter: datetime | None = None


def _minutes(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 60)


def replay(events) -> dict[int, Visit]:
    """Visits from (ticket_id, service_id of the ticket, kind, at, counter_id, actor_id) rows ordered by
    ticket and time."""
    visits: dict[int, Visit] = {}
    for ticket_id, service_id, kind, at, counter_id, actor_id in events:
        visit = visits.get(ticket_id)
        if visit is None:
            visit = visits[ticket_id] = Visit(ticket_id, service_id)
        if kind == "issued":
            visit._queued = at
            visit.arrived_hour = to_local(at).hour
        elif kind == "called":
            if visit._queued is not None:
                visit.wait += _minutes(visit._queued, at)
                visit._queued = None
            visit._at_counter = at
            visit.counter_id, visit.officer_id = counter_id, actor_id
        elif kind == "started":
            visit._at_counter = at
            visit.officer_id = actor_id or visit.officer_id
        elif kind == "transferred":
            if visit._at_counter is not None:
                visit.service += _minutes(visit._at_counter, at)
                visit._at_counter = None
            visit._queued = visit._queued or at  # moved while still waiting: the wait runs on
            visit.transferred = True
            visit.counter_id = visit.officer_id = None
        elif kind in ("closed", "no_show"):
            if kind == "closed" and visit._at_counter is not None:
                visit.service += _minutes(visit._at_counter, at)
            visit._at_counter = None
            visit.outcome = DONE if kind == "closed" else NO_SHOW
            visit.counter_id = counter_id or visit.counter_id
            visit.officer_id = actor_id or visit.officer_id
        elif kind == "cancelled":
            visit.outcome = "cancelled"
    return visits


def visits(period: Period, office_id: int) -> list[Visit]:
    """Every ticket of the office issued in the period, replayed from the event log."""
    rows = db.session.execute(
        select(TicketEvent.ticket_id, Ticket.service_id, TicketEvent.kind, TicketEvent.at, TicketEvent.counter_id,
               TicketEvent.actor_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.office_id == office_id, Ticket.day >= period.start, Ticket.day < period.end)
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    )
    return list(replay(rows).values())


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Figures:
    """What a group of visits (a service, a counter, an officer, the office) did in a period."""

    tickets: int = 0
    done: int = 0
    no_show: int = 0
    waits: list[float] = field(default_factory=list, repr=False)
    services: list[float] = field(default_factory=list, repr=False)
    within: int = 0        # served visits that kept their service's promised time
    promised: int = 0      # served visits of services that promise a time in minutes/hours

    def add(self, visit: Visit, promise: int | None) -> None:
        self.tickets += 1
        if visit.outcome == NO_SHOW:
            self.no_show += 1
        elif visit.outcome == DONE:
            self.done += 1
            self.waits.append(visit.wait)
            self.services.append(visit.service)
            if promise:
                self.promised += 1
                self.within += visit.service <= promise

    @property
    def not_served(self) -> int:
        return self.tickets - self.done - self.no_show

    @property
    def no_show_rate(self) -> float | None:
        called = self.done + self.no_show
        return self.no_show / called if called else None

    @property
    def wait_median(self) -> float | None:
        return median(self.waits) if self.waits else None

    @property
    def wait_p90(self) -> float | None:
        return percentile(self.waits, 0.9)

    @property
    def service_median(self) -> float | None:
        return median(self.services) if self.services else None

    @property
    def service_p90(self) -> float | None:
        return percentile(self.services, 0.9)

    @property
    def within_share(self) -> float | None:
        return self.within / self.promised if self.promised else None


@dataclass
class Breakdown:
    """A period's figures grouped three ways, plus the office's total and the hour-of-day arrivals."""

    services: list[tuple[Service, Figures]]
    counters: list[tuple[Counter, Figures]]
    officers: list[tuple[int, Figures]]     # officer id (names are looked up by the page)
    total: Figures
    arrivals_by_hour: dict[int, int]
    wait_bins: dict[int, list[int]]         # service id → counts per WAIT_BINS bin


def wait_bin(minutes: float) -> int:
    for index in range(len(WAIT_BINS) - 1, -1, -1):
        if minutes >= WAIT_BINS[index]:
            return index
    return 0


def office_services(office_id: int) -> list[Service]:
    """Every service of the office, inactive ones too, in the standard's order."""
    return list(db.session.scalars(select(Service).where(Service.office_id == office_id)
                                   .order_by(Service.position, Service.id)))


def breakdown(period: Period, office_id: int) -> Breakdown:
    """Figures per service (standard order), per counter (number order), per officer, and in total."""
    services = office_services(office_id)
    promise = {s.id: s.promised_minutes for s in services}
    by_service: dict[int, Figures] = {}
    by_counter: dict[int, Figures] = {}
    by_officer: dict[int, Figures] = {}
    total = Figures()
    hours: Tally = Tally()
    bins = {s.id: [0] * len(WAIT_BINS) for s in services}
    for visit in visits(period, office_id):
        own = promise.get(visit.service_id)
        total.add(visit, own)
        by_service.setdefault(visit.service_id, Figures()).add(visit, own)
        if visit.outcome in (DONE, NO_SHOW):
            if visit.counter_id is not None:
                by_counter.setdefault(visit.counter_id, Figures()).add(visit, own)
            if visit.officer_id is not None:
                by_officer.setdefault(visit.officer_id, Figures()).add(visit, own)
        if visit.arrived_hour is not None:
            hours[visit.arrived_hour] += 1
        if visit.outcome == DONE and visit.service_id in bins:
            bins[visit.service_id][wait_bin(visit.wait)] += 1
    counters = list(db.session.scalars(select(Counter).where(Counter.office_id == office_id)
                                       .order_by(Counter.number)))
    return Breakdown(
        services=[(s, by_service.get(s.id, Figures())) for s in services if s.active or s.id in by_service],
        counters=[(c, by_counter[c.id]) for c in counters if c.id in by_counter],
        officers=sorted(by_officer.items()),
        total=total,
        arrivals_by_hour=dict(sorted(hours.items())),
        wait_bins=bins,
    )
