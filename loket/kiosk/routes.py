"""Kiosk views: services with live counts, what to bring, taking a (printed) ticket; the visitor's
ticket page `/t/<token>`; and the admin page of a kiosk's printer. Views stay thin over kiosk.core.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from loket.events import office_room
from loket.kiosk import bp, ticket_bp
from loket.kiosk import core as kiosk_core
from loket.kiosk.forms import PrinterForm
from loket.kiosk.keys import HEADER as KEY_HEADER
from loket.kiosk.keys import api_key
from loket.kiosk.limits import issue_limits
from loket.kiosk.links import qr_svg, ticket_url
from loket.offices import scope
from loket.printers import PAPER_PROFILES, PrinterConfigError, describe, render_preview_png
from loket.printers import jobs
from loket.queue import core
from loket.queue.errors import QueueError
from loket.queue.models import DONE, WAITING
from loket.reports import skm
from loket.timeutil import utcnow
from loket.web import error_response, fail, page, queue_error_message, role_required

def idle_seconds(*, done: bool = False) -> int:
    """Seconds an untouched kiosk screen stays up: LOKET_KIOSK_IDLE_SECONDS, or for a confirmation
    (`done`: a ticket's or complaint's QR code) LOKET_KIOSK_DONE_SECONDS, never longer than the first."""
    idle = int(current_app.config.get("LOKET_KIOSK_IDLE_SECONDS") or 60)
    return min(idle, int(current_app.config.get("LOKET_KIOSK_DONE_SECONDS") or 20)) if done else idle


def screen_context(kiosk, *, office=None, done: bool = False) -> dict:
    """What `kiosk/base.html` needs around any kiosk screen (also the feedback pages in kiosk mode):
    the header's office, the idle timer and `kiosk_home`, the home screen in Bahasa Indonesia that
    every way home leads to. `office`: the office the screen is about (the kiosk's only one, or the
    one the visitor picked on a multi-office kiosk); None on a multi-office kiosk's office list."""
    offices = kiosk_core.kiosk_offices(kiosk)
    several = len(offices) > 1
    if office is None and not several and offices:
        office = offices[0]
    context = dict(kiosk=kiosk, several_offices=several,
                   brand=(office.label if office is not None else "") or kiosk.name or kiosk.id,
                   # the office segment of URLs: only a multi-office kiosk names the office in its addresses
                   office_code=office.code if several and office is not None else None,
                   rooms=" ".join(office_room(o.id) for o in offices), idle_seconds=idle_seconds(done=done),
                   kiosk_home=url_for("kiosk.home", kiosk_id=kiosk.id, lang="id"))
    if office is not None:
        context["office"] = office
    return context


