"""The case domain (berkas): open from a ticket or register a letter, check documents, stop and restart the
clock, choose the selection method or escalate, complete milestones, reassign, cancel; worklist, tracking, purge.

Plain functions over the database (no request, session or Socket.IO). Each change writes a CaseEvent, recomputes
the case's `next_due` and ends in `commit_and_publish` to the case's own room and its office's room. Due dates are
computed, never stored: a holiday added later moves the due dates of milestones still open.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from loket.cases.calendar import Due, OfficeCalendar, lead_time_ok, office_calendar, schedule
from loket.cases.milestones import WORKING, LeadTime, Milestone
from loket.cases.models import (
    ACTIVE_STATES,
    AT_COUNTER,
    CANCELLED,
    DONE,
    OPEN,
    WAITING,
    Case,
    CaseDocument,
    CaseEvent,
    CaseMilestone,
    CasePause,
)
from loket.events import DomainEvent, case_room, commit_and_publish, office_room
from loket.extensions import db
from loket.feedback.complaints import CODE_ALPHABET
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed, TransitionNotAllowed
from loket.queue.core import N_
from loket.queue.models import CALLED, SERVING, Service, Ticket
from loket.queue.models import DONE as TICKET_DONE
from loket.timeutil import local_day, utcnow


ESCALATION = "lkpp"  # the helpdesk variant: the problem goes on to the LKPP helpdesk (7 days)
CODE_PREFIX, CODE_LENGTH = "BK", 8  # BK-7QK2-M9XA: 31**8 (~2**39) random codes, no 0/O or 1/I/L
REQUESTER_MAX, NAME_MAX, EMAIL_MAX, TEXT_MAX = 200, 120, 120, 2000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
OPENED_FROM = (CALLED, SERVING, TICKET_DONE)  # a ticket at the counter, or served earlier

STATE_LABELS = {
    OPEN: N_("diproses"),
    WAITING: N_("menunggu kelengkapan berkas"),
    DONE: N_("selesai"),
    CANCELLED: N_("dibatalkan"),
}
ACTIVITY_DAY_NEEDED = {
    WORKING: N_("Isi tanggal kegiatan: standar layanan ini meminta permohonan paling lambat %(days)s hari kerja "
                "sebelum kegiatan."),
    "calendar_days": N_("Isi tanggal kegiatan: standar layanan ini meminta permohonan paling lambat %(days)s hari "
                        "kalender sebelum kegiatan."),
}
SHORT_LEAD_TIME = {
    WORKING: N_("Permohonan diterima %(days)s hari kerja sebelum kegiatan; standar minimal %(required)s hari kerja."),
    "calendar_days": N_("Permohonan diterima %(days)s hari kalender sebelum kegiatan; standar minimal "
                        "%(required)s hari kalender."),
}


# --- look-ups -------------------------------------------------------------------------------

def get(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("Berkas tidak ditemukan."))
    return case


def by_token(token: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.token == token)) if token and len(token) <= 32 else None
    if case is None:
        raise NotFound(N_("Berkas tidak ditemukan."))
    return case


def normalise_code(text: str) -> str:
    """What people type ("bk 7qk2m9xa", "7QK2-M9XA") as stored: BK-7QK2-M9XA."""
    plain = "".join(ch for ch in (text or "").upper() if ch.isalnum())[:CODE_LENGTH + 2]
    if len(plain) == CODE_LENGTH + len(CODE_PREFIX) and plain.startswith(CODE_PREFIX):
        plain = plain[len(CODE_PREFIX):]
    return f"{CODE_PREFIX}-{plain[:4]}-{plain[4:]}" if len(plain) == CODE_LENGTH else ""


def by_code(text: str) -> Case:
    code = normalise_code(text)
    case = db.session.scalar(select(Case).where(Case.code == code)) if code else None
    if case is None:
        raise NotFound(N_("Kode berkas tidak ditemukan. Periksa kembali kode pada bukti Anda."))
    return case


def _new_code() -> str:
    for _ in range(10):
        code = normalise_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
        if db.session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code
    raise RuntimeError("could not find a free case code")  # pragma: no cover - 2**39 codes


# --- due dates ------------------------------------------------------------------------------

def _calendar(case: Case) -> OfficeCalendar:
    return office_calendar(case.office_id, start=case.received_on)


def due_dates(case: Case, today: date | None = None, calendar: OfficeCalendar | None = None) -> list[Due]:
    """Each milestone of the case scheduled on its office's calendar, from the day it was received, with its
    variant, stopped clocks and completions. A clock still stopped counts as stopped up to `today` (default:
    the office's today): the dues shown are the earliest the milestones can still be due."""
    today = today or local_day()
    calendar = calendar or _calendar(case)
    pauses = [(p.stopped_on, p.resumed_on or max(today, p.stopped_on)) for p in case.pauses]
    completed = {m.key: m.completed_on for m in case.completions}
    return schedule(case.service.milestones, case.received_on, calendar, variant=case.variant, pauses=pauses,
                    completed=completed)


def _running(dues: list[Due]) -> Due | None:
    return next((due for due in dues if due.completed is None), None)


def _refresh(case: Case, calendar: OfficeCalendar) -> None:
    """`next_due`: the running milestone's due date; None while the clock stands still or once closed."""
    running = _running(due_dates(case, calendar=calendar)) if case.state == OPEN else None
    case.next_due = running.due if running else None


# --- checks ---------------------------------------------------------------------------------

def _check_office(actor, office_id: int) -> None:
    if actor is not None and not actor.sees_office(office_id):
        raise OfficeNotAllowed(N_("Berkas ini milik unit layanan lain."))


def _check_active(case: Case) -> None:
    if not case.is_active:
        raise TransitionNotAllowed(N_("Berkas ini sudah ditutup."))


def _check_day(case: Case, day: date | None, earliest: date | None = None) -> date:
    """An office-local day for an action: not in the future, not before the case (or `earliest`)."""
    today = local_day()
    day = day or today
    if day > today or day < max(case.received_on, earliest or case.received_on):
        raise InvalidInput(N_("Tanggal tidak boleh di masa depan atau sebelum tahap sebelumnya."))
    return day


def _text(value: str | None, required: str | None = None) -> str | None:
    text = (value or "").strip()
    if not text and required:
        raise InvalidInput(required)
    if len(text) > TEXT_MAX:
        raise InvalidInput(N_("Teks terlalu panjang (maksimal %(max)s karakter)."), max=TEXT_MAX)
    return text or None


def _contact(requester: str, contact_name: str, contact_email: str | None,
             consent: bool) -> tuple[str, str, str | None]:
    requester, name = (requester or "").strip(), (contact_name or "").strip()
    if not requester:
        raise InvalidInput(N_("Isi nama OPD atau instansi pemohon."))
    if len(requester) > REQUESTER_MAX:
        raise InvalidInput(N_("Nama pemohon terlalu panjang (maksimal %(max)s karakter)."), max=REQUESTER_MAX)
    if not name:
        raise InvalidInput(N_("Isi nama narahubung (contact person)."))
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("Nama narahubung terlalu panjang (maksimal %(max)s karakter)."), max=NAME_MAX)
    email = (contact_email or "").strip() or None
    if email is not None and (len(email) > EMAIL_MAX or not EMAIL.match(email)):
        raise InvalidInput(N_("Alamat email narahubung tidak valid."))
    if email is not None and not consent:
        raise InvalidInput(N_("Email narahubung hanya disimpan dengan persetujuannya."))
    return requester, name, email


