"""The complaint domain (pengaduan/saran/masukan): submit, record from other channels, handle, purge contacts.

Plain functions; every change ends in `commit_and_publish`. Due dates count office working days.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from loket.cases.calendar import OfficeCalendar, add_days, office_calendar
from loket.cases.milestones import WORKING
from loket.events import DomainEvent, commit_and_publish, complaints_room
from loket.extensions import db
from loket.feedback import once, workflow
from loket.feedback.models import (
    ANSWERED,
    CATEGORIES,
    CHANNELS,
    CLOSED,
    IN_PROGRESS,
    OPEN_STATUSES,
    RECEIVED,
    Complaint,
    ComplaintStep,
)
from loket.offices.scope import default_office, require_office
from loket.queue.errors import InvalidInput, Label, NotFound, TransitionNotAllowed
from loket.queue.models import Service
from loket.timeutil import day_bounds_utc, local_day, utcnow
from loket.ops.scheduler import every


def N_(message: str) -> str:
    """Marks a message for translation; the web layer translates it."""
    return message


MESSAGE_MAX = 2000
RESPONSE_MAX = 4000
NAME_MAX = 120
CONTACT_MAX = 120
# No 0/O, 1/I/L: codes are read off paper and typed on phones. 32**10 = 2**50 codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

# Which statuses each target status may be reached from.
ALLOWED = {
    IN_PROGRESS: (RECEIVED,),
    ANSWERED: (RECEIVED, IN_PROGRESS, ANSWERED),  # answering again corrects the response
    CLOSED: (ANSWERED,),
}

STATUS_LABELS = {
    RECEIVED: N_("diterima"),
    IN_PROGRESS: N_("sedang diproses"),
    ANSWERED: N_("dijawab"),
    CLOSED: N_("selesai"),
}
CATEGORY_LABELS = {"pengaduan": N_("Pengaduan"), "saran": N_("Saran"), "masukan": N_("Masukan")}
CHANNEL_LABELS = {
    "kiosk": N_("Kios"),
    "web": N_("Situs web"),
    "phone": N_("Telepon"),
    "email": N_("Email"),
    "letter": N_("Surat"),
    "suggestion_box": N_("Kotak saran"),
    "sp4n_lapor": N_("SP4N-LAPOR!"),
    "klungkung_mesadu": N_("Klungkung Mesadu"),
    "in_person": N_("Datang langsung"),
}


# --- settings -------------------------------------------------------------------------------

def response_days(office_id: int | None = None) -> int:
    """Working days to answer, as the office set it (default: LOKET_COMPLAINT_RESPONSE_DAYS)."""
    from loket.offices import settings

    return int(settings.get(office_id, "complaint_response_days"))


def retention_days(office_id: int | None = None) -> int:
    """Days a contact is kept, as the office set it (default: LOKET_CONTACT_RETENTION_DAYS)."""
    from loket.offices import settings

    return int(settings.get(office_id, "contact_retention_days"))


# --- working days ---------------------------------------------------------------------------

def due_date(complaint: Complaint) -> date:
    """Last office-local day on which the complaint should be answered: the response days counted on its
    office's calendar as case due dates are (its week, national holidays and cuti bersama, its closed days)."""
    day = local_day(complaint.received_at)
    return add_days(day, max(response_days(complaint.office_id), 0), WORKING, _calendar(complaint.office_id, day))


def _calendar(office_id: int | None, day: date) -> OfficeCalendar:
    """One office calendar per office and day within a request (a listing asks for every open complaint)."""
    if not has_request_context():
        return office_calendar(office_id, start=day)
    calendars = g.setdefault("complaint_calendars", {})
    if (office_id, day) not in calendars:
        calendars[(office_id, day)] = office_calendar(office_id, start=day)
    return calendars[(office_id, day)]


def is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    """Not answered by the end of its due day (answered late also counts as overdue)."""
    due = due_date(complaint)
    if complaint.answered_at is not None:
        return local_day(complaint.answered_at) > due
    if complaint.status == CLOSED:
        return False
    return local_day(now or utcnow()) > due


# --- codes and look-ups ---------------------------------------------------------------------

