"""Complaint handling as a workflow: who may see and answer which complaint, assignment by a
supervisor, internal notes, the complainant's reply that reopens it, and the history of every step.

Plain functions over `loket.feedback.models`; every change adds a `ComplaintStep` and ends in
`commit_and_publish`. The public room of a complaint (`complaint:<code>`) hears only that its page
changed, never what was written; internal notes never leave the staff pages.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from loket.auth.models import ADMIN, OFFICER, SUPERVISOR, User, counter_officers
from loket.events import DomainEvent, commit_and_publish, complaints_room
from loket.extensions import db
from loket.feedback.models import ANSWERED, CLOSED, IN_PROGRESS, OPEN_STATUSES, RECEIVED, Complaint, ComplaintStep
from loket.offices.scope import require_office
from loket.queue.errors import InvalidInput, OfficeNotAllowed, TransitionNotAllowed
from loket.queue.models import counter_services
from loket.timeutil import utcnow


def N_(message: str) -> str:
    return message


NOTE_MAX = 2000
REPLY_MAX = 2000
# What the public page lists of the history (notes and assignments are the office's own business).
PUBLIC_KINDS = ("received", "status", "answered", "reply", "closed", "reopened")
STEP_LABELS = {
    "received": N_("Diterima"),
    "assigned": N_("Ditugaskan"),
    "status": N_("Sedang diproses"),
    "answered": N_("Dijawab"),
    "note": N_("Catatan internal"),
    "reply": N_("Balasan pengirim"),
    "reopened": N_("Dibuka kembali"),
    "closed": N_("Selesai"),
}


def complaint_room(code: str) -> str:
    """The public tracking page of one complaint: whoever holds the code (it is the key)."""
    return f"complaint:{code}"


def add_step(complaint: Complaint, kind: str, *, actor=None, text: str | None = None, internal: bool = False,
             data: dict | None = None, at: datetime | None = None) -> ComplaintStep:
    step = ComplaintStep(complaint_id=complaint.id, kind=kind, actor_id=getattr(actor, "id", None), text=text,
                         internal=internal, data=data or {}, at=at or utcnow())
    db.session.add(step)
    return step


def event(name: str, complaint: Complaint, *, public: bool) -> DomainEvent:
    """Staff hear of every change; the tracking page only of those it shows (no text in either)."""
    rooms = (complaints_room(complaint.office_id),) + ((complaint_room(complaint.code),) if public else ())
    return DomainEvent(name, {"id": complaint.id, "status": complaint.status}, rooms=rooms)


# --- who sees what ----------------------------------------------------------------------------

def _officer_service_ids(user: User) -> set[int]:
    """The services of the counters the officer may use."""
    rows = db.session.scalars(select(counter_services.c.service_id)
                              .join(counter_officers, counter_officers.c.counter_id == counter_services.c.counter_id)
                              .where(counter_officers.c.user_id == user.id))
    return set(rows)


def may_handle(user: User, complaint: Complaint) -> bool:
    """Supervisors and admins of its office handle every complaint of it; an officer those assigned
    to them, those about the services of their counters and those they recorded themselves."""
    if not user.sees_office(complaint.office_id):
        return False
    if user.has_role(SUPERVISOR):
        return True
    if user.id in (complaint.assigned_to_id, complaint.recorded_by_id):  # given to them, or they wrote it down
        return True
    return complaint.service_id is not None and complaint.service_id in _officer_service_ids(user)


def require_handler(user: User, complaint: Complaint) -> None:
    require_office(user, complaint.office_id)
    if not may_handle(user, complaint):
        raise OfficeNotAllowed(N_("Pengaduan ini tidak ditugaskan kepada Anda."))


def visible_to(query, user: User):
    """Narrow a complaint query to what `user` handles (officers); supervisors see the office's all."""
    if user.has_role(SUPERVISOR):
        return query
    services = _officer_service_ids(user)
    conditions = [Complaint.assigned_to_id == user.id, Complaint.recorded_by_id == user.id]
    if services:
        conditions.append(Complaint.service_id.in_(services))
    return query.where(or_(*conditions))


