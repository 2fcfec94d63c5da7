"""Tables of the scheduler: one row per periodic job (its next due time and lease), one per serving process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import utcnow


class ScheduledJob(db.Model):
    """A periodic job of the installation. A process runs it only after claiming it with a conditional
    UPDATE (due, and no live lease), so it runs once however many processes serve."""

    __tablename__ = "scheduled_jobs"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    holder: Mapped[str] = mapped_column(String(120), default="")
    runs: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(20), default="")  # ok | failed
    last_result: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[dict] = mapped_column(JSON, default=dict)  # what a job remembers between runs


class ServerProcess(db.Model):
    """A `loket serve` process, seen by its heartbeat (restore refuses while one is alive; doctor lists them)."""

    __tablename__ = "server_processes"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(120), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
