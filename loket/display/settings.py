"""Changing what a display shows (services, counters, running text): the display area's domain.

Admins edit it at /display/<id>/settings; the change is committed and published like any other.
"""
from __future__ import annotations

from sqlalchemy import select

from loket.display.models import Display
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.queue.core import N_
from loket.queue.errors import InvalidInput, NotFound
from loket.queue.models import Counter, Service

MAX_RUNNING_TEXT = 1000


def display_room(display_id: str) -> str:
    return f"display:{display_id}"


def get_display(display_id: str) -> Display:
    display = db.session.get(Display, (display_id or "")[:40])
    if display is None or not display.active:
        raise NotFound(N_("Layar %(id)s tidak ditemukan."), id=(display_id or "")[:40])
    return display


def update_display(display: Display, *, name: str, service_codes: list[str], counter_numbers: list[int],
                   running_text: str) -> Display:
    """Save a display's configuration; empty lists mean "show everything"."""
    name = (name or "").strip()
    running_text = (running_text or "").strip()
    if len(name) > 120:
        raise InvalidInput(N_("Nama layar terlalu panjang (maksimal 120 karakter)."))
    if len(running_text) > MAX_RUNNING_TEXT:
        raise InvalidInput(N_("Teks berjalan terlalu panjang (maksimal %(max)s karakter)."), max=MAX_RUNNING_TEXT)
    known_codes = set(db.session.scalars(select(Service.code).where(Service.active.is_(True))))
    known_numbers = set(db.session.scalars(select(Counter.number).where(Counter.active.is_(True))))
    codes = list(dict.fromkeys(c.strip().upper() for c in service_codes))
    if any(c not in known_codes for c in codes):
        raise InvalidInput(N_("Layanan yang dipilih tidak dikenal."))
    numbers = list(dict.fromkeys(counter_numbers))
    if any(n not in known_numbers for n in numbers):
        raise InvalidInput(N_("Loket yang dipilih tidak dikenal."))
    display.name = name or display.name
    display.service_codes = codes
    display.counter_numbers = numbers
    display.running_text = running_text
    commit_and_publish(DomainEvent("display.updated", {"display": display.id}, rooms=(display_room(display.id),)))
    return display