def assignees(office_id: int) -> list[User]:
    """Who a supervisor may give a complaint of the office to: its active officers and supervisors."""
    return list(db.session.scalars(select(User).where(User.office_id == office_id, User.active.is_(True),
                                                      User.role.in_((OFFICER, SUPERVISOR, ADMIN)))
                                   .order_by(User.display_name, User.username)))


# --- steps ------------------------------------------------------------------------------------

def assign(complaint: Complaint, assignee_id: int | None, *, actor: User) -> Complaint:
    """A supervisor gives the complaint to an officer of its office (None: takes it back)."""
    if not actor.has_role(SUPERVISOR):
        raise OfficeNotAllowed(N_("Hanya supervisor yang dapat menugaskan pengaduan."))
    require_office(actor, complaint.office_id)
    if complaint.status == CLOSED:
        raise TransitionNotAllowed(N_("Pengaduan yang sudah selesai tidak dapat ditugaskan lagi."))
    assignee = None
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.active or assignee.office_id != complaint.office_id:
            raise InvalidInput(N_("Petugas yang dipilih tidak ada di kantor ini."))
    before = complaint.assigned_to_id
    if before == (assignee.id if assignee else None):
        return complaint
    complaint.assigned_to_id = assignee.id if assignee else None
    add_step(complaint, "assigned", actor=actor, internal=True,
             data={"to": assignee.username if assignee else None})
    commit_and_publish(event("complaint.assigned", complaint, public=False))
    return complaint


def add_note(complaint: Complaint, text: str, *, actor: User) -> ComplaintStep:
    """An internal note on the complaint: for the office's staff only, never on the public page."""
    require_handler(actor, complaint)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(N_("Tuliskan catatannya."))
    if len(text) > NOTE_MAX:
        raise InvalidInput(N_("Catatan terlalu panjang (maksimal %(n)s karakter)."), n=NOTE_MAX)
    step = add_step(complaint, "note", actor=actor, text=text, internal=True)
    commit_and_publish(event("complaint.noted", complaint, public=False))
    return step


def reply(complaint: Complaint, text: str, *, now: datetime | None = None) -> Complaint:
    """The complainant adds to an answered (or closed) complaint from the tracking page: it opens again
    for the office, in progress, and the office answers it like any other."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(N_("Tuliskan balasan Anda."))
    if len(text) > REPLY_MAX:
        raise InvalidInput(N_("Balasan terlalu panjang (maksimal %(n)s karakter)."), n=REPLY_MAX)
    if complaint.status in OPEN_STATUSES:
        raise TransitionNotAllowed(N_("Pengaduan ini masih diproses; tunggu tanggapan kantor sebelum membalas."))
    if complaint.contact_purged_at is not None and complaint.status == CLOSED:
        raise TransitionNotAllowed(N_("Pengaduan ini sudah diarsipkan dan tidak dapat dibalas lagi."))
    now = now or utcnow()
    add_step(complaint, "reply", text=text, at=now)
    add_step(complaint, "reopened", data={"from": complaint.status}, at=now)
    complaint.status = IN_PROGRESS
    complaint.in_progress_at = now
    complaint.closed_at = None
    commit_and_publish(event("complaint.reopened", complaint, public=True))
    return complaint


def history(complaint: Complaint, *, public: bool) -> list[ComplaintStep]:
    query = select(ComplaintStep).where(ComplaintStep.complaint_id == complaint.id)
    if public:
        query = query.where(ComplaintStep.internal.is_(False), ComplaintStep.kind.in_(PUBLIC_KINDS))
    return list(db.session.scalars(query.order_by(ComplaintStep.at, ComplaintStep.id)))


def replies_since_answer(complaint: Complaint) -> int:
    """Replies of the complainant the office has not answered yet (the staff list marks them)."""
    steps = history(complaint, public=True)
    count = 0
    for step in steps:
        if step.kind == "reply":
            count += 1
        elif step.kind == "answered":
            count = 0
    return count