def _variants(milestones: Iterable[Milestone]) -> dict[str, str]:
    return {variant.key: variant.name for milestone in milestones for variant in milestone.variants}


def _check_variant(milestones: tuple[Milestone, ...], variant: str) -> None:
    choices = _variants(milestones)
    if variant not in choices:
        raise InvalidInput(N_("Pilih salah satu metode: %(choices)s."), choices=", ".join(choices.values()) or "-")


def _check_assignee(officer, office_id: int) -> None:
    if officer is not None and (officer.office_id != office_id or not officer.active):
        raise InvalidInput(N_("Petugas ini bukan petugas unit layanan berkas ini."))


# --- the log and the event ------------------------------------------------------------------

def _log(case: Case, kind: str, actor=None, *, note: str | None = None, data: dict | None = None) -> None:
    db.session.add(CaseEvent(case_id=case.id, kind=kind, at=utcnow(), actor_id=getattr(actor, "id", None),
                             note=note, data=data or {}))


def _publish(case: Case, name: str, calendar: OfficeCalendar) -> Case:
    """Recompute the next due date, commit, then tell the office (no personal data, no token or code) and the
    case's own tracking page (its public view)."""
    _refresh(case, calendar)
    db.session.flush()
    public = {"case": case.id, "office": case.office_id, "service_id": case.service_id, "state": case.state,
              "next_due": case.next_due.isoformat() if case.next_due else None}
    commit_and_publish(DomainEvent(f"case.{name}", public, rooms=(office_room(case.office_id),),
                                   private={case_room(case.token): public_view(case, calendar=calendar)}))
    return case