def _kiosk_page(template: str, kiosk, status: int = 200, *, office=None, done: bool = False, **context) -> Response:
    """A kiosk screen (never cached: a visitor's screen must not come back from the browser's history)."""
    response = page(template, status=status, **screen_context(kiosk, office=office, done=done), **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _home(kiosk, *, office=None, message: str | None = None, status: int = 200) -> Response:
    """The kiosk's home: the office list of a multi-office kiosk (unless `office` is given), else the
    services of its office, with `message` as a notice when something went wrong."""
    if office is None and kiosk_core.serves_several(kiosk):
        return _kiosk_page("kiosk/offices.html", kiosk, status=status, offices=kiosk_core.offices_overview(kiosk),
                           office_state=kiosk_core.office_open(), message=message)
    if office is None:
        office = kiosk_core.kiosk_office(kiosk)
    return _kiosk_page("kiosk/home.html", kiosk, status=status, office=office,
                       services=kiosk_core.services_overview(office), office_state=kiosk_core.office_open(office),
                       message=message)


@bp.route("/")
def index():
    kiosk = kiosk_core.first_kiosk()
    if kiosk is None:
        fail(404, _("Belum ada kios."))
    return redirect(url_for("kiosk.home", kiosk_id=kiosk.id))


@bp.route("/<kiosk_id>")
def home(kiosk_id: str):
    return _home(kiosk_core.get_kiosk(kiosk_id))


@bp.route("/<kiosk_id>/kantor")
def offices(kiosk_id: str):
    """The office list alone (a multi-office kiosk's home): htmx refreshes it like the services list."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    return _kiosk_page("kiosk/_offices.html", kiosk, offices=kiosk_core.offices_overview(kiosk))


@bp.route("/<kiosk_id>/kantor/<office_code>")
def office_home(kiosk_id: str, office_code: str):
    """The services of one of the kiosk's offices (what a multi-office kiosk shows once one is picked)."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    return _home(kiosk, office=kiosk_core.kiosk_office(kiosk, office_code))


@bp.route("/<kiosk_id>/hasil-skm")
def skm_results(kiosk_id: str):
    """The published SKM results on the kiosk (`?kantor=CODE` on a multi-office kiosk), with a way home."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    office = kiosk_core.kiosk_office(kiosk, (request.args.get("kantor") or "").strip()[:20] or None)
    return _kiosk_page("catalogue/skm_results.html", kiosk, office=office, base_template="kiosk/base.html",
                       **skm.public_context(office))


def _services_fragment(kiosk, office):
    return _kiosk_page("kiosk/_services.html", kiosk, office=office, services=kiosk_core.services_overview(office),
                       office_state=kiosk_core.office_open(office))


@bp.route("/<kiosk_id>/layanan")
def services(kiosk_id: str):
    """The services list alone: htmx refreshes it on queue events and every 30 s. (A multi-office
    kiosk has no single services list: its office list instead.)"""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    if kiosk_core.serves_several(kiosk):
        return offices(kiosk_id)
    return _services_fragment(kiosk, kiosk_core.kiosk_office(kiosk))


@bp.route("/<kiosk_id>/kantor/<office_code>/layanan")
def office_services(kiosk_id: str, office_code: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    return _services_fragment(kiosk, kiosk_core.kiosk_office(kiosk, office_code))


def _service_page(kiosk, office, code: str):
    info = kiosk_core.service_info(code, office)
    return _kiosk_page("kiosk/service.html", kiosk, office=office, info=info, std=info.service.standard or {},
                       priority_labels=core.PRIORITY_LABELS, office_state=kiosk_core.office_open(office))


@bp.route("/<kiosk_id>/layanan/<code>")
def service(kiosk_id: str, code: str):
    """What to bring for a service. On a multi-office kiosk this old address still works when only
    one of its offices has the code."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    offices = kiosk_core.kiosk_offices(kiosk)
    if len(offices) == 1:
        return _service_page(kiosk, offices[0], code)
    return _service_page(kiosk, kiosk_core.resolve_service(offices, code).office, code)


@bp.route("/<kiosk_id>/kantor/<office_code>/layanan/<code>")
def office_service(kiosk_id: str, office_code: str, code: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    return _service_page(kiosk, kiosk_core.kiosk_office(kiosk, office_code), code)


@bp.route("/<kiosk_id>/tiket", methods=["POST"])
@issue_limits
def take_ticket(kiosk_id: str):
    """Plain form post (works without JavaScript); answers with a redirect to the confirmation.

    `service` is the service code; `office` (hidden) the office code, needed on a multi-office kiosk."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    code = (request.form.get("service") or "").strip()
    office_code = (request.form.get("office") or "").strip() or None
    reason = (request.form.get("priority_reason") or "").strip() or None
    office = None
    if office_code is not None:
        try:
            office = kiosk_core.kiosk_office(kiosk, office_code[:40])
        except QueueError as exc:  # an office this kiosk does not serve: back to its office list
            return _home(kiosk, message=queue_error_message(exc), status=exc.status)
    if not code or len(code) > 10:
        return _home(kiosk, office=office, message=_("Pilih layanan terlebih dahulu."), status=400)
    if reason is not None and reason not in core.PRIORITY_LABELS:
        return _home(kiosk, office=office, message=_("Alasan prioritas tidak dikenal."), status=400)
    try:
        ticket, _job = kiosk_core.issue(kiosk, code, office=office.code if office else None, priority_reason=reason)
    except QueueError as exc:
        # Closed office/service or an unknown service: say so on the kiosk, never a bare error page.
        return _home(kiosk, office=office, message=queue_error_message(exc), status=exc.status)
    return redirect(url_for("kiosk.confirmation", kiosk_id=kiosk.id, token=ticket.token), code=303)


@bp.route("/<kiosk_id>/tiket/<token>")
def confirmation(kiosk_id: str, token: str):
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    ticket = kiosk_core.kiosk_ticket(kiosk, token)
    summary = core.ticket_status(ticket)
    url = ticket_url(ticket.token)
    return _kiosk_page("kiosk/ticket.html", kiosk, office=ticket.service.office, done=True, ticket=ticket,
                       summary=summary, url=url, qr=qr_svg(url), job=kiosk_core.latest_job_for(ticket),
                       paperless=prints_nothing(kiosk), priority_labels=core.PRIORITY_LABELS)


def prints_nothing(kiosk) -> bool:
    """Whether the kiosk's printer puts no paper out (the preview and dummy printers only keep the
    slip in memory): the screen then says to scan the QR code, never to take a ticket."""
    return (kiosk.printer or {}).get("kind") in ("preview", "dummy")


@bp.route("/<kiosk_id>/cetak/<int:job_id>")
def print_status(kiosk_id: str, job_id: int):
    """Whether the slip came out; polled by the confirmation screen while it is being sent."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    job = jobs.get_job(job_id)
    if job is None or job.kiosk_id != kiosk.id:
        fail(404, _("Tugas cetak tidak ditemukan."))
    return _kiosk_page("kiosk/_print_status.html", kiosk, done=True, job=job, paperless=prints_nothing(kiosk))


def _back_home(message: str, status: int):
    """Answer an error on the kiosk's own home screen (with its idle timer), never a dead end."""
    try:
        kiosk = kiosk_core.get_kiosk((request.view_args or {}).get("kiosk_id"))
        return _home(kiosk, office=_requested_office(kiosk), message=message, status=status)
    except QueueError:
        return render_template("error.html", message=message, status=status), status


def _requested_office(kiosk):
    """The office the failed request was about (its address or the ticket form), if the kiosk serves
    it: the visitor stays among that office's services. None: the kiosk's home."""
    code = (request.view_args or {}).get("office_code")
    if code is None and request.method == "POST":
        code = request.form.get("office")
    if not code:
        return None
    try:
        return kiosk_core.kiosk_office(kiosk, str(code)[:40])
    except QueueError:
        return None


@bp.errorhandler(QueueError)
def queue_error(exc: QueueError):
    """An unknown office or service, an office this kiosk does not serve, a ticket of another kiosk:
    said on the kiosk's home screen (its office list on a multi-office kiosk). The staff's printer
    pages answer like every other staff page."""
    if (request.endpoint or "").startswith("kiosk.printer"):
        return error_response(queue_error_message(exc), exc.status)
    return _back_home(queue_error_message(exc), exc.status)


@bp.errorhandler(CSRFError)
def stale_form(_exc):
    """A kiosk left open past a restart (new secret key) goes back to its home screen."""
    # The same words as every other stale form (the auth area's message).
    return _back_home(_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), 400)


