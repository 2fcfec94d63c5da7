"""Kiosk domain: what the entrance screen shows and does, as plain functions over the database.

A kiosk serves one office (its services straight away) or several (a mall's entrance: the visitor
picks the office first). Issuing goes through `loket.queue.core.issue_ticket`; printing through
`loket.printers.jobs`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.kiosk.models import Kiosk
from loket.offices import scope
from loket.offices.models import Office
from loket.printers import jobs
from loket.printers.connections import validate_config
from loket.printers.models import PrintJob
from loket.queue import core, hours
from loket.queue.errors import InvalidInput, NotFound
from loket.queue.models import Service, Ticket
from loket.timeutil import local_day

N_ = core.N_

@dataclass(frozen=True)
class ServiceInfo:
    """One row of the kiosk's home screen (also the API's service listing)."""

    service: Service
    open: bool
    waiting: int
    estimated_wait_minutes: int

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def office(self) -> Office:
        return self.service.office

    @property
    def label(self) -> str:
        """The code as ticket numbers show it: "A", or "DK-A" in an office with a prefix."""
        return core.service_label(self.service)


@dataclass(frozen=True)
class OfficeInfo:
    """One tile of a multi-office kiosk's home screen."""

    office: Office
    services: int
    waiting: int

    @property
    def code(self) -> str:
        return self.office.code


def get_kiosk(kiosk_id: str) -> Kiosk:
    kiosk = db.session.get(Kiosk, (kiosk_id or "")[:40])
    if kiosk is None or not kiosk.active:
        raise NotFound(N_("Kios '%(id)s' tidak ditemukan."), id=(kiosk_id or "")[:40])
    return kiosk


def first_kiosk() -> Kiosk | None:
    return db.session.scalar(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id).limit(1))


def office_open(office: Office | None = None) -> hours.OfficeState:
    """Is `office` open now (its own hours and exceptions; default: the installation's first office)?"""
    return hours.state(office_id=office.id if office is not None else None)


# --- which offices a kiosk serves -----------------------------------------------------------------

def kiosk_offices(kiosk: Kiosk) -> list[Office]:
    """The active offices a kiosk lists, in office order; a kiosk set up before offices existed
    (none assigned) serves the installation's first office."""
    offices = [office for office in kiosk.offices if office.active]
    if not offices and not kiosk.offices:
        first = scope.default_office()
        offices = [first] if first is not None else []
    return offices


def serves_several(kiosk: Kiosk) -> bool:
    """A mall's entrance kiosk: its home screen lists offices, not services."""
    return len(kiosk_offices(kiosk)) > 1


def kiosk_office(kiosk: Kiosk, code: str | None = None) -> Office:
    """One office of this kiosk by its code; without a code, the kiosk's only office.

    An unknown office, or one this kiosk does not serve, is a NotFound (404) with a readable message.
    """
    offices = kiosk_offices(kiosk)
    if code is None:
        if len(offices) == 1:
            return offices[0]
        if not offices:
            raise NotFound(N_("Belum ada kantor."))
        raise InvalidInput(N_("Pilih kantor terlebih dahulu."))
    return office_among(offices, code)


def office_among(offices: list[Office], code: str) -> Office:
    """The office `code` if it is one of `offices` (those a kiosk serves, or the installation's);
    NotFound (404) for an unknown office and for one that is not among them (another kiosk's)."""
    code = (code or "").strip().lower()[:20]
    for office in offices:
        if office.code == code:
            return office
    scope.get_office(code)  # an unknown (or inactive) office: "Kantor '…' tidak ditemukan."
    raise NotFound(N_("Kios ini tidak melayani kantor '%(code)s'."), code=code)


def resolve_service(offices: list[Office], code: str, office_code: str | None = None) -> Service:
    """The active service `code` of one of `offices`: of the office named by `office_code`, else of
    the only office among them that has such a code. Codes repeat across offices ("A" everywhere),
    so a code more than one of them has needs the office (InvalidInput, 400)."""
    if office_code is not None:
        return core.get_service(code, office_among(offices, office_code).id)
    if len(offices) == 1:
        return core.get_service(code, offices[0].id)
    wanted = (code or "").strip().upper()
    found = list(db.session.scalars(select(Service).where(
        Service.office_id.in_([office.id for office in offices]), Service.code == wanted,
        Service.active.is_(True))))
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(N_("Layanan '%(code)s' tidak dikenal."), code=wanted[:10])
    raise InvalidInput(N_("Layanan '%(code)s' ada di beberapa kantor (%(offices)s): sebutkan kantornya."),
                       code=wanted[:10], offices=", ".join(s.office.code for s in found))


