"""Persistent case state (berkas): the case, its completed milestones, stopped clocks, documents and log.

Only completions are stored: due dates are computed from the standard and the office calendar
(`loket.cases.core.due_dates`); every change goes through `loket.cases.core`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.extensions import db
from loket.queue.models import Service
from loket.timeutil import utcnow

OPEN, WAITING, DONE, CANCELLED = "open", "waiting", "done", "cancelled"
STATES = (OPEN, WAITING, DONE, CANCELLED)
ACTIVE_STATES = (OPEN, WAITING)  # on the worklist; WAITING: menunggu kelengkapan berkas, the clock stands still
AT_COUNTER = "loket"  # the channel of a case opened from a ticket; letters use the standard's intake kinds


class Case(db.Model):
    """A request tracked against the standard's promised days. `token` is the public tracking URL's key,
    `code` the short code printed for people to type; neither says anything about the applicant."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True, unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    requester: Mapped[str] = mapped_column(String(200))  # the requesting OPD / organisation
    # Personal data: staff only, blanked after the office's retention period once the case is closed.
    contact_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(120), nullable=True)  # only with consent
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    variant: Mapped[str | None] = mapped_column(String(40), nullable=True)  # selection method, "lkpp"
    activity_day: Mapped[date | None] = mapped_column(Date, nullable=True)  # bimtek: the day of the activity
    lead_time_short: Mapped[str | None] = mapped_column(Text, nullable=True)  # why the request came too late
    received_on: Mapped[date] = mapped_column(Date)  # office-local day the promised days count from
    state: Mapped[str] = mapped_column(String(12), default=OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The running milestone's due date, kept for the worklist's sort; None while waiting or closed.
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    service: Mapped[Service] = relationship()
    assignee = relationship("User")
    completions: Mapped[list[CaseMilestone]] = relationship(order_by="CaseMilestone.id", back_populates="case")
    pauses: Mapped[list[CasePause]] = relationship(order_by="CasePause.id", back_populates="case")
    documents: Mapped[list[CaseDocument]] = relationship(order_by="CaseDocument.position", back_populates="case")

    __table_args__ = (
        # The worklist: an office's open cases by due date, or one officer's.
        Index("ix_cases_office_state_due", "office_id", "state", "next_due"),
        Index("ix_cases_assignee_state", "assignee_id", "state"),
    )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def open_pause(self) -> CasePause | None:
        return next((pause for pause in self.pauses if pause.resumed_on is None), None)

    def __repr__(self) -> str:
        return f"<Case {self.code} {self.state}>"


class CaseMilestone(db.Model):
    """A milestone of a case completed: when (office-local day and UTC moment), by whom."""

    __tablename__ = "case_milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    key: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    case: Mapped[Case] = relationship(back_populates="completions")

    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_case_milestones_case_key"),)


class CasePause(db.Model):
    """A stopped clock: the office waits for `missing` from the applicant (menunggu kelengkapan berkas)."""

    __tablename__ = "case_pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stopped_on: Mapped[date] = mapped_column(Date)
    resumed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # None while waiting
    missing: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="pauses")


class CaseDocument(db.Model):
    """One line of the requirement checklist, copied from the service's standard when the case opened."""

    __tablename__ = "case_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    received: Mapped[bool] = mapped_column(Boolean, default=False)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    case: Mapped[Case] = relationship(back_populates="documents")

    __table_args__ = (UniqueConstraint("case_id", "position", name="uq_case_documents_case_position"),)


class CaseEvent(db.Model):
    """Append-only log of everything that happened to a case: who, what, when."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
