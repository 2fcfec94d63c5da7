"""Persistent queue state: services, counters, tickets, the daily sequences and the event log.

Only data and small derived properties live here; every change goes through `loket.queue.core`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.cases import milestones as case_rules
from loket.extensions import db
from loket.offices.models import Office
from loket.timeutil import utcnow

WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED = "waiting", "called", "serving", "done", "no_show", "cancelled"
STATES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED)
ACTIVE_STATES = (WAITING, CALLED, SERVING)
AT_COUNTER_STATES = (CALLED, SERVING)
SERVICE_NAME_PREFIX = "Pelayanan "  # left out of a service's short name when its standard gives none

counter_services = Table(
    "counter_services",
    db.metadata,
    Column("counter_id", ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Service(db.Model):
    """One service of the office's Standar Pelayanan; `standard` keeps the full text as data."""

    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    code: Mapped[str] = mapped_column(String(2))  # unique within the office
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    standard: Mapped[dict] = mapped_column(JSON, default=dict)
    # Minutes the standard promises when it promises minutes/hours (None for day-long services).
    promised_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A service closed for the day: the kiosk issues nothing for it until the next office day.
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    office: Mapped[Office] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("office_id", "code", name="services_office_id_code_key"),
        UniqueConstraint("office_id", "slug", name="services_office_id_slug_key"),
    )

    def is_open_on(self, day: date) -> bool:
        return self.active and self.closed_on != day

    @property
    def short_name(self) -> str:
        """The name for a TV tile or a kiosk button: the standard's `short_name`, else the name without
        the "Pelayanan " every name of a standard tends to start with (it would say nothing on a tile)."""
        short = (self.standard or {}).get("short_name")
        if isinstance(short, str) and short.strip():
            return short.strip()
        head, rest = self.name[:len(SERVICE_NAME_PREFIX)], self.name[len(SERVICE_NAME_PREFIX):].strip()
        return rest if head.lower() == SERVICE_NAME_PREFIX.lower() and rest else self.name

    @property
    def milestones(self) -> tuple[case_rules.Milestone, ...]:
        """The standard's case milestones, in order; () for a service served at the counter only."""
        return case_rules.milestones_of(self.standard)

    @property
    def lead_time(self) -> case_rules.LeadTime | None:
        """How long before the activity a request must arrive, when the standard says."""
        return case_rules.lead_time_of(self.standard)

    @property
    def intake(self) -> tuple[case_rules.Intake, ...]:
        """The ways the standard says a request letter reaches the office (e-Surat, courier)."""
        return case_rules.intake_of(self.standard)

    def __repr__(self) -> str:
        return f"<Service {self.code} {self.slug}>"


class Counter(db.Model):
    """A loket: where an officer calls and serves visitors."""

    __tablename__ = "counters"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    number: Mapped[int] = mapped_column(Integer)  # unique within the office
    name: Mapped[str] = mapped_column(String(80))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # since when (the dashboard)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    services: Mapped[list[Service]] = relationship(secondary=counter_services, order_by=Service.position)
    office: Mapped[Office] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("office_id", "number", name="counters_office_id_number_key"),)

    def __repr__(self) -> str:
        return f"<Counter {self.number}>"


class DailySequence(db.Model):
    """The last number handed out per service and office-local day: the source of ticket numbers."""

    __tablename__ = "daily_sequences"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(db.Model):
    """A visitor's place in a queue; `number` stays the same across transfers."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # The office of the service it was issued for; a transfer stays inside the office.
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    number: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    issued_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    state: Mapped[str] = mapped_column(String(12), default=WAITING)
    close_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kiosk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    issued_service: Mapped[Service] = relationship(foreign_keys=[issued_service_id])
    counter: Mapped[Counter | None] = relationship()

    __table_args__ = (
        Index("ix_tickets_number_day", "issued_service_id", "day", "seq", unique=True),
        Index("ix_tickets_office_day", "office_id", "day", "state"),
        # A counter's current visitor (boards, the desk) and a service's latest finished visits
        # (the wait estimate): index look-ups, however many tickets the day or the month holds.
        Index("ix_tickets_counter_state", "counter_id", "state"),
        Index("ix_tickets_service_finished", "service_id", "state", "finished_at"),
    )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.state}>"



# Today's waiting tickets of a service in calling order (priority first, then first come): the next
# call, the boards' "next up", people ahead and the waiting counts read this index alone, without a
# sort, however many tickets the day holds.
Index("ix_tickets_queue", Ticket.service_id, Ticket.state, Ticket.day, Ticket.priority.desc(), Ticket.queued_at,
      Ticket.id)

class TicketEvent(db.Model):
    """Append-only log of everything that happened to a ticket: who, what, when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    # The boards' call history ("called"/"recalled" of today, newest first) reads this index
    # backwards from the day's end instead of scanning the whole log.
    # The boards' call history by kind and time; the audit page's newest staff actions by time (it
    # walks back from the newest and stops at its page size, however long the log has grown).
    __table_args__ = (Index("ix_ticket_events_kind_at", "kind", "at"), Index("ix_ticket_events_at", "at"))
