"""Office hours: when the kiosk issues tickets and when the day is closed.

`LOKET_OFFICE_HOURS` is a small text like "mon-thu 07:30-15:30; fri 07:30-13:00" (office-local,
days without hours are closed), or "24/7". Holidays (national holidays and cuti bersama change every
year by decree) are data the office keeps up to date in the `holidays` table (`loket holidays …`,
seeded from the `holidays` package's Indonesia calendar), plus any ISO dates in LOKET_HOLIDAYS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Date, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import UTC, office_zone, to_local, utcnow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "mon-thu 07:30-15:30; fri 07:30-13:00"
ALWAYS = {"24/7", "always"}


class HoursError(ValueError):
    pass


@dataclass(frozen=True)
class OfficeState:
    open: bool
    opens_at: datetime | None   # next opening (office-local), when closed
    closes_at: datetime | None  # today's closing (office-local), when open


def parse(text: str) -> dict[int, tuple[time, time]]:
    """Weekday (0=Monday) → (opening, closing). Raises HoursError with a readable message."""
    text = (text or "").strip().lower()
    if text in ALWAYS:
        return {d: (time.min, time.max) for d in range(7)}
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
        try:
            days, span = part.split()
            first, _, last = days.partition("-")
            start, end = span.split("-")
            a, b = DAYS.index(first), DAYS.index(last or first)
            opening = time.fromisoformat(start)
            closing = time.max if end == "24:00" else time.fromisoformat(end)
        except ValueError:
            raise HoursError(f"cannot read office hours part {part!r}; expected e.g. 'mon-fri 08:00-16:00'") from None
        if closing <= opening:
            raise HoursError(f"office hours {part!r} close before they open")
        for d in range(a, b + 1):
            hours[d] = (opening, closing)
    return hours


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


def add_holiday(day: date, name: str = "", *, source: str = "office") -> Holiday:
    """Add or rename a holiday (the office's own entries win over an import)."""
    holiday = db.session.get(Holiday, day)
    if holiday is None:
        holiday = Holiday(day=day, name=name[:200], source=source)
        db.session.add(holiday)
    else:
        holiday.name, holiday.source = name[:200] or holiday.name, source
    db.session.commit()
    return holiday


def remove_holiday(day: date) -> bool:
    removed = db.session.execute(delete(Holiday).where(Holiday.day == day)).rowcount
    db.session.commit()
    return bool(removed)


def import_calendar(year: int, country: str = "ID", subdiv: str | None = None) -> int:
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
    db.session.commit()
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


def _always_open() -> bool:
    return (current_app.config.get("LOKET_OFFICE_HOURS", DEFAULT_HOURS) or "").strip().lower() in ALWAYS


def hours_config() -> dict[int, tuple[time, time]]:
    return parse(current_app.config.get("LOKET_OFFICE_HOURS", DEFAULT_HOURS))


def closing_at(day: date) -> datetime | None:
    """Office-local closing time of `day`, or None when the office does not open that day.

    Open until midnight ("24/7", "…-24:00") closes at the start of the next day."""
    span = hours_config().get(day.weekday())
    if span is None or (not _always_open() and is_holiday(day)):
        return None
    if span[1] == time.max:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=office_zone())
    return datetime.combine(day, span[1], tzinfo=office_zone())


def state(now: datetime | None = None) -> OfficeState:
    """Is the office open at `now` (naive UTC, default now)?"""
    hours = hours_config()
    local = to_local(now or utcnow())
    # "24/7" means always, holidays included (demos, a 24-hour service point).
    always = _always_open()
    holidays = set() if always else holidays_between(local.date(), local.date() + timedelta(days=31))
    zone = office_zone()
    today = hours.get(local.weekday())
    if today and local.date() not in holidays and today[0] <= local.time() < today[1]:
        closes = None if today[1] == time.max else datetime.combine(local.date(), today[1], tzinfo=zone)
        return OfficeState(True, None, closes)
    for offset in range(0, 32):
        day = local.date() + timedelta(days=offset)
        span = hours.get(day.weekday())
        if span is None or day in holidays:
            continue
        opening = datetime.combine(day, span[0], tzinfo=zone)
        if opening > local:
            return OfficeState(False, opening, None)
    return OfficeState(False, None, None)


def local_to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
