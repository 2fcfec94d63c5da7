"""One-time keys for the public feedback forms: a repeated POST (double tap, reload, flaky network)
is answered with the first result and never stores the same complaint or survey twice.
"""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import delete

from loket.extensions import db
from loket.feedback.models import FormSubmission
from loket.timeutil import local_day, utcnow

_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
# Keys only need to outlive a retry; older ones are cleared by `loket privacy purge`.
KEEP_DAYS = 2


def new() -> str:
    """A fresh key for a form (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def clean(value: object) -> str | None:
    """The key when it looks like one of ours, else None (the form still works, without the guard)."""
    text = value if isinstance(value, str) else ""
    return text if _NONCE.match(text) else None


def seen(nonce: str | None) -> FormSubmission | None:
    return db.session.get(FormSubmission, nonce) if nonce else None


def mark(nonce: str | None, *, complaint_id: int | None = None, now: datetime | None = None) -> None:
    """Record the key in the caller's transaction; its primary key lets only one of two racing POSTs in."""
    if nonce:
        db.session.add(FormSubmission(nonce=nonce, complaint_id=complaint_id, day=local_day(now or utcnow())))


def purge(today: date | None = None) -> int:
    """Delete keys older than KEEP_DAYS; the caller commits."""
    cutoff = (today or local_day()) - timedelta(days=KEEP_DAYS)
    return db.session.execute(
        delete(FormSubmission).where(FormSubmission.day < cutoff).execution_options(synchronize_session=False)
    ).rowcount
