"""`loket office …`: the offices of an installation, and which kiosks and displays serve them.

An office's services come from its own standard: `loket catalogue load FILE --office CODE`.
"""
from __future__ import annotations

import sys

import click


def _fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.group(help="Offices (unit layanan) of this installation.")
def office():
    pass


@office.command("list", help="Every office: code, number prefix, services, counters, name.")
def list_offices():
    from sqlalchemy import func, select

    from loket.cli import app_context
    from loket.extensions import db
    from loket.offices.models import Office
    from loket.queue.models import Counter, Service

    with app_context():
        for item in db.session.scalars(select(Office).order_by(Office.position, Office.id)):
            services = db.session.scalar(select(func.count()).select_from(Service).where(
                Service.office_id == item.id, Service.active.is_(True)))
            counters = db.session.scalar(select(func.count()).select_from(Counter).where(Counter.office_id == item.id))
            click.echo(f"{item.code:20} {item.prefix or '-':4} {services:3} services {counters:3} counters  "
                       f"{item.name}" + ("" if item.active else " (inactive)"))


@office.command("add", help="Create an office; then load its standard with `loket catalogue load FILE --office CODE`.")
@click.argument("code")
@click.option("--name", default="", help="The office's name (the standard's file sets it too).")
@click.option("--prefix", default="", help="Letters before its ticket numbers (DK → DK-A-001).")
def add(code: str, name: str, prefix: str):
    from loket.cli import app_context
    from loket.extensions import db
    from loket.offices import scope
    from loket.queue.errors import QueueError

    with app_context():
        try:
            item = scope.create_office(code, name=name, prefix=prefix)
        except QueueError as exc:
            _fail(str(exc))
        db.session.commit()
        click.echo(f"Created office '{item.code}'" + (f" (numbers {item.prefix}-…)" if item.prefix else ""))


def _offices(codes: tuple[str, ...]):
    from loket.offices import scope
    from loket.queue.errors import QueueError

    try:
        return [scope.get_office(code) for code in dict.fromkeys(codes)]
    except QueueError as exc:
        _fail(str(exc))


@office.command("kiosk", help="Set the offices KIOSK lists (a mall's entrance kiosk: several); creates the kiosk "
                              "when new, with the preview printer.")
@click.argument("kiosk_id", metavar="KIOSK")
@click.option("--office", "codes", multiple=True, required=True, help="Office code; repeatable.")
@click.option("--name", default=None, help="The kiosk's name.")
def kiosk(kiosk_id: str, codes: tuple[str, ...], name: str | None):
    from loket.cli import app_context
    from loket.events import DomainEvent, commit_and_publish
    from loket.extensions import db
    from loket.kiosk.models import Kiosk

    with app_context():
        offices = _offices(codes)
        kiosk_id = kiosk_id.strip()
        if not kiosk_id or len(kiosk_id) > 40 or not kiosk_id.replace("-", "").isalnum():
            _fail("the kiosk id must be 1 to 40 letters, digits or dashes")
        item = db.session.get(Kiosk, kiosk_id)
        if item is None:
            item = Kiosk(id=kiosk_id, name=name or f"Kios {kiosk_id}",
                         printer={"kind": "preview", "paper": "80mm", "qr": "native"})
            db.session.add(item)
        elif name:
            item.name = name
        item.offices = offices
        commit_and_publish(DomainEvent("kiosk.offices", {"kiosk": item.id}, rooms=()))
        click.echo(f"Kiosk {item.id} lists: {', '.join(o.code for o in offices)}")


@office.command("display", help="Set the offices DISPLAY shows (a shared TV: several); creates the display when new.")
@click.argument("display_id", metavar="DISPLAY")
@click.option("--office", "codes", multiple=True, required=True, help="Office code; repeatable.")
@click.option("--name", default=None, help="The display's name.")
def display(display_id: str, codes: tuple[str, ...], name: str | None):
    from loket.cli import app_context
    from loket.display.settings import display_room
    from loket.events import DomainEvent, commit_and_publish
    from loket.extensions import db
    from loket.display.models import Display

    with app_context():
        offices = _offices(codes)
        display_id = display_id.strip()
        if not display_id or len(display_id) > 40 or not display_id.replace("-", "").isalnum():
            _fail("the display id must be 1 to 40 letters, digits or dashes")
        item = db.session.get(Display, display_id)
        if item is None:
            item = Display(id=display_id, name=name or f"Layar {display_id}", service_ids=[], counter_ids=[])
            db.session.add(item)
        elif name:
            item.name = name
        item.offices = offices
        # A selection of services or counters of offices no longer shown would hide everything.
        keep_services = {s.id for o in offices for s in _services_of(o)}
        item.service_ids = [i for i in (item.service_ids or []) if i in keep_services]
        keep_counters = {c.id for o in offices for c in _counters_of(o)}
        item.counter_ids = [i for i in (item.counter_ids or []) if i in keep_counters]
        commit_and_publish(DomainEvent("display.updated", {"display": item.id}, rooms=(display_room(item.id),)))
        click.echo(f"Display {item.id} shows: {', '.join(o.code for o in offices)}")


def _services_of(office):
    from sqlalchemy import select

    from loket.extensions import db
    from loket.queue.models import Service

    return db.session.scalars(select(Service).where(Service.office_id == office.id))


def _counters_of(office):
    from sqlalchemy import select

    from loket.extensions import db
    from loket.queue.models import Counter

    return db.session.scalars(select(Counter).where(Counter.office_id == office.id))


group = office
