"""Managing an office's services from the administration: open or closed today, the desk checklist,
and a new Standar Pelayanan file previewed before it is loaded (the same rules as `loket catalogue load`).

Every change is in the audit log, in the change's own transaction. Nothing here knows about HTTP.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from loket import audit
from loket.bootstrap import add_counters
from loket.catalogue import loader
from loket.counter.desk import checklist as desk_checklist, requirement_lines
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.offices.models import Office
from loket.offices.scope import require_office
from loket.queue import core
from loket.queue.errors import InvalidInput, NotFound
from loket.queue.models import Service
from loket.timeutil import local_day


def N_(message: str) -> str:
    return message


CHECKLIST_ITEMS = loader.DESK_CHECKLIST_ITEMS
CHECKLIST_ITEM_CHARS = loader.DESK_CHECKLIST_ITEM_CHARS
UPLOAD_MAX_BYTES = 1024 * 1024
UPLOAD_KEPT_SECONDS = 3600  # an uploaded file waits this long for "apply" after its preview
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def label(service: Service) -> str:
    return f"{service.code} · {service.name}"


def services_of(office_id: int) -> list[Service]:
    """An office's services in the standard's order, deactivated ones last."""
    return list(db.session.scalars(select(Service).where(Service.office_id == office_id)
                                   .order_by(Service.active.desc(), Service.position, Service.id)))


def service_for_admin(service_id: int, actor) -> Service:
    """A service of the actor's office (404; 403 for another office's)."""
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound(N_("Layanan tidak ditemukan."))
    require_office(actor, service.office_id)
    return service


# --- open or closed today ---------------------------------------------------------------------

def set_open_today(service: Service, open_today: bool, actor) -> Service:
    """Open a service again or close it for the rest of the (office-local) day; the kiosk and the
    API follow at once. Asking for the state it already has changes nothing."""
    if not service.active:
        raise InvalidInput(N_("Layanan %(name)s tidak aktif lagi di Standar Pelayanan kantor ini."), name=service.name)
    today = local_day()
    was_open = service.is_open_on(today)
    if was_open == open_today:
        return service
    audit.record("service.opened" if open_today else "service.closed", "service", service.id, label=label(service),
                 office_id=service.office_id, actor=actor, before={"buka_hari_ini": was_open},
                 after={"buka_hari_ini": open_today})
    return core.set_service_closed(service, not open_today, day=today)  # commits the entry with the change


# --- the desk checklist -----------------------------------------------------------------------

def standard_checklist(service: Service) -> list[str]:
    """What the desk shows without a checklist of the office's own: the standard's requirements."""
    return requirement_lines(service.standard or {})


def has_own_checklist(service: Service) -> bool:
    return bool((service.standard or {}).get(loader.DESK_CHECKLIST))


def clean_checklist(items: list[str]) -> list[str]:
    """The items as they are kept: each 1–200 characters on one line, at most 30."""
    items = [str(item).strip() for item in items]
    if len(items) > CHECKLIST_ITEMS:
        raise InvalidInput(N_("Daftar periksa paling banyak %(max)s baris."), max=CHECKLIST_ITEMS)
    for number, item in enumerate(items, 1):
        if not item:
            raise InvalidInput(N_("Baris %(line)s kosong."), line=number)
        if len(item) > CHECKLIST_ITEM_CHARS:
            raise InvalidInput(N_("Baris yang dimulai dengan \"%(start)s…\" lebih dari %(max)s karakter."),
                               start=item[:40], max=CHECKLIST_ITEM_CHARS)
        if "\n" in item or "\r" in item:
            raise InvalidInput(N_("Satu persyaratan per baris."))
    return items


def set_checklist(service: Service, items: list[str], actor) -> Service:
    """The list an officer ticks at the desk for this service. An empty list, or the standard's own
    requirements unchanged, means the standard's requirements again (and follows later uploads)."""
    items = [str(item).strip() for item in items]
    if items == standard_checklist(service):
        items = []
    items = clean_checklist(items)
    if items == ((service.standard or {}).get(loader.DESK_CHECKLIST) or []):
        return service
    before = desk_checklist(service)
    standard = {key: value for key, value in (service.standard or {}).items() if key != loader.DESK_CHECKLIST}
    if items:
        standard[loader.DESK_CHECKLIST] = items
    service.standard = standard  # a new dict: the JSON column sees the change
    audit.record("service.checklist", "service", service.id, label=label(service), office_id=service.office_id,
                 actor=actor, before={"daftar_periksa": before}, after={"daftar_periksa": desk_checklist(service)})
    commit_and_publish(DomainEvent("service.checklist", {"service": service.code, "office": service.office_id}))
    return service


# --- a new Standar Pelayanan file ---------------------------------------------------------------