@bp.errorhandler(429)
def too_many(_exc):
    return _back_home(_("Terlalu banyak permintaan. Mohon tunggu sebentar lalu coba lagi."), 429)


# --- the admin page of a kiosk's printer ----------------------------------------------------------

def _managed_kiosk(kiosk_id: str):
    """A kiosk the current admin may configure: one whose every office they manage (its printer and
    its API key serve all of them), so an office's admin cannot touch another office's kiosk."""
    kiosk = kiosk_core.get_kiosk(kiosk_id)
    offices = [office for office in kiosk.offices if office.active]
    if not offices:  # serves no active office: nobody's but the installation's
        scope.require_office(current_user, None)
    for office in offices:
        scope.require_office(current_user, office.id)
    return kiosk


def _printer_page(kiosk, form: PrinterForm, *, message=None):
    """The printer page; 400 when the form holds errors (what was typed stays in it)."""
    return render_template(
        "kiosk/printer.html", kiosk=kiosk, form=form,
        description=describe(kiosk.printer, _) if kiosk.printer else _("Belum ada printer."),
        printer=jobs.printer_status(kiosk), recent=jobs.recent_jobs(kiosk, 15), message=message,
        api_key=api_key(kiosk.id), api_key_header=KEY_HEADER,
    ), 400 if form.errors else 200


@bp.route("/<kiosk_id>/printer", methods=["GET", "POST"])
@role_required("admin")
def printer(kiosk_id: str):
    kiosk = _managed_kiosk(kiosk_id)
    if request.method == "GET":
        return _printer_page(kiosk, PrinterForm.for_config(kiosk.printer),
                             message=_("Pengaturan printer disimpan.") if request.args.get("saved") else None)
    form = PrinterForm()
    if form.validate_on_submit():
        try:
            kiosk_core.set_printer_config(kiosk, form.config(), actor=current_user)
        except PrinterConfigError as exc:
            form.refuse(exc)
        else:
            return redirect(url_for("kiosk.printer", kiosk_id=kiosk.id, saved=1), code=303)
    return _printer_page(kiosk, form)


@bp.route("/<kiosk_id>/printer/test", methods=["POST"])
@role_required("admin")
def printer_test(kiosk_id: str):
    kiosk = _managed_kiosk(kiosk_id)
    jobs.submit(kiosk, jobs.test_slip(kiosk), kind="test", background=False)
    return redirect(url_for("kiosk.printer", kiosk_id=kiosk.id), code=303)


@bp.route("/<kiosk_id>/printer/preview.png")
@role_required("admin")
def printer_preview(kiosk_id: str):
    kiosk = _managed_kiosk(kiosk_id)
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
    response = page("ticket/page.html", "ticket/_status.html", ticket=ticket, summary=summary, office=ticket.service.office,
                    survey_url=survey_url, active=ticket.is_active, waiting=ticket.state == WAITING)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is the only key to this page
    return response


ticket_bp.add_url_rule("/t/<token>", "show", ticket_page)
