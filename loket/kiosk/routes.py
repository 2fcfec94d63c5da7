"""Kiosk views: services with live counts, what to bring, taking a (printed) ticket; the visitor's
ticket page `/t/<token>`; and the admin page of a kiosk's printer. Views stay thin over kiosk.core.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from loket.kiosk import bp, ticket_bp
from loket.kiosk import core as kiosk_core
from loket.kiosk.keys import HEADER as KEY_HEADER
from loket.kiosk.keys import api_key
from loket.kiosk.limits import issue_limits
from loket.kiosk.links import qr_svg, ticket_url
from loket.printers import (
    KINDS,
    PAPER_PROFILES,
    QR_MODES,
    PrinterConfigError,
    describe,
    render_preview_png,
)
from loket.printers import jobs
from loket.queue import core
from loket.queue.errors import QueueError
from loket.queue.models import DONE, WAITING
from loket.timeutil import utcnow
from loket.web import fail, page, queue_error_message, role_required

PRIORITY_LABELS = {
    "lansia": "Lansia",
    "disabilitas": "Disabilitas",
    "ibu_hamil": "Ibu hamil",
}


def _kiosk_page(template: str, kiosk, status: int = 200, **context) -> Response:
    response = page(template, status=status, kiosk=kiosk,
                    idle_seconds=current_app.config.get("LOKET_KIOSK_IDLE_SECONDS", 60), **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _home(kiosk, *, message: str | None = None, status: int = 200) -> Response:
    return _kiosk_page("kiosk/home.html", kiosk, status=status, services=kiosk_core.services_overview(),
                       office_state=kiosk_core.office_open(), message=message)


@bp.route("/")
def index():
    kiosk = kiosk_core.first_kiosk()
    if kiosk is None:
        fail(404, _("Belum ada kios."))
    return redirect(url_for("kiosk.home", kiosk_id=kiosk.id))


@bp.route("/<kiosk_id>")
def home(kiosk_id: str):
    return _home(kiosk_core.get_kiosk(kiosk_id))


@bp.route("/<kiosk_id>/layanan")
def services(kiosk_id: str):
    """The services list alone: htmx refreshes it on queue events and every 30 s."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    return _kiosk_page("kiosk/_services.html", kiosk, services=kiosk_core.services_overview(),
                       office_state=kiosk_core.office_open())


@bp.route("/<kiosk_id>/layanan/<code>")
def service(kiosk_id: str, code: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    info = kiosk_core.service_info(code)
    return _kiosk_page("kiosk/service.html", kiosk, info=info, std=info.service.standard or {},
                       priority_labels=PRIORITY_LABELS, office_state=kiosk_core.office_open())


@bp.route("/<kiosk_id>/tiket", methods=["POST"])
@issue_limits
def take_ticket(kiosk_id: str):
    """Plain form post (works without JavaScript); answers with a redirect to the confirmation."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    code = (request.form.get("service") or "").strip()
    reason = (request.form.get("priority_reason") or "").strip() or None
    if not code or len(code) > 10:
        return _home(kiosk, message=_("Pilih layanan terlebih dahulu."), status=400)
    if reason is not None and reason not in kiosk_core.KIOSK_PRIORITY_REASONS:
        return _home(kiosk, message=_("Alasan prioritas tidak dikenal."), status=400)
    try:
        ticket, _job = kiosk_core.issue(kiosk, code, priority_reason=reason)
    except QueueError as exc:
        # Closed office/service or an unknown service: say so on the kiosk, never a bare error page.
        return _home(kiosk, message=queue_error_message(exc), status=exc.status)
    return redirect(url_for("kiosk.confirmation", kiosk_id=kiosk.id, token=ticket.token), code=303)


@bp.route("/<kiosk_id>/tiket/<token>")
def confirmation(kiosk_id: str, token: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    ticket = kiosk_core.kiosk_ticket(kiosk, token)
    summary = core.ticket_status(ticket)
    url = ticket_url(ticket.token)
    return _kiosk_page("kiosk/ticket.html", kiosk, ticket=ticket, summary=summary, url=url, qr=qr_svg(url),
                       job=kiosk_core.latest_job_for(ticket), printer=jobs.printer_status(kiosk),
                       priority_labels=PRIORITY_LABELS)


@bp.route("/<kiosk_id>/cetak/<int:job_id>")
def print_status(kiosk_id: str, job_id: int):
    """Whether the slip came out; polled by the confirmation screen while it is being sent."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    job = jobs.get_job(job_id)
    if job is None or job.kiosk_id != kiosk.id:
        fail(404, _("Tugas cetak tidak ditemukan."))
    return _kiosk_page("kiosk/_print_status.html", kiosk, job=job, printer=jobs.printer_status(kiosk))


def _back_home(message: str, status: int):
    """Answer an error on the kiosk's own home screen (with its idle timer), never a dead end."""
    try:
        kiosk = kiosk_core.get_kiosk((request.view_args or {}).get("kiosk_id"))
    except QueueError:
        return render_template("error.html", message=message, status=status), status
    return _home(kiosk, message=message, status=status)


@bp.errorhandler(CSRFError)
def stale_form(_exc):
    """A kiosk left open past a restart (new secret key) goes back to its home screen."""
    # The same words as every other stale form (the auth area's message).
    return _back_home(_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), 400)


