"""Kiosks from the administration: an office's kiosks with their printers' state, and adding one.

Nothing here knows about HTTP; every change is in the audit log, in the change's own transaction.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from loket import audit
from loket.auth.models import ADMIN
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.kiosk.models import Kiosk
from loket.offices.models import Office, kiosk_offices
from loket.printers import jobs
from loket.printers.models import FAILED, PENDING, SENDING, PrintJob
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed
from loket.timeutil import utcnow


def N_(message: str) -> str:
    return message


# Part of the kiosk's address (/kiosk/<id>) and of the audit log: short, lower case, URL-safe.
DEVICE_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$")  # no hyphen at either end ("-", "k-")
# A new kiosk prints nothing until an admin sets up its printer (as bootstrap's kiosk 1).
NEW_PRINTER = {"kind": "preview", "paper": "80mm", "qr": "native"}
NAME_MAX = 120


def device_id(value: str) -> str:
    """A new kiosk's or display's id, normalised; InvalidInput when it cannot be one."""
    value = (value or "").strip().lower()
    if not DEVICE_ID_RE.match(value):
        raise InvalidInput(N_("Kode harus 1–20 huruf kecil, angka atau tanda hubung, diawali dan diakhiri huruf "
                              "atau angka."))
    return value


def serving_offices(office_ids, actor) -> list[Office]:
    """The active offices a new device will serve: at least one; an office's admin only their own,
    the installation admin any active office."""
    try:
        wanted = list(dict.fromkeys(int(i) for i in office_ids or ()))
    except (TypeError, ValueError):
        raise InvalidInput(N_("Kantor yang dipilih tidak dikenal.")) from None
    if not wanted:
        raise InvalidInput(N_("Pilih minimal satu kantor."))
    offices = list(db.session.scalars(select(Office).where(Office.id.in_(wanted), Office.active.is_(True))
                                      .order_by(Office.position, Office.id)))
    if len(offices) != len(wanted):
        raise InvalidInput(N_("Kantor yang dipilih tidak dikenal."))
    for office in offices:
        if not actor.sees_office(office.id):
            raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    return offices


def audit_office(offices: list[Office]) -> int | None:
    """The office an audit entry is filed under: a device of one office is that office's; a shared
    one belongs to the installation (only the installation admin manages it)."""
    return offices[0].id if len(offices) == 1 else None


def kiosks_of(office_id: int) -> list[Kiosk]:
    """The active kiosks that list `office_id` (a shared kiosk is in each of its offices' lists)."""
    return list(db.session.scalars(
        select(Kiosk).join(kiosk_offices, kiosk_offices.c.kiosk_id == Kiosk.id)
        .where(kiosk_offices.c.office_id == office_id, Kiosk.active.is_(True)).order_by(Kiosk.id)))


def visible_kiosk(kiosk_id: str, user) -> Kiosk:
    """A kiosk the staff member may see: one serving their office (the installation admin: any)."""
    kiosk = db.session.get(Kiosk, (kiosk_id or "")[:40])
    if kiosk is None or not kiosk.active:
        raise NotFound(N_("Kios '%(id)s' tidak ditemukan."), id=(kiosk_id or "")[:40])
    if not user.is_installation_admin and not any(user.sees_office(o.id) for o in kiosk.offices):
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    return kiosk


def may_manage(kiosk: Kiosk, user) -> bool:
    """The rule of the printer page: an admin of every office the kiosk serves."""
    offices = [o for o in kiosk.offices if o.active]
    return user.has_role(ADMIN) and (user.is_installation_admin
                                       or bool(offices) and all(user.sees_office(o.id) for o in offices))


def device_status(kiosk: Kiosk) -> dict:
    """The printer's state (`jobs.printer_status`) and how many slips still wait to come out: new
    ones, ones being sent and failed ones the retry worker will try again."""
    status = dict(jobs.printer_status(kiosk))
    minutes = current_app.config.get("LOKET_PRINT_RETRY_MINUTES", jobs.DEFAULT_RETRY_MINUTES)
    status["waiting"] = db.session.scalar(
        select(func.count()).select_from(PrintJob)
        .where(PrintJob.kiosk_id == kiosk.id, PrintJob.status.in_((PENDING, SENDING, FAILED)),
               PrintJob.created_at >= utcnow() - timedelta(minutes=minutes))) or 0
    return status


def new_kiosk_id(value: str) -> str:
    """`value` as the id of a new kiosk: well-formed and not any kiosk's yet (retired ones included)."""
    kiosk_id = device_id(value)
    if db.session.get(Kiosk, kiosk_id) is not None:
        raise InvalidInput(N_("Kode kios '%(id)s' sudah dipakai."), id=kiosk_id)
    return kiosk_id


def add_kiosk(kiosk_id: str, name: str, office_ids, actor) -> Kiosk:
    """A new kiosk listing `office_ids`, printing to the preview printer until an admin sets its
    printer up. Its id is its address (/kiosk/<id>)."""
    kiosk_id = new_kiosk_id(kiosk_id)
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("Nama paling banyak %(max)d karakter."), max=NAME_MAX)
    offices = serving_offices(office_ids, actor)
    kiosk = Kiosk(id=kiosk_id, name=name or f"Kios {kiosk_id}", printer=dict(NEW_PRINTER), active=True,
                  offices=offices)
    db.session.add(kiosk)
    db.session.flush()
    audit.record("kiosk.added", "kiosk", kiosk.id, label=kiosk.name, office_id=audit_office(offices), actor=actor,
                 after={"nama": kiosk.name, "kantor": [o.code for o in offices], "printer": kiosk.printer["kind"]})
    commit_and_publish(DomainEvent("kiosk.added", {"kiosk": kiosk.id, "offices": [o.id for o in offices]},
                                   rooms=()))
    return kiosk
