"""`loket db`, `loket backup`, `loket restore`, `loket doctor`: keeping an installation healthy."""
from __future__ import annotations

import sys

import click

from loket.cli import app_context


@click.group("db", help="The database schema (Alembic migrations).")
def db_group():
    pass


@db_group.command("upgrade", help="Apply pending migrations (a SQLite file is copied to the backup folder "
                                  "first). A database made before migrations is adopted, keeping every row.")
@click.option("--no-copy", is_flag=True, help="Skip the safety copy of a SQLite file.")
def db_upgrade(no_copy: bool):
    from loket.ops import schema

    with app_context(schema=False):
        try:
            with schema.startup_lock():
                done = schema.upgrade(safety_copy=not no_copy)
        except schema.SchemaError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    if done["state"] == "current":
        click.echo(f"The database is up to date ({done['to']}).")
        return
    click.echo(f"Upgraded the database from {done['from'] or ('nothing' if done['state'] == 'fresh' else 'before migrations')} "
               f"to {done['to']}.")
    if done["copy"]:
        click.echo(f"Safety copy: {done['copy']}")


@db_group.command("status", help="Show the database's migration and this Loket's newest (exit 1 when behind).")
def db_status():
    from loket.ops import schema

    with app_context(schema=False):
        now = schema.status()
    click.echo(f"database: {now.current or '(none)'}  code: {now.head}  state: {now.state}")
    if now.state != "current":
        sys.exit(1)


@click.command("backup", help="Write a consistent copy of the database while Loket runs (SQLite online "
                              "backup, or pg_dump). PATH is a file or a folder; default: the backup folder.")
@click.argument("path", required=False)
def backup(path: str | None):
    from loket.ops import backup as backups

    with app_context(schema=False):
        try:
            written = backups.make_backup(path)
        except backups.BackupError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    click.echo(f"Backup written: {written} ({written.stat().st_size} bytes)")


@click.command("restore", help="Replace the database with a backup made by `loket backup`. Refuses while the "
                               "database holds data or a server is running on it, unless --force. Daily "
                               "ticket counters never go back, so no number is handed out twice.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that holds data (stop the servers first).")
def restore(path: str, force: bool):
    from loket.ops import backup as backups
    from loket.ops import schema

    with app_context(schema=False):
        try:
            done = backups.restore(path, force=force)
        except backups.BackupError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        now = schema.status()
    click.echo(f"Restored {path}.")
    if done["raised"]:
        click.echo(f"{done['raised']} daily ticket counter(s) kept above the backup's: numbers issued after it "
                   "was made are not handed out again.")
    if now.needs_upgrade:
        click.echo(f"The backup is at migration {now.current or 'before migrations'}; `loket serve` (or "
                   "`loket db upgrade`) brings it to this Loket's schema.")


@click.command("demo", help="Fill a fresh database with a realistic past month of one office (tickets and "
                            "their log, surveys, quick ratings, complaints, demo staff with one-time passwords) "
                            "so every page shows something. Refuses (exit 1) a database that already holds "
                            "tickets or was used; today stays empty.")
@click.option("--days", type=click.IntRange(5, 120), default=30, show_default=True,
              help="Office-local days of history, ending yesterday (working days and hours only).")
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same history "
                                                     "[default: a fixed one].")
@click.option("--office", "office_code", default=None, help="The office (default: the first).")
@click.option("--if-fresh", "if_fresh", is_flag=True,
              help="Do nothing (exit 0) when the database already holds tickets or was used.")
def demo(days: int, seed: int | None, office_code: str | None, if_fresh: bool):
    from loket.bootstrap import ensure_ready
    from loket.ops import demo as demos
    from loket.ops import schema
    from loket.queue import hours
    from loket.queue.errors import QueueError

    with app_context(schema=False):
        state = schema.status().state
        if state not in ("fresh", "current"):  # an existing database of an older (or newer) Loket
            if if_fresh:
                click.echo("Demo skipped: the database already exists (an earlier Loket made it).")
                return
            click.echo("Error: the database already exists and is not at this Loket's schema; `loket demo` "
                       "fills only a fresh database (`loket db upgrade` brings this one up to date)", err=True)
            sys.exit(1)
        with schema.startup_lock():
            if state == "fresh":
                schema.upgrade(safety_copy=False)
            reason = demos.in_use()
            if reason and if_fresh:
                click.echo(f"Demo skipped: {reason}.")
                return
            if reason:
                click.echo(f"Error: {reason}; `loket demo` fills only a fresh database, never a real "
                           "office's history", err=True)
                sys.exit(1)
            try:
                ready = ensure_ready()  # what a first `loket serve` does: standard, devices, counters, admin
                hours.seed_calendar()
                summary = demos.generate(days=days, seed=demos.DEFAULT_SEED if seed is None else seed,
                                         office_code=office_code)
            except (demos.DemoError, QueueError, hours.HoursError) as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(2)
    if "admin_password" in ready:
        click.echo(f"Created admin account 'admin' with one-time password: {ready['admin_password']}")
        click.echo("Log in at /login and change it; it is not shown again.")
    for line in _demo_lines(summary):
        click.echo(line)


def _demo_lines(summary) -> list[str]:
    states = summary.tickets
    complaints = summary.complaints
    cases = summary.cases
    lines = [
        f"Demo history of office '{summary.office}': {summary.first_day} to {summary.last_day}, "
        f"{summary.working_days} working days.",
        f"  tickets: {summary.ticket_count} (served {states.get('done', 0)}, no-show {states.get('no_show', 0)}, "
        f"not served at closing {states.get('cancelled', 0)}), {summary.transferred} transferred, "
        f"{summary.priority} priority",
        f"  SKM surveys: {summary.surveys}; quick ratings: {summary.ratings} of {summary.rating_requests} asked",
        f"  complaints: {sum(complaints.values())} (" + ", ".join(
            f"{status.replace('_', ' ')} {complaints.get(status, 0)}"
            for status in ("received", "in_progress", "answered", "closed")) + f"), {summary.overdue} overdue",
        f"  cases (berkas): {sum(cases.values())} (" + ", ".join(
            f"{state} {cases.get(state, 0)}" for state in ("open", "waiting", "done", "cancelled"))
        + f"), {summary.cases_overdue} overdue",
        "Demo staff, one-time passwords (shown only now; each account chooses its own at the first login):",
    ]
    lines += [f"  {username:12} {role:10} {password}  {counters}".rstrip()
              for username, role, counters, password in summary.staff]
    return lines


from loket.ops.doctor import command as doctor  # noqa: E402

commands = [db_group, backup, restore, doctor, demo]
