"""Supervisor reports: IKM per service and period, quick ratings beside it, waiting/service times, complaints.

Report periods are office-local calendar months, semesters and years; all figures are read-only queries,
each about one office (its services, tickets and complaints; None = the installation's first office).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean

from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback import complaints as complaint_domain
from loket.feedback.ikm import IkmResult, UnsurScore, compute_ikm, minimum_sample, unsur_breakdown
from loket.feedback.models import COMPLAINT_STATUSES, Complaint, SurveyResponse
from loket.offices.scope import default_office
from loket.queue.errors import InvalidInput, NotFound
from loket.queue.models import DONE, Service, Ticket
from loket.timeutil import day_bounds_utc, local_day


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class Period:
    """[start, end) in office-local days; `key` is what the URL carries: 2026-11, 2026-S2, 2026."""

    kind: str
    key: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> "Period | None":
        """The period before this one, or None before the first reportable year."""
        return _shifted(self, -1)

    def next(self) -> "Period | None":
        """The period after this one, or None past the last reportable year."""
        return _shifted(self, 1)

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
    index = period.start.year * 12 + period.start.month - 1 + step
    return f"{index // 12}-{index % 12 + 1:02d}"


_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-[Ss]([12]))?$")


def parse_period(text: str | None, today: date | None = None) -> Period:
    """`2026-11` (month), `2026-S2` (semester), `2026` (year); empty = the current month."""
    text = (text or "").strip()
    if not text:
        today = today or local_day()
        text = f"{today.year}-{today.month:02d}"
    match = _PERIOD.match(text[:10])
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(N_("Periode tidak dikenal. Contoh: 2026-11 (bulan), 2026-S2 (semester), 2026 (tahun)."))
    year = int(match.group(1))
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


def _office(office_id: int | None) -> int:
    if office_id is not None:
        return office_id
    office = default_office()
    if office is None:
        raise NotFound(N_("Belum ada kantor."))
    return office.id


def _services(office_id: int) -> list[Service]:
    """Every service of the office (inactive ones too: old answers stay reportable), standard order."""
    return list(db.session.scalars(select(Service).where(Service.office_id == office_id).order_by(Service.position)))


# --- IKM ------------------------------------------------------------------------------------

@dataclass
class IkmRow:
    """IKM of one service (or of the whole office when `service` is None) in a period."""

    service: Service | None
    result: IkmResult
    elements: tuple[UnsurScore, ...]
    visitors: int
    minimum: int

    @property
    def below_minimum(self) -> bool:
        return self.result.respondents < self.minimum


def _visitors(period: Period, office_id: int) -> dict[int, int]:
    """Tickets done per service of the office in the period: the population N of the sample size."""
    rows = db.session.execute(
        select(Ticket.service_id, func.count())
        .join(Service, Service.id == Ticket.service_id)
        .where(Service.office_id == office_id, Ticket.state == DONE, Ticket.day >= period.start,
               Ticket.day < period.end)
        .group_by(Ticket.service_id)
    )
    return {service_id: count for service_id, count in rows}


def ikm_report(period: Period, office_id: int | None = None) -> tuple[list[IkmRow], IkmRow]:
    """One row per active service of the office (or service with answers) and the office's overall row."""
    office_id = _office(office_id)
    answers: dict[int, list[tuple[int, ...]]] = {}
    for response in db.session.scalars(select(SurveyResponse).join(Service, Service.id == SurveyResponse.service_id)
                                       .where(Service.office_id == office_id, SurveyResponse.period >= period.start,
                                              SurveyResponse.period < period.end)):
        answers.setdefault(response.service_id, []).append(response.answers)
    visitors = _visitors(period, office_id)
    services = _services(office_id)
    rows = []
    for service in services:
        if not service.active and service.id not in answers:
            continue
        data = answers.get(service.id, [])
        n = visitors.get(service.id, 0)
        rows.append(IkmRow(service, compute_ikm(data), unsur_breakdown(data), n, minimum_sample(n)))
    everything = [a for values in answers.values() for a in values]
    total_visitors = sum(visitors.values())
    overall = IkmRow(None, compute_ikm(everything), unsur_breakdown(everything), total_visitors,
                     minimum_sample(total_visitors))
    return rows, overall


