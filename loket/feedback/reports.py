"""The SKM figures of a period: IKM per service and overall with the minimum sample, and the suggestions.

Read-only queries about one office (None = the installation's first office); `loket.reports` builds the
period report and Laporan hasil SKM on them. Periods are `loket.reports.periods`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback.ikm import IkmResult, UnsurScore, compute_ikm, minimum_sample, unsur_breakdown
from loket.feedback.models import SurveyResponse
from loket.offices.scope import default_office
from loket.queue.errors import NotFound
from loket.queue.models import DONE, Service, Ticket
from loket.reports.periods import Period, parse_period  # noqa: F401  (re-exported)


def N_(message: str) -> str:
    return message


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
        if not service.active and service.id not in answers and not visitors.get(service.id):
            continue  # closed and unused in the period; one closed since still has its row (rows add up)
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
