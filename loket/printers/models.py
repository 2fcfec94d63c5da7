"""Print jobs: every slip sent to a kiosk's printer.

A job is recorded before anything is sent, so a dead printer never loses a ticket; see `jobs.py`.
A ticket's job is recorded in the ticket's own transaction with what its slip says (`slip`); its
ESC/POS bytes (`payload`) are rendered once, by the first sender, and every retry prints them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
JOB_STATUSES = (PENDING, SENDING, SENT, FAILED)
JOB_KINDS = ("ticket", "complaint", "case", "test")


class PrintJob(db.Model):
    """One slip for one kiosk's printer; `status` moves pending → sending → sent | failed."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(12), default="ticket")
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None until first sent
    slip: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # what a not yet rendered slip says
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_print_jobs_kiosk_status", "kiosk_id", "status", "id"),)

    def __repr__(self) -> str:
        return f"<PrintJob {self.id} {self.kind} {self.status}>"
