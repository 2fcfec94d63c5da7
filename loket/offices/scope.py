"""Which office a request is about, and who may see it: plain functions over the database.

A staff account belongs to one office and sees nothing of another; an admin of no office (the
installation admin) sees every office. Views call `office_for_staff` / `require_office`; the
domain raises `OfficeNotAllowed` (403) so a forbidden office reads the same everywhere.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from loket.extensions import db
from loket.offices.models import DEFAULT_CODE, Office
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed


def N_(message: str) -> str:
    return message


CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,3}$")


def active_offices() -> list[Office]:
    return list(db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.position, Office.id)))


def default_office() -> Office | None:
    """The installation's first office: the one a single-office installation has."""
    return db.session.scalar(select(Office).where(Office.active.is_(True)).order_by(Office.position, Office.id)
                             .limit(1))


def get_office(code: str | None) -> Office:
    code = (code or "").strip().lower()[:20]
    office = db.session.scalar(select(Office).where(Office.code == code, Office.active.is_(True))) if code else None
    if office is None:
        raise NotFound(N_("Kantor '%(code)s' tidak ditemukan."), code=code)
    return office


def visible_offices(user) -> list[Office]:
    """The offices a staff account may see: its own, or every one for the installation admin."""
    if user.is_installation_admin:
        return active_offices()
    office = db.session.get(Office, user.office_id) if user.office_id is not None else None
    return [office] if office is not None and office.active else []


def office_for_staff(user, code: str | None = None) -> Office:
    """The office a staff page is about: the account's own; the installation admin picks one with
    `code` (default: the first). Naming another office than one's own is a 403, never a quiet switch."""
    if user.is_installation_admin:
        return get_office(code) if code else (default_office() or _no_office())
    office = db.session.get(Office, user.office_id) if user.office_id is not None else None
    if office is None:
        raise OfficeNotAllowed(N_("Akun ini belum terdaftar di kantor mana pun."))
    if code and code.strip().lower() != office.code:
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    return office


def require_office(user, office_id: int | None) -> None:
    if not user.sees_office(office_id):
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))


def _no_office():
    raise NotFound(N_("Belum ada kantor."))


# --- managing offices (the installation admin, `loket office …`) -------------------------------

def validate_code(code: str) -> str:
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise InvalidInput(N_("Kode kantor harus 1–20 huruf kecil, angka atau tanda hubung."))
    return code


def validate_prefix(prefix: str, *, office: Office | None = None) -> str:
    prefix = (prefix or "").strip().upper()
    if prefix and not PREFIX_RE.match(prefix):
        raise InvalidInput(N_("Awalan nomor harus 1–3 huruf."))
    taken = db.session.scalar(select(Office.id).where(Office.prefix == prefix,
                                                       Office.id != (office.id if office else -1)))
    if taken is not None:
        if not prefix:
            raise InvalidInput(N_("Hanya satu kantor boleh tanpa awalan nomor; beri kantor ini awalan."))
        raise InvalidInput(N_("Awalan nomor '%(prefix)s' sudah dipakai kantor lain."), prefix=prefix)
    return prefix


def create_office(code: str, *, name: str = "", prefix: str = "") -> Office:
    code = validate_code(code)
    if db.session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise InvalidInput(N_("Kode kantor '%(code)s' sudah dipakai."), code=code)
    prefix = validate_prefix(prefix)
    position = (db.session.scalar(select(db.func.max(Office.position))) or 0) + 1
    office = Office(code=code, prefix=prefix, name=name or code, short_name=name or code, position=position,
                    active=True, data={})
    db.session.add(office)
    db.session.flush()
    return office


def ensure_default_office() -> Office:
    office = default_office() or db.session.scalar(select(Office).order_by(Office.position, Office.id).limit(1))
    if office is None:
        office = Office(code=DEFAULT_CODE, prefix="", name="Loket", short_name="Loket", position=0, active=True,
                        data={})
        db.session.add(office)
        db.session.flush()
    return office
