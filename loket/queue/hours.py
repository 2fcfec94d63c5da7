"""Office hours: when the kiosk issues tickets and when the day is closed.

`LOKET_OFFICE_HOURS` is a small text like "mon-thu 07:30-12:00,13:00-15:30; fri 07:30-13:00"
(office-local, several spans a day for a lunch break, days without hours are closed), or "24/7". It
is the default: an office's own hours and per-date exceptions, set on its settings page
(`loket.offices.settings`), come first, read by the same span parser. Holidays (national holidays and
cuti bersama change every year by decree) are data the office keeps up to date in the `holidays`
table (`loket holidays …`, seeded from the `holidays` package's Indonesia calendar), plus any ISO
dates in LOKET_HOLIDAYS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Date, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import UTC, office_zone, to_local, utcnow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "mon-thu 07:30-15:30; fri 07:30-13:00"
ALWAYS = {"24/7", "always"}

Span = tuple[time, time]  # opening, closing (time.max: until midnight)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")  # 07:30 or 7:30


class HoursError(ValueError):
    """Hours that cannot be used. `reason` says why for translated messages (format, time, order,
    overlap); the message itself is English, for the command line and the log."""

    def __init__(self, message: str, reason: str = "format", part: str = ""):
        super().__init__(message)
        self.reason = reason
        self.part = part


@dataclass(frozen=True)
class OfficeState:
    open: bool
    opens_at: datetime | None   # next opening (office-local), when closed
    closes_at: datetime | None  # end of the current span (office-local), when open


@dataclass(frozen=True)
class Schedule:
    """An office's week (weekday 0=Monday → spans), its per-date exceptions (no spans = closed) and
    whether it is always open ("24/7": nights and holidays too)."""

    week: dict[int, list[Span]]
    exceptions: dict[date, list[Span]] = field(default_factory=dict)
    always: bool = False


def _clock(text: str, *, end: bool = False) -> time:
    match = _CLOCK.match(text.strip())
    if not match:
        raise HoursError(f"{text!r} is not a time of day HH:MM", "format", text)
    hour, minute = int(match[1]), int(match[2])
    if end and (hour, minute) == (24, 0):
        return time.max
    if hour > 23 or minute > 59:
        raise HoursError(f"{text!r} is not a time of day HH:MM", "time", text)
    return time(hour, minute)


def parse_spans(text: str) -> list[Span]:
    """"07:30-12:00, 13:00-15:30" → sorted spans ("" = none: closed). Spans must not overlap and
    each must close after it opens; raises HoursError naming the span."""
    spans = []
    text = re.sub(r"\s*[-\u2013]\s*", "-", (text or "").strip())  # "07:30 – 12:00" is meant the same
    for part in filter(None, (p.strip() for p in re.split(r"[,;\s]+", text))):
        start, dash, end = part.partition("-")
        if not dash:
            raise HoursError(f"{part!r} is not a span HH:MM-HH:MM", "format", part)
        opening, closing = _clock(start), _clock(end, end=True)
        if closing <= opening:
            raise HoursError(f"{part!r} closes before it opens", "order", part)
        spans.append((opening, closing))
    spans.sort()
    for before, after in zip(spans, spans[1:]):
        if after[0] < before[1]:
            raise HoursError(f"{format_spans([before])} and {format_spans([after])} overlap", "overlap",
                             format_spans([after]))
    return spans


def format_spans(spans: list[Span]) -> str:
    """The other way round: "07:30-12:00, 13:00-15:30" (until midnight is "24:00")."""
    return ", ".join(f"{a:%H:%M}-{'24:00' if b == time.max else format(b, '%H:%M')}" for a, b in spans)


def parse(text: str) -> dict[int, list[Span]]:
    """Weekday (0=Monday) → its spans, from "mon-thu 07:30-12:00,13:00-15:30; fri 07:30-13:00".
    Raises HoursError with a readable message."""
    text = (text or "").strip().lower()
    if text in ALWAYS:
        return {d: [(time.min, time.max)] for d in range(7)}
    week: dict[int, list[Span]] = {}
    # ";" separates day groups; so does a "," before a day name (the older "mon 08:00-12:00, fri …").
    for part in filter(None, (p.strip() for p in re.split(r";|,(?=\s*[a-z])", text))):
        days, _, spans_text = part.partition(" ")
        first, _, last = days.partition("-")
        try:
            a, b = DAYS.index(first), DAYS.index(last or first)
            spans = parse_spans(spans_text)
        except HoursError as exc:
            if exc.reason in ("order", "overlap"):
                raise HoursError(f"office hours {part!r}: {exc}", exc.reason, part) from None
            raise HoursError(f"cannot read office hours part {part!r}; expected e.g. 'mon-fri 08:00-16:00'",
                             exc.reason, part) from None
        except ValueError:
            raise HoursError(f"cannot read office hours part {part!r}; expected e.g. 'mon-fri 08:00-16:00'",
                             "format", part) from None
        if not spans:
            raise HoursError(f"cannot read office hours part {part!r}; expected e.g. 'mon-fri 08:00-16:00'",
                             "format", part)
        for d in range(a, b + 1):
            week[d] = spans
    return week


def spans_to_json(spans: list[Span]) -> list[list[str]]:
    return [[f"{a:%H:%M}", "24:00" if b == time.max else f"{b:%H:%M}"] for a, b in spans]


def spans_from_json(items) -> list[Span]:
    return [(_clock(a), _clock(b, end=True)) for a, b in items or ()]


class Holiday(db.Model):
    """A day the office is closed: a national holiday, cuti bersama or a local one (e.g. Galungan)."""

    __tablename__ = "holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="office")  # "office" or e.g. "holidays:ID"


def _configured_holidays() -> set[date]:
    raw = current_app.config.get("LOKET_HOLIDAYS") or ""
    if isinstance(raw, str):
        raw = [x for x in raw.replace(",", " ").split() if x]
    try:
        return {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in raw}
    except ValueError:
        raise HoursError(f"LOKET_HOLIDAYS must be ISO dates (YYYY-MM-DD), got {raw!r}") from None


def holidays_between(start: date, end: date) -> set[date]:
    """Holidays from `start` to `end` inclusive: the office's calendar plus LOKET_HOLIDAYS."""
    stored = db.session.scalars(select(Holiday.day).where(Holiday.day >= start, Holiday.day <= end))
    return set(stored) | {d for d in _configured_holidays() if start <= d <= end}


