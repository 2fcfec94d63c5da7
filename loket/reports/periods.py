"""Report periods in office-local days: a day, a month, a semester, a year or a custom range.

A period is [start, end) in the office's calendar; the URL carries its key (`2026-11-30`, `2026-11`,
`2026-S2`, `2026`, `2026-11-01..2026-11-15`), and each period knows the one before it for comparisons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from loket.queue.errors import InvalidInput
from loket.timeutil import day_bounds_utc, local_day


def N_(message: str) -> str:
    return message


KINDS = ("day", "month", "semester", "year", "range")
FIRST_YEAR, LAST_YEAR = 2000, 2100
RANGE_MAX_DAYS = 732  # two years: longer ranges are years


@dataclass(frozen=True)
class Period:
    """[start, end) in office-local days; `key` is what the URL carries."""

    kind: str
    key: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> "Period | None":
        """The period before this one (a range: as many days just before it), None before 2000."""
        return _shifted(self, -1)

    def next(self) -> "Period | None":
        """The period after this one, or None past the last reportable year."""
        return _shifted(self, 1)

    def closed(self, today: date | None = None) -> bool:
        """Whether the period is over (its figures no longer change): what may be published."""
        return self.end <= (today or local_day())

    def utc_bounds(self) -> tuple[datetime, datetime]:
        return day_bounds_utc(self.start)[0], day_bounds_utc(self.end)[0]


def _shifted(period: Period, step: int) -> Period | None:
    try:
        return parse_period(_shift(period, step))
    except InvalidInput:
        return None


def _shift(period: Period, step: int) -> str:
    if period.kind == "year":
        return str(period.start.year + step)
    if period.kind == "semester":
        index = period.start.year * 2 + (0 if period.start.month == 1 else 1) + step
        return f"{index // 2}-S{index % 2 + 1}"
    if period.kind == "month":
        index = period.start.year * 12 + period.start.month - 1 + step
        return f"{index // 12}-{index % 12 + 1:02d}"
    if period.kind == "day":
        return (period.start + timedelta(days=step)).isoformat()
    length = timedelta(days=period.days * step)
    return f"{(period.start + length).isoformat()}..{(period.last_day + length).isoformat()}"


_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-[Ss]([12]))?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD = N_("Periode tidak dikenal. Contoh: 2026-11-30 (hari), 2026-11 (bulan), 2026-S2 (semester), 2026 (tahun), "
          "2026-11-01..2026-11-15 (rentang).")
_YEARS = N_("Laporan tersedia untuk tahun %(first)s sampai %(last)s.")


def _day(text: str) -> date:
    """A YYYY-MM-DD day of any year (`_reportable` checks the years, after a range's own checks)."""
    if not _DAY.match(text):
        raise InvalidInput(_BAD)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_BAD) from None


def _reportable(*years: int) -> None:
    if not all(FIRST_YEAR <= year <= LAST_YEAR for year in years):
        raise InvalidInput(_YEARS, first=FIRST_YEAR, last=LAST_YEAR)


def parse_period(text: str | None, today: date | None = None) -> Period:
    """Read a period key; empty = the current month. Bad keys are an `InvalidInput` naming what is wrong: an
    unknown form (with examples), a reversed or too long range, a year outside FIRST_YEAR..LAST_YEAR."""
    text = (text or "").strip()[:30]
    if not text:
        today = today or local_day()
        text = f"{today.year}-{today.month:02d}"
    if ".." in text:
        first, _, last = text.partition("..")
        start, last_day = _day(first.strip()), _day(last.strip())
        if last_day < start:
            raise InvalidInput(N_("Rentang terbalik: tanggal awal harus sebelum tanggal akhir."))
        if (last_day - start).days + 1 > RANGE_MAX_DAYS:
            raise InvalidInput(N_("Rentang terlalu panjang (paling lama dua tahun)."))
        _reportable(start.year, last_day.year)
        named = _named(start, last_day)
        if named is not None:  # the same days as a day, month, semester or year: that period, its plan and label
            return parse_period(named)
        return Period("range", f"{start.isoformat()}..{last_day.isoformat()}", start, last_day + timedelta(days=1))
    if len(text) == 10:
        day = _day(text)
        _reportable(day.year)
        return Period("day", day.isoformat(), day, day + timedelta(days=1))
    match = _PERIOD.match(text)
    if not match:
        raise InvalidInput(_BAD)
    year = int(match.group(1))
    _reportable(year)
    if match.group(2):
        month = int(match.group(2))
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period("month", f"{year}-{month:02d}", date(year, month, 1), end)
    if match.group(3):
        half = int(match.group(3))
        start = date(year, 1 if half == 1 else 7, 1)
        end = date(year, 7, 1) if half == 1 else date(year + 1, 1, 1)
        return Period("semester", f"{year}-S{half}", start, end)
    return Period("year", str(year), date(year, 1, 1), date(year + 1, 1, 1))


def _named(start: date, last: date) -> str | None:
    """The key of the day, month, semester or year that is exactly `start`..`last`, if one is."""
    after = last + timedelta(days=1)
    if start == last:
        return start.isoformat()
    if start.day != 1 or after.day != 1:
        return None
    months = (after.year - start.year) * 12 + after.month - start.month
    if months == 1:
        return f"{start.year}-{start.month:02d}"
    if months == 6 and start.month in (1, 7):
        return f"{start.year}-S{1 if start.month == 1 else 2}"
    if months == 12 and start.month == 1:
        return str(start.year)
    return None


def period_label(period: Period) -> str:
    """A period as a person reads it: "November 2026", "Semester II 2026", "1–15 November 2026"."""
    if period.kind == "month":
        return format_date(period.start, "LLLL yyyy")
    if period.kind == "semester":
        return _("Semester %(n)s %(year)s", n="I" if period.start.month == 1 else "II", year=period.start.year)
    if period.kind == "year":
        return _("Tahun %(year)s", year=period.start.year)
    if period.kind == "day":
        return format_date(period.start, "full")
    return f"{format_date(period.start, 'long')} – {format_date(period.last_day, 'long')}"


def semester_of(day: date) -> Period:
    return parse_period(f"{day.year}-S{1 if day.month < 7 else 2}")


def closed_semesters(count: int, today: date | None = None) -> list[Period]:
    """The last `count` semesters that are over, newest first (what the public page publishes)."""
    period = semester_of(today or local_day()).previous()
    found = []
    while period is not None and len(found) < count:
        found.append(period)
        period = period.previous()
    return found


def trend(period: Period, count: int) -> list[Period]:
    """`period` and the ones before it, oldest first, at most `count` (a day or a range: itself only
    when no earlier period exists)."""
    found = [period]
    while len(found) < count and (before := found[-1].previous()) is not None:
        found.append(before)
    return found[::-1]
