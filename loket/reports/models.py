"""What a supervisor writes about a period: the SKM follow-up plan (rencana tindak lanjut).

Kept per office and period key, so it stays with the period's report and is published with its IKM.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import utcnow


class SkmFollowUp(db.Model):
    __tablename__ = "skm_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    period: Mapped[str] = mapped_column(String(30))  # the period key: 2026-S2, 2026, 2026-11 …
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("office_id", "period", name="uq_skm_followups_office_period"),)
