"""Reads a Standar Pelayanan data file (TOML) and loads it into the database.

Each office loads its own file (`loket catalogue load FILE --office CODE`); reloading updates that
office's services in place by code, so existing tickets keep pointing at them. `plan()` says what a
load would change without writing; `stage()` (used by `load()`) follows that same plan.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select

from loket.cases import milestones as case_rules
from loket.catalogue.models import Office
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.queue.models import Service

BUNDLED = Path(__file__).with_name("standar-pelayanan.toml")
UNITS_IN_MINUTES = {"minutes": 1, "hours": 60}
REQUIRED_SERVICE_KEYS = ("code", "slug", "name", "requirements", "procedure", "completion", "fee", "product")
# The office's own list to tick at the desk (set at /admin/layanan); kept when a file without one is reloaded.
DESK_CHECKLIST = "desk_checklist"
DESK_CHECKLIST_ITEMS, DESK_CHECKLIST_ITEM_CHARS = 30, 200
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
# [office] keys stored in columns, with the columns' lengths (0: unlimited).
OFFICE_COLUMNS = {"name": 200, "short_name": 120, "address": 300, "phone": 60, "maklumat": 0}
SERVICE_NAME_CHARS = 200
SCHEMA_VERSION = 1  # the layout of the file this Loket reads
NUMBER_MAX = 999  # a service's number in the standard (its order on paper)
# Optional `short_name` of a service: what a TV tile and a kiosk button show (Service.short_name).
SHORT_NAME_CHARS = 40
MAX_DEPTH = 32  # tables and lists inside each other; a standard needs four or five
MINUTES_MAX = 2**31 - 1
# Case milestones ([[services.milestones]]), their lead time and intake channels (loket.cases.milestones).
MILESTONE_KEYS = {"key", "name", "days", "unit", "variants"}
VARIANT_KEYS = {"key", "name", "days"}  # the unit is the milestone's
MILESTONES_MAX, VARIANTS_MAX, INTAKE_MAX = 30, 10, 10
MILESTONE_NAME_CHARS, INTAKE_LABEL_CHARS = 300, 100
MILESTONE_DAYS_MAX = 3650


class CatalogueError(ValueError):
    """The data file is not a usable service standard; the message says where."""


def read(path: str | Path | None = None) -> dict:
    path = Path(path) if path else BUNDLED
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file not found") from None
    return parse(raw, str(path))


def parse(raw: bytes, where: str = "catalogue") -> dict:
    """A validated standard from the bytes of a data file (UTF-8 TOML)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CatalogueError(f"{where}: not UTF-8 text (line {line}, byte {exc.start + 1})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:
        raise CatalogueError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
    validate(data, where)
    return data


def validate(data: dict, where: str = "catalogue") -> None:
    services = data.get("services")
    if not isinstance(data.get("office"), dict):
        raise CatalogueError(f"{where}: missing [office] table")
    if not isinstance(services, list) or not services:
        raise CatalogueError(f"{where}: no [[services]]")
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise CatalogueError(f"{where}: schema_version must be {SCHEMA_VERSION} (the version this Loket reads), "
                             f"got {version!r}")
    _storable(data, where)
    for key, chars in OFFICE_COLUMNS.items():
        value = data["office"].get(key, "")
        if not isinstance(value, str) or (chars and len(value) > chars):
            raise CatalogueError(f"{where}: [office] {key} must be text of at most {chars} characters"
                                 if chars else f"{where}: [office] {key} must be text")
    seen: set[str] = set()
    slugs: set[str] = set()
    for index, service in enumerate(services, 1):
        if not isinstance(service, dict):
            raise CatalogueError(f"{where}: service #{index} is not a table")
        for key in REQUIRED_SERVICE_KEYS:
            if key not in service:
                raise CatalogueError(f"{where}: service #{index} has no '{key}'")
        code = str(service["code"]).upper()
        if not (1 <= len(code) <= 2 and code.isalpha()):
            raise CatalogueError(f"{where}: service #{index} code '{code}' must be one or two letters")
        if code in seen:
            raise CatalogueError(f"{where}: service code '{code}' used twice")
        seen.add(code)
        _check_service(service, f"{where}: service {code}", slugs)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_service(service: dict, where: str, slugs: set[str]) -> None:
    """What `stage()` and the pages need of one service beyond its keys being there."""
    slug = service["slug"]
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise CatalogueError(f"{where}: slug must be 1 to 80 lower-case letters, digits or '-'")
    if slug in slugs:
        raise CatalogueError(f"{where}: slug '{slug}' used twice")
    slugs.add(slug)
    number = service.get("number")
    if number is not None and (not _whole(number) or not 1 <= number <= NUMBER_MAX):
        raise CatalogueError(f"{where}: number must be a whole number from 1 to {NUMBER_MAX}, got {number!r}")
    fee = service["fee"]
    amount = fee.get("amount") if isinstance(fee, dict) else None
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0):
        raise CatalogueError(f"{where}: fee amount must be a number of rupiah, 0 or more, got {amount!r}")
    name = service["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > SERVICE_NAME_CHARS:
        raise CatalogueError(f"{where}: name must be text of 1 to {SERVICE_NAME_CHARS} characters")
    short = service.get("short_name")
    if short is not None and not (isinstance(short, str) and short.strip() and len(short.strip()) <= SHORT_NAME_CHARS):
        raise CatalogueError(f"{where}: short_name must be text of 1 to {SHORT_NAME_CHARS} characters "
                             f"(it is shown on the TV and the kiosk buttons); leave it out to use the name")
    requirements = service["requirements"]
    if not isinstance(requirements, list) or not all(
            isinstance(r, str) or (isinstance(r, dict) and isinstance(r.get("items", []), list)) for r in requirements):
        raise CatalogueError(f"{where}: requirements must be a list of text or of tables with a list of items")
    if not isinstance(service["completion"], dict):
        raise CatalogueError(f"{where}: completion must be a table")
    try:
        minutes = promised_minutes(service["completion"])
    except (AttributeError, KeyError, TypeError, ValueError):
        raise CatalogueError(f"{where}: every completion step needs a whole 'amount' and a 'unit'") from None
    if minutes is not None and not 0 <= minutes <= MINUTES_MAX:
        raise CatalogueError(f"{where}: the promised time is out of range")
    checklist = service.get(DESK_CHECKLIST)
    if checklist is not None and not (
            isinstance(checklist, list) and len(checklist) <= DESK_CHECKLIST_ITEMS
            and all(isinstance(i, str) and 1 <= len(i.strip()) <= DESK_CHECKLIST_ITEM_CHARS for i in checklist)):
        raise CatalogueError(f"{where}: {DESK_CHECKLIST} must list at most {DESK_CHECKLIST_ITEMS} texts of "
                             f"1 to {DESK_CHECKLIST_ITEM_CHARS} characters")
    _check_milestones(service, where)


def _days(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MILESTONE_DAYS_MAX


def _key(value) -> bool:
    return isinstance(value, str) and bool(case_rules.KEY.match(value))


def _named(value, chars: int) -> bool:
    return isinstance(value, str) and 1 <= len(value.strip()) <= chars


def _check_milestones(service: dict, where: str) -> None:
    """A service's case milestones, lead time and intake channels, when it has them: what
    `loket.cases` needs to compute due dates. Visit-only services have none of the three."""
    items = service.get("milestones")
    if items is None:
        for key in ("lead_time", "intake"):
            if key in service:
                raise CatalogueError(f"{where}: {key} needs milestones; a service without [[services.milestones]] "
                                     f"is served at the counter only")
        return
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise CatalogueError(f"{where}: milestones must be one or more [[services.milestones]] tables")
    if len(items) > MILESTONES_MAX:
        raise CatalogueError(f"{where}: at most {MILESTONES_MAX} milestones")
    units = " or ".join(f"'{u}'" for u in case_rules.UNITS)
    keys: set[str] = set()
    for number, item in enumerate(items, 1):
        key = item.get("key")
        if not _key(key):
            raise CatalogueError(f"{where}: milestone #{number} needs a key of lower-case letters, digits and '_' "
                                 f"(at most 40, starting with a letter)")
        here = f"{where}: milestone '{key}'"
        if key in keys:
            raise CatalogueError(f"{here} is listed twice (keys must differ)")
        keys.add(key)
        unknown = sorted(set(item) - MILESTONE_KEYS)
        if unknown:
            raise CatalogueError(f"{here}: unknown key '{unknown[0]}' "
                                 f"(a milestone has {', '.join(sorted(MILESTONE_KEYS))})")
        if not _named(item.get("name"), MILESTONE_NAME_CHARS):
            raise CatalogueError(f"{here} needs a name of 1 to {MILESTONE_NAME_CHARS} characters")
        if item.get("unit") not in case_rules.UNITS:
            raise CatalogueError(f"{here}: unknown unit {item.get('unit')!r}; use {units}")
        if "days" in item and not _days(item["days"]):
            raise CatalogueError(f"{here}: days must be a whole number from 1 to {MILESTONE_DAYS_MAX}, "
                                 f"got {item['days']!r}")
        if "variants" in item:
            _check_variants(item["variants"], here)
        elif "days" not in item:
            raise CatalogueError(f"{here} needs days (or variants that give them)")
    _check_lead_time(service.get("lead_time"), where, units)
    _check_intake(service.get("intake"), where)


def _check_variants(variants, here: str) -> None:
    if not isinstance(variants, list) or not variants or len(variants) > VARIANTS_MAX:
        raise CatalogueError(f"{here}: variants must list 1 to {VARIANTS_MAX} tables with key, name and days")
    keys: set[str] = set()
    for index, variant in enumerate(variants, 1):
        if not isinstance(variant, dict) or not _key(variant.get("key")):
            raise CatalogueError(f"{here}: variant #{index} needs a key of lower-case letters, digits and '_'")
        there = f"{here}: variant '{variant['key']}'"
        if variant["key"] in keys:
            raise CatalogueError(f"{there} is listed twice (keys must differ)")
        keys.add(variant["key"])
        unknown = sorted(set(variant) - VARIANT_KEYS)
        if unknown:
            raise CatalogueError(f"{there}: unknown key '{unknown[0]}' (a variant has key, name and days; "
                                 f"the unit is the milestone's)")
        if not _named(variant.get("name"), MILESTONE_NAME_CHARS):
            raise CatalogueError(f"{there} needs a name of 1 to {MILESTONE_NAME_CHARS} characters")
        if not _days(variant.get("days")):
            raise CatalogueError(f"{there}: days must be a whole number from 1 to {MILESTONE_DAYS_MAX}, "
                                 f"got {variant.get('days')!r}")


def _check_lead_time(rule, where: str, units: str) -> None:
    if rule is None:
        return
    if not isinstance(rule, dict) or set(rule) - {"days", "unit"}:
        raise CatalogueError(f"{where}: lead_time must be a table with days and unit")
    if not _days(rule.get("days")):
        raise CatalogueError(f"{where}: lead_time days must be a whole number from 1 to {MILESTONE_DAYS_MAX}, "
                             f"got {rule.get('days')!r}")
    if rule.get("unit") not in case_rules.UNITS:
        raise CatalogueError(f"{where}: lead_time has unknown unit {rule.get('unit')!r}; use {units}")


def _check_intake(channels, where: str) -> None:
    if channels is None:
        return
    if not isinstance(channels, list) or not 1 <= len(channels) <= INTAKE_MAX:
        raise CatalogueError(f"{where}: intake must list 1 to {INTAKE_MAX} channels {{ kind = ..., label = ... }}")
    kinds: set[str] = set()
    for index, channel in enumerate(channels, 1):
        if not isinstance(channel, dict) or set(channel) != {"kind", "label"} or not _key(channel["kind"]) \
                or not _named(channel["label"], INTAKE_LABEL_CHARS):
            raise CatalogueError(f"{where}: intake channel #{index} needs a kind (lower-case letters, digits, '_') "
                                 f"and a label of 1 to {INTAKE_LABEL_CHARS} characters")
        if channel["kind"] in kinds:
            raise CatalogueError(f"{where}: intake channel '{channel['kind']}' is listed twice")
        kinds.add(channel["kind"])


def _storable(data, where: str) -> None:
    """Only what a JSON column keeps on every database: no dates (TOML has them, JSON has not), no
    NaN or infinity, no NUL (PostgreSQL refuses it), no deep nesting."""
    stack = [(data, 0)]
    while stack:  # a loop, not recursion: the check must not hit the limit it enforces
        item, depth = stack.pop()
        if isinstance(item, (dict, list)) and depth >= MAX_DEPTH:
            raise CatalogueError(f"{where}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in (*item.keys(), *item.values()))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, (datetime, date, time)):
            raise CatalogueError(f"{where}: dates and times are not supported; write them as text ('{item}')")
        elif isinstance(item, float) and not math.isfinite(item):
            raise CatalogueError(f"{where}: numbers must be finite (found {item})")
        elif isinstance(item, str) and "\x00" in item:
            raise CatalogueError(f"{where}: text must not contain NUL characters")


def promised_minutes(completion: dict) -> int | None:
    """The promised time in minutes, when the standard promises minutes or hours only."""
    steps = completion.get("steps") or []
    if not steps or completion.get("variants"):
        return None
    total = 0
    for step in steps:
        factor = UNITS_IN_MINUTES.get(step.get("unit"))
        if factor is None:
            return None
        total += int(step["amount"]) * factor
    return total


@dataclass
class ServiceChange:
    """What loading does to one service: "added", "changed", "unchanged" or "deactivated"; `fields`
    maps each changed field (a column or a key of the standard) to (before, after)."""

    code: str
    kind: str
    service: Service | None  # the row as it is (None: a new service)
    values: dict = field(default_factory=dict)  # the columns the load writes (empty when deactivated)
    fields: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.values.get("name") or (self.service.name if self.service else self.code)


@dataclass
class Plan:
    """What loading a standard into an office would change."""

    office: Office
    office_values: dict
    office_fields: dict  # [office] key -> (before, after)
    services: list[ServiceChange]  # in the file's order, then the deactivated ones
    leftover: list[Service]  # the office's services missing from the file (active or not)

    def of_kind(self, kind: str) -> list[ServiceChange]:
        return [c for c in self.services if c.kind == kind]

    @property
    def changes_anything(self) -> bool:
        return bool(self.office_fields) or any(c.kind != "unchanged" for c in self.services)


def _office_values(info: dict) -> dict:
    values = {key: info.get(key, "") for key in OFFICE_COLUMNS}
    values["short_name"] = info.get("short_name", values["name"])
    return values


def _service_values(item: dict, position: int, service: Service | None) -> dict:
    standard = dict(item)
    kept = (service.standard or {}).get(DESK_CHECKLIST) if service is not None else None
    if DESK_CHECKLIST not in standard and kept:
        standard[DESK_CHECKLIST] = kept
    return {"slug": str(item["slug"]), "name": str(item["name"]), "position": position, "standard": standard,
            "promised_minutes": promised_minutes(item.get("completion", {})), "active": True}


def _differences(service: Service, values: dict) -> dict:
    found = {key: (getattr(service, key), values[key]) for key in ("name", "slug", "active", "position",
                                                                   "promised_minutes")
             if getattr(service, key) != values[key]}
    old, new = service.standard or {}, values["standard"]
    for key in list(new) + [k for k in old if k not in new]:
        if key not in ("name", "slug") and old.get(key) != new.get(key):
            found[key] = (old.get(key), new.get(key))
    return found


def plan(data: dict, office: Office) -> Plan:
    """What loading the validated standard `data` into `office` would change; writes nothing."""
    office_values = _office_values(data["office"])
    office_fields = {key: (getattr(office, key), value) for key, value in office_values.items()
                     if getattr(office, key) != value}
    old_data = office.data or {}
    for key in [k for k in data["office"] if k not in OFFICE_COLUMNS] + [k for k in old_data if k not in data["office"]]:
        if old_data.get(key) != data["office"].get(key):
            office_fields[key] = (old_data.get(key), data["office"].get(key))
    existing = {s.code: s for s in db.session.scalars(select(Service).where(Service.office_id == office.id)
                                                      .order_by(Service.position, Service.id))}
    changes = []
    for position, item in enumerate(data["services"]):
        code = str(item["code"]).upper()
        service = existing.pop(code, None)
        values = _service_values(item, position, service)
        if service is None:
            changes.append(ServiceChange(code, "added", None, values))
        else:
            fields = _differences(service, values)
            changes.append(ServiceChange(code, "changed" if fields else "unchanged", service, values, fields))
    leftover = list(existing.values())
    changes += [ServiceChange(s.code, "deactivated", s) for s in leftover if s.active]
    return Plan(office, office_values, office_fields, changes, leftover)


def stage(data: dict, office: Office) -> dict:
    """Write the validated standard `data` into `office` and its services, in the session (the
    caller commits); its services missing from the file are deactivated, never deleted."""
    todo = plan(data, office)
    for key, value in todo.office_values.items():
        setattr(office, key, value)
    office.data = data["office"]
    db.session.add(office)
    # Free slugs first, so a renamed/renumbered file never trips the unique index: those the file gives
    # to other codes, and those of services whose slug changes (two services may swap theirs).
    slugs_in_file = {c.values["slug"] for c in todo.services if c.values}
    moving = [s for s in todo.leftover if s.slug in slugs_in_file] + [
        c.service for c in todo.services if c.service is not None and c.values and c.service.slug != c.values["slug"]]
    for service in moving:
        service.slug = f"{service.slug[:60]}-old-{service.id}"
    if moving:
        db.session.flush()
    created = updated = 0
    for change in todo.services:
        if not change.values:
            continue
        service = change.service
        if service is None:
            service = Service(code=change.code, office_id=office.id)
            db.session.add(service)
            created += 1
        else:
            updated += 1
        for key, value in change.values.items():
            setattr(service, key, value)
    for service in todo.leftover:
        service.active = False
    return {"created": created, "updated": updated, "deactivated": len(todo.leftover)}


def loaded_event(office: Office, data: dict) -> DomainEvent:
    return DomainEvent("catalogue.loaded", {"office": office.id, "services": len(data["services"])})


def load(data: dict, office: Office | None = None) -> dict:
    """Load a validated standard into `office` (default: the installation's first office, created on
    a first start) and commit; its services missing from the file are deactivated, never deleted."""
    if office is None:
        from loket.offices.scope import ensure_default_office

        office = ensure_default_office()
    result = stage(data, office)
    commit_and_publish(loaded_event(office, data))
    return result


def load_file(path: str | Path | None = None, office: Office | None = None) -> dict:
    return load(read(path), office)
