"""The reports an office hands in: the period report (/admin/laporan) and Laporan hasil SKM
(/admin/laporan/skm), each as a page that prints on A4, and as XLSX and CSV with the page's numbers.

Thin views over `loket.reports`; supervisors of the office (the installation admin: any office).
"""
from __future__ import annotations

from functools import wraps

from flask import Response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.models import SUPERVISOR
from loket.feedback.ikm import ELEMENTS
from loket.forms import Form, max_length, strip
from loket.offices import settings
from loket.offices.scope import office_for_staff
from loket.queue.errors import InvalidInput
from loket.reports import charts, period_report, skm, tables
from loket.reports.figures import WAIT_BINS
from loket.reports.periods import Period, parse_period, period_label
from loket.timeutil import local_day, to_local, utcnow, zone_abbreviation
from loket.web import page, queue_error_message, role_required

EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


class FollowUpForm(Form):
    text = TextAreaField(_l("Rencana tindak lanjut"), [max_length(skm.FOLLOW_UP_MAX)], filters=[strip],
                         description=_l("Apa yang akan dilakukan kantor terhadap unsur dengan nilai terendah, oleh "
                                        "siapa dan kapan. Dipublikasikan bersama hasil SKM periode ini."))


def _period() -> Period:
    """`?periode=KEY`, or a custom range from `?dari=` and `?sampai=` (two date inputs)."""
    first, last = (request.args.get("dari") or "").strip(), (request.args.get("sampai") or "").strip()
    if first or last:
        return parse_period(f"{first or last}..{last or first}")
    return parse_period(request.args.get("periode"))


def _context(office, period: Period | None, refused: InvalidInput | None = None) -> dict:
    """What a report page shows around its figures; without a period (`refused`: why not), the menu and the
    period form as it was filled, with the reason beside it."""
    offices = _offices_to_pick()
    today = local_day()
    typed = {name: (request.args.get(name) or "").strip()[:30] for name in ("periode", "dari", "sampai")} \
        if refused else None
    return {"report_office": office, "offices": offices, "kantor": office.code if offices else None,
            "period": period, "period_label": period_label(period) if period else "",
            "closed": period.closed(today) if period else True,
            "period_error": queue_error_message(refused) if refused else None, "typed": typed,
            "head": settings.letterhead(office.id), "printed_at": to_local(utcnow()), "zone": zone_abbreviation(),
            "shortcuts": [(_("Hari ini"), today.isoformat()), (_("Bulan ini"), f"{today:%Y-%m}"),
                          (_("Semester ini"), f"{today.year}-S{1 if today.month < 7 else 2}"),
                          (_("Tahun ini"), str(today.year))],
            "shown": tables.shown}


def _heading(office, period: Period, title: str) -> list[str]:
    """The lines above every exported table: what, whose, when."""
    return [title, office.name, f"{_('Periode')}: {period_label(period)} ({period.start.isoformat()} – "
                                f"{period.last_day.isoformat()})"]