def is_holiday(day: date) -> bool:
    return day in holidays_between(day, day)


def calendar(year: int | None = None) -> list[Holiday]:
    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    return list(db.session.scalars(query))


def add_holiday(day: date, name: str = "", *, source: str = "office", commit: bool = True) -> Holiday:
    """Add or rename a holiday (the office's own entries win over an import). `commit=False` leaves
    the commit to the caller (the settings page commits it with its audit entry)."""
    holiday = db.session.get(Holiday, day)
    if holiday is None:
        holiday = Holiday(day=day, name=name[:200], source=source)
        db.session.add(holiday)
    else:
        holiday.name, holiday.source = name[:200] or holiday.name, source
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return holiday


def remove_holiday(day: date, *, commit: bool = True) -> bool:
    removed = db.session.execute(delete(Holiday).where(Holiday.day == day)).rowcount
    if commit:
        db.session.commit()
    return bool(removed)


def import_calendar(year: int, country: str = "ID", subdiv: str | None = None, *, commit: bool = True) -> int:
    """Copy a year's public holidays and cuti bersama from the `holidays` package; keeps what the
    office already has for a day. Returns how many days were added."""
    import holidays as holidays_package

    try:
        categories = ("public", "government") if country.upper() == "ID" else ("public",)
        source = holidays_package.country_holidays(country.upper(), subdiv=subdiv, years=year,
                                                   categories=categories, language="id" if country.upper() == "ID" else None)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise HoursError(f"no holiday calendar for {country!r}: {exc}") from None
    existing = set(db.session.scalars(select(Holiday.day).where(
        Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))))
    added = 0
    for day, name in sorted(source.items()):
        if day not in existing:
            db.session.add(Holiday(day=day, name=str(name)[:200], source=f"holidays:{country.upper()}"))
            added += 1
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return added


def has_calendar_for(year: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Holiday).where(
        Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))))


