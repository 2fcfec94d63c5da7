"""Laporan hasil SKM as PermenPANRB 14/2017 lays it out: NRR per element, IKM and its conversion, mutu and
kinerja, the respondent profile, respondents against the minimum sample, the three weakest elements, the
visitors' suggestions and the follow-up plan a supervisor writes for the period.
"""
from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from loket import audit
from loket.events import commit_and_publish
from loket.extensions import db
from loket.feedback import survey
from loket.feedback.ikm import ELEMENTS, UnsurScore
from loket.feedback.models import SurveyResponse
from loket.feedback.reports import IkmRow, ikm_report, suggestions
from loket.queue.errors import InvalidInput
from loket.queue.models import Service
from loket.reports.models import SkmFollowUp
from loket.reports import tables
from loket.reports.periods import Period, closed_semesters, period_label
from loket.reports.tables import Column, Table
from loket.timeutil import utcnow


def N_(message: str) -> str:
    return message


def element_name(element) -> str:
    """An SKM element's name in the page's language (the regulation's Indonesian, or English)."""
    return element.name_en if _english() else element.name


def _english() -> bool:
    return str(get_locale() or "id") == "en"


FOLLOW_UP_MAX = 5000
PROFILE_FIELDS = ("gender", "age_band", "education", "occupation")


def profile_labels() -> dict[str, tuple[str, dict[str, str]]]:
    """Each profile field's heading and its answers' labels, in the questionnaire's order."""
    return {
        "gender": (_("Jenis kelamin"), {"L": _("Laki-laki"), "P": _("Perempuan")}),
        "age_band": (_("Usia"), {v: _("%(band)s tahun", band=v) for v in survey.AGE_BANDS}),
        "education": (_("Pendidikan terakhir"), {v: v for v in survey.EDUCATIONS}),
        "occupation": (_("Pekerjaan utama"), {v: v for v in survey.OCCUPATIONS}),
    }


@dataclass
class SkmReport:
    period: Period
    rows: list[IkmRow]
    overall: IkmRow
    weakest: list[UnsurScore]
    follow_up: SkmFollowUp | None
    tables: list[Table]


def weakest(elements, count: int = 3) -> list[UnsurScore]:
    """The elements with the lowest NRR (ties: questionnaire order)."""
    return sorted(elements, key=lambda e: (e.nrr, e.element.code))[:count]


def follow_up(office_id: int, period: Period) -> SkmFollowUp | None:
    return db.session.scalar(select(SkmFollowUp).where(SkmFollowUp.office_id == office_id,
                                                       SkmFollowUp.period == period.key))


def save_follow_up(office_id: int, period: Period, text: str, *, actor) -> SkmFollowUp:
    """Write (or rewrite) the period's follow-up plan; the audit log keeps what it said before."""
    text = (text or "").strip()
    if len(text) > FOLLOW_UP_MAX:
        raise InvalidInput(N_("Rencana tindak lanjut terlalu panjang (maksimal %(n)s karakter)."), n=FOLLOW_UP_MAX)
    plan = follow_up(office_id, period)
    before = plan.text if plan else ""
    if plan is None:
        plan = SkmFollowUp(office_id=office_id, period=period.key)
        db.session.add(plan)
    plan.text = text
    plan.updated_by_id = getattr(actor, "id", None)
    plan.updated_at = utcnow()
    db.session.flush()
    audit.record("skm.follow_up", "office", office_id, label=period.key, office_id=office_id, actor=actor,
                 before={"rencana": before}, after={"rencana": text})
    commit_and_publish()
    return plan


def _profile(period: Period, office_id: int) -> dict[str, Tally]:
    rows = db.session.execute(
        select(SurveyResponse.gender, SurveyResponse.age_band, SurveyResponse.education, SurveyResponse.occupation)
        .join(Service, Service.id == SurveyResponse.service_id)
        .where(Service.office_id == office_id, SurveyResponse.period >= period.start, SurveyResponse.period < period.end)
    )
    tallies = {name: Tally() for name in PROFILE_FIELDS}
    for row in rows:
        for name, value in zip(PROFILE_FIELDS, row):
            tallies[name][value] += 1
    return tallies