# --- opening --------------------------------------------------------------------------------

def _lead_time_reason(rule: LeadTime, days: int) -> str:
    return SHORT_LEAD_TIME.get(rule.unit, SHORT_LEAD_TIME[WORKING]) % {"days": days, "required": rule.days}


def _open(service: Service, actor, *, channel: str, requester: str, contact_name: str, contact_email: str | None,
          consent: bool, received_on: date, documents_received: Iterable[int] | None, variant: str | None,
          activity_day: date | None, ticket: Ticket | None, assignee) -> Case:
    from loket.counter.desk import requirement_lines

    milestones = service.milestones
    if not milestones:
        raise InvalidInput(N_("Layanan %(service)s selesai di loket: standarnya tidak punya tahapan berkas."),
                           service=service.name)
    _check_office(actor, service.office_id)
    _check_assignee(assignee, service.office_id)
    requester, contact_name, contact_email = _contact(requester, contact_name, contact_email, consent)
    if received_on > local_day():
        raise InvalidInput(N_("Tanggal diterima tidak boleh di masa depan."))
    if variant:
        _check_variant(milestones, variant)
    calendar = office_calendar(service.office_id, start=received_on)
    short, rule = None, service.lead_time
    if rule is not None:
        if activity_day is None:
            raise InvalidInput(ACTIVITY_DAY_NEEDED.get(rule.unit, ACTIVITY_DAY_NEEDED[WORKING]), days=rule.days)
        if activity_day < received_on:
            raise InvalidInput(N_("Tanggal kegiatan sudah lewat saat permohonan diterima."))
        check = lead_time_ok(received_on, activity_day, rule, calendar)
        short = None if check.ok else {"days": check.days, "required": rule.days, "unit": rule.unit}

    lines = requirement_lines(service.standard or {})
    received = set(range(1, len(lines) + 1)) if documents_received is None else set(documents_received)
    if not received <= set(range(1, len(lines) + 1)):
        raise InvalidInput(N_("Persyaratan tidak ditemukan."))
    case = Case(office_id=service.office_id, service_id=service.id, ticket_id=ticket.id if ticket else None,
                token=secrets.token_urlsafe(18), code=_new_code(), channel=channel, requester=requester,
                contact_name=contact_name, contact_email=contact_email, contact_consent=bool(consent and contact_email),
                variant=variant or None, activity_day=activity_day,
                lead_time_short=_lead_time_reason(rule, short["days"]) if short else None,
                received_on=received_on, state=OPEN, assignee_id=getattr(assignee, "id", None), created_at=utcnow())
    case.documents = [CaseDocument(position=n, text=text, received=n in received,
                                   received_on=received_on if n in received else None)
                      for n, text in enumerate(lines, 1)]
    db.session.add(case)
    db.session.flush()
    _log(case, "opened", actor, data={"channel": channel, "ticket": ticket.number if ticket else None,
                                      "received_on": received_on.isoformat(), "variant": case.variant,
                                      "assignee": case.assignee_id, "lead_time_short": short})
    missing = [document.text for document in case.documents if not document.received]
    if missing:  # menunggu kelengkapan berkas from the start: the clock waits from the day it came
        case.pauses = [CasePause(stopped_on=received_on, missing="; ".join(missing))]
        case.state = WAITING
        _log(case, "waiting", actor, note=case.pauses[0].missing, data={"on": received_on.isoformat()})
    return _publish(case, "opened", calendar)


