"""The office calendar and due dates: which days are working days, and when a milestone is due.

Working days skip the days the office's week has no hours, the holiday calendar (national holidays,
cuti bersama, local days) and the office's own closed days; calendar days skip nothing. A stopped
clock ("menunggu kelengkapan berkas") moves a due date on by the days it stood still.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from loket.cases.milestones import CALENDAR, UNITS, WORKING, LeadTime, Milestone, Variant

MONDAY_TO_FRIDAY = frozenset(range(5))
LOAD_DAYS = 400  # holidays are read a year and a bit at a time, one query each
SEARCH_DAYS = 3660  # ten years without a working day: a week without hours, not a long wait

Pause = tuple[date, date]  # (stopped on, documents arrived on)


@dataclass
class OfficeCalendar:
    """Which days an office works. Build it with `office_calendar()` (reads the office's hours,
    exceptions and the holiday calendar once) or directly in tests. `days_on` are exceptions that
    open a day (they win over a holiday or the weekend); `days_off` holidays and closed exceptions.
    With `more_holidays` set, holidays outside `loaded` are read when first asked for."""

    workweek: frozenset[int] = MONDAY_TO_FRIDAY
    days_off: set[date] = field(default_factory=set)
    days_on: set[date] = field(default_factory=set)
    more_holidays: Callable[[date, date], set[date]] | None = None
    loaded: tuple[date, date] | None = None

    def is_working_day(self, day: date) -> bool:
        self._cover(day)
        if day in self.days_on:
            return True
        return day not in self.days_off and day.weekday() in self.workweek

    def _cover(self, day: date) -> None:
        if self.more_holidays is None or (self.loaded and self.loaded[0] <= day <= self.loaded[1]):
            return
        chunk = timedelta(days=LOAD_DAYS)
        if self.loaded is None:
            first, last = day, day + chunk
            self.loaded = (first, last)
        elif day < self.loaded[0]:
            first, last = min(day, self.loaded[0] - chunk), self.loaded[0] - timedelta(days=1)
            self.loaded = (first, self.loaded[1])
        else:
            first, last = self.loaded[1] + timedelta(days=1), max(day, self.loaded[1] + chunk)
            self.loaded = (self.loaded[0], last)
        self.days_off |= self.more_holidays(first, last)


def office_calendar(office_id: int | None = None, start: date | None = None,
                    end: date | None = None) -> OfficeCalendar:
    """An office's calendar (default: the first office), with the holidays from `start` (default:
    today) to `end` read at once; later days are read when asked for. The week is the days its hours
    open; an office open "24/7" (kiosk hours, demos) says nothing about its staff's week, so its working
    days are Monday to Friday (Perpres 21/2023)."""
    from loket.queue import hours
    from loket.timeutil import local_day

    plan = hours.schedule(office_id)
    start = start or local_day()
    end = max(end or start, start) + timedelta(days=LOAD_DAYS)
    workweek = MONDAY_TO_FRIDAY if plan.always else frozenset(day for day, spans in plan.week.items() if spans)
    return OfficeCalendar(
        workweek=workweek,
        days_off=hours.holidays_between(start, end) | {day for day, spans in plan.exceptions.items() if not spans},
        days_on={day for day, spans in plan.exceptions.items() if spans},
        more_holidays=hours.holidays_between, loaded=(start, end))


def _stopped(day: date, pauses: Iterable[Pause]) -> bool:
    # A pause stops the clock for the days after the office asked, up to and including the day the
    # documents arrived: counting goes on from that day as it would from a new request.
    return any(stopped < day <= resumed for stopped, resumed in pauses)


def _count(start: date, days: int, unit: str, calendar: OfficeCalendar, pauses: tuple[Pause, ...]) -> tuple[date, int]:
    """(due date, days the clock stood still on the way) — the days-th counted day after start."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use {' or '.join(UNITS)}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be a whole number of 0 or more, got {days!r}")
    day, left, stopped, idle = start, days, 0, 0
    while left:
        day += timedelta(days=1)
        if unit == WORKING and not calendar.is_working_day(day):
            idle += 1
            if idle > SEARCH_DAYS:
                raise ValueError(f"no working day within {SEARCH_DAYS} days after {start}; check the office hours")
            continue
        idle = 0
        if _stopped(day, pauses):
            stopped += 1
        else:
            left -= 1
    return day, stopped


