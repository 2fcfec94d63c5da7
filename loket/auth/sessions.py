"""Staff sessions kept on the server, so that logging out really ends a session.

Flask's session cookie lives in the browser: a copy taken before logout would stay valid for ever.
So each login gets a random token; the cookie carries `<user id>:<token>` (`User.get_id`), the
`staff_sessions` table only the token's SHA-256, and a cookie opens pages only while its row exists.
Logging out deletes the row; a new password or a disabled account deletes all of the account's rows,
whatever code path makes the change (the flush hook below also covers `loket officer password`).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, event, inspect
from sqlalchemy.orm import Session

from loket.auth.models import StaffSession, User
from loket.extensions import db
from loket.ops.scheduler import every
from loket.timeutil import utcnow

TOKEN_BYTES = 32  # 256 random bits, 43 URL-safe characters
MAX_TOKEN = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(user: User) -> str:
    """A new session for `user` (committed); `user.get_id()` now names it for `login_user`."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(StaffSession(token_digest=_digest(token), user_id=user.id))
    db.session.commit()
    user.session_token = token
    return token


def resume(session_id) -> User | None:
    """The active account whose live session `session_id` (from the cookie) names, else None."""
    if not isinstance(session_id, str):
        return None
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 10):
        return None
    if not (token.isascii() and 0 < len(token) <= MAX_TOKEN):
        return None
    row = db.session.get(StaffSession, _digest(token))
    if row is None or row.user_id != int(user_id) or row.created_at < utcnow() - lifetime():
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def lifetime() -> timedelta:
    """How long a login lasts (LOKET_SESSION_DAYS): a browser closed without logging out, or a
    forgotten cookie, opens nothing after that."""
    return timedelta(days=current_app.config.get("LOKET_SESSION_DAYS", 30))


@every(24 * 3600, name="staff_session_prune")
def prune(app=None) -> int:
    """Delete sessions past their lifetime (the scheduler runs this daily, once per installation)."""
    removed = db.session.execute(delete(StaffSession).where(StaffSession.created_at < utcnow() - lifetime())).rowcount
    db.session.commit()
    return removed


def end(user: User) -> None:
    """End the session `user` was loaded through (logout); other devices stay signed in."""
    if user.session_token:
        db.session.execute(delete(StaffSession).where(StaffSession.token_digest == _digest(user.session_token)))
        db.session.commit()
    user.session_token = None


def change_password(user: User, password: str) -> str:
    """Set a new password: every session of the account ends, and a fresh one starts for the
    browser that changed it (returned; log it in again with `login_user`)."""
    user.set_password(password)
    user.must_change_password = False  # chosen by its owner now
    db.session.flush()  # the hook below deletes the old sessions here
    return start(user)


@event.listens_for(Session, "before_flush")
def _end_sessions_of_changed_accounts(session: Session, _context, _instances) -> None:
    """A changed password or a disabled account ends the account's sessions in the same
    transaction, wherever the change is made (pages, `loket officer password`, a script)."""
    ended = []
    for obj in session.dirty:
        if not isinstance(obj, User) or obj.id is None:
            continue
        state = inspect(obj)
        # has_changes() is also true for a value set without loading the old one: end them then too.
        new_password = state.attrs.password_hash.history.has_changes()
        if new_password or (state.attrs.active.history.added and not obj.active):
            ended.append(obj.id)
            obj.session_token = None
    if ended:
        table = StaffSession.__table__
        session.connection().execute(delete(table).where(table.c.user_id.in_(ended)))
