"""Waiting-room displays from the administration: an office's displays, and adding one.

Nothing here knows about HTTP; every change is in the audit log, in the change's own transaction.
"""
from __future__ import annotations

from sqlalchemy import select

from loket import audit
from loket.auth.models import ADMIN
from loket.display.models import Display
from loket.display.settings import display_room
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.kiosk.admin import NAME_MAX, audit_office, device_id, serving_offices
from loket.offices.models import display_offices
from loket.queue.errors import InvalidInput


def N_(message: str) -> str:
    return message


def displays_of(office_id: int) -> list[Display]:
    """The active displays that show `office_id` (a shared display is in each of its offices' lists)."""
    return list(db.session.scalars(
        select(Display).join(display_offices, display_offices.c.display_id == Display.id)
        .where(display_offices.c.office_id == office_id, Display.active.is_(True)).order_by(Display.id)))


def may_manage(display: Display, user) -> bool:
    """The rule of the settings page (`settings.require_display_admin`), as a yes or no."""
    return user.has_role(ADMIN) and (user.is_installation_admin
                                     or bool(display.offices) and all(user.sees_office(o.id) for o in display.offices))


def new_display_id(value: str) -> str:
    """`value` as the id of a new display: well-formed and not any display's yet (retired ones included)."""
    display_id = device_id(value)
    if db.session.get(Display, display_id) is not None:
        raise InvalidInput(N_("Kode layar '%(id)s' sudah dipakai."), id=display_id)
    return display_id


def add_display(display_id: str, name: str, office_ids, actor) -> Display:
    """A new display showing every service and counter of `office_ids` until its settings narrow it.
    Its id is its address (/display/<id>)."""
    display_id = new_display_id(display_id)
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("Nama paling banyak %(max)d karakter."), max=NAME_MAX)
    offices = serving_offices(office_ids, actor)
    display = Display(id=display_id, name=name or f"Layar {display_id}", service_ids=[], counter_ids=[],
                      running_text="", active=True, offices=offices)
    db.session.add(display)
    db.session.flush()
    audit.record("display.added", "display", display.id, label=display.name, office_id=audit_office(offices),
                 actor=actor, after={"nama": display.name, "kantor": [o.code for o in offices]})
    commit_and_publish(DomainEvent("display.updated", {"display": display.id}, rooms=(display_room(display.id),)))
    return display
