"""Managing staff accounts from the administration: add, change role and counters, disable, reset.

A password the office chose for someone (a new account, a reset) is generated, shown once and
never stored in the clear; the account must choose its own at its next login. Every change is in
the audit log, in the change's own transaction. Nothing here knows about HTTP.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select

from loket import audit
from loket.auth.models import ADMIN, OFFICER, ROLES, SUPERVISOR, User
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed
from loket.queue.models import Counter


def N_(message: str) -> str:
    return message


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
ROLE_LABELS = {OFFICER: N_("Petugas loket"), SUPERVISOR: N_("Supervisor"), ADMIN: N_("Admin")}
# Letters and digits nobody confuses when reading them off a screen (no 0/O, 1/l/I).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """Three groups of four, e.g. `k7mp-x3qa-9tze` (about 74 bits): easy to read out and type once."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def snapshot(user: User) -> dict:
    """What the audit log keeps of an account (never its password or sessions)."""
    return {"nama": user.display_name, "peran": user.role, "aktif": user.active,
            "loket": [c.number for c in user.counters]}


def display_names(user_ids) -> dict[int, str]:
    """How staff pages name accounts (the log, the dashboard, a complaint's history): one query."""
    wanted = {i for i in user_ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def accounts_of(office_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.office_id == office_id)
                                   .order_by(User.active.desc(), User.role, User.username)))


def account_for(user_id: int, actor: User) -> User:
    """An account the actor may see: one of their office's (the installation admin: any office's)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("Akun tidak ditemukan."))
    if user.office_id is None and not actor.is_installation_admin:
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    if user.office_id is not None and not actor.sees_office(user.office_id):
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    return user


def _counters(office_id: int, counter_ids) -> list[Counter]:
    wanted = {int(i) for i in counter_ids or ()}
    if not wanted:
        return []
    found = list(db.session.scalars(select(Counter).where(Counter.id.in_(wanted), Counter.office_id == office_id,
                                                          Counter.active.is_(True)).order_by(Counter.number)))
    if len(found) != len(wanted):
        raise InvalidInput(N_("Loket yang dipilih tidak ada di kantor ini."))
    return found


def validate_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput(N_("Nama pengguna 2–40 karakter: huruf kecil, angka, titik, garis bawah atau tanda "
                              "hubung, diawali huruf atau angka."))
    if db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.username) == username)):
        raise InvalidInput(N_("Nama pengguna '%(username)s' sudah dipakai."), username=username)
    return username


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(N_("Peran tidak dikenal."))
    return role


def _event(name: str, user: User) -> DomainEvent:
    # Staff rooms only care that the list changed; no name or password travels.
    return DomainEvent(name, {"office": user.office_id, "account": user.id}, rooms=())


def create_account(*, office_id: int, username: str, display_name: str, role: str, counter_ids=(),
                   actor: User) -> tuple[User, str]:
    """A new account of an office with a generated one-time password (returned, shown once)."""
    username = validate_username(username)
    password = one_time_password()
    user = User(username=username, display_name=(display_name or "").strip()[:120] or username,
                role=_role(role), office_id=office_id, counters=_counters(office_id, counter_ids),
                must_change_password=True, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("officer.added", "user", user.id, label=user.username, office_id=office_id, actor=actor,
                 after=snapshot(user))
    commit_and_publish(_event("staff.added", user))
    return user, password


def update_account(user: User, *, display_name: str, role: str, counter_ids=(), actor: User) -> User:
    """Name, role and the counters the account may use."""
    role = _role(role)
    if user.id == actor.id and role != user.role:
        raise InvalidInput(N_("Anda tidak dapat mengubah peran akun Anda sendiri."))
    before = snapshot(user)
    user.display_name = (display_name or "").strip()[:120] or user.username
    user.role = role
    if user.office_id is not None:
        user.counters = _counters(user.office_id, counter_ids)
    audit.record("officer.changed", "user", user.id, label=user.username, office_id=user.office_id, actor=actor,
                 before=before, after=snapshot(user))
    commit_and_publish(_event("staff.changed", user))
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    """Disable (every session of the account ends at once) or enable again. Accounts are never
    deleted: the ticket log and the audit log keep naming who did what."""
    if user.id == actor.id and not active:
        raise InvalidInput(N_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    before = snapshot(user)
    user.active = bool(active)
    audit.record("officer.enabled" if active else "officer.disabled", "user", user.id, label=user.username,
                 office_id=user.office_id, actor=actor, before=before, after=snapshot(user))
    commit_and_publish(_event("staff.changed", user))
    return user


def reset_password(user: User, *, actor: User) -> str:
    """A new one-time password (returned, shown once); the account's sessions end and it must choose
    its own password at the next login."""
    if user.id == actor.id:
        raise InvalidInput(N_("Ganti kata sandi Anda sendiri lewat halaman akun."))
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    audit.record("officer.password_reset", "user", user.id, label=user.username, office_id=user.office_id,
                 actor=actor)
    commit_and_publish(_event("staff.changed", user))
    return password