def _export(kind: str, heading: list[str], report_tables, name: str) -> Response:
    body = tables.to_xlsx(heading, report_tables) if kind == "xlsx" else tables.to_csv(heading, report_tables)
    response = Response(body, mimetype=EXPORTS[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _fmt(kind: str):
    """A chart's number formatter: as the tables show that kind of value."""
    return lambda value: tables.shown(value, kind)


def _period_charts(report: period_report.PeriodReport) -> list[tuple[str, object]]:
    """(caption, SVG) of each chart of the period report: arrivals by hour, waits per service, IKM trend."""
    found = report.breakdown
    hours = range(min(found.arrivals_by_hour, default=7), max(found.arrivals_by_hour, default=15) + 1)
    title = _("Kedatangan menurut jam (%(zone)s)", zone=zone_abbreviation())
    drawn = [(title, charts.bar_chart([(f"{h:02d}", found.arrivals_by_hour.get(h, 0)) for h in hours], title=title,
                                      desc=_("Jumlah tiket yang diambil per jam pada periode ini."), fmt=_fmt("int")))]
    labels = [f"{low}–{high}" for low, high in zip(WAIT_BINS, WAIT_BINS[1:])] + [f"≥ {WAIT_BINS[-1]}"]
    for service, figures in found.services:
        if figures.done:
            named = f"{service.code} {service.name}"
            title = _("Sebaran waktu tunggu (menit): %(service)s", service=named)
            drawn.append((title, charts.bar_chart(list(zip(labels, found.wait_bins[service.id])), title=title,
                                                  unit=_("menit"), fmt=_fmt("int"))))
    title = _("IKM konversi periode terakhir")
    drawn.append((title, charts.line_chart([(p.key, value) for p, value in report.trend], title=title, minimum=25,
                                           maximum=100, fmt=_fmt("score"))))
    return drawn


def _for_period(template: str):
    """A report view called with the office and the period the address asks for; a period it cannot show
    (an edited address, a reversed or too long range) answers `template` without figures: the menu, the
    period form as it was filled and the reason beside it (400). Downloads answer the page too."""
    def wrap(view):
        @wraps(view)
        def run(*args, **kwargs):
            office = office_for_staff(current_user, _kantor())
            try:
                period = _period()
            except InvalidInput as exc:
                return page(template, status=400, report=None, **_context(office, None, exc))
            return view(office, period, *args, **kwargs)
        return run
    return wrap


@bp.route("/laporan")
@role_required(SUPERVISOR)
@_for_period("admin/report.html")
def report(office, period: Period):
    """The period report: visits, times against the standard, satisfaction and complaints."""
    built = period_report.build(period, office.id)
    return page("admin/report.html", report=built, report_tables=built.tables, charts=_period_charts(built),
                **_context(office, period))


@bp.route("/laporan/unduh.<any(xlsx, csv):kind>")
@role_required(SUPERVISOR)
@_for_period("admin/report.html")
def report_export(office, period: Period, kind: str):
    built = period_report.build(period, office.id)
    return _export(kind, _heading(office, period, _("Laporan kinerja pelayanan")), built.tables,
                   f"laporan-{office.code}-{period.key}")


def _skm_chart(built: skm.SkmReport):
    title = _("Nilai rata-rata (NRR) per unsur")
    items = [(f"{e.element.code} {skm.element_name(e.element)}", e.nrr) for e in built.overall.elements]
    return title, charts.hbar_chart(items or [(e.code, None) for e in ELEMENTS], title=title, minimum=1.0, maximum=4.0, fmt=_fmt("score"),
                                    marks=[(3.0644, "B"), (3.5324, "A")])


def _skm_page(office, period: Period, form: FollowUpForm | None = None, status: int = 200):
    built = skm.build(period, office.id)
    if form is None:
        form = FollowUpForm(text=built.follow_up.text if built.follow_up else "")
    return page("admin/skm_report.html", status=status, report=built, report_tables=built.tables,
                chart=_skm_chart(built), form=form, **_context(office, period))


@bp.route("/laporan/skm", methods=["GET", "POST"])
@role_required(SUPERVISOR)
@_for_period("admin/skm_report.html")
def skm_report(office, period: Period):
    """Laporan hasil SKM of a period; supervisors write the follow-up plan here (POST)."""
    if request.method == "GET":
        return _skm_page(office, period)
    form = FollowUpForm()
    if not form.validate():
        return _skm_page(office, period, form, status=400)
    skm.save_follow_up(office.id, period, form.text.data, actor=current_user)
    return redirect(url_for("admin.skm_report", periode=period.key, kantor=_kantor(), ok=1) + "#tindak-lanjut",
                    code=303)


@bp.route("/laporan/skm/unduh.<any(xlsx, csv):kind>")
@role_required(SUPERVISOR)
@_for_period("admin/skm_report.html")
def skm_export(office, period: Period, kind: str):
    built = skm.build(period, office.id)
    plan = tables.Table("tindak-lanjut", _("Rencana tindak lanjut"), [tables.Column("text", _("Rencana tindak lanjut"))])
    plan.add(built.follow_up.text if built.follow_up else "")
    return _export(kind, _heading(office, period, _("Laporan hasil Survei Kepuasan Masyarakat")),
                   built.tables + [plan], f"skm-{office.code}-{period.key}")
