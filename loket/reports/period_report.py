"""The period report (Laporan kinerja pelayanan): visits, times against the standard, satisfaction and
complaints per service, per counter and per officer, the change against the previous period, and cases (berkas).

`build()` returns the tables the page, the XLSX and the CSV all draw from, and the data of the charts.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from loket.auth.accounts import display_names
from loket.cases.milestones import CALENDAR
from loket.counter.models import QuickRating
from loket.extensions import db
from loket.feedback import complaints as complaint_domain
from loket.feedback.models import Complaint
from loket.feedback.reports import IkmRow, ikm_report
from loket.queue.models import Ticket
from loket.reports import figures
from loket.reports.cases import AGE_BANDS, CaseFigures, case_figures
from loket.reports.figures import Breakdown, Figures
from loket.reports.periods import Period, trend
from loket.reports.tables import Column, Table


@dataclass
class Ratings:
    """Quick ratings (1..4) of a group: count per score."""

    counts: dict[int, int]

    @classmethod
    def empty(cls) -> "Ratings":
        return cls({1: 0, 2: 0, 3: 0, 4: 0})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        return sum(s * c for s, c in self.counts.items()) / self.total if self.total else None


def _ratings(period: Period, office_id: int, column) -> dict[int | None, Ratings]:
    start, end = period.utc_bounds()
    rows = db.session.execute(
        select(column, QuickRating.score, func.count())
        .join(Ticket, Ticket.id == QuickRating.ticket_id)
        .where(Ticket.office_id == office_id, QuickRating.created_at >= start, QuickRating.created_at < end)
        .group_by(column, QuickRating.score)
    )
    found: dict[int | None, Ratings] = {}
    for key, score, count in rows:
        found.setdefault(key, Ratings.empty()).counts[int(score)] += count
    return found


@dataclass
class ComplaintCounts:
    received: int = 0
    answered: int = 0
    overdue: int = 0


def _complaints(period: Period, office_id: int) -> dict[int | None, ComplaintCounts]:
    """Complaints received in the period per service (None: about no service in particular)."""
    start, end = period.utc_bounds()
    found: dict[int | None, ComplaintCounts] = {}
    for item in db.session.scalars(select(Complaint).where(Complaint.office_id == office_id,
                                                           Complaint.received_at >= start,
                                                           Complaint.received_at < end)):
        counts = found.setdefault(item.service_id, ComplaintCounts())
        counts.received += 1
        counts.answered += item.answered_at is not None
        counts.overdue += complaint_domain.is_overdue(item)
    return found


@dataclass
class PeriodReport:
    period: Period
    previous: Period | None
    breakdown: Breakdown
    ikm: dict[int | None, IkmRow]
    tables: list[Table]
    trend: list[tuple[Period, float | None]]   # IKM konversi of this period and the ones before it


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _delta(now, before):
    return None if now is None or before is None else now - before


def _ikm_rows(period: Period, office_id: int) -> dict[int | None, IkmRow]:
    rows, overall = ikm_report(period, office_id)
    found: dict[int | None, IkmRow] = {row.service.id: row for row in rows}
    found[None] = overall
    return found


def _visit_columns() -> list[Column]:
    return [Column("tickets", _("Tiket"), "int"), Column("done", _("Dilayani"), "int"),
            Column("no_show", _("Tidak hadir"), "int"), Column("no_show_rate", _("Tidak hadir (%)"), "percent"),
            Column("wait_median", _("Tunggu, median (menit)"), "minutes"),
            Column("wait_p90", _("Tunggu, persentil 90 (menit)"), "minutes"),
            Column("service_median", _("Layanan, median (menit)"), "minutes"),
            Column("service_p90", _("Layanan, persentil 90 (menit)"), "minutes"),
            Column("within", _("Selesai sesuai janji standar (%)"), "percent")]


def _visit_values(f: Figures) -> list:
    return [f.tickets, f.done, f.no_show, _pct(f.no_show_rate), f.wait_median, f.wait_p90, f.service_median,
            f.service_p90, _pct(f.within_share)]


def _promise_text(service) -> str:
    if service.promised_minutes:
        minutes = service.promised_minutes
        return _("%(n)s jam", n=minutes // 60) if minutes % 60 == 0 else _("%(n)s menit", n=minutes)
    return _("dalam hari (berkas)")


def build(period: Period, office_id: int) -> PeriodReport:
    """Every figure of the period report for one office."""
    now = figures.breakdown(period, office_id)
    previous = period.previous()
    before = figures.breakdown(previous, office_id) if previous else None
    before_by_service = {s.id: f for s, f in before.services} if before else {}
    ikm = _ikm_rows(period, office_id)
    ikm_before = _ikm_rows(previous, office_id) if previous else {}
    ratings = _ratings(period, office_id, QuickRating.service_id)
    complaints = _complaints(period, office_id)

    cases = case_figures(period, office_id)
    visits_note = _("Tunggu: dari ambil tiket (atau dialihkan) sampai dipanggil. Layanan: dari mulai dilayani "
                    "sampai selesai. Median dan persentil 90 (nearest-rank) atas kunjungan yang dilayani.")
    if cases.services:
        # Day promises are not met at the counter: their figures are in the case tables, not invented here.
        visits_note += " " + _("Janji dalam hari (berkas) tidak diukur di loket: untuk layanan itu kolom sesuai "
                               "janji standar berisi –; lihat tabel Berkas per layanan dan Tahapan berkas.")
    visits = Table("kunjungan", _("Kunjungan dan waktu per layanan"),
                   [Column("service", _("Layanan")), Column("promise", _("Janji standar")), *_visit_columns()],
                   note=visits_note)
    satisfaction = Table("kepuasan", _("Kepuasan dan pengaduan per layanan"), [
        Column("service", _("Layanan")), Column("ikm", _("IKM (konversi)"), "score"), Column("grade", _("Mutu")),
        Column("respondents", _("Responden SKM"), "int"), Column("rating_count", _("Penilaian cepat"), "int"),
        Column("rating_avg", _("Rata-rata penilaian cepat (1–4)"), "score"),
        *[Column(f"rating_{s}", _("Nilai %(score)s", score=s), "int") for s in range(1, 5)],
        Column("complaints", _("Pengaduan diterima"), "int"), Column("answered", _("Dijawab"), "int"),
        Column("overdue", _("Terlambat"), "int")],
        note=_("Penilaian cepat di loket dilaporkan terpisah dan tidak dihitung dalam IKM."))
    change = Table("perbandingan", _("Perubahan terhadap periode sebelumnya (%(period)s)",
                                     period=previous.key if previous else "–"), [
        Column("service", _("Layanan")), Column("tickets", _("Tiket"), "int"),
        Column("tickets_before", _("Tiket sebelumnya"), "int"), Column("tickets_delta", _("Perubahan tiket"), "delta0"),
        Column("wait", _("Tunggu, median (menit)"), "minutes"),
        Column("wait_delta", _("Perubahan tunggu (menit)"), "delta"),
        Column("within", _("Sesuai janji (%)"), "percent"), Column("within_delta", _("Perubahan (poin %)"), "delta"),
        Column("ikm", _("IKM"), "score"), Column("ikm_delta", _("Perubahan IKM"), "delta2")])

    def satisfaction_values(service_id):
        row = ikm.get(service_id)
        rate = ratings.get(service_id) if service_id is not None else _sum_ratings(ratings.values())
        if service_id is None:
            counts = ComplaintCounts(sum(c.received for c in complaints.values()),
                                     sum(c.answered for c in complaints.values()),
                                     sum(c.overdue for c in complaints.values()))
        else:
            counts = complaints.get(service_id, ComplaintCounts())
        rate = rate or Ratings.empty()
        return [row.result.ikm_converted if row else None, row.result.grade if row else None,
                row.result.respondents if row else 0, rate.total, rate.average,
                *[rate.counts[s] for s in range(1, 5)], counts.received, counts.answered, counts.overdue]

    def change_values(f: Figures, b: Figures | None, service_id):
        b = b or Figures()
        ikm_now = ikm.get(service_id).result.ikm_converted if ikm.get(service_id) else None
        ikm_then = ikm_before.get(service_id).result.ikm_converted if ikm_before.get(service_id) else None
        # Changes are taken between the numbers as shown, so "now − before" adds up on the page.
        within, within_then = _rounded(_pct(f.within_share), 1), _rounded(_pct(b.within_share), 1)
        wait, wait_then = _rounded(f.wait_median, 1), _rounded(b.wait_median, 1)
        return [f.tickets, b.tickets if previous else None, f.tickets - b.tickets if previous else None,
                wait, _delta(wait, wait_then), within, _delta(within, within_then), ikm_now, _delta(ikm_now, ikm_then)]

    # Each table lists the visits table's services and any other service with a figure in it (one closed
    # since, with complaints or last period's tickets), so its rows add up to its total.
    services = figures.office_services(office_id)
    listed = {service.id for service, _f in now.services}

    def listing(*more) -> list:
        wanted = listed.union(*more)
        return [service for service in services if service.id in wanted]

    now_by_service = {service.id: f for service, f in now.services}
    for service, f in now.services:
        visits.add(_service_name(service), _promise_text(service), *_visit_values(f))
    answered = {service_id for service_id, row in ikm.items() if service_id is not None and row.result.respondents}
    for service in listing(answered, ratings, complaints.keys() - {None}):
        satisfaction.add(_service_name(service), *satisfaction_values(service.id))
    if None in complaints:  # about the office in general; SKM and quick ratings are always about one service
        general = complaints[None]
        satisfaction.add(_("Tanpa layanan (umum)"), *[None] * (len(satisfaction.columns) - 4), general.received,
                         general.answered, general.overdue)
        satisfaction.note += " " + _("Tanpa layanan (umum): pengaduan tentang kantor secara umum, bukan tentang "
                                     "satu layanan.")
    for service in listing({service_id for service_id, f in before_by_service.items() if f.tickets}):
        change.add(_service_name(service), *change_values(now_by_service.get(service.id, Figures()),
                                                          before_by_service.get(service.id), service.id))
    everything = _("Seluruh layanan")
    visits.set_total(everything, "", *_visit_values(now.total))
    satisfaction.set_total(everything, *satisfaction_values(None))
    change.set_total(everything, *change_values(now.total, before.total if before else None, None))

    counter_ratings = _ratings(period, office_id, QuickRating.counter_id)
    officer_ratings = _ratings(period, office_id, QuickRating.officer_id)
    extra = [Column("rating_count", _("Penilaian cepat"), "int"),
             Column("rating_avg", _("Rata-rata penilaian cepat (1–4)"), "score")]
    # A counter's or an officer's visits are the ones they finished: tickets = served + no-show.
    counters = Table("loket", _("Per loket"), [Column("counter", _("Loket")), *_visit_columns()[1:], *extra],
                     note=_("Kunjungan dihitung di loket yang menyelesaikannya. SKM tidak dapat dibagi per loket: "
                            "kuesionernya anonim."))
    for counter, f in now.counters:
        rate = counter_ratings.get(counter.id) or Ratings.empty()
        counters.add(counter.name, *_visit_values(f)[1:], rate.total, rate.average)
    officers = Table("petugas", _("Per petugas"), [Column("officer", _("Petugas")), *_visit_columns()[1:], *extra])
    names = display_names(officer_id for officer_id, _f in now.officers)
    for officer_id, f in sorted(now.officers, key=lambda item: names.get(item[0], "").lower()):
        rate = officer_ratings.get(officer_id) or Ratings.empty()
        officers.add(names.get(officer_id, f"#{officer_id}"), *_visit_values(f)[1:], rate.total, rate.average)

    history = [(p, (ikm if p == period else _ikm_rows(p, office_id))[None].result.ikm_converted)
               for p in trend(period, 6)]
    report_tables = [visits, satisfaction, change, counters, officers]
    if cases.services:  # an office whose standard has no case milestones has no case tables
        report_tables += _case_tables(cases)
    return PeriodReport(period, previous, now, ikm, report_tables, history)


def _service_name(service) -> str:
    return f"{service.code} {service.name}"


def _case_tables(cases: CaseFigures) -> list[Table]:
    """Berkas per layanan, Tahapan berkas and Umur berkas, from `loket.reports.cases`."""
    end_note = _("Akhir periode: hari terakhirnya, atau hari ini bila periode belum selesai (%(day)s).",
                 day=format_date(cases.as_of, "long"))
    received = Table("berkas", _("Berkas per layanan"), [
        Column("service", _("Layanan")), Column("received", _("Diterima"), "int"),
        Column("completed", _("Selesai"), "int"), Column("on_time", _("Selesai tepat waktu"), "int"),
        Column("on_time_pct", _("Selesai tepat waktu (%)"), "percent"), Column("cancelled", _("Dibatalkan"), "int"),
        Column("open", _("Masih berjalan di akhir periode"), "int")],
        note=_("Tepat waktu: setiap tahapan berkas selesai paling lambat pada tanggal jatuh temponya. Jatuh tempo "
               "dihitung dari janji standar pada kalender kantor (hari kerja tanpa akhir pekan, hari libur dan hari "
               "tutup kantor) dan mundur sebanyak hari ketika berkas menunggu kelengkapan dari pemohon. Persentase "
               "atas berkas yang selesai pada periode ini.") + " " + end_note)
    for row in cases.services:
        received.add(_service_name(row.service), row.received, row.completed, row.on_time, _pct(row.on_time_share),
                     row.cancelled, row.open)
    totals = [sum(getattr(row, name) for row in cases.services)
              for name in ("received", "completed", "on_time", "cancelled", "open")]
    received.set_total(_("Seluruh layanan"), *totals[:3],
                       _pct(totals[2] / totals[1]) if totals[1] else None, *totals[3:])

    steps = Table("tahapan", _("Tahapan berkas"), [
        Column("service", _("Layanan")), Column("milestone", _("Tahapan")), Column("variant", _("Pilihan")),
        Column("unit", _("Satuan hari")), Column("completed", _("Jumlah tahap selesai"), "int"),
        Column("on_time", _("Tepat waktu"), "int"), Column("on_time_pct", _("Tepat waktu (%)"), "percent"),
        # "minutes" is the tables' one-decimal kind; the unit is the row's own (working or calendar days)
        Column("days_avg", _("Rata-rata lama (hari)"), "minutes"),
        Column("promised", _("Janji standar (hari)"), "int")],
        note=_("Tahapan yang selesai pada periode ini, per pilihan (metode pemilihan, diteruskan ke helpdesk LKPP). "
               "Lama: dari selesainya tahap sebelumnya (tahap pertama: dari tanggal berkas diterima) sampai tahap "
               "ini selesai, dalam satuan janji standarnya (hari kerja atau hari kalender), tanpa hari ketika jam "
               "berhenti karena menunggu kelengkapan berkas. Tepat waktu: selesai paling lambat pada tanggal jatuh "
               "temponya."))
    for row in cases.milestones:
        unit = _("hari kalender") if row.milestone.unit == CALENDAR else _("hari kerja")
        steps.add(_service_name(row.service), row.milestone.name, row.variant.name if row.variant else None, unit,
                  row.completed, row.on_time, _pct(row.on_time_share), row.average_days, row.promised)

    bands = [(f"age_{first}" + (f"_{last}" if last is not None else ""),
              _("%(first)s–%(last)s hari", first=first, last=last) if last is not None
              else _("> %(days)s hari", days=first - 1)) for first, last in AGE_BANDS]
    ages = Table("umur", _("Umur berkas yang masih berjalan"), [
        Column("service", _("Layanan")), Column("open", _("Berkas berjalan"), "int"),
        *[Column(key, label, "int") for key, label in bands],
        Column("overdue", _("Terlambat"), "int"), Column("waiting", _("Menunggu pemohon"), "int")],
        note=_("Berkas yang masih berjalan di akhir periode menurut umurnya: hari kalender sejak diterima. "
               "Terlambat: tahap yang sedang berjalan sudah melewati tanggal jatuh temponya. Menunggu pemohon: jam "
               "berhenti karena menunggu kelengkapan berkas (tidak dihitung terlambat).") + " " + end_note)
    for row in cases.ages:
        ages.add(_service_name(row.service), row.total, *row.bands, row.overdue, row.waiting)
    ages.set_total(_("Seluruh layanan"), sum(row.total for row in cases.ages),
                   *[sum(row.bands[i] for row in cases.ages) for i in range(len(AGE_BANDS))],
                   sum(row.overdue for row in cases.ages), sum(row.waiting for row in cases.ages))
    return [received, steps, ages]


def _sum_ratings(groups) -> Ratings:
    total = Ratings.empty()
    for group in groups:
        for score, count in group.counts.items():
            total.counts[score] += count
    return total