def new_code() -> str:
    for _ in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Complaint.id).where(Complaint.code == code)) is None:
            return code
    raise RuntimeError("could not find a free complaint code")  # pragma: no cover - 2**50 codes


def normalise_code(text: str) -> str:
    """What people type: lower case, spaces and dashes are fine."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:CODE_LENGTH + 2]


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def by_code(code: str) -> Complaint:
    code = normalise_code(code)
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == code)) if len(code) == CODE_LENGTH else None
    if complaint is None:
        raise NotFound(N_("Kode pengaduan tidak ditemukan. Periksa kembali kode pada bukti Anda."))
    return complaint


def get(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(N_("Pengaduan tidak ditemukan."))
    return complaint


def get_for_staff(complaint_id: int, user) -> Complaint:
    """A complaint a staff member may open: of their own office (any office for the installation admin);
    another office's is a 403, never a quiet empty page."""
    complaint = get(complaint_id)
    require_office(user, complaint.office_id)
    return complaint


# --- the day an officer-recorded complaint arrived --------------------------------------------

# A letter or the suggestion box may be opened days later; its complaint counts from the day it came.
BACKDATE_MAX_DAYS = 90


def parse_received_on(text: str | None, today: date | None = None) -> date | None:
    """The office-local day typed on the record form (YYYY-MM-DD); None when left empty (= now)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10]) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(N_("Tanggal diterima tidak valid (contoh: 2026-11-20)."))
    today = today or local_day()
    if day > today:
        raise InvalidInput(N_("Tanggal diterima tidak boleh di masa depan."))
    if day < today - timedelta(days=BACKDATE_MAX_DAYS):
        raise InvalidInput(N_("Tanggal diterima paling lama %(days)s hari yang lalu."), days=BACKDATE_MAX_DAYS)
    return day


def received_at_for(day: date | None, now: datetime | None = None) -> datetime:
    """Stored time for a complaint received on `day`: now for today, else the start of that office day."""
    now = now or utcnow()
    if day is None or day == local_day(now):
        return now
    return day_bounds_utc(day)[0]


# --- submitting -----------------------------------------------------------------------------

def service_in(office_id: int | None, service_code: str) -> Service | None:
    """An active service of one office by its code (codes repeat across offices); None = the first office."""
    if office_id is None:
        office = default_office()
        office_id = office.id if office is not None else None
    code = (service_code or "").strip().upper()[:2]
    if not code or office_id is None:
        return None
    return db.session.scalar(select(Service).where(Service.office_id == office_id, Service.code == code,
                                                   Service.active.is_(True)))


def validate(*, category: str, message: str, service_code: str = "", name: str = "", contact: str = "",
             channel: str = "web", office_id: int | None = None) -> dict[str, str]:
    """Field → untranslated error message; empty when the input is fine. The service is looked up in
    `office_id` (None: the installation's first office)."""
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = N_("Pilih jenis: pengaduan, saran atau masukan.")
    if channel not in CHANNELS:
        errors["channel"] = N_("Saluran tidak dikenal.")
    message = (message or "").strip()
    if not message:
        errors["message"] = N_("Tuliskan isi pengaduan, saran atau masukan Anda.")
    elif len(message) > MESSAGE_MAX:
        errors["message"] = N_("Isi terlalu panjang (maksimal 2000 karakter).")
    if len((name or "").strip()) > NAME_MAX:
        errors["name"] = N_("Nama terlalu panjang (maksimal 120 karakter).")
    if len((contact or "").strip()) > CONTACT_MAX:
        errors["contact"] = N_("Kontak terlalu panjang (maksimal 120 karakter).")
    if service_code and service_in(office_id, service_code) is None:
        errors["service"] = N_("Layanan tidak dikenal.")
    return errors


class AlreadySubmitted(TransitionNotAllowed):
    """This very form was already sent; `complaint` is the one it created (the view shows its code)."""

    complaint: Complaint | None = None


def _already(submission) -> AlreadySubmitted:
    exc = AlreadySubmitted(N_("Pengaduan ini sudah terkirim sebelumnya dan hanya dicatat sekali."))
    exc.complaint = db.session.get(Complaint, submission.complaint_id) if submission.complaint_id else None
    return exc


def _event(name: str, complaint: Complaint) -> DomainEvent:
    # Staff-only room; the payload carries no message text and no personal data.
    # One room per office: another office's staff never hear of it.
    return DomainEvent(name, {"id": complaint.id, "status": complaint.status},
                       rooms=(complaints_room(complaint.office_id),))


def office_for_complaint(*, office_id: int | None = None, recorded_by=None, kiosk_id: str | None = None) -> int:
    """The office a new complaint goes to: the one named; else the recording staff member's own; else
    the kiosk's when it serves a single office; else the installation's first office."""
    if office_id is not None:
        return office_id
    if recorded_by is not None and getattr(recorded_by, "office_id", None) is not None:
        return recorded_by.office_id
    if kiosk_id:
        from loket.kiosk.models import Kiosk

        kiosk = db.session.get(Kiosk, kiosk_id)
        if kiosk is not None and len(kiosk.offices) == 1:
            return kiosk.offices[0].id
    office = default_office()
    if office is None:
        raise NotFound(N_("Belum ada kantor."))
    return office.id


def submit(*, category: str, message: str, channel: str = "web", service_code: str = "", name: str = "",
           contact: str = "", kiosk_id: str | None = None, recorded_by=None, office_id: int | None = None,
           nonce: str | None = None, now: datetime | None = None) -> Complaint:
    """Receive a complaint from the public (web/kiosk) or as recorded by an officer for another channel,
    for one office (`office_for_complaint`); a staff member records only for an office they see.

    With a form key (`once`), sending the same form again raises AlreadySubmitted carrying the first complaint.
    """
    nonce = once.clean(nonce)
    earlier = once.seen(nonce)
    if earlier is not None:
        raise _already(earlier)
    office_id = office_for_complaint(office_id=office_id, recorded_by=recorded_by, kiosk_id=kiosk_id)
    if recorded_by is not None:
        require_office(recorded_by, office_id)
    errors = validate(category=category, message=message, service_code=service_code, name=name,
                      contact=contact, channel=channel, office_id=office_id)
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(first)
    service = service_in(office_id, service_code) if service_code else None
    complaint = Complaint(
        code=new_code(),
        category=category,
        channel=channel,
        office_id=office_id,
        service_id=service.id if service else None,
        message=message.strip(),
        name=(name or "").strip() or None,
        contact=(contact or "").strip() or None,
        kiosk_id=kiosk_id,
        status=RECEIVED,
        received_at=now or utcnow(),
        recorded_by_id=getattr(recorded_by, "id", None),
    )
    db.session.add(complaint)
    db.session.flush()
    workflow.add_step(complaint, "received", actor=recorded_by, at=complaint.received_at)
    once.mark(nonce, complaint_id=complaint.id, now=now)
    try:
        commit_and_publish(_event("complaint.received", complaint))
    except IntegrityError:
        # Two POSTs of the same form raced: the key's primary key let the other one in.
        earlier = once.seen(nonce)
        if earlier is None:
            raise
        raise _already(earlier) from None
    return complaint


# --- handling -------------------------------------------------------------------------------

def last_step_id(complaint: Complaint) -> int:
    """The newest step of the complaint's history (0: none): what a page showed, to notice a later change."""
    return db.session.scalar(select(func.max(ComplaintStep.id)).where(ComplaintStep.complaint_id == complaint.id)) or 0


def change_status(complaint: Complaint, status: str, *, response: str = "", officer=None,
                  now: datetime | None = None, seen_step: int | None = None) -> Complaint:
    """Move a complaint on; answering needs a written response that the public page shows. `seen_step`: the
    last history step the officer's page showed; a complaint changed since (another officer answered it)
    is refused, so nobody overwrites an answer they have not seen."""
    if status not in ALLOWED:
        raise InvalidInput(N_("Status tidak dikenal."))
    if seen_step is not None and seen_step != last_step_id(complaint):
        raise TransitionNotAllowed(N_("Pengaduan ini baru saja diubah petugas lain (kini %(current)s). Periksa "
                                      "riwayatnya, lalu kirim lagi bila masih perlu."),
                                   current=Label(STATUS_LABELS[complaint.status]))
    if complaint.status not in ALLOWED[status]:
        raise TransitionNotAllowed(N_("Pengaduan berstatus %(current)s tidak bisa diubah ke %(target)s."),
                                   current=Label(STATUS_LABELS[complaint.status]), target=Label(STATUS_LABELS[status]))
    now = now or utcnow()
    response = (response or "").strip()
    if len(response) > RESPONSE_MAX:
        raise InvalidInput(N_("Tanggapan terlalu panjang (maksimal 4000 karakter)."))
    if officer is not None:
        workflow.require_handler(officer, complaint)
    if status == ANSWERED:
        if not response:
            raise InvalidInput(N_("Tuliskan tanggapan sebelum menandai pengaduan dijawab."))
        complaint.response = response
        complaint.answered_at = complaint.answered_at or now
        workflow.add_step(complaint, "answered", actor=officer, text=response, at=now)
    elif status == IN_PROGRESS:
        complaint.in_progress_at = now
        workflow.add_step(complaint, "status", actor=officer, data={"to": IN_PROGRESS}, at=now)
    elif status == CLOSED:
        if response:
            complaint.response = response
        complaint.closed_at = now
        workflow.add_step(complaint, "closed", actor=officer, text=response or None, at=now)
    complaint.status = status
    if officer is not None:
        complaint.handled_by_id = officer.id
    # The tracking page shows the status and the answer: it hears that it changed (no text travels).
    commit_and_publish(workflow.event(f"complaint.{status}", complaint, public=True))
    return complaint


def listing(status: str | None = None, *, office_id: int | None = None, user=None) -> list[Complaint]:
    """Complaints newest first, by status (`open` = received or in progress), of one office
    (None: of every office — only the installation admin's pages ask for that); with `user`, only
    those the user handles (an officer: assigned to them or about their counters' services)."""
    query = select(Complaint).order_by(Complaint.received_at.desc())
    if user is not None:
        query = workflow.visible_to(query, user)
    if office_id is not None:
        query = query.where(Complaint.office_id == office_id)
    if status in (RECEIVED, IN_PROGRESS, ANSWERED, CLOSED):
        query = query.where(Complaint.status == status)
    elif status == "open":
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(query.limit(500)))


