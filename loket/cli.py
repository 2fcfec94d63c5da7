"""The `loket` command: serve the app, load a service standard, manage officers and printers.

Run `loket --help` (or `loket COMMAND --help`) for the details of each command.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click


def _app(*, schema: bool = True):
    """The app for a command. With `schema`, a fresh database is created (migrations) and one that
    is behind stops the command with a message naming `loket db upgrade` (exit 2)."""
    from loket import create_app
    from loket.config import ConfigError

    try:
        app = create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if schema:
        from loket.ops.schema import SchemaError, require_current, startup_lock

        with app.app_context():
            try:
                with startup_lock():
                    require_current()
            except SchemaError as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(2)
    return app


@contextmanager
def app_context(*, schema: bool = True):
    """The app a command works in: the current one (tests, `flask --app loket loket …`) or a new one.

    Area commands (`loket/<area>/commands.py`) use this too, so a bad setting is exit 2 everywhere.
    """
    from flask import current_app, has_app_context
    from flask.cli import ScriptInfo

    if has_app_context():
        yield current_app
        return
    click_ctx = click.get_current_context(silent=True)
    info = click_ctx.find_object(ScriptInfo) if click_ctx else None
    app = info.load_app() if info is not None else _app(schema=schema)
    with app.app_context():
        yield app


@click.group(help="Loket: walk-in service queue (kiosk, display, counter, SKM) for a public-service office.")
def main():
    pass


@main.command(help="Serve HTTP and Socket.IO on one port with the production server (gunicorn, one worker). "
                   "Applies pending migrations first (after a safety copy of a SQLite file). On first start "
                   "creates the database, loads the bundled Standar Pelayanan, kiosk 1, display 1, a counter "
                   "per service and an admin account whose one-time password is printed once.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the LAN).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="Port for HTTP and websockets.")
@click.option("--debug/--no-debug", default=False,
              help="Flask's debugger on Werkzeug's development server: only with LOKET_ENV=development.")
def serve(host: str, port: int, debug: bool):
    from loket.config import debug_allowed

    if debug and not debug_allowed():
        click.echo("Error: --debug runs Flask's debugger, which lets anyone who reaches it run code on this "
                   "machine; it is refused unless LOKET_ENV=development", err=True)
        sys.exit(2)
    app = _app(schema=False)
    from loket.ops import server

    try:
        messages = server.prepare(app)
    except server.StartError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for line in messages:
        click.echo(line)
    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    click.echo(f"Loket serving on http://{host}:{port}/ (database: {database})")
    if debug:
        server.run_development(app, host, port)
        return
    server.exec_production(host, port)


@main.group(help="The office's Standar Pelayanan (service catalogue).")
def catalogue():
    pass


@catalogue.command("load", help="Load or reload an office's service standard data file (TOML). Existing tickets "
                                "are kept; services missing from the file are deactivated, not deleted. With "
                                "--office CODE the file is that office's (created when new, with a counter per "
                                "service); without it, the first office's.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--office", "office_code", default=None, help="The office (unit layanan) code, e.g. dukcapil.")
@click.option("--prefix", default=None, help="Letters before a new office's ticket numbers (DK → DK-A-001); "
                                             "required when another office already numbers without one.")
def catalogue_load(file: str, office_code: str | None, prefix: str | None):
    from sqlalchemy import select

    from loket.bootstrap import add_counters
    from loket.catalogue.loader import CatalogueError, load_file, read
    from loket.extensions import db
    from loket.offices import scope
    from loket.offices.models import Office
    from loket.queue.errors import QueueError

    app = _app()
    with app.app_context():
        try:
            data = read(file)
            office = None
            if office_code:
                code = scope.validate_code(office_code)
                office = db.session.scalar(select(Office).where(Office.code == code))
                if office is None:
                    name = str(data["office"].get("short_name") or data["office"].get("name") or code)
                    office = scope.create_office(code, name=name, prefix=prefix or "")
                    click.echo(f"Created office '{code}'" + (f" (numbers {office.prefix}-…)" if office.prefix else ""))
                elif prefix is not None:
                    office.prefix = scope.validate_prefix(prefix, office=office)
            if office is None and len(scope.active_offices()) > 1:
                click.echo("Error: this installation has several offices; name one with --office CODE "
                           "(see `loket office list`)", err=True)
                sys.exit(2)
            result = load_file(file, office)
            if office is not None:
                counters = add_counters(office)
                db.session.commit()
                if counters:
                    click.echo(f"Created counters {', '.join(str(c.number) for c in counters)} for '{office.code}'")
        except CatalogueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except QueueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    click.echo(f"Loaded {file}: {result['created']} created, {result['updated']} updated, "
               f"{result['deactivated']} deactivated")


@main.group(help="Staff accounts.")
def officer():
    pass


def _new_password(password: str | None, generate: bool) -> tuple[str, bool]:
    """The password given, a generated one (printed once), or one typed at a hidden prompt."""
    import secrets

    if generate:
        return secrets.token_urlsafe(12), True
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        click.echo("Error: password must be at least 8 characters", err=True)
        sys.exit(2)
    return password, False


@officer.command("add", help="Create a staff account and assign counters. The password is prompted for "
                             "(hidden), or generated and printed once with --generate-password.")
@click.argument("username")
@click.option("--role", type=click.Choice(["officer", "supervisor", "admin"]), default="officer", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown to colleagues (never to visitors).")
@click.option("--office", "office_code", default=None,
              help="The office the account works for (default: the first office). An admin without "
                   "--office manages the whole installation.")
@click.option("--counter", "counters", multiple=True, type=int, help="Counter (loket) number in the office; "
                                                                     "repeatable.")
@click.option("--password", default=None, help="Password (prompted when omitted; a password on the command line "
                                               "ends up in the shell history).")
@click.option("--generate-password", "generate", is_flag=True, help="Generate a password and print it once.")
def officer_add(username: str, role: str, display_name: str, office_code: str | None, counters: tuple[int, ...],
                password: str | None, generate: bool):
    from sqlalchemy import select

    from loket.auth.models import User
    from loket.bootstrap import ensure_ready
    from loket.extensions import db
    from loket.queue.models import Counter

    username = username.strip()
    if not username or len(username) > 80:
        click.echo("Error: the username must be 1 to 80 characters", err=True)
        sys.exit(2)
    password, generated = _new_password(password, generate)
    app = _app()
    with app.app_context():
        done = ensure_ready()  # a fresh database gets its counters (and admin) first
        if "admin_password" in done:
            click.echo(f"Created admin account 'admin' with one-time password: {done['admin_password']}")
        if db.session.scalar(select(User).where(User.username == username)):
            click.echo(f"Error: user '{username}' already exists", err=True)
            sys.exit(2)
        from loket.offices import scope
        from loket.queue.errors import QueueError

        try:
            office = scope.get_office(office_code) if office_code else None
        except QueueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        if office is None and role != "admin":
            if len(scope.active_offices()) > 1:
                click.echo("Error: this installation has several offices; name the account's office with "
                           "--office CODE (see `loket office list`)", err=True)
                sys.exit(2)
            office = scope.default_office()
        assigned = []
        for number in counters:
            counter = db.session.scalar(select(Counter).where(
                Counter.number == number, Counter.office_id == (office.id if office else -1)))
            if counter is None:
                click.echo(f"Error: no counter {number}" + (f" in office '{office.code}'" if office else
                                                           " (an installation admin has no counters; "
                                                           "give --office)"), err=True)
                sys.exit(2)
            assigned.append(counter)
        user = User(username=username, role=role, display_name=display_name or username, counters=assigned,
                    office_id=office.id if office else None, must_change_password=generated)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
    click.echo(f"Created {role} '{username}'" + (f" of office '{office_code}'" if office_code else "")
               + (f" at counters {', '.join(map(str, counters))}" if counters else ""))
    if generated:
        click.echo(f"One-time password (shown only now): {password}")


@officer.command("password", help="Set a new password for a staff account (prompted, or generated with "
                                  "--generate-password and printed once).")
@click.argument("username")
@click.option("--password", default=None, help="New password (prompted when omitted).")
@click.option("--generate-password", "generate", is_flag=True, help="Generate a password and print it once.")
def officer_password(username: str, password: str | None, generate: bool):
    from sqlalchemy import select

    from loket.auth.models import User
    from loket.extensions import db

    app = _app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            click.echo(f"Error: no user '{username}'", err=True)
            sys.exit(2)
        password, generated = _new_password(password, generate)
        user.set_password(password)
        user.must_change_password = generated  # a printed password is for one login only
        db.session.commit()
    click.echo(f"Password of '{username}' changed")
    if generated:
        click.echo(f"One-time password (shown only now): {password}")


@main.group(help="The office day: close it, report on it.")
def day():
    pass


@day.command("close", help="Close tickets the office will not serve any more: earlier days' waiting and called "
                           "tickets, and today's waiting ones once the office is closed (with --force: now, "
                           "called ones too). Tickets are kept and reported, never deleted. Safe to repeat.")
@click.option("--force", is_flag=True, help="Close today's queue now even though the office is still open.")
@click.option("--office", "office_code", default=None, help="One office only (an agency closing early); default: "
                                                            "every office.")
def day_close(force: bool, office_code: str | None):
    from loket.offices import scope
    from loket.queue.closing import close_day
    from loket.queue.errors import QueueError

    app = _app()
    with app.app_context():
        try:
            office = scope.get_office(office_code) if office_code else None
        except QueueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        result = close_day(force=force, office_id=office.id if office else None)
    if not result["closed"]:
        click.echo("Nothing to close.")
        return
    per_service = ", ".join(f"{code}: {n}" for code, n in result["by_service"].items())
    click.echo(f"Closed {result['closed']} ticket(s) as not served, office closed ({per_service}): "
               + " ".join(result["numbers"]))


@day.command("report", help="What became of a day's tickets per service: served, no-show, not served because "
                            "the office closed, cancelled, still open.")
@click.option("--date", "day_text", default=None, help="Office-local day (YYYY-MM-DD), default today.")
@click.option("--office", "office_code", default=None, help="One office only (default: every office).")
def day_report(day_text: str | None, office_code: str | None):
    from loket.offices import scope
    from loket.queue.closing import day_summary
    from loket.queue.errors import QueueError
    from loket.timeutil import local_day

    app = _app()
    with app.app_context():
        when = _parse_day(day_text) if day_text else local_day()
        try:
            office = scope.get_office(office_code) if office_code else None
        except QueueError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        lines = day_summary(when, office.id if office else None)
    click.echo(f"Tickets of {when.isoformat()}")
    click.echo(f"{'service':8} {'issued':>6} {'done':>6} {'no-show':>8} {'office closed':>14} {'cancelled':>10} {'open':>5}")
    for line in lines:
        click.echo(f"{line['service']:8} {line['issued']:>6} {line['done']:>6} {line['no_show']:>8} "
                   f"{line['office_closed']:>14} {line['cancelled']:>10} {line['open']:>5}")
    if not lines:
        click.echo("(no tickets)")


@main.group(help="The office's holiday calendar (national holidays, cuti bersama, local days off).")
def holidays():
    pass


def _parse_day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@holidays.command("list", help="List the holidays of a year (default: this year).")
@click.option("--year", type=int, default=None)
def holidays_list(year: int | None):
    from loket.queue import hours
    from loket.timeutil import local_day

    app = _app()
    with app.app_context():
        year = year or local_day().year
        rows = hours.calendar(year)
        for holiday in rows:
            click.echo(f"{holiday.day.isoformat()}  {holiday.name}  [{holiday.source}]")
    if not rows:
        click.echo(f"No holidays recorded for {year}; `loket holidays import --year {year}` copies the national calendar.")


@holidays.command("add", help="Add a day off (or rename one), e.g. `loket holidays add 2026-12-31 \"Cuti bersama\"`.")
@click.argument("day")
@click.argument("name", default="")
def holidays_add(day: str, name: str):
    from loket.queue import hours

    when = _parse_day(day)
    app = _app()
    with app.app_context():
        hours.add_holiday(when, name)
    click.echo(f"Holiday {when.isoformat()} {name}".rstrip())


@holidays.command("remove", help="Remove a day from the calendar (the office works that day).")
@click.argument("day")
def holidays_remove(day: str):
    from loket.queue import hours

    when = _parse_day(day)
    app = _app()
    with app.app_context():
        removed = hours.remove_holiday(when)
    if not removed:
        click.echo(f"Error: {when.isoformat()} is not in the calendar", err=True)
        sys.exit(2)
    click.echo(f"Removed {when.isoformat()}")


@holidays.command("import", help="Copy a year's public holidays and cuti bersama from the `holidays` package "
                                 "(days already in the calendar are kept). Check them against the year's SKB.")
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.option("--country", default="ID", show_default=True)
def holidays_import(year: int | None, country: str):
    from loket.queue import hours
    from loket.timeutil import local_day

    app = _app()
    with app.app_context():
        year = year or local_day().year
        try:
            added = hours.import_calendar(year, country)
        except hours.HoursError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    click.echo(f"Imported {added} holiday(s) for {year}")


def _add_area_commands() -> None:
    """Areas contribute commands in `loket/<area>/commands.py` as a click `group` or `commands` list."""
    from importlib import import_module
    from importlib.util import find_spec

    for area in ("offices", "kiosk", "display", "counter", "feedback", "admin", "printers", "queue", "ops"):
        name = f"loket.{area}.commands"
        if find_spec(name) is None:
            continue
        module = import_module(name)
        for command in getattr(module, "commands", []) or [getattr(module, "group", None)]:
            if command is not None:
                main.add_command(command)


_add_area_commands()


def register(app) -> None:
    """Hook for `flask --app loket` users: the same commands under `flask loket …`."""
    app.cli.add_command(main, "loket")


if __name__ == "__main__":
    main()
