"""Feedback data: anonymous SKM survey answers, the one-way "ticket already surveyed" marker, complaints.

A SurveyResponse never references a ticket; SurveyTicketUse only says a ticket was used, not how it answered.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.extensions import db
from loket.offices.models import Office
from loket.queue.models import Service
from loket.timeutil import utcnow

# Complaint statuses, in the order a complaint moves through them.
RECEIVED, IN_PROGRESS, ANSWERED, CLOSED = "received", "in_progress", "answered", "closed"
COMPLAINT_STATUSES = (RECEIVED, IN_PROGRESS, ANSWERED, CLOSED)
OPEN_STATUSES = (RECEIVED, IN_PROGRESS)

CATEGORIES = ("pengaduan", "saran", "masukan")
# Channels the Standar Pelayanan lists, plus the kiosk and the public web page.
CHANNELS = ("kiosk", "web", "phone", "email", "letter", "suggestion_box", "sp4n_lapor", "klungkung_mesadu",
            "in_person")
STAFF_CHANNELS = ("phone", "email", "letter", "suggestion_box", "sp4n_lapor", "klungkung_mesadu", "in_person")


class SurveyResponse(db.Model):
    """One anonymous SKM questionnaire: nine answers 1..4 and an optional respondent profile.

    Only the office-local day is kept (no time of day), so an answer cannot be matched to a visit.
    """

    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    period: Mapped[date] = mapped_column(Date, index=True)
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    gender: Mapped[str | None] = mapped_column(String(1), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    education: Mapped[str | None] = mapped_column(String(8), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(12), nullable=True)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)

    service: Mapped[Service] = relationship()

    @property
    def answers(self) -> tuple[int, ...]:
        return (self.u1, self.u2, self.u3, self.u4, self.u5, self.u6, self.u7, self.u8, self.u9)


class SurveyTicketUse(db.Model):
    """Marks a ticket whose survey was filled in; deliberately holds nothing else (no time, no answer)."""

    __tablename__ = "survey_ticket_uses"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)


class Complaint(db.Model):
    """A complaint, suggestion or input (pengaduan/saran/masukan) and its handling."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(20))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    # Personal data: optional, shown to staff only, purged after the retention period.
    name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default=RECEIVED)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    in_progress_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The officer a supervisor gave it to (None: not assigned; the office's supervisors handle it).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)

    service: Mapped[Service | None] = relationship()
    office: Mapped[Office] = relationship()

    __table_args__ = (Index("ix_complaints_status_received", "status", "received_at"),)

    @property
    def has_contact(self) -> bool:
        return bool(self.name or self.contact)

    def __repr__(self) -> str:
        return f"<Complaint {self.code} {self.status}>"


class ComplaintStep(db.Model):
    """One step in a complaint's history: received, assigned, a status change, an answer, an internal
    note (never shown to the public), a reply of the complainant (which reopens it). Only added."""

    __tablename__ = "complaint_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # None: the complainant
    kind: Mapped[str] = mapped_column(String(20))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class FormSubmission(db.Model):
    """A public form's one-time key (hidden field): a repeated POST (double tap, reload, flaky network)
    finds it and is answered with the first result instead of storing the same thing twice.

    For a survey it holds nothing but the key, so no answer can be traced through it.
    """

    __tablename__ = "feedback_form_submissions"
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"),
                                                     nullable=True)
    # The office-local day only: enough to clear old keys, too coarse to match a visit.
    day: Mapped[date] = mapped_column(Date, index=True)