def suggestions(period: Period, office_id: int | None = None, limit: int = 200) -> list[tuple[Service, str]]:
    """The free-text suggestions of the period's surveys of the office, newest day first; only service and
    text (never the respondent profile beside it, so a rare profile cannot point at a person)."""
    office_id = _office(office_id)
    rows = db.session.execute(
        select(SurveyResponse.service_id, SurveyResponse.suggestion)
        .join(Service, Service.id == SurveyResponse.service_id)
        .where(Service.office_id == office_id, SurveyResponse.period >= period.start,
               SurveyResponse.period < period.end, SurveyResponse.suggestion.is_not(None))
        .order_by(SurveyResponse.period.desc(), SurveyResponse.id.desc()).limit(limit)
    ).all()
    services = {s.id: s for s in _services(office_id)}
    return [(services[service_id], text) for service_id, text in rows]


# --- quick ratings (reported beside IKM, never mixed in) ------------------------------------

@dataclass
class RatingRow:
    service: Service
    count: int
    average: float | None
    distribution: dict[int, int] = field(default_factory=dict)


def quick_ratings(period: Period, office_id: int | None = None) -> list[RatingRow] | None:
    """Counter quick ratings per service of the office; None when the counter area has no ratings model yet."""
    try:
        from loket.counter.models import QuickRating
    except ImportError:
        return None
    office_id = _office(office_id)
    start, end = period.utc_bounds()
    rows = db.session.execute(
        select(QuickRating.service_id, QuickRating.score, func.count())
        .join(Service, Service.id == QuickRating.service_id)
        .where(Service.office_id == office_id, QuickRating.created_at >= start, QuickRating.created_at < end)
        .group_by(QuickRating.service_id, QuickRating.score)
    )
    by_service: dict[int, dict[int, int]] = {}
    for service_id, score, count in rows:
        by_service.setdefault(service_id, {})[int(score)] = count
    result = []
    for service in _services(office_id):
        dist = by_service.get(service.id, {})
        total = sum(dist.values())
        average = sum(score * count for score, count in dist.items()) / total if total else None
        if service.active or total:
            result.append(RatingRow(service, total, average, dist))
    return result


# --- waiting and service times vs the standard ----------------------------------------------

@dataclass
class TimeRow:
    service: Service
    done: int
    wait_minutes: float | None      # issued → called, mean
    service_minutes: float | None   # started → finished, mean
    promised_minutes: int | None
    within_promise: int | None      # cases whose service time kept the promise

    @property
    def within_share(self) -> float | None:
        if self.within_promise is None or not self.done:
            return None
        return self.within_promise / self.done


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return max(0.0, (b - a).total_seconds() / 60)


def service_times(period: Period, office_id: int | None = None) -> list[TimeRow]:
    """The semester evaluation the standard asks for: measured times against the promised time, per
    service of the office."""
    office_id = _office(office_id)
    rows = db.session.execute(
        select(Ticket.service_id, Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .join(Service, Service.id == Ticket.service_id)
        .where(Service.office_id == office_id, Ticket.state == DONE, Ticket.day >= period.start,
               Ticket.day < period.end)
    ).all()
    per: dict[int, list] = {}
    for row in rows:
        per.setdefault(row.service_id, []).append(row)
    result = []
    for service in _services(office_id):
        cases = per.get(service.id, [])
        if not service.active and not cases:
            continue
        waits = [m for m in (_minutes(c.issued_at, c.called_at) for c in cases) if m is not None]
        serves = [m for m in (_minutes(c.started_at or c.called_at, c.finished_at) for c in cases) if m is not None]
        within = None
        if service.promised_minutes:
            within = sum(1 for m in serves if m <= service.promised_minutes)
        result.append(TimeRow(service, len(cases), mean(waits) if waits else None,
                              mean(serves) if serves else None, service.promised_minutes, within))
    return result


# --- complaints handled ---------------------------------------------------------------------

@dataclass
class ComplaintSummary:
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    overdue: int
    open_overdue: int


def complaint_summary(period: Period, office_id: int | None = None) -> ComplaintSummary:
    """The office's complaints received in the period: by status and category, and how many ran late."""
    office_id = _office(office_id)
    start, end = period.utc_bounds()
    items = db.session.scalars(select(Complaint).where(Complaint.office_id == office_id,
                                                       Complaint.received_at >= start,
                                                       Complaint.received_at < end)).all()
    by_status = {status: 0 for status in COMPLAINT_STATUSES}
    by_category: dict[str, int] = {}
    overdue = open_overdue = 0
    for item in items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
        by_category[item.category] = by_category.get(item.category, 0) + 1
        if complaint_domain.is_overdue(item):
            overdue += 1
            if item.answered_at is None and item.status != "closed":
                open_overdue += 1
    return ComplaintSummary(len(items), by_status, by_category, overdue, open_overdue)