def open_from_ticket(ticket: Ticket, actor, *, requester: str, contact_name: str, contact_email: str | None = None,
                     consent: bool = False, documents_received: Iterable[int] | None = None,
                     variant: str | None = None, activity_day: date | None = None) -> Case:
    """One action at the counter: a case for the ticket's service, received on the ticket's day and assigned
    to the officer who opens it. `documents_received`: positions (1, 2, …) of the requirement checklist the
    visitor brought; None = all of them. A missing one puts the case on "waiting" from that day."""
    if ticket.state not in OPENED_FROM:
        raise TransitionNotAllowed(N_("Berkas hanya dapat dibuka dari tiket yang sedang atau sudah dilayani."))
    existing = db.session.scalar(select(Case.code).where(Case.ticket_id == ticket.id))
    if existing is not None:
        raise TransitionNotAllowed(N_("Tiket ini sudah punya berkas %(code)s."), code=existing)
    return _open(ticket.service, actor, channel=AT_COUNTER, requester=requester, contact_name=contact_name,
                 contact_email=contact_email, consent=consent, received_on=ticket.day,
                 documents_received=documents_received, variant=variant, activity_day=activity_day, ticket=ticket,
                 assignee=actor)


def register_letter(service: Service, actor, channel: str, requester: str, contact_name: str, received_on: date,
                    documents_received: Iterable[int] | None = None, activity_day: date | None = None,
                    variant: str | None = None, contact_email: str | None = None, consent: bool = False,
                    assignee=None) -> Case:
    """A request letter that came by one of the service's intake channels (e-Surat, courier), counted from
    the day it was received. A bimtek request later than the standard's lead time is registered with
    `lead_time_short` saying why, and its log entry says so too."""
    kinds = {intake.kind: intake.label for intake in service.intake}
    if channel not in kinds:
        raise InvalidInput(N_("Pilih saluran surat yang ada di standar layanan ini: %(choices)s."),
                           choices=", ".join(kinds.values()) or "-")
    return _open(service, actor, channel=channel, requester=requester, contact_name=contact_name,
                 contact_email=contact_email, consent=consent, received_on=received_on,
                 documents_received=documents_received, variant=variant, activity_day=activity_day, ticket=None,
                 assignee=assignee)


# --- documents and the stopped clock -----------------------------------------------------------

def check_document(case: Case, position: int, received: bool, actor, day: date | None = None) -> Case:
    """Tick (or untick) one line of the requirement checklist. The clock is stopped and restarted with
    `wait_for_documents` and `documents_arrived`, not by the ticks."""
    _check_office(actor, case.office_id)
    _check_active(case)
    document = next((d for d in case.documents if d.position == position), None)
    if document is None:
        raise NotFound(N_("Persyaratan tidak ditemukan."))
    day = _check_day(case, day) if received else None
    document.received, document.received_on = bool(received), day
    _log(case, "document", actor, data={"position": position, "received": bool(received)})
    return _publish(case, "document", _calendar(case))