def holiday_country() -> str:
    """LOKET_HOLIDAY_COUNTRY ("" = no national calendar); HoursError naming it when the `holidays`
    package has no calendar for it."""
    import holidays as holidays_package

    country = (current_app.config.get("LOKET_HOLIDAY_COUNTRY") or "").strip()
    if country and country.upper() not in holidays_package.list_supported_countries():
        raise HoursError(f"LOKET_HOLIDAY_COUNTRY: no holiday calendar for {country!r}; use a country code "
                         "such as 'ID', or leave it empty to keep the calendar by hand")
    return country


def seed_calendar(today: date | None = None) -> dict[int, int]:
    """First start of a year: copy this and next year's calendar (LOKET_HOLIDAY_COUNTRY, "" = off)
    for years the office has no entry for yet, so a deleted day never comes back by itself."""
    country = holiday_country()
    if not country:
        return {}
    today = today or to_local(utcnow()).date()
    return {year: import_calendar(year, country) for year in (today.year, today.year + 1)
            if not has_calendar_for(year)}


def schedule(office_id: int | None = None) -> Schedule:
    """An office's hours (default: the installation's first office): its own from the settings page,
    else LOKET_OFFICE_HOURS; its per-date exceptions."""
    from loket.offices import settings

    stored = settings.stored(office_id)
    if stored.get("hours") is not None:
        week = {DAYS.index(day): spans_from_json(spans) for day, spans in stored["hours"].items() if spans}
        always = False
    else:
        text = current_app.config.get("LOKET_OFFICE_HOURS", DEFAULT_HOURS) or ""
        week, always = parse(text), text.strip().lower() in ALWAYS
    exceptions = {date.fromisoformat(day): spans_from_json(item.get("spans"))
                  for day, item in (stored.get("exceptions") or {}).items()}
    return Schedule(week, exceptions, always)


def hours_config() -> dict[int, list[Span]]:
    """LOKET_OFFICE_HOURS, the default week of every office (read on start-up: a typo stops it)."""
    return parse(current_app.config.get("LOKET_OFFICE_HOURS", DEFAULT_HOURS))


def spans_on(day: date, plan: Schedule, holidays: set[date]) -> list[Span]:
    """The spans `day` is open: an exception first (it may open a holiday), then holidays, then the week."""
    if day in plan.exceptions:
        return plan.exceptions[day]
    if not plan.always and day in holidays:
        return []
    return plan.week.get(day.weekday(), [])


def closing_at(day: date, office_id: int | None = None) -> datetime | None:
    """Office-local time the office closes for the day (after its last span), or None when it does
    not open that day. Open until midnight ("24/7", "…-24:00") closes at the start of the next day."""
    plan = schedule(office_id)
    spans = spans_on(day, plan, set() if plan.always else holidays_between(day, day))
    if not spans:
        return None
    if spans[-1][1] == time.max:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=office_zone())
    return datetime.combine(day, spans[-1][1], tzinfo=office_zone())


def state(now: datetime | None = None, office_id: int | None = None) -> OfficeState:
    """Is the office (default: the first) open at `now` (naive UTC, default now)? Closed during a
    lunch break, on a holiday and on an exception date without spans."""
    plan = schedule(office_id)
    local = to_local(now or utcnow())
    # "24/7" means always, holidays included (demos, a 24-hour service point).
    holidays = set() if plan.always else holidays_between(local.date(), local.date() + timedelta(days=31))
    zone = office_zone()
    for offset in range(0, 32):
        day = local.date() + timedelta(days=offset)
        for start, end in spans_on(day, plan, holidays):
            if offset == 0 and start <= local.time() < end:
                closes = None if end == time.max else datetime.combine(day, end, tzinfo=zone)
                return OfficeState(True, None, closes)
            opening = datetime.combine(day, start, tzinfo=zone)
            if opening > local:
                return OfficeState(False, opening, None)
    return OfficeState(False, None, None)


def day_over(now: datetime | None = None, office_id: int | None = None) -> bool:
    """Closed and not opening again today: after the last span, a holiday, a closed day. A lunch
    break is not the end of the day (the waiting queue goes on after it)."""
    current = state(now, office_id)
    if current.open:
        return False
    return current.opens_at is None or current.opens_at.date() != to_local(now or utcnow()).date()


def local_to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