def parse_upload(raw: bytes, filename: str) -> dict:
    """The uploaded file as a validated standard (loader.CatalogueError says what is wrong)."""
    if len(raw) > UPLOAD_MAX_BYTES:
        raise loader.CatalogueError(f"{filename}: larger than {UPLOAD_MAX_BYTES // 1024} KB")
    return loader.parse(raw, filename)


def _text(item) -> str:
    """A list item as one line (a requirement may be a table with its own items)."""
    if isinstance(item, dict) and "name" in item:  # a case milestone: name, days and unit, or its variants
        variants = ", ".join(f"{v.get('name')} {v.get('days')}" for v in item.get("variants", []) or [])
        days = f"{item['days']} " if item.get("days") else ""
        return f"{item['name']}: {days}{item.get('unit', '')}" + (f" ({variants})" if variants else "")
    if isinstance(item, dict):
        subs = [str(s) for s in item.get("items", []) or []]
        return str(item.get("text") or item.get("label") or "") + (": " + "; ".join(subs) if subs else "")
    return str(item)


_PLAIN = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class FieldChange:
    """One changed field: a list shows what it gains and loses, a plain value before and after, a
    table (the fee, the completion time) its changed keys."""

    key: str
    before: object
    after: object

    @property
    def is_list(self) -> bool:
        return isinstance(self.before, (list, type(None))) and isinstance(self.after, list)

    @property
    def is_value(self) -> bool:
        return isinstance(self.before, _PLAIN) and isinstance(self.after, _PLAIN)

    @property
    def parts(self) -> list[FieldChange]:
        """The changed keys of a table (empty for anything else)."""
        if not isinstance(self.before, dict) or not isinstance(self.after, dict):
            return []
        keys = list(self.after) + [k for k in self.before if k not in self.after]
        return [FieldChange(k, self.before.get(k), self.after.get(k)) for k in keys
                if self.before.get(k) != self.after.get(k)]

    @property
    def added(self) -> list[str]:
        before = self.before or []
        return [_text(item) for item in self.after if item not in before]

    @property
    def removed(self) -> list[str]:
        return [_text(item) for item in self.before or [] if item not in self.after]


@dataclass(frozen=True)
class Row:
    """One line of the preview: a service and what loading does to it."""

    code: str
    name: str
    kind: str  # added, changed, unchanged, deactivated
    fields: list[FieldChange]  # of a changed service


def preview(data: dict, office: Office) -> dict:
    """What loading `data` into `office` would change, without writing anything: the services added,
    changed (which fields, before and after), unchanged and deactivated, and the office's own fields."""
    todo = loader.plan(data, office)
    rows = [Row(c.code, c.name, c.kind, [FieldChange(key, *pair) for key, pair in c.fields.items()])
            for c in todo.services]
    return {"rows": rows, "office_fields": [FieldChange(key, *pair) for key, pair in todo.office_fields.items()],
            "counts": {kind: len(todo.of_kind(kind)) for kind in ("added", "changed", "unchanged", "deactivated")},
            "changes_anything": todo.changes_anything}


def apply(data: dict, office: Office, actor, *, filename: str = "", digest: str = "") -> dict:
    """Load `data` into `office` as `loket catalogue load` does (a counter per service for an office
    that has none yet), with an audit entry naming what changed; returns the preview's counts."""
    todo = preview(data, office)
    by_kind = {kind: [row.code for row in todo["rows"] if row.kind == kind]
               for kind in ("added", "changed", "deactivated")}
    loader.stage(data, office)
    counters = add_counters(office)
    audit.record("catalogue.loaded", "office", office.id, label=office.label, office_id=office.id, actor=actor,
                 after={"berkas": filename, "sha256": digest, "baru": by_kind["added"], "diubah": by_kind["changed"],
                        "nonaktif": by_kind["deactivated"], "loket_baru": [c.number for c in counters]})
    commit_and_publish(loader.loaded_event(office, data))
    return todo["counts"]


# The uploaded file between its preview and "apply": a file in the instance folder named by its
# SHA-256, so every process of the installation finds it; what is applied is validated again.

def stash(raw: bytes, folder: str | Path) -> str:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.toml"):
        try:
            if now - old.stat().st_mtime > UPLOAD_KEPT_SECONDS:
                old.unlink()
        except FileNotFoundError:
            pass  # another process removed it first
    digest = hashlib.sha256(raw).hexdigest()
    part = folder / f"{digest}.{os.getpid()}.part"
    part.write_bytes(raw)
    os.replace(part, folder / f"{digest}.toml")
    return digest


def unstash(digest: str, folder: str | Path) -> bytes | None:
    """The stashed file of `digest`, if it is still kept and still has that digest."""
    if not _DIGEST.match(digest or ""):
        return None
    path = Path(folder) / f"{digest}.toml"
    try:
        if time.time() - path.stat().st_mtime > UPLOAD_KEPT_SECONDS:
            return None
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return raw if hashlib.sha256(raw).hexdigest() == digest else None