@bp.errorhandler(429)
def too_many(_exc):
    return _back_home(_("Terlalu banyak permintaan. Mohon tunggu sebentar lalu coba lagi."), 429)


# --- the admin page of a kiosk's printer ----------------------------------------------------------

PRINTER_FIELDS = ("kind", "paper", "qr", "host", "port", "timeout", "devfile", "baudrate", "idVendor",
                  "idProduct", "printer_name")


def _printer_page(kiosk, *, message=None, error=None, status=200, form=None):
    return render_template(
        "kiosk/printer.html", kiosk=kiosk, config=kiosk.printer or {}, form=form or kiosk.printer or {},
        description=describe(kiosk.printer) if kiosk.printer else _("Belum ada printer."),
        printer=jobs.printer_status(kiosk), recent=jobs.recent_jobs(kiosk, 15), kinds=KINDS,
        papers=tuple(PAPER_PROFILES), qr_modes=QR_MODES, message=message, error=error,
        api_key=api_key(kiosk.id), api_key_header=KEY_HEADER,
    ), status


@bp.route("/<kiosk_id>/printer", methods=["GET", "POST"])
@role_required("admin")
def printer(kiosk_id: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    if request.method == "GET":
        return _printer_page(kiosk, message=_("Pengaturan printer disimpan.") if request.args.get("saved") else None)
    form = {key: request.form.get(key, "").strip()[:200] for key in PRINTER_FIELDS}
    config = {key: value for key, value in form.items() if value != ""}
    try:
        kiosk_core.set_printer_config(kiosk, config)
    except PrinterConfigError as exc:
        return _printer_page(kiosk, error=str(exc), status=400, form=form)
    return redirect(url_for("kiosk.printer", kiosk_id=kiosk.id, saved=1), code=303)


@bp.route("/<kiosk_id>/printer/test", methods=["POST"])
@role_required("admin")
def printer_test(kiosk_id: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    jobs.submit(kiosk, jobs.test_slip(kiosk), kind="test", background=False)
    return redirect(url_for("kiosk.printer", kiosk_id=kiosk.id), code=303)


@bp.route("/<kiosk_id>/printer/preview.png")
@role_required("admin")
def printer_preview(kiosk_id: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    paper = (kiosk.printer or {}).get("paper") or "80mm"
    if paper not in PAPER_PROFILES:
        paper = "80mm"
    png = render_preview_png(jobs.test_slip(kiosk), paper=paper)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


# --- the visitor's ticket page (/t/<token>, registered on ticket_bp) -----------------------------

def ticket_page(token: str):
    try:
        ticket = core.ticket_by_token(token)
    except QueueError:
        ticket = None
    keep_days = current_app.config.get("LOKET_TICKET_PAGE_DAYS", 30)
    if ticket is None or ticket.issued_at < utcnow() - timedelta(days=keep_days):
        return render_template("ticket/not_found.html"), 404
    summary = core.ticket_status(ticket)
    survey_url = None
    if ticket.state == DONE and "feedback.survey" in current_app.view_functions:
        survey_url = url_for("feedback.survey", token=ticket.token)
    response = page("ticket/page.html", "ticket/_status.html", ticket=ticket, summary=summary,
                    survey_url=survey_url, active=ticket.is_active, waiting=ticket.state == WAITING)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is the only key to this page
    return response


ticket_bp.add_url_rule("/t/<token>", "show", ticket_page)