def wait_for_documents(case: Case, missing: str, actor, day: date | None = None) -> Case:
    """Menunggu kelengkapan berkas: the office asked the applicant for `missing` on `day` (default today);
    the clock stops from the day after."""
    _check_office(actor, case.office_id)
    _check_active(case)
    if case.state == WAITING:
        raise TransitionNotAllowed(N_("Berkas ini sudah menunggu kelengkapan dari pemohon."))
    missing = _text(missing, N_("Tuliskan kelengkapan yang ditunggu dari pemohon."))
    last = max((p.resumed_on for p in case.pauses if p.resumed_on), default=None)
    day = _check_day(case, day, last)
    case.pauses.append(CasePause(stopped_on=day, missing=missing))
    case.state = WAITING
    _log(case, "waiting", actor, note=missing, data={"on": day.isoformat()})
    return _publish(case, "waiting", _calendar(case))


def documents_arrived(case: Case, actor, day: date | None = None) -> Case:
    """What the office waited for arrived on `day` (default today): the clock goes on from that day, and the
    requirement checklist's lines still open are received that day too (the berkas is complete now)."""
    _check_office(actor, case.office_id)
    pause = case.open_pause
    if case.state != WAITING or pause is None:
        raise TransitionNotAllowed(N_("Berkas ini tidak sedang menunggu kelengkapan."))
    day = _check_day(case, day, pause.stopped_on)
    pause.resumed_on = day
    case.state = OPEN
    ticked = [document for document in case.documents if not document.received]
    for document in ticked:
        document.received, document.received_on = True, day
    _log(case, "documents_arrived", actor,
         data={"stopped_on": pause.stopped_on.isoformat(), "on": day.isoformat(),
               "documents": [document.position for document in ticked]})
    return _publish(case, "documents_arrived", _calendar(case))


# --- the variant: selection method, escalation -------------------------------------------------

def _set_variant(case: Case, variant: str, actor, kind: str) -> Case:
    milestones = case.service.milestones
    done = {m.key for m in case.completions}
    fixed = next((m for m in milestones if (m.variant(variant) or m.variant(case.variant)) and m.key in done), None)
    if fixed is not None:
        raise TransitionNotAllowed(N_("Tahap %(milestone)s sudah selesai; pilihannya tidak dapat diubah lagi."),
                                   milestone=fixed.name)
    _log(case, kind, actor, data={"from": case.variant, "to": variant})
    case.variant = variant
    return _publish(case, kind, _calendar(case))


def choose_variant(case: Case, variant: str, actor) -> Case:
    """The selection method (tender, seleksi, tender_cepat), chosen when known: it sets the length of the
    milestone that has it. Choosing again changes it while that milestone is not completed."""
    _check_office(actor, case.office_id)
    _check_active(case)
    _check_variant(case.service.milestones, variant)
    if variant == case.variant:
        return case
    return _set_variant(case, variant, actor, "variant")


def escalate(case: Case, actor) -> Case:
    """A helpdesk problem goes on to the LKPP helpdesk: the case switches to the standard's "lkpp" promise."""
    _check_office(actor, case.office_id)
    _check_active(case)
    if ESCALATION not in _variants(case.service.milestones):
        raise TransitionNotAllowed(N_("Berkas layanan ini tidak dapat diteruskan ke helpdesk LKPP."))
    if case.variant == ESCALATION:
        raise TransitionNotAllowed(N_("Berkas ini sudah diteruskan ke helpdesk LKPP."))
    return _set_variant(case, ESCALATION, actor, "escalated")


# --- milestones, assignment, cancelling ----------------------------------------------------------

