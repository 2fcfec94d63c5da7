"""Case (berkas) figures of the period report: cases received, completed (on time), cancelled and open per
service; milestones completed, on time and the days they took; open cases by age at the period's end.

Plain Python over one query of the office's cases (their completions and pauses loaded with them) and one
office calendar; `loket.reports.period_report` turns these figures into tables.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from loket.cases.calendar import Due, OfficeCalendar, Pause, office_calendar, schedule
from loket.cases.milestones import CALENDAR, Milestone, Variant
from loket.cases.models import CANCELLED, DONE, Case
from loket.extensions import db
from loket.queue.models import Service
from loket.reports.periods import Period
from loket.timeutil import local_day

# Age of an open case in calendar days since it was received: (first, last) of each band, None = no end.
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 5), (6, 10), (11, 30), (31, None))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class ServiceCases:
    """One service's cases in the period. `on_time`: completed cases whose every milestone was completed by
    its due date; `open`: received and neither completed nor cancelled at the period's end."""

    service: Service
    received: int = 0
    completed: int = 0
    on_time: int = 0
    cancelled: int = 0
    open: int = 0

    @property
    def on_time_share(self) -> float | None:
        return _share(self.on_time, self.completed)


@dataclass
class MilestoneFigures:
    """One milestone (with one of its variants, or its own length) completed in the period: how many, how many
    by their due date, and the days each took in the milestone's unit without the stopped-clock days."""

    service: Service
    milestone: Milestone
    variant: Variant | None
    completed: int = 0
    on_time: int = 0
    days_taken: list[int] = field(default_factory=list)

    @property
    def promised(self) -> int | None:
        return self.milestone.days_for(self.variant.key if self.variant else None)

    @property
    def on_time_share(self) -> float | None:
        return _share(self.on_time, self.completed)

    @property
    def average_days(self) -> float | None:
        return sum(self.days_taken) / len(self.days_taken) if self.days_taken else None


@dataclass
class OpenCases:
    """One service's cases open at the period's end, counted per age band; how many of them are overdue
    (the running milestone past its due date) and how many wait on the applicant (the clock stopped)."""

    service: Service
    bands: list[int] = field(default_factory=lambda: [0] * len(AGE_BANDS))
    overdue: int = 0
    waiting: int = 0

    @property
    def total(self) -> int:
        return sum(self.bands)


@dataclass
class CaseFigures:
    as_of: date   # the day "at the period's end" means: its last day, or today while the period runs
    services: list[ServiceCases]
    milestones: list[MilestoneFigures]
    ages: list[OpenCases]


def as_of(period: Period, today: date | None = None) -> date:
    """The day open cases are counted on: the period's last day, or today while the period runs (a period
    still to come: its first day, so nothing yet to happen is guessed)."""
    return max(period.start, min(period.last_day, today or local_day()))


def age_band(age: int) -> int:
    return next(index for index, (first, last) in enumerate(AGE_BANDS) if last is None or first <= age <= last)


def days_taken(start: date, end: date, unit: str, calendar: OfficeCalendar, pauses: Iterable[Pause] = ()) -> int:
    """The days a milestone took from `start` to `end`, counted as its promise counts them (the days after
    `start` up to and including `end`; working days only for a working-day milestone), without the days its
    clock stood still. A milestone completed on its due date took exactly the promised days."""
    pauses = tuple(pauses)
    taken = 0
    for n in range(1, (end - start).days + 1):
        day = start + timedelta(days=n)
        if unit != CALENDAR and not calendar.is_working_day(day):
            continue
        # As `loket.cases.calendar` counts a stopped clock: after the day the office asked, up to and
        # including the day the documents arrived.
        if not any(stopped < day <= resumed for stopped, resumed in pauses):
            taken += 1
    return taken


def _closed_on(case: Case) -> date | None:
    """The office-local day a case was closed: its last milestone's day when completed (it may be written a
    day later), the day of the action when cancelled; None while open."""
    if case.state == DONE:
        return max((c.completed_on for c in case.completions), default=local_day(case.closed_at))
    if case.state == CANCELLED:
        return local_day(case.closed_at)
    return None


@dataclass(frozen=True)
class _Standing:
    """A case as it stood on a day: its schedule then, and whether its clock stood still on that day."""

    dues: list[Due]
    pauses: list[Pause]
    waiting: bool


