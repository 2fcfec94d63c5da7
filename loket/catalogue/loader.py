"""Reads a Standar Pelayanan data file (TOML) and loads it into the database.

Each office loads its own file (`loket catalogue load FILE --office CODE`); reloading updates that
office's services in place by code, so existing tickets keep pointing at them.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select

from loket.catalogue.models import Office
from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.queue.models import Service

BUNDLED = Path(__file__).with_name("standar-pelayanan.toml")
UNITS_IN_MINUTES = {"minutes": 1, "hours": 60}
REQUIRED_SERVICE_KEYS = ("code", "slug", "name", "requirements", "procedure", "completion", "fee", "product")


class CatalogueError(ValueError):
    """The data file is not a usable service standard; the message says where."""


def read(path: str | Path | None = None) -> dict:
    path = Path(path) if path else BUNDLED
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None
    validate(data, str(path))
    return data


def validate(data: dict, where: str = "catalogue") -> None:
    services = data.get("services")
    if not isinstance(data.get("office"), dict):
        raise CatalogueError(f"{where}: missing [office] table")
    if not isinstance(services, list) or not services:
        raise CatalogueError(f"{where}: no [[services]]")
    seen: set[str] = set()
    for index, service in enumerate(services, 1):
        for key in REQUIRED_SERVICE_KEYS:
            if key not in service:
                raise CatalogueError(f"{where}: service #{index} has no '{key}'")
        code = str(service["code"]).upper()
        if not (1 <= len(code) <= 2 and code.isalpha()):
            raise CatalogueError(f"{where}: service #{index} code '{code}' must be one or two letters")
        if code in seen:
            raise CatalogueError(f"{where}: service code '{code}' used twice")
        seen.add(code)


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


def load(data: dict, office: Office | None = None) -> dict:
    """Load a validated standard into `office` (default: the installation's first office, created on
    a first start); its services missing from the file are deactivated, never deleted."""
    if office is None:
        from loket.offices.scope import ensure_default_office

        office = ensure_default_office()
    info = data["office"]
    office.name = info.get("name", "")
    office.short_name = info.get("short_name", office.name)
    office.address = info.get("address", "")
    office.phone = info.get("phone", "")
    office.maklumat = info.get("maklumat", "")
    office.data = info
    db.session.add(office)

    existing = {s.code: s for s in db.session.scalars(select(Service).where(Service.office_id == office.id))}
    slugs_in_file = {str(s["slug"]) for s in data["services"]}
    # Free slugs held by other codes first, so a renamed/renumbered file never trips the unique index.
    for service in existing.values():
        if service.code not in {str(s["code"]).upper() for s in data["services"]} and service.slug in slugs_in_file:
            service.slug = f"{service.slug}-old-{service.id}"
    created = updated = 0
    for position, item in enumerate(data["services"]):
        code = str(item["code"]).upper()
        service = existing.pop(code, None)
        if service is None:
            service = Service(code=code, office_id=office.id)
            db.session.add(service)
            created += 1
        else:
            updated += 1
        service.slug = str(item["slug"])
        service.name = str(item["name"])
        service.position = position
        service.standard = item
        service.promised_minutes = promised_minutes(item.get("completion", {}))
        service.active = True
    for service in existing.values():
        service.active = False
    commit_and_publish(DomainEvent("catalogue.loaded", {"office": office.id, "services": len(data["services"])}))
    return {"created": created, "updated": updated, "deactivated": len(existing)}


def load_file(path: str | Path | None = None, office: Office | None = None) -> dict:
    return load(read(path), office)
