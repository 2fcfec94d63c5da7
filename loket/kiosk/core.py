"""Kiosk domain: what the entrance screen shows and does, as plain functions over the database.

Issuing goes through `loket.queue.core.issue_ticket`; printing through `loket.printers.jobs`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.kiosk.models import Kiosk
from loket.printers import jobs
from loket.printers.connections import validate_config
from loket.printers.models import PrintJob
from loket.queue import core, hours
from loket.queue.errors import InvalidInput, NotFound
from loket.queue.models import Service, Ticket
from loket.timeutil import local_day

N_ = core.N_

# The priority groups the kiosk offers (UU 25/2009 pasal 29); the domain accepts a few more.
KIOSK_PRIORITY_REASONS = ("lansia", "disabilitas", "ibu_hamil")


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


def get_kiosk(kiosk_id: str) -> Kiosk:
    kiosk = db.session.get(Kiosk, (kiosk_id or "")[:40])
    if kiosk is None or not kiosk.active:
        raise NotFound(N_("Kios '%(id)s' tidak ditemukan."), id=(kiosk_id or "")[:40])
    return kiosk


def first_kiosk() -> Kiosk | None:
    return db.session.scalar(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id).limit(1))


def office_open() -> hours.OfficeState:
    return hours.state()


def services_overview() -> list[ServiceInfo]:
    """Active services with today's waiting count and the wait a new visitor should expect."""
    day = local_day()
    counts = core.waiting_counts(day)
    office = hours.state()
    rows = []
    for service in core.active_services():
        waiting = counts.get(service.id, 0)
        rows.append(ServiceInfo(
            service=service,
            open=office.open and service.is_open_on(day),
            waiting=waiting,
            estimated_wait_minutes=core.estimate_wait_minutes(service, waiting),
        ))
    return rows


def service_info(code: str) -> ServiceInfo:
    service = core.get_service(code)
    for info in services_overview():
        if info.service.id == service.id:
            return info
    raise NotFound(N_("Layanan '%(code)s' tidak dikenal."), code=code[:10])


def issue(kiosk: Kiosk, code: str, *, priority_reason: str | None = None, priority: bool = False,
          print_slip: bool = True) -> tuple[Ticket, PrintJob | None]:
    """Issue a ticket at a kiosk and queue its paper slip; a printer problem never stops the ticket.

    The kiosk screen offers three priority groups; the API may name any the domain knows.
    """
    if priority_reason is not None and priority_reason not in core.PRIORITY_REASONS:
        raise InvalidInput(N_("Alasan prioritas tidak dikenal."))
    ticket = core.issue_ticket(code, priority=priority, priority_reason=priority_reason, kiosk=kiosk.id)
    job = None
    if print_slip:
        job = jobs.submit(kiosk, jobs.ticket_slip(ticket), ticket=ticket)
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


def set_printer_config(kiosk: Kiosk, config: dict) -> Kiosk:
    """Change a kiosk's printer; raises PrinterConfigError with a readable message when invalid."""
    kiosk.printer = validate_config(config)
    commit_and_publish(DomainEvent("kiosk.printer", {"kiosk": kiosk.id, "kind": kiosk.printer["kind"]}, rooms=()))
    return kiosk
