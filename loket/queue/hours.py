"""Office hours: when the kiosk issues tickets and when the day is closed.

`LOKET_OFFICE_HOURS` is a small text like "mon-thu 07:30-15:30; fri 07:30-13:00" (office-local,
days without hours are closed), or "24/7". Holidays are a list of ISO dates in LOKET_HOLIDAYS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app

from loket.timeutil import UTC, office_zone, to_local, utcnow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "mon-thu 07:30-15:30; fri 07:30-13:00"


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
    if text in {"24/7", "always"}:
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


def _holidays() -> set[date]:
    raw = current_app.config.get("LOKET_HOLIDAYS") or ""
    if isinstance(raw, str):
        raw = [x for x in raw.replace(",", " ").split() if x]
    return {d if isinstance(d, date) else date.fromisoformat(d) for d in raw}


def state(now: datetime | None = None) -> OfficeState:
    """Is the office open at `now` (naive UTC, default now)?"""
    hours = parse(current_app.config.get("LOKET_OFFICE_HOURS", DEFAULT_HOURS))
    holidays = _holidays()
    local = to_local(now or utcnow())
    zone = office_zone()
    today = hours.get(local.weekday())
    if today and local.date() not in holidays and today[0] <= local.time() < today[1]:
        closes = None if today[1] == time.max else datetime.combine(local.date(), today[1], tzinfo=zone)
        return OfficeState(True, None, closes)
    for offset in range(0, 15):
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