def build(period: Period, office_id: int) -> SkmReport:
    rows, overall = ikm_report(period, office_id)
    codes = [e.code for e in ELEMENTS]
    ikm = Table("ikm", _("IKM per layanan"), [
        Column("service", _("Layanan")), Column("respondents", _("Responden"), "int"),
        Column("visitors", _("Pengunjung dilayani"), "int"), Column("minimum", _("Sampel minimum"), "int"),
        *[Column(code.lower(), code, "score", title=element_name(e)) for code, e in zip(codes, ELEMENTS)],
        Column("ikm", _("IKM (1–4)"), "nrr"), Column("ikm_converted", _("IKM konversi"), "score"),
        Column("grade", _("Mutu")), Column("performance", _("Kinerja"))],
        note=_("NRR per unsur; IKM = rata-rata NRR (bobot 1/9); konversi = IKM × 25. Sampel minimum: tabel "
               "Krejcie–Morgan untuk jumlah pengunjung yang dilayani."))

    def values(row: IkmRow) -> list:
        result = row.result
        nrr = list(result.nrr) if result.nrr else [None] * len(ELEMENTS)
        return [result.respondents, row.visitors, row.minimum, *nrr, result.ikm, result.ikm_converted, result.grade,
                (result.label_en if _english() else result.label) if result.label else None]

    for row in rows:
        ikm.add(f"{row.service.code} {row.service.name}", *values(row))
    ikm.set_total(_("Seluruh layanan"), *values(overall))

    elements = Table("unsur", _("Nilai per unsur (seluruh layanan)"), [
        Column("element", _("Unsur")), Column("nrr", _("NRR"), "score"),
        Column("weighted", _("NRR tertimbang (×1/9)"), "nrr"), Column("converted", _("Konversi"), "score"),
        Column("grade", _("Mutu"))])
    for score in overall.elements:
        elements.add(f"{score.element.code} {element_name(score.element)}", score.nrr, score.nrr_weighted, score.converted,
                     score.grade)

    low = weakest(overall.elements)
    weak = Table("terendah", _("Tiga unsur dengan nilai terendah"), [
        Column("rank", _("Peringkat"), "int"), Column("element", _("Unsur")), Column("nrr", _("NRR"), "score"),
        Column("converted", _("Konversi"), "score"), Column("grade", _("Mutu"))])
    for rank, score in enumerate(low, start=1):
        weak.add(rank, f"{score.element.code} {element_name(score.element)}", score.nrr, score.converted, score.grade)

    total = overall.result.respondents
    profile = Table("profil", _("Profil responden"), [
        Column("field", _("Profil")), Column("answer", _("Kategori")), Column("count", _("Jumlah"), "int"),
        Column("share", _("Persentase (%)"), "percent")],
        note=_("Profil diisi sukarela; \u201ctidak diisi\u201d dihitung tersendiri."))
    tallies = _profile(period, office_id)
    for name, (heading, labels) in profile_labels().items():
        for value, label in [*labels.items(), (None, _("Tidak diisi"))]:
            count = tallies[name][value]
            profile.add(heading, label, count, count / total * 100 if total else None)

    said = Table("saran", _("Saran dari responden"), [Column("service", _("Layanan")), Column("text", _("Saran"))])
    for service, text in suggestions(period, office_id):
        said.add(service.code, text)

    return SkmReport(period, rows, overall, low, follow_up(office_id, period), [ikm, elements, weak, profile, said])


@dataclass
class Published:
    """What the public page shows of a closed semester."""

    period: Period
    rows: list[IkmRow]
    overall: IkmRow
    follow_up: str


def published(office_id: int, count: int = 4) -> list[Published]:
    """The last `count` closed semesters' IKM per service with the follow-up plan, newest first; the
    regulation asks the unit to publish them. A semester nobody answered is still listed (no IKM)."""
    found = []
    for period in closed_semesters(count):
        rows, overall = ikm_report(period, office_id)
        plan = follow_up(office_id, period)
        found.append(Published(period, [r for r in rows if r.result.respondents], overall, plan.text if plan else ""))
    return found


def public_context(office) -> dict:
    """What the public results page (standard pages, kiosk) renders."""
    return {"results": published(office.id), "period_label": period_label, "shown": tables.shown}
