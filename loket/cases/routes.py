"""The officers' case pages (berkas): the office's worklist, one case with its actions, registering a letter,
and opening a case from the ticket at the counter. Thin views over `loket.cases.core`.

Officers and supervisors see their own office's cases only (another office's case is a 403, as every other
office object is); the installation admin picks an office with `?kantor=CODE`. Every action is a POST with CSRF
that ends in a redirect back to the case; a refusal keeps what was typed and says why beside the field, in the
page's language. The case page and the worklist follow their office's room (`cases.js`) and fetch themselves
again on `case.*` events; "Cetak slip pelacakan" queues the case's slip on one of the office's kiosk printers.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.accounts import display_names
from loket.auth.models import OFFICER, SUPERVISOR
from loket.cases import core
from loket.cases.forms import (ActionForm, ArrivedForm, CancelForm, CompleteForm, FromTicketForm, ReassignForm,
                               RegisterForm, SlipForm, VariantForm, WaitForm, show_domain_error)
from loket.cases.models import AT_COUNTER, Case, CaseEvent
from loket.cases.slip import print_slip
from loket.events import office_room
from loket.extensions import db, limiter
from loket.feedback.workflow import assignees
from loket.forms import N_
from loket.kiosk.core import kiosk_offices
from loket.kiosk.links import public_base_url, qr_svg
from loket.kiosk.models import Kiosk
from loket.kiosk.routes import prints_nothing
from loket.offices.scope import office_for_staff
from loket.queue.errors import (CounterNotAllowed, InvalidInput, NotFound, OfficeNotAllowed, QueueError,
                                TransitionNotAllowed)
from loket.queue.models import CALLED, SERVING, Service, Ticket
from loket.timeutil import local_day
from loket.web import page, role_required

bp = Blueprint("cases", __name__, url_prefix="/admin/berkas")

EVENT_LABELS = {
    "opened": N_("Berkas dibuka"), "waiting": N_("Menunggu kelengkapan berkas"),
    "documents_arrived": N_("Kelengkapan diterima"), "document": N_("Persyaratan dicentang"),
    "variant": N_("Metode pemilihan dipilih"), "escalated": N_("Diteruskan ke helpdesk LKPP"),
    "milestone": N_("Tahap selesai"), "done": N_("Berkas selesai"), "reassigned": N_("Dialihkan ke petugas lain"),
    "cancelled": N_("Berkas dibatalkan"),
}
CHANNEL_LABELS = {AT_COUNTER: N_("Di loket (tiket)")}
# The events after which the officers' pages fetch themselves again (published to the office's room, with the
# case's id and no personal data: loket.cases.core._publish).
LIVE_EVENTS = ("case.opened", "case.document", "case.waiting", "case.documents_arrived", "case.variant",
               "case.escalated", "case.milestone", "case.done", "case.reassigned", "case.cancelled")
SLIP_KIOSK = "case_slip_kiosk"  # the session remembers the kiosk an officer printed on last
SLIP_OUTCOMES = ("queued", "failed", "preview")


def _live(office_id: int, url: str) -> dict:
    """What cases.js needs to follow the office: its room, the events, and the address to fetch again."""
    return {"live_rooms": [office_room(office_id)], "live_events": " ".join(LIVE_EVENTS), "live_url": url}


# --- look-ups -------------------------------------------------------------------------------

def _case(case_id: int):
    """A case of the user's office; another office's is a 403, as for every other object of an office
    (tests/offices/test_office_isolation.py walks the route map for it)."""
    case = core.get(case_id)
    if not current_user.sees_office(case.office_id):
        raise OfficeNotAllowed(N_("Berkas ini milik unit layanan lain."))
    return case


def _case_services(office_id: int, *, letters: bool = False) -> list[Service]:
    """The office's active services that have milestones (with `letters`: and an intake channel)."""
    services = db.session.scalars(select(Service).where(Service.office_id == office_id, Service.active.is_(True))
                                  .order_by(Service.position, Service.code))
    return [s for s in services if s.milestones and (s.intake or not letters)]