def complete_milestone(case: Case, key: str, actor, note: str | None = None, day: date | None = None) -> Case:
    """Complete the running milestone on `day` (default today), in order; the last one closes the case."""
    _check_office(actor, case.office_id)
    _check_active(case)
    if case.state == WAITING:
        raise TransitionNotAllowed(N_("Berkas menunggu kelengkapan dari pemohon; catat dulu bahwa kelengkapannya "
                                      "sudah diterima."))
    calendar = _calendar(case)
    dues = due_dates(case, calendar=calendar)
    chosen = next((due for due in dues if due.key == key), None)
    if chosen is None:
        raise NotFound(N_("Tahapan tidak dikenal."))
    if chosen.completed is not None:
        raise TransitionNotAllowed(N_("Tahap ini sudah selesai."))
    running = _running(dues)
    if running.key != key:
        raise TransitionNotAllowed(N_("Selesaikan dulu tahap %(milestone)s."), milestone=running.name)
    if chosen.days is None:
        raise TransitionNotAllowed(N_("Pilih dulu metodenya: lama tahap ini bergantung pada pilihan itu."))
    last = max([c.completed_on for c in case.completions] + [p.resumed_on for p in case.pauses if p.resumed_on],
               default=None)
    day = _check_day(case, day, last)
    note = _text(note)
    case.completions.append(CaseMilestone(key=key, completed_on=day, completed_at=utcnow(),
                                          completed_by_id=getattr(actor, "id", None), note=note))
    _log(case, "milestone", actor, note=note,
         data={"key": key, "on": day.isoformat(), "due": chosen.due.isoformat() if chosen.due else None,
               "on_time": chosen.due is None or day <= chosen.due})
    if dues[-1].key == key:
        case.state, case.closed_at = DONE, utcnow()
        _log(case, "done", actor)
        return _publish(case, "done", calendar)
    return _publish(case, "milestone", calendar)


def reassign(case: Case, officer, actor) -> Case:
    """Give the case to another officer of its office (None: to nobody, the office's worklist)."""
    _check_office(actor, case.office_id)
    _check_active(case)
    _check_assignee(officer, case.office_id)
    _log(case, "reassigned", actor, data={"from": case.assignee_id, "to": getattr(officer, "id", None)})
    case.assignee_id = getattr(officer, "id", None)
    return _publish(case, "reassigned", _calendar(case))


def cancel(case: Case, actor, reason: str) -> Case:
    """Close the case without completing it (withdrawn, not the office's task); a stopped clock ends today."""
    _check_office(actor, case.office_id)
    _check_active(case)
    reason = _text(reason, N_("Tuliskan alasan pembatalan."))
    pause = case.open_pause
    if pause is not None:
        pause.resumed_on = max(local_day(), pause.stopped_on)
    case.state, case.closed_at = CANCELLED, utcnow()
    _log(case, "cancelled", actor, note=reason)
    return _publish(case, "cancelled", _calendar(case))


# --- the worklist and the public view ------------------------------------------------------------

@dataclass(frozen=True)
class WorkItem:
    """One row of the officers' worklist: the case, its running milestone and when that is due."""

    case: Case
    milestone: Milestone | None
    due: date | None  # None while waiting (the clock stands still) or while the length is not chosen yet
    due_today: bool
    overdue: bool

    @property
    def waiting(self) -> bool:
        return self.case.state == WAITING


def worklist(office_id: int, officer_id: int | None = None, today: date | None = None) -> list[WorkItem]:
    """An office's open and waiting cases (one officer's with `officer_id`), soonest due first, waiting ones
    last. One query for the cases and their children; due dates computed on one calendar, so a holiday added
    since the last change already counts."""
    today = today or local_day()
    query = (select(Case).where(Case.office_id == office_id, Case.state.in_(ACTIVE_STATES))
             .options(selectinload(Case.service), selectinload(Case.assignee), selectinload(Case.completions),
                      selectinload(Case.pauses)))
    if officer_id is not None:
        query = query.where(Case.assignee_id == officer_id)
    cases = list(db.session.scalars(query))
    if not cases:
        return []
    calendar = office_calendar(office_id, start=min(case.received_on for case in cases))
    rows = []
    for case in cases:
        running = _running(due_dates(case, today, calendar))
        due = running.due if running and case.state == OPEN else None
        rows.append(WorkItem(case, running.milestone if running else None, due, due == today,
                             due is not None and due < today))
    return sorted(rows, key=lambda row: (row.due is None, row.due or date.max, row.case.received_on, row.case.id))