def _standing(case: Case, milestones: tuple[Milestone, ...], day: date, calendar: OfficeCalendar) -> _Standing:
    # What happened after `day` is left out: a pause still open on that day runs up to it.
    known = {m.key for m in milestones}
    completed = {c.key: c.completed_on for c in case.completions if c.key in known and c.completed_on <= day}
    pauses, waiting = [], False
    for pause in case.pauses:
        if pause.stopped_on > day:
            continue
        if pause.resumed_on is None or pause.resumed_on > day:
            waiting = True
            pauses.append((pause.stopped_on, day))
        else:
            pauses.append((pause.stopped_on, pause.resumed_on))
    # A variant the standard no longer has (reloaded since) counts as none rather than breaking the report.
    variant = case.variant if any(m.variant(case.variant) for m in milestones) else None
    dues = schedule(milestones, case.received_on, calendar, variant=variant, pauses=pauses, completed=completed)
    return _Standing(dues, pauses, waiting)


def _milestone_rows(service: Service) -> list[MilestoneFigures]:
    rows = []
    for milestone in service.milestones:
        if milestone.days is not None:
            rows.append(MilestoneFigures(service, milestone, None))
        rows.extend(MilestoneFigures(service, milestone, variant) for variant in milestone.variants)
    return rows


def case_figures(period: Period, office_id: int, today: date | None = None) -> CaseFigures:
    """The case figures of one office's period, services with milestones only, in the standard's order. One
    query reads every case that may count (received before the period's end, not closed before its start)
    with its completions and pauses; the due dates come from one office calendar."""
    end_day = as_of(period, today)
    services = [s for s in db.session.scalars(select(Service).where(Service.office_id == office_id)
                                              .order_by(Service.position, Service.id)) if s.milestones]
    steps = {s.id: s.milestones for s in services}  # parsed from the stored standard once
    by_service = {s.id: ServiceCases(s) for s in services}
    ages = {s.id: OpenCases(s) for s in services}
    milestone_rows = {(s.id, row.milestone.key, row.variant.key if row.variant else None): row
                      for s in services for row in _milestone_rows(s)}
    found = CaseFigures(end_day, list(by_service.values()), list(milestone_rows.values()), list(ages.values()))
    if not services:
        return found

    # A case closed in or after the period has closed_at on or after its start (completion days are never
    # later than the action that writes them), so this bound loses none of the cases that count.
    start_utc = period.utc_bounds()[0]
    cases = list(db.session.scalars(
        select(Case).where(Case.office_id == office_id, Case.service_id.in_(by_service),
                           Case.received_on < period.end, or_(Case.closed_at.is_(None), Case.closed_at >= start_utc))
        .options(selectinload(Case.completions), selectinload(Case.pauses)).order_by(Case.id)))
    if not cases:
        return found
    calendar = office_calendar(office_id, start=min(case.received_on for case in cases), end=end_day)

    def in_period(day: date | None) -> bool:
        return day is not None and period.start <= day < period.end

    for case in cases:
        row = by_service[case.service_id]
        closed = _closed_on(case)
        row.received += in_period(case.received_on)
        row.cancelled += case.state == CANCELLED and in_period(closed)
        is_open = case.received_on <= end_day and (closed is None or closed > end_day)
        completed_here = [c for c in case.completions if in_period(c.completed_on)]
        if not is_open and not completed_here:
            continue
        standing = _standing(case, steps[case.service_id], end_day, calendar)
        for due in standing.dues:
            if not in_period(due.completed):
                continue
            figures = milestone_rows.get((case.service_id, due.key, due.variant.key if due.variant else None))
            if figures is None:  # a length the standard no longer has (reloaded since): nothing to compare with
                continue
            figures.completed += 1
            figures.on_time += bool(due.on_time)
            figures.days_taken.append(days_taken(due.start, due.completed, due.milestone.unit, calendar,
                                                 standing.pauses))
        if case.state == DONE and in_period(closed):
            row.completed += 1
            row.on_time += all(due.on_time for due in standing.dues)
        if is_open:
            row.open += 1
            age = ages[case.service_id]
            age.bands[age_band((end_day - case.received_on).days)] += 1
            age.waiting += standing.waiting
            running = next((due for due in standing.dues if due.completed is None), None)
            age.overdue += (not standing.waiting and running is not None and running.due is not None
                            and running.due < end_day)
    return found
