"""Staff accounts: officers serve at counters, supervisors read reports, admins configure.

Visitors never have accounts; tickets are anonymous.
"""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import false as sa_false
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from loket.extensions import db
from loket.queue.models import Counter
from loket.timeutil import utcnow

OFFICER, SUPERVISOR, ADMIN = "officer", "supervisor", "admin"
ROLES = (OFFICER, SUPERVISOR, ADMIN)

counter_officers = Table(
    "counter_officers",
    db.metadata,
    Column("counter_id", ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=OFFICER)
    # The office the account works for; None only for an installation-wide admin (every office).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A password someone else chose or saw (a one-time or reset password): the account must choose
    # its own at the next login before any other page opens (loket.auth.init_app).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    counters: Mapped[list[Counter]] = relationship(secondary=counter_officers, order_by=Counter.number)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.active

    # The token of the staff session this object was loaded through or started for (never stored:
    # the database keeps only its digest, see loket.auth.sessions).
    session_token = None

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the token of this login's server-side session,
        so logging out, a new password or disabling the account ends it (loket.auth.sessions)."""
        return f"{self.id}:{self.session_token or ''}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role == ADMIN or self.role in roles

    @property
    def is_installation_admin(self) -> bool:
        """An admin of no single office: manages offices and sees every one of them."""
        return self.role == ADMIN and self.office_id is None

    def sees_office(self, office_id: int | None) -> bool:
        """May this account see and touch things of `office_id`? Only its own office's."""
        return self.is_installation_admin or (office_id is not None and office_id == self.office_id)

    def may_use_counter(self, counter: Counter) -> bool:
        if not self.sees_office(counter.office_id):
            return False
        return self.role == ADMIN or any(c.id == counter.id for c in self.counters)


class StaffSession(db.Model):
    """One login of a staff member, kept on the server: the cookie opens pages only while its row
    exists. Logging out deletes the row; a new password or a disabled account deletes them all."""

    __tablename__ = "staff_sessions"
    # SHA-256 of the token in the cookie, so a copy of the database (a backup) opens no session.
    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
