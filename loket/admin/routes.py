"""Supervisor and officer pages: SKM/IKM and service-time reports, complaint handling.

Thin views over `loket.feedback.reports` and `loket.feedback.complaints`; contacts are shown only here,
and only to supervisors and admins.
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
from loket.queue import core
from loket.queue.core import N_
from loket.queue.errors import QueueError
from loket.timeutil import local_day
from loket.web import page, queue_error_message, role_required


@bp.route("/")
@role_required(OFFICER, SUPERVISOR)
def index():
    open_items = complaint_domain.listing("open")
    overdue = sum(1 for c in open_items if complaint_domain.is_overdue(c))
    return page("admin/index.html", open_count=len(open_items), overdue=overdue)


@bp.route("/laporan")
@role_required(SUPERVISOR)
def report():
    """IKM per service and overall, quick ratings beside it, times vs the standard, complaints."""
    period = reports.parse_period(request.args.get("periode"))
    rows, overall = reports.ikm_report(period)
    return page("admin/report.html", period=period, rows=rows, overall=overall, elements=ELEMENTS,
                ratings=reports.quick_ratings(period), times=reports.service_times(period),
                suggestions=reports.suggestions(period),
                complaints=reports.complaint_summary(period),
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
    items = complaint_domain.listing(None if shown == "all" else shown)
    # `status` is page()'s HTTP status, so the filter travels as `shown`.
    return page("admin/complaints.html", items=items, shown=shown, statuses=COMPLAINT_STATUSES, **_context())


def _record_form(values=None, errors=None, status=200):
    return page("admin/complaint_record.html", values=values or {"channel": "phone", "category": "pengaduan"},
                errors=errors or {}, channels=STAFF_CHANNELS, categories=CATEGORIES, services=core.active_services(),
                message_max=complaint_domain.MESSAGE_MAX, status=status, today=local_day(),
                earliest=local_day() - timedelta(days=complaint_domain.BACKDATE_MAX_DAYS), **_context())


@bp.route("/pengaduan/baru", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
@limiter.limit("30/minute", methods=["POST"])
def complaint_record():
    """An officer records a complaint that came by telephone, email, letter, box, LAPOR!, Mesadu or in person."""
    if request.method == "GET":
        return _record_form()
    values = {key: (request.form.get(key) or "") for key in
              ("channel", "category", "service", "message", "name", "contact", "received_on")}
    errors = complaint_domain.validate(category=values["category"], message=values["message"],
                                       service_code=values["service"], name=values["name"],
                                       contact=values["contact"], channel=values["channel"])
    if values["channel"] not in STAFF_CHANNELS:
        errors["channel"] = N_("Saluran tidak dikenal.")  # translated where it is shown
    received_on = None
    try:
        received_on = complaint_domain.parse_received_on(values["received_on"])
    except QueueError as exc:
        errors["received_on"] = queue_error_message(exc)
    if errors:
        return _record_form(values, errors, status=400)
    complaint = complaint_domain.submit(
        category=values["category"], message=values["message"], service_code=values["service"],
        name=values["name"], contact=values["contact"], channel=values["channel"], recorded_by=current_user,
        now=complaint_domain.received_at_for(received_on))
    return redirect(url_for("admin.complaint", complaint_id=complaint.id), code=303)


@bp.route("/pengaduan/<int:complaint_id>", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
def complaint(complaint_id: int):
    """One complaint (with its sender's name and contact for supervisors); POST moves its status on."""
    item = complaint_domain.get(complaint_id)
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
            item = complaint_domain.get(complaint_id)
        else:
            return redirect(url_for("admin.complaint", complaint_id=item.id, ok=1), code=303)
    # A complaint may be about the officer reading it: who sent it is for supervisors (and admins) only.
    return page("admin/complaint.html", item=item, saved=request.args.get("ok") == "1", error=error,
                draft=draft, status=status, response_max=complaint_domain.RESPONSE_MAX,
                show_contact=current_user.has_role(SUPERVISOR),
                track_url=url_for("feedback.complaint_track", code=item.code), **_context())
