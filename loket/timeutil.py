"""Office-local time: the office lives in its own zone (WITA for Klungkung), the database in UTC.

Daily ticket numbering, "today" on screens and report periods all use the office zone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

UTC = timezone.utc


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what the database stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def office_zone() -> ZoneInfo:
    name = current_app.config["LOKET_TIMEZONE"] if has_app_context() else "Asia/Makassar"
    return ZoneInfo(name)


def to_local(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) datetime in office-local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(office_zone())


def local_day(value: datetime | None = None) -> date:
    """The office-local calendar day of a stored datetime (default: now)."""
    return to_local(value or utcnow()).date()


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """Naive UTC start/end of an office-local day, for queries on stored datetimes."""
    zone = office_zone()
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    return start, end


def zone_abbreviation() -> str:
    """WIB/WITA/WIT for the Indonesian zones, else the zone's own abbreviation."""
    names = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
    zone = office_zone()
    return names.get(zone.key, datetime.now(zone).tzname() or zone.key)