# --- the worklist ---------------------------------------------------------------------------

@bp.route("")
@role_required(OFFICER, SUPERVISOR)
def worklist():
    """The office's open cases, soonest due first. Officers: their own by default (`?untuk=semua`: all);
    supervisors: all, or one officer's with `?petugas=ID`."""
    office = office_for_staff(current_user, _kantor())
    offices = _offices_to_pick()
    supervisor = current_user.has_role(SUPERVISOR)
    officers = assignees(office.id)
    shown = (request.args.get("untuk") or ("semua" if supervisor else "saya"))
    officer_id = current_user.id if shown == "saya" else None
    if supervisor and shown != "saya":
        picked = (request.args.get("petugas") or "").strip()
        officer_id = next((u.id for u in officers if str(u.id) == picked), None)
        shown = "petugas" if officer_id else "semua"
    rows = core.worklist(office.id, officer_id)
    return page("cases/worklist.html", "cases/_worklist_live.html", rows=rows, shown=shown, officer_id=officer_id,
                officers=officers,
                supervisor=supervisor, list_office=office, offices=offices, kantor=office.code if offices else None,
                today=local_day(), names=display_names(row.case.assignee_id for row in rows),
                **_live(office.id, request.full_path.rstrip("?")))


# --- one case -------------------------------------------------------------------------------

def _forms(case, **given) -> dict:
    variants = [(v.key, v.name) for m in case.service.milestones for v in m.variants if v.key != core.ESCALATION]
    forms = {"complete": CompleteForm(formdata=None), "wait": WaitForm(formdata=None),
             "arrived": ArrivedForm(formdata=None), "action": ActionForm(formdata=None),
             "variant": VariantForm(formdata=None, variant=case.variant), "cancel": CancelForm(formdata=None),
             "reassign": ReassignForm(formdata=None, assignee=str(case.assignee_id or "")),
             "slip": SlipForm(formdata=None, kiosk=session.get(SLIP_KIOSK))}
    forms.update(given)
    forms["slip"].kiosk.choices = [(k.id, k.name or k.id) for k in _slip_kiosks(case.office_id)]
    if forms["slip"].kiosk.data not in {k for k, _name in forms["slip"].kiosk.choices}:
        forms["slip"].kiosk.data = None  # the first one then (remembered one gone or another office's)
    # "not chosen yet" only while it is not: a method once chosen is changed, never unchosen
    forms["variant"].variant.choices = ([] if case.variant else [("", _("— belum dipilih —"))]) + variants \
        if variants else []
    forms["reassign"].assignee.choices = [("", _("— belum ditugaskan —"))] + [
        (str(u.id), f"{u.display_name or u.username} ({u.username})") for u in assignees(case.office_id)]
    return forms


def _slip_kiosks(office_id: int) -> list[Kiosk]:
    """The active kiosks that list the office: the printers a case's slip may go to."""
    kiosks = db.session.scalars(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id))
    return [k for k in kiosks if any(o.id == office_id for o in kiosk_offices(k))]


def _slip_result(case) -> dict | None:
    """What became of the slip just printed (`?cetak=`), named by the kiosk it went to."""
    outcome = request.args.get("cetak")
    if outcome not in SLIP_OUTCOMES:
        return None
    kiosk = db.session.get(Kiosk, str(session.get(SLIP_KIOSK) or ""))
    return {"outcome": outcome, "kiosk": (kiosk.name or kiosk.id) if kiosk else "",
            "qr": qr_svg(_track_url(case)) if outcome != "queued" else None}


def _track_url(case) -> str:
    return f"{public_base_url(case.office_id)}/b/{case.token}"


def _lead_time_warning(case, events) -> str | None:
    """Why the request came too late, in the page's language (the reason is kept as its numbers too)."""
    if not case.lead_time_short:
        return None
    opened = next((e for e in events if e.kind == "opened"), None)
    short = (opened.data or {}).get("lead_time_short") if opened else None
    if not short:
        return case.lead_time_short
    message = core.SHORT_LEAD_TIME.get(short.get("unit"), core.SHORT_LEAD_TIME["working_days"])
    return _(message, days=short.get("days"), required=short.get("required"))


