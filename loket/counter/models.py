"""Quick ratings given at the counter (one tap, 1..4) and the one-time requests that allow them.

A request is created when a case closes and expires by itself; a rating is stored at most once per
request, against the ticket, the officer, the service and the counter. Nothing identifies the visitor.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import utcnow


class RatingRequest(db.Model):
    """A case just closed at a counter: the rating screen may take one tap for it until `expires_at`."""

    __tablename__ = "rating_requests"
    id: Mapped[str] = mapped_column(String(43), primary_key=True)  # unguessable one-time id
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class QuickRating(db.Model):
    """One visitor's tap on the 4-point scale (1 = tidak puas … 4 = sangat puas)."""

    __tablename__ = "quick_ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("rating_requests.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 4", name="ck_quick_rating_score"),)