def _pauses(pauses: Iterable[Pause]) -> tuple[Pause, ...]:
    pauses = tuple(pauses)
    for stopped, resumed in pauses:
        if resumed < stopped:
            raise ValueError(f"a pause ends ({resumed}) before it starts ({stopped})")
    return pauses


def add_days(start: date, days: int, unit: str, calendar: OfficeCalendar, pauses: Iterable[Pause] = ()) -> date:
    """The due date of `days` working or calendar days from `start`, the way the standard counts:
    the start day itself does not count (a letter received on Friday 18 Dec 2026 with 1 working day
    is due Monday 21 Dec), and the result is the day on whose end the last day runs out. Working days
    skip the office's non-working days (the start may be one: a letter of Saturday counts from Monday);
    calendar days skip nothing, not even when the due date is a holiday. `pauses` are (stopped on,
    documents arrived on) pairs: the days after the first up to and including the second are not
    counted (for working days, only the working days among them move the due date)."""
    return _count(start, days, unit, calendar, _pauses(pauses))[0]


def days_between(first: date, last: date, unit: str, calendar: OfficeCalendar) -> int:
    """How many days `add_days` counts from `first` to `last` (after first, up to and including last)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use {' or '.join(UNITS)}")
    if last <= first:
        return 0
    if unit == CALENDAR:
        return (last - first).days
    return sum(calendar.is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))


@dataclass(frozen=True)
class Due:
    """One milestone of a case as scheduled: when it started, is due and (if so) was completed.
    `due` is None while its length is unknown (no selection method chosen yet) or its start is;
    `stopped` is how many days of its run the clock stood still."""

    milestone: Milestone
    variant: Variant | None
    days: int | None
    start: date | None
    due: date | None
    completed: date | None = None
    stopped: int = 0

    @property
    def key(self) -> str:
        return self.milestone.key

    @property
    def name(self) -> str:
        return self.milestone.name

    @property
    def on_time(self) -> bool | None:
        """Completed by the end of its due day; None while not completed or not due-dated."""
        if self.completed is None or self.due is None:
            return None
        return self.completed <= self.due


def schedule(milestones: Iterable[Milestone], start: date, calendar: OfficeCalendar, variant: str | None = None,
             pauses: Iterable[Pause] = (), completed: Mapping[str, date] | None = None) -> list[Due]:
    """Each milestone's due date for a case started on `start`. A milestone starts when the one
    before it was completed (`completed`: milestone key → date), else when that one is due. `variant`
    is a variant key (a selection method "tender", the helpdesk's "lkpp" escalation): every milestone
    that has it takes its length. `pauses` stop the clock for whichever milestone is running then."""
    milestones, pauses, completed = tuple(milestones), _pauses(pauses), dict(completed or {})
    if variant and not any(m.variant(variant) for m in milestones):
        raise ValueError(f"no milestone has a variant {variant!r}")
    unknown = set(completed) - {m.key for m in milestones}
    if unknown:
        raise ValueError(f"completed names unknown milestones: {', '.join(sorted(unknown))}")
    result, begins = [], start
    for milestone in milestones:
        days = milestone.days_for(variant)
        due, stopped = None, 0
        if begins is not None and days is not None:
            due, stopped = _count(begins, days, milestone.unit, calendar, pauses)
        done = completed.get(milestone.key)
        result.append(Due(milestone, milestone.variant(variant), days, begins, due, done, stopped))
        begins = done or due
    return result


class LeadTimeCheck(NamedTuple):
    ok: bool
    days: int  # days counted from the request to the activity, in the rule's unit


def lead_time_ok(request_day: date, activity_day: date, rule: LeadTime, calendar: OfficeCalendar) -> LeadTimeCheck:
    """Did the request arrive early enough? "Paling lambat 5 hari kerja sebelum kegiatan": the
    activity must be at least `rule.days` counted days after the request, as `add_days` counts (a
    letter of Monday 7 Dec 2026 is in time for an activity on Monday 14 Dec, not on Friday 11 Dec)."""
    between = days_between(request_day, activity_day, rule.unit, calendar)
    return LeadTimeCheck(between >= rule.days, between)