def _case_page(case, status: int = 200, error: str | None = None, **forms):
    dues = core.due_dates(case)
    running = next((due for due in dues if due.completed is None), None) if case.is_active else None
    events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())))
    completions = {c.key: c for c in case.completions}
    people = display_names([e.actor_id for e in events] + [c.completed_by_id for c in case.completions]
                           + [case.assignee_id] + [e.data.get("to") for e in events if e.kind == "reassigned"])
    variants = {v.key: v.name for m in case.service.milestones for v in m.variants}
    return page("cases/case.html", "cases/_case_live.html", status=status, case=case, dues=dues, running=running,
                completions=completions, events=events, milestone_names={d.key: d.name for d in dues},
                people=people, error=error, forms=_forms(case, **forms),
                state_labels=core.STATE_LABELS, event_labels=EVENT_LABELS, variants=variants,
                escalation=core.ESCALATION if core.ESCALATION in variants else None,
                lead_time_warning=_lead_time_warning(case, events), saved=request.args.get("ok") == "1",
                track_url=_track_url(case), slip=_slip_result(case), new=request.args.get("baru") == "1",
                channel_label=_channel_label(case), counter_url=_counter_url(case), event_days=_event_days(events),
                **_live(case.office_id, url_for("cases.case", case_id=case.id)))


def _event_days(events) -> dict[int, date]:
    """The day an event's action took effect (`on`, or a letter's `received_on`) when it is not the day it was
    recorded: documents that came on Monday, recorded on Wednesday."""
    days = {}
    for event in events:
        raw = event.data.get("on") or event.data.get("received_on")
        try:
            day = date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            day = None
        if day is not None and day != local_day(event.at):
            days[event.id] = day
    return days


def _counter_url(case) -> str | None:
    """Back to the counter where the case's visitor still is (opened from a ticket being served)."""
    ticket = db.session.get(Ticket, case.ticket_id) if case.ticket_id else None
    if ticket is None or ticket.state not in (CALLED, SERVING) or ticket.counter is None \
            or not current_user.may_use_counter(ticket.counter):
        return None
    return url_for("counter.desk", counter_id=ticket.counter_id)


def _channel_label(case) -> str:
    if case.channel in CHANNEL_LABELS:
        return _(CHANNEL_LABELS[case.channel])
    return next((i.label for i in case.service.intake if i.kind == case.channel), case.channel)


@bp.route("/<int:case_id>")
@role_required(OFFICER, SUPERVISOR)
def case(case_id: int):
    """One case: milestones, documents, pauses, the log, and the forms that move it on."""
    return _case_page(_case(case_id))


@role_required(OFFICER, SUPERVISOR)
def back_to_case(case_id: int, position: int = 0):
    """An action's address opened again (a refused action's page reloaded, or bookmarked): the case itself."""
    return redirect(url_for("cases.case", case_id=_case(case_id).id), code=303)


for _action in ("selesaikan", "cetak", "tunggu", "lengkap", "metode", "lkpp", "tugaskan", "batalkan",
                "persyaratan/<int:position>"):
    bp.add_url_rule(f"/<int:case_id>/{_action}", "back_to_case", back_to_case, methods=["GET"])


def _act(case_id: int, form_name: str, form, action):
    """Validate `form`, run `action(case, form)` (a domain call); a refusal re-renders the case with the
    message beside the form's field and a 4xx; success redirects back to the case."""
    case = _case(case_id)
    if not form.validate():
        return _case_page(case, status=400, **{form_name: form})
    try:
        action(case, form)
    except QueueError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _case_page(_case(case_id), status=exc.status, **{form_name: form})
    return redirect(url_for("cases.case", case_id=case_id, ok=1), code=303)


