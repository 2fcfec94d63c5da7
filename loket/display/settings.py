"""Changing what a display shows (services, counters, running text): the display area's domain.

Admins edit it at /display/<id>/settings (an office's admin only a display all of whose offices are
theirs); the change is committed and published like any other. Which offices a display serves is
set with `loket office display`.
"""
from __future__ import annotations

from loket.display import board as board_module
from loket.display.models import Display
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.offices.scope import require_office
from loket.queue.core import N_
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed
from loket.queue.models import Counter, Service

NAME_MAX = 120
MAX_RUNNING_TEXT = 1000
NAME_TOO_LONG = N_("Nama layar terlalu panjang (maksimal 120 karakter).")
RUNNING_TEXT_TOO_LONG = N_("Teks berjalan terlalu panjang (maksimal %(max)s karakter).")
UNKNOWN_SERVICE = N_("Layanan yang dipilih tidak dikenal.")
UNKNOWN_COUNTER = N_("Loket yang dipilih tidak dikenal.")


class DisplayInputError(InvalidInput):
    """Bad input for one setting (`field`: "name", "services", "counters" or "running_text"), so the
    settings form can show the message beside that field."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


def display_room(display_id: str) -> str:
    return f"display:{display_id}"


def get_display(display_id: str) -> Display:
    display = db.session.get(Display, (display_id or "")[:40])
    if display is None or not display.active:
        raise NotFound(N_("Layar %(id)s tidak ditemukan."), id=(display_id or "")[:40])
    return display


def require_display_admin(user, display: Display) -> None:
    """The installation admin edits any display; an office's admin only one whose offices are all
    theirs (a shared display belongs to every office on it, so only the installation admin edits it)."""
    if user.is_installation_admin:
        return
    if not display.offices:
        raise OfficeNotAllowed(N_("Anda tidak berhak membuka data kantor lain."))
    for office in display.offices:
        require_office(user, office.id)


def settings_choices(display: Display) -> tuple[list[Service], list[Counter]]:
    """The active services and counters of the display's offices, office by office: what may be picked."""
    return board_module.shown_services(display, everything=True), board_module.shown_counters(display, everything=True)


def _ids(values, field: str, message: str) -> list[int]:
    """Ids (ints; the settings form turns the typed ones into ints), each once; anything else is an
    unknown choice."""
    values = list(values or [])
    if any(isinstance(value, bool) or not isinstance(value, int) for value in values):
        raise DisplayInputError(field, message)
    return list(dict.fromkeys(values))


def update_display(display: Display, *, name: str, service_ids: list[int], counter_ids: list[int],
                   running_text: str, actor=None) -> Display:
    """Save a display's configuration; empty lists mean "everything of its offices"."""
    name = (name or "").strip()
    running_text = (running_text or "").strip()
    if len(name) > NAME_MAX:
        raise DisplayInputError("name", NAME_TOO_LONG)
    if len(running_text) > MAX_RUNNING_TEXT:
        raise DisplayInputError("running_text", RUNNING_TEXT_TOO_LONG, max=MAX_RUNNING_TEXT)
    services, counters = settings_choices(display)
    service_ids = _ids(service_ids, "services", UNKNOWN_SERVICE)
    if any(i not in {s.id for s in services} for i in service_ids):
        raise DisplayInputError("services", UNKNOWN_SERVICE)
    counter_ids = _ids(counter_ids, "counters", UNKNOWN_COUNTER)
    if any(i not in {c.id for c in counters} for i in counter_ids):
        raise DisplayInputError("counters", UNKNOWN_COUNTER)
    from loket import audit

    before = {"nama": display.name, "layanan": list(display.service_ids or []),
              "loket": list(display.counter_ids or []), "teks": display.running_text or ""}
    display.name = name or display.name
    display.service_ids = service_ids
    display.counter_ids = counter_ids
    display.running_text = running_text
    offices = [office.id for office in display.offices]
    audit.record("display.settings", "display", display.id, label=display.name,
                 office_id=offices[0] if len(offices) == 1 else None, actor=actor, before=before,
                 after={"nama": display.name, "layanan": service_ids, "loket": counter_ids, "teks": running_text})
    commit_and_publish(DomainEvent("display.updated", {"display": display.id}, rooms=(display_room(display.id),)))
    return display
