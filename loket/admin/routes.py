"""Supervisor and officer pages: SKM/IKM and service-time reports, complaint handling.

Thin views over `loket.feedback.reports` and `loket.feedback.complaints`; contacts are shown only here,
and only to supervisors and admins. Every page is about the staff member's own office; the installation
admin sees every office and picks one with `?kantor=CODE`. Another office's data is a 403
(`OfficeNotAllowed`), never an empty page.
"""
from __future__ import annotations

from datetime import timedelta

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.admin import bp
from loket.auth.models import OFFICER, SUPERVISOR
from loket.extensions import db, limiter
from loket.feedback import complaints as complaint_domain
from loket.feedback import reports
from loket.feedback.ikm import ELEMENTS
from loket.feedback.models import CATEGORIES, COMPLAINT_STATUSES, STAFF_CHANNELS
from loket.offices.scope import office_for_staff, visible_offices
from loket.queue import core
from loket.queue.core import N_
from loket.queue.errors import QueueError
from loket.timeutil import local_day
from loket.web import page, queue_error_message, role_required


def _kantor() -> str | None:
    """The office code a page was asked about (`?kantor=CODE`), if any."""
    return (request.args.get("kantor") or "").strip()[:20] or None


def _listing_office():
    """The office a complaints page lists: the staff member's own; the installation admin sees every
    office, or one with `?kantor=CODE`. None = every office."""
    code = _kantor()
    if current_user.is_installation_admin and not code:
        return None
    return office_for_staff(current_user, code)


def _offices_to_pick() -> list:
    """Offices the installation admin switches between (nobody else picks: their office is fixed)."""
    offices = visible_offices(current_user) if current_user.is_installation_admin else []
    return offices if len(offices) > 1 else []


@bp.route("/")
@role_required(OFFICER, SUPERVISOR)
def index():
    office = _listing_office()
    open_items = complaint_domain.listing("open", office_id=office.id if office else None)
    overdue = sum(1 for c in open_items if complaint_domain.is_overdue(c))
    return page("admin/index.html", open_count=len(open_items), overdue=overdue, listed_office=office,
                offices=_offices_to_pick())


@bp.route("/laporan")
@role_required(SUPERVISOR)
def report():
    """One office's IKM per service and overall, quick ratings beside it, times vs the standard, complaints."""
    office = office_for_staff(current_user, _kantor())
    period = reports.parse_period(request.args.get("periode"))
    rows, overall = reports.ikm_report(period, office.id)
    offices = _offices_to_pick()
    return page("admin/report.html", period=period, rows=rows, overall=overall, elements=ELEMENTS,
                ratings=reports.quick_ratings(period, office.id), times=reports.service_times(period, office.id),
                suggestions=reports.suggestions(period, office.id),
                complaints=reports.complaint_summary(period, office.id),
                report_office=office, offices=offices, kantor=office.code if offices else None,
                status_labels=complaint_domain.STATUS_LABELS, category_labels=complaint_domain.CATEGORY_LABELS)


def _context():
    return {"status_labels": complaint_domain.STATUS_LABELS, "category_labels": complaint_domain.CATEGORY_LABELS,
            "channel_labels": complaint_domain.CHANNEL_LABELS, "format_code": complaint_domain.format_code,
            "is_overdue": complaint_domain.is_overdue, "due_date": complaint_domain.due_date}


@bp.route("/pengaduan")
@role_required(OFFICER, SUPERVISOR)
def complaints():
    shown = request.args.get("status") or "open"
    if shown not in COMPLAINT_STATUSES + ("open", "all"):
        shown = "open"
    office = _listing_office()
    items = complaint_domain.listing(None if shown == "all" else shown, office_id=office.id if office else None)
    offices = _offices_to_pick()
    # `status` is page()'s HTTP status, so the filter travels as `shown`.
    return page("admin/complaints.html", items=items, shown=shown, statuses=COMPLAINT_STATUSES,
                listed_office=office, offices=offices, kantor=office.code if office and offices else None,
                show_office=bool(offices) and office is None, **_context())