@bp.route("/<int:case_id>/selesaikan", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def complete(case_id: int):
    """Complete the running milestone (its key is posted, so a stale page never completes the next one)."""
    key = (request.form.get("milestone") or "")[:40]
    return _act(case_id, "complete", CompleteForm(),
                lambda case, form: core.complete_milestone(case, key, current_user, note=form.note.data,
                                                           day=form.day.data))


@bp.route("/<int:case_id>/cetak", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def print_case_slip(case_id: int):
    """Queue the case's slip on the chosen kiosk's printer (remembered for next time) and say what happened:
    queued (a printer that is off prints it on a retry), refused at once (no usable printer configuration),
    or a kiosk that prints nothing (the applicant scans the QR code shown on the page instead)."""
    case = _case(case_id)
    form = _forms(case, slip=SlipForm())["slip"]
    if not form.validate():
        return _case_page(case, status=400, slip=form)
    kiosk = db.session.get(Kiosk, form.kiosk.data)
    session[SLIP_KIOSK] = kiosk.id
    printed = print_slip(kiosk, case)
    outcome = "preview" if prints_nothing(kiosk) else ("queued" if printed else "failed")
    return redirect(url_for("cases.case", case_id=case_id, cetak=outcome), code=303)


@bp.route("/<int:case_id>/tunggu", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def wait(case_id: int):
    return _act(case_id, "wait", WaitForm(),
                lambda case, form: core.wait_for_documents(case, form.missing.data, current_user, day=form.day.data))


@bp.route("/<int:case_id>/lengkap", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def arrived(case_id: int):
    return _act(case_id, "arrived", ArrivedForm(),
                lambda case, form: core.documents_arrived(case, current_user, day=form.day.data))


@bp.route("/<int:case_id>/persyaratan/<int:position>", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def document(case_id: int, position: int):
    received = request.form.get("received") == "1"
    return _act(case_id, "action", ActionForm(),
                lambda case, form: core.check_document(case, position, received, current_user))


@bp.route("/<int:case_id>/metode", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def variant(case_id: int):
    form = _forms(_case(case_id), variant=VariantForm())["variant"]
    return _act(case_id, "variant", form,
                lambda case, form: core.choose_variant(case, form.variant.data, current_user))


@bp.route("/<int:case_id>/lkpp", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def escalate(case_id: int):
    return _act(case_id, "action", ActionForm(), lambda case, form: core.escalate(case, current_user))


@bp.route("/<int:case_id>/tugaskan", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def reassign(case_id: int):
    case = _case(case_id)
    form = _forms(case, reassign=ReassignForm())["reassign"]
    officers = {str(u.id): u for u in assignees(case.office_id)}
    return _act(case_id, "reassign", form,
                lambda case, form: core.reassign(case, officers.get(form.assignee.data), current_user))


@bp.route("/<int:case_id>/batalkan", methods=["POST"])
@role_required(OFFICER, SUPERVISOR)
def cancel(case_id: int):
    return _act(case_id, "cancel", CancelForm(), lambda case, form: core.cancel(case, current_user, form.reason.data))


# --- registering a letter -------------------------------------------------------------------

def _register_page(form: RegisterForm, office, services, service, status: int = 200, switched: bool = False):
    return page("cases/register.html", form=form, reg_office=office, services=services, service=service,
                offices=_offices_to_pick(), today=local_day(), status=status, switched=switched)


def _register_form(office, services, formdata=None):
    """The form for the service asked for (`?layanan=CODE` or the posted one; default the first)."""
    code = ((request.form.get("service") if request.method == "POST" else None)
            or request.args.get("layanan") or "").strip()[:20]
    service = next((s for s in services if s.code == code), services[0] if services else None)
    form = RegisterForm(formdata=formdata)
    form.service.choices = [(s.code, f"{s.code} · {s.name}") for s in services]
    if service is None:
        return form, None
    form.fit(service)
    form.service.data = service.code
    form.channel.choices = [(i.kind, i.label) for i in service.intake]
    return form, service


@bp.route("/baru", methods=["GET", "POST"])
@role_required(OFFICER, SUPERVISOR)
@limiter.limit("30/minute", methods=["POST"])
def register():
    """A request letter that came by e-Surat, courier or by hand: the service is picked first (its
    checklist, channels and methods follow it), then the letter's details."""
    office = office_for_staff(current_user, (request.form.get("office") or "").strip()[:20] or _kantor())
    services = _case_services(office.id, letters=True)
    if request.method == "GET":
        form, service = _register_form(office, services)
        form.received_on.data = local_day()
        form.documents.data = [n for n, _text in form.documents.choices]
        return _register_page(form, office, services, service)
    form, service = _register_form(office, services, formdata=request.form)
    shown = (request.form.get("shown") or "").strip()[:20]
    if service is not None and (request.form.get("pick") or (shown and service.code != shown)):
        # Another service picked (its button, or the list changed and "Simpan" pressed): the form again for
        # that service, with what was typed kept and its whole checklist ticked; nothing is saved yet.
        form.documents.data = [n for n, _text in form.documents.choices]
        switched = shown and service.code != shown
        return _register_page(form, office, services, service, switched=switched)
    if service is None or not form.validate():
        return _register_page(form, office, services, service, status=400)
    try:
        case = core.register_letter(service, current_user, form.channel.data or "", received_on=form.received_on.data,
                                    assignee=current_user if not current_user.is_installation_admin else None,
                                    **form.domain_args())
    except QueueError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _register_page(form, office, services, service, status=exc.status)
    return redirect(url_for("cases.case", case_id=case.id), code=303)


# --- from the ticket at the counter ---------------------------------------------------------

def _ticket_here(ticket_id: int) -> Ticket:
    """A ticket called or being served at a counter the officer works at: another office's ticket or
    another counter's is a 403, a ticket not at a counter a 409."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(N_("Tiket tidak ditemukan."))
    if not current_user.sees_office(ticket.office_id):
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    if ticket.state not in (CALLED, SERVING) or ticket.counter is None:
        raise TransitionNotAllowed(N_("Tiket ini tidak sedang dilayani di loket Anda."))
    if not current_user.may_use_counter(ticket.counter):
        raise CounterNotAllowed(N_("Tiket ini tidak sedang dilayani di loket Anda."))
    if not ticket.service.milestones:  # the domain's own refusal, before any form is shown
        raise InvalidInput(N_("Layanan %(service)s selesai di loket: standarnya tidak punya tahapan berkas."),
                           service=ticket.service.name)
    return ticket


def _ticked_at_counter(ticket: Ticket, form: FromTicketForm) -> list[int] | None:
    """What the officer ticked on the counter's checklist (counter.js sends `ada=N…` with "Buka berkas"), when
    that checklist is the service's requirement list; None when nothing was ticked there (then all are)."""
    from loket.counter.desk import checklist

    if checklist(ticket.service) != [text for _n, text in form.documents.choices]:
        return None
    positions = {n for n, _text in form.documents.choices}
    return sorted({int(a) for a in request.args.getlist("ada") if a.isdigit() and int(a) in positions}) or None


@bp.route("/dari-tiket/<int:ticket_id>", methods=["GET", "POST"])
@role_required(OFFICER)
def from_ticket(ticket_id: int):
    """The counter's "Buka berkas": a short form (requester, contact person, documents), then the case."""
    ticket = _ticket_here(ticket_id)
    existing = db.session.scalar(select(Case.id).where(Case.ticket_id == ticket.id))
    if existing is not None:
        return redirect(url_for("cases.case", case_id=existing), code=303)
    form = FromTicketForm(formdata=request.form if request.method == "POST" else None).fit(ticket.service)
    if request.method == "GET":
        ticked = _ticked_at_counter(ticket, form)
        form.documents.data = [n for n, _text in form.documents.choices] if ticked is None else ticked
        return page("cases/from_ticket.html", form=form, ticket=ticket)
    if not form.validate():
        return page("cases/from_ticket.html", form=form, ticket=ticket, status=400)
    try:
        case = core.open_from_ticket(ticket, current_user, **form.domain_args())
    except QueueError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return page("cases/from_ticket.html", form=form, ticket=_ticket_here(ticket_id), status=exc.status)
    return redirect(url_for("cases.case", case_id=case.id, baru=1), code=303)  # the page offers the slip