# --- what the screens show ---------------------------------------------------------------------

def services_overview(offices: list[Office] | Office | None = None) -> list[ServiceInfo]:
    """Active services with today's waiting count and the wait a new visitor should expect: of one
    office, of several (in office order), or (None) of the installation's first office."""
    if offices is None:
        first = scope.default_office()
        offices = [first] if first is not None else []
    elif isinstance(offices, Office):
        offices = [offices]
    day = local_day()
    office_ids = [office.id for office in offices]
    counts = core.waiting_counts(day, office_ids=office_ids)
    state = hours.state()
    rows = []
    for office_id in office_ids:
        for service in core.active_services(office_id):
            waiting = counts.get(service.id, 0)
            rows.append(ServiceInfo(
                service=service,
                open=state.open and service.is_open_on(day),
                waiting=waiting,
                estimated_wait_minutes=core.estimate_wait_minutes(service, waiting),
            ))
    return rows


def offices_overview(kiosk: Kiosk) -> list[OfficeInfo]:
    """The kiosk's offices with how many services each offers and how many wait in all today."""
    offices = kiosk_offices(kiosk)
    counts = core.waiting_counts(local_day(), office_ids=[office.id for office in offices])
    rows = []
    for office in offices:
        services = core.active_services(office.id)
        rows.append(OfficeInfo(office=office, services=len(services),
                               waiting=sum(counts.get(service.id, 0) for service in services)))
    return rows


def service_info(code: str, office: Office | None = None) -> ServiceInfo:
    """One service of an office (default: the installation's first) with its live counts."""
    service = core.get_service(code, office.id if office is not None else None)
    for info in services_overview(service.office):
        if info.service.id == service.id:
            return info
    raise NotFound(N_("Layanan '%(code)s' tidak dikenal."), code=code[:10])


def issue(kiosk: Kiosk, code: str, *, office: str | None = None, priority_reason: str | None = None,
          priority: bool = False, print_slip: bool = True) -> tuple[Ticket, PrintJob | None]:
    """Issue a ticket at a kiosk for a service of one of its offices (`office`: its code; needed only
    when the code is ambiguous among them) and queue its paper slip; a printer problem never stops
    the ticket. The kiosk screen offers three priority groups; the API may name any the domain knows.
    """
    if priority_reason is not None and priority_reason not in core.PRIORITY_REASONS:
        raise InvalidInput(N_("Alasan prioritas tidak dikenal."))
    offices = kiosk_offices(kiosk)
    if not offices:
        raise NotFound(N_("Belum ada kantor."))
    service = resolve_service(offices, code, office)
    ticket, event = core.add_ticket(service, priority=priority, priority_reason=priority_reason, kiosk=kiosk.id)
    if not print_slip:
        commit_and_publish(event, keep_loaded=True)
        return ticket, None
    # The slip's job is committed with the ticket (one transaction: a crash keeps both or neither)
    # and rendered and sent after the response, in the background.
    job, job_event = jobs.add_ticket_job(kiosk, ticket)
    commit_and_publish(event, job_event, keep_loaded=True)
    jobs.start(job.id, job.status)
    return ticket, job


def kiosk_ticket(kiosk: Kiosk, token: str) -> Ticket:
    """A ticket issued at this kiosk (its confirmation screen)."""
    ticket = core.ticket_by_token(token)
    if ticket.kiosk != kiosk.id:
        raise NotFound(N_("Tiket tidak ditemukan."))
    return ticket


def latest_job_for(ticket: Ticket) -> PrintJob | None:
    return db.session.scalar(
        select(PrintJob).where(PrintJob.ticket_id == ticket.id).order_by(PrintJob.id.desc()).limit(1)
    )


def set_printer_config(kiosk: Kiosk, config: dict, *, actor=None) -> Kiosk:
    """Change a kiosk's printer; raises PrinterConfigError with a readable message when invalid."""
    from loket import audit

    before = dict(kiosk.printer or {})
    kiosk.printer = validate_config(config)
    offices = [office.id for office in kiosk.offices]
    audit.record("kiosk.printer", "kiosk", kiosk.id, label=kiosk.name or kiosk.id,
                 office_id=offices[0] if len(offices) == 1 else None, actor=actor, before=before,
                 after=dict(kiosk.printer))
    commit_and_publish(DomainEvent("kiosk.printer", {"kiosk": kiosk.id, "kind": kiosk.printer["kind"]}, rooms=()))
    return kiosk
