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
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from flask_login import current_user

from loket.admin import bp
from loket.auth.accounts import display_names
from loket.auth.models import OFFICER, SUPERVISOR
from loket.extensions import db, limiter
from loket.forms import Form, max_length, required, strip
from loket.feedback import complaints as complaint_domain
from loket.feedback import workflow
from loket.feedback.forms import RecordForm
from loket.feedback.models import COMPLAINT_STATUSES
from loket.offices.scope import office_for_staff, visible_offices
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
    open_items = complaint_domain.listing("open", office_id=office.id if office else None, user=current_user)
    overdue = sum(1 for c in open_items if complaint_domain.is_overdue(c))
    return page("admin/index.html", open_count=len(open_items), overdue=overdue, listed_office=office,
                offices=_offices_to_pick(), cases=_case_counts(office))


def _case_counts(office) -> dict | None:
    """The office's running cases (berkas) at a glance: how many, due today, overdue, waiting for the applicant;
    None for an office whose services have no milestones (or every office at once)."""
    from loket.cases import core as cases
    from loket.queue.core import active_services

    if office is None or not any(s.milestones for s in active_services(office.id)):
        return None
    rows = cases.worklist(office.id)
    return {"running": len(rows), "due_today": sum(r.due_today for r in rows),
            "overdue": sum(r.overdue for r in rows), "waiting": sum(r.waiting for r in rows)}


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
    mine = request.args.get("untuk") == "saya"
    items = complaint_domain.listing(None if shown == "all" else shown, office_id=office.id if office else None,
                                     user=current_user)
    if mine:
        items = [c for c in items if c.assigned_to_id == current_user.id]
    offices = _offices_to_pick()
    # `status` is page()'s HTTP status, so the filter travels as `shown`.
    return page("admin/complaints.html", items=items, shown=shown, statuses=COMPLAINT_STATUSES,
                listed_office=office, offices=offices, kantor=office.code if office and offices else None,
                show_office=bool(offices) and office is None, mine=mine, assignee_names=display_names(
                    c.assigned_to_id for c in items), **_context())


def _record_form(form, status=200):
    office = form.record_office
    return page("admin/complaint_record.html", form=form, record_office=office, offices=_offices_to_pick(),
                status=status, today=local_day(),
                earliest=local_day() - timedelta(days=complaint_domain.BACKDATE_MAX_DAYS))


@bp.route("/pengaduan/baru", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
@limiter.limit("30/minute", methods=["POST"])
def complaint_record():
    """An officer records a complaint that came by telephone, email, letter, box, LAPOR!, Mesadu or in person,
    for their own office (the installation admin picks the office with `?kantor=CODE`)."""
    if request.method == "GET":
        office = office_for_staff(current_user, _kantor())
        return _record_form(RecordForm(office=office, channel="phone", category="pengaduan"))
    office = office_for_staff(current_user, (request.form.get("office") or "").strip()[:20] or _kantor())
    form = RecordForm(office=office)
    if not form.validate():
        return _record_form(form, status=400)
    complaint = complaint_domain.submit(
        **form.complaint(), channel=form.channel.data, recorded_by=current_user, office_id=office.id,
        now=complaint_domain.received_at_for(form.received_day))
    return redirect(url_for("admin.complaint", complaint_id=complaint.id), code=303)


class StatusForm(Form):
    response = TextAreaField(_l("Tanggapan tertulis (tampil di halaman pelacakan)"),
                             [max_length(complaint_domain.RESPONSE_MAX)], filters=[strip])
    status = SelectField(choices=[(s, s) for s in COMPLAINT_STATUSES])
    seen = HiddenField()  # the newest history step the page showed (a change since is refused)


class AssignForm(Form):
    assignee = SelectField(_l("Tugaskan kepada"), choices=[], validate_choice=True)


class NoteForm(Form):
    text = TextAreaField(_l("Catatan internal (tidak pernah tampil untuk publik)"),
                         [required(), max_length(workflow.NOTE_MAX)], filters=[strip])


def _assign_form(item, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata)
    form.assignee.choices = [("", _("— belum ditugaskan —"))] + [
        (str(u.id), f"{u.display_name or u.username} ({u.username})") for u in workflow.assignees(item.office_id)]
    if formdata is None:
        form.assignee.data = str(item.assigned_to_id or "")
    return form


def _complaint_page(item, *, status_form=None, assign_form=None, note_form=None, error=None, status=200):
    steps = workflow.history(item, public=False)
    people = display_names([s.actor_id for s in steps] + [item.assigned_to_id])
    return page("admin/complaint.html", item=item, saved=request.args.get("ok") == "1", error=error,
                status=status, status_form=status_form or StatusForm(formdata=None, response=item.response or ""),
                seen_step=complaint_domain.last_step_id(item),
                assign_form=assign_form or _assign_form(item), note_form=note_form or NoteForm(formdata=None),
                steps=steps, people=people, step_labels=workflow.STEP_LABELS,
                response_max=complaint_domain.RESPONSE_MAX,
                may_assign=current_user.has_role(SUPERVISOR),
                show_contact=current_user.has_role(SUPERVISOR), show_office=len(visible_offices(current_user)) > 1,
                track_url=url_for("feedback.complaint_track", code=item.code), **_context())


def _handled(complaint_id: int):
    """A complaint the staff member handles: their office's, and for an officer one assigned to them
    or about their counters' services; anything else is a 403."""
    item = complaint_domain.get_for_staff(complaint_id, current_user)
    workflow.require_handler(current_user, item)
    return item


@bp.route("/pengaduan/<int:complaint_id>", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
def complaint(complaint_id: int):
    """One complaint (with its sender's name and contact for supervisors), its history, and the forms
    that move it on; POST changes its status."""
    item = _handled(complaint_id)
    if request.method == "GET":
        return _complaint_page(item)
    form = StatusForm()
    if not form.validate():
        return _complaint_page(item, status_form=form, status=400)
    try:
        seen = form.seen.data or ""
        complaint_domain.change_status(item, form.status.data, response=form.response.data or "",
                                       officer=current_user, seen_step=int(seen) if seen.isdigit() else None)
    except QueueError as exc:
        # Keep what the officer typed; say what is wrong beside the form.
        db.session.rollback()
        item = _handled(complaint_id)
        return _complaint_page(item, status_form=form, error=queue_error_message(exc), status=exc.status)
    return redirect(url_for("admin.complaint", complaint_id=item.id, ok=1), code=303)


@bp.route("/pengaduan/<int:complaint_id>/tugaskan", methods=["POST"])
@role_required(SUPERVISOR)
def complaint_assign(complaint_id: int):
    item = complaint_domain.get_for_staff(complaint_id, current_user)
    form = _assign_form(item, formdata=request.form)
    if not form.validate():
        return _complaint_page(item, assign_form=form, status=400)
    try:
        workflow.assign(item, int(form.assignee.data) if form.assignee.data else None, actor=current_user)
    except QueueError as exc:
        db.session.rollback()
        item = complaint_domain.get_for_staff(complaint_id, current_user)
        return _complaint_page(item, assign_form=form, error=queue_error_message(exc), status=exc.status)
    return redirect(url_for("admin.complaint", complaint_id=item.id, ok=1), code=303)


@bp.route("/pengaduan/<int:complaint_id>/catatan", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def complaint_note(complaint_id: int):
    item = _handled(complaint_id)
    form = NoteForm()
    if not form.validate():
        return _complaint_page(item, note_form=form, status=400)
    workflow.add_note(item, form.text.data, actor=current_user)
    return redirect(url_for("admin.complaint", complaint_id=item.id, ok=1) + "#history", code=303)


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