# --- privacy --------------------------------------------------------------------------------

def purge_contacts(now: datetime | None = None, days: int | None = None) -> int:
    """Remove name and contact from complaints received more than `days` ago (default: each office's
    retention), and the contacts of cases closed as long ago; returns how many complaints."""
    return purge_personal_data(now, days)["complaints"]


def purge_personal_data(now: datetime | None = None, days: int | None = None) -> dict[str, int]:
    """What `purge_contacts` removes, counted: {"complaints": n, "cases": m}. Commits."""
    from loket.offices.models import Office

    now = now or utcnow()
    offices = [(None, days)] if days is not None else [
        (office_id, retention_days(office_id)) for office_id in db.session.scalars(select(Office.id))]
    count = 0
    for office_id, keep in offices:
        query = update(Complaint).where(Complaint.received_at < now - timedelta(days=keep),
                                        (Complaint.name.is_not(None)) | (Complaint.contact.is_not(None)))
        if office_id is not None:
            query = query.where(Complaint.office_id == office_id)
        count += db.session.execute(query.values(name=None, contact=None, contact_purged_at=now)
                                    .execution_options(synchronize_session=False)).rowcount
    from loket.cases.core import purge_contacts as purge_case_contacts  # late: loket.cases.core imports this module

    cases = purge_case_contacts(now, days)  # a closed case's contact person and email, on the same terms
    once.purge(local_day(now))  # old one-time form keys go too: they only guard against double sends
    purged = {"complaints": count, "cases": cases}
    commit_and_publish(DomainEvent("privacy.purged", purged, rooms=()))
    return purged


@every(6 * 3600, name="privacy_purge")
def purge_contacts_job(app=None) -> int:
    """`loket serve` runs the purge every six hours as well, so retention holds without a cron entry."""
    return purge_contacts()
