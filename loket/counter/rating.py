"""The quick rating at the counter: ask when a case closes, take exactly one tap, expire by itself.

Domain functions only (no request/socket); each ends in `commit_and_publish`. The rating screen
follows the room `rate:<counter id>`, which carries only the one-time id, the number and the service.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from loket.counter.models import QuickRating, RatingRequest
from loket.events import DomainEvent, commit_and_publish, counter_room
from loket.extensions import db
from loket.queue.core import N_
from loket.queue.errors import InvalidInput, QueueError
from loket.queue.models import DONE, Counter, Ticket
from loket.timeutil import utcnow

SCORES = (1, 2, 3, 4)


class RatingClosed(QueueError):
    """The request was already answered or has expired."""

    status = 410


def rate_room(counter_id: int) -> str:
    return f"rate:{counter_id}"


def timeout_seconds() -> int:
    return int(current_app.config.get("LOKET_RATING_TIMEOUT", 60))


def request_rating(ticket: Ticket, counter: Counter, *, now: datetime | None = None) -> RatingRequest:
    """Open a one-time rating for a closed case; the counter's rating screen lights up."""
    if ticket.state != DONE:
        raise InvalidInput(N_("Hanya layanan yang sudah selesai yang bisa dinilai."))
    now = now or utcnow()
    seconds = timeout_seconds()
    # A newer case replaces an unanswered older request at the same counter.
    db.session.execute(
        update(RatingRequest)
        .where(RatingRequest.counter_id == counter.id, RatingRequest.answered_at.is_(None),
               RatingRequest.expires_at > now)
        .values(expires_at=now)
    )
    request = RatingRequest(
        id=secrets.token_urlsafe(24), ticket_id=ticket.id, officer_id=ticket.officer_id,
        service_id=ticket.service_id, counter_id=counter.id, created_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    db.session.add(request)
    commit_and_publish(DomainEvent(
        "rating.requested",
        {"rating": request.id, "number": ticket.number, "service": ticket.service.code,
         "counter": counter.number, "timeout": seconds},
        rooms=(rate_room(counter.id),),
    ))
    return request


def current_request(counter: Counter, *, now: datetime | None = None) -> RatingRequest | None:
    now = now or utcnow()
    return db.session.scalar(
        select(RatingRequest)
        .where(RatingRequest.counter_id == counter.id, RatingRequest.answered_at.is_(None),
               RatingRequest.expires_at > now)
        .order_by(RatingRequest.created_at.desc())
        .limit(1)
    )


def submit_rating(request_id: str, score, *, counter: Counter | None = None,
                  now: datetime | None = None) -> QuickRating:
    """Store the tap. A second tap, a late tap or a tap on another counter's request is refused."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in SCORES:
        raise InvalidInput(N_("Nilai harus antara 1 dan 4."))
    now = now or utcnow()
    request = db.session.get(RatingRequest, (request_id or "")[:43]) if request_id else None
    if request is None or (counter is not None and request.counter_id != counter.id):
        raise RatingClosed(N_("Permintaan penilaian tidak ditemukan atau sudah berakhir."))
    # Claim the request with a conditional UPDATE: two taps at once store one rating.
    claimed = db.session.execute(
        update(RatingRequest)
        .where(RatingRequest.id == request.id, RatingRequest.answered_at.is_(None), RatingRequest.expires_at > now)
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise RatingClosed(N_("Permintaan penilaian tidak ditemukan atau sudah berakhir."))
    rating = QuickRating(request_id=request.id, ticket_id=request.ticket_id, officer_id=request.officer_id,
                         service_id=request.service_id, counter_id=request.counter_id, score=score, created_at=now)
    db.session.add(rating)
    counter_obj = db.session.get(Counter, request.counter_id)
    commit_and_publish(DomainEvent(
        "rating.recorded",
        {"rating": request.id, "counter": counter_obj.number if counter_obj else None, "score": score},
        rooms=(rate_room(request.counter_id), counter_room(request.counter_id)),
    ))
    return rating