def _days_late(due: date | None, by: date | None) -> int | None:
    """Calendar days `by` (a completion, or today) is past the end of `due`; None when in time or undated."""
    return (by - due).days if due is not None and by is not None and by > due else None


def public_view(case: Case, today: date | None = None, calendar: OfficeCalendar | None = None) -> dict:
    """What the applicant's tracking page shows (JSON-ready): the service, each milestone done / next / later
    with its due date, what the office waits for, the state. No personal data: no contact person or email,
    no notes, no assignee, and not the requester either (at the helpdesk it may be a person's own name).

    It promises nothing it cannot keep: a milestone's `late_days` says how many days past its due date it
    was done, or (the running one) is still open today; while the running one is late, the milestones after
    it have no date (theirs, counted from a day already past, would be past too) until it is done. A closed
    case's milestones never reached are "dropped", with no date; nothing is due while the clock stands still."""
    today = today or local_day()
    dues = due_dates(case, today, calendar)
    running = _running(dues) if case.is_active else None
    waiting = case.state == WAITING
    pause = case.open_pause if waiting else None
    late = running is not None and not waiting and _days_late(running.due, today) is not None

    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    milestones = []
    for due in dues:
        if due.completed:
            status, shown = "done", due.due
        elif running is None:
            status, shown = "dropped", None
        elif due.key == running.key:
            status, shown = "next", None if waiting else due.due
        else:
            status, shown = "later", None if waiting or late else due.due
        milestones.append({
            "key": due.key, "name": due.name, "days": due.days, "unit": due.milestone.unit,
            "variant": due.variant.name if due.variant else None, "status": status, "due": iso(shown),
            "completed": iso(due.completed), "on_time": due.on_time,
            "late_days": _days_late(shown, due.completed or (today if status == "next" else None))})
    return {
        "code": case.code, "service": case.service.name, "service_short": case.service.short_name,
        "state": case.state, "received_on": iso(case.received_on), "activity_day": iso(case.activity_day),
        "closed_on": iso(local_day(case.closed_at)) if case.closed_at else None,
        "milestones": milestones, "next": running.key if running else None,
        "next_due": None if waiting or running is None else iso(running.due),
        "waiting_for": pause.missing if pause else None, "waiting_since": iso(pause.stopped_on) if pause else None,
    }


# --- privacy --------------------------------------------------------------------------------

def purge_contacts(now: datetime | None = None, days: int | None = None) -> int:
    """Blank the contact person and email of cases closed more than `days` ago (default: each office's
    contact retention, as for complaint contacts); returns how many. The caller commits:
    `loket.feedback.complaints.purge_contacts`, which `loket privacy purge` and the six-hourly job run."""
    from loket.offices import settings
    from loket.offices.models import Office

    now = now or utcnow()
    offices = [(None, days)] if days is not None else [
        (office_id, int(settings.get(office_id, "contact_retention_days")))
        for office_id in db.session.scalars(select(Office.id))]
    count = 0
    for office_id, keep in offices:
        query = update(Case).where(Case.state.in_((DONE, CANCELLED)), Case.closed_at < now - timedelta(days=keep),
                                   Case.contact_name.is_not(None) | Case.contact_email.is_not(None))
        if office_id is not None:
            query = query.where(Case.office_id == office_id)
        count += db.session.execute(query.values(contact_name=None, contact_email=None, contact_consent=False,
                                                 contact_purged_at=now)
                                    .execution_options(synchronize_session=False)).rowcount
    return count