def _record_form(office, values=None, errors=None, status=200):
    return page("admin/complaint_record.html", values=values or {"channel": "phone", "category": "pengaduan"},
                errors=errors or {}, channels=STAFF_CHANNELS, categories=CATEGORIES,
                services=core.active_services(office.id), record_office=office, offices=_offices_to_pick(),
                message_max=complaint_domain.MESSAGE_MAX, status=status, today=local_day(),
                earliest=local_day() - timedelta(days=complaint_domain.BACKDATE_MAX_DAYS), **_context())


@bp.route("/pengaduan/baru", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
@limiter.limit("30/minute", methods=["POST"])
def complaint_record():
    """An officer records a complaint that came by telephone, email, letter, box, LAPOR!, Mesadu or in person,
    for their own office (the installation admin picks the office with `?kantor=CODE`)."""
    if request.method == "GET":
        return _record_form(office_for_staff(current_user, _kantor()))
    office = office_for_staff(current_user, (request.form.get("office") or "").strip()[:20] or _kantor())
    values = {key: (request.form.get(key) or "") for key in
              ("channel", "category", "service", "message", "name", "contact", "received_on")}
    errors = complaint_domain.validate(category=values["category"], message=values["message"],
                                       service_code=values["service"], name=values["name"],
                                       contact=values["contact"], channel=values["channel"], office_id=office.id)
    if values["channel"] not in STAFF_CHANNELS:
        errors["channel"] = N_("Saluran tidak dikenal.")  # translated where it is shown
    received_on = None
    try:
        received_on = complaint_domain.parse_received_on(values["received_on"])
    except QueueError as exc:
        errors["received_on"] = queue_error_message(exc)
    if errors:
        return _record_form(office, values, errors, status=400)
    complaint = complaint_domain.submit(
        category=values["category"], message=values["message"], service_code=values["service"],
        name=values["name"], contact=values["contact"], channel=values["channel"], recorded_by=current_user,
        office_id=office.id, now=complaint_domain.received_at_for(received_on))
    return redirect(url_for("admin.complaint", complaint_id=complaint.id), code=303)


@bp.route("/pengaduan/<int:complaint_id>", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
def complaint(complaint_id: int):
    """One complaint of the staff member's office (with its sender's name and contact for supervisors);
    POST moves its status on. Another office's complaint is a 403."""
    item = complaint_domain.get_for_staff(complaint_id, current_user)
    error, status, draft = None, 200, None
    if request.method == "POST":
        draft = request.form.get("response") or ""
        try:
            complaint_domain.change_status(item, (request.form.get("status") or "")[:20], response=draft,
                                           officer=current_user)
        except QueueError as exc:
            # Keep what the officer typed; say what is wrong beside the form.
            error, status = queue_error_message(exc), exc.status
            db.session.rollback()
            item = complaint_domain.get_for_staff(complaint_id, current_user)
        else:
            return redirect(url_for("admin.complaint", complaint_id=item.id, ok=1), code=303)
    # A complaint may be about the officer reading it: who sent it is for supervisors (and admins) only.
    return page("admin/complaint.html", item=item, saved=request.args.get("ok") == "1", error=error,
                draft=draft, status=status, response_max=complaint_domain.RESPONSE_MAX,
                show_contact=current_user.has_role(SUPERVISOR), show_office=len(visible_offices(current_user)) > 1,
                track_url=url_for("feedback.complaint_track", code=item.code), **_context())


@bp.route("/dasbor")
@role_required(SUPERVISOR)
def dashboard():
    """Today's queue of the office, per service and per counter; redrawn on the office's events
    (loket/static/js/dashboard.js), never on a timer. htmx asks for the fragment alone."""
    from loket.admin.dashboard import office_today
    from loket.events import office_room

    office = office_for_staff(current_user, _kantor())
    offices = _offices_to_pick()
    return page("admin/dashboard.html", "admin/_dashboard.html", today=office_today(office.id), dash_office=office,
                offices=offices, kantor=office.code if offices else None, room=office_room(office.id))
