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


from loket.ops.doctor import command as doctor  # noqa: E402

commands = [db_group, backup, restore, doctor]
