"""`loket serve`: prepare the database, then hand the port to the production server.

Preparing happens once, in the starting process, under a lock shared by every process on the same
database (several `loket serve` started together wait for each other): pending migrations (after a
safety copy of a SQLite file), the first-start seed, the holiday calendar. Then this process becomes
gunicorn (exec), whose one worker builds the app and runs its share of the scheduler.
"""
from __future__ import annotations

import os
import sys
from datetime import date

from loket.extensions import db


class StartError(RuntimeError):
    """The server must not start; the message says why and what to change."""


def prepare(app) -> list[str]:
    """Migrate and seed; returns lines for the operator (the admin's one-time password among them)."""
    from loket.bootstrap import ensure_ready
    from loket.ops import schema
    from loket.queue import hours

    from loket.config import ConfigError, env_int

    try:  # read by the gunicorn worker; checked here so a typo stops the start with exit 2
        env_int("LOKET_SERVER_CONNECTIONS", 5000, minimum=10, unit="connections")
    except ConfigError as exc:
        raise StartError(str(exc)) from None
    level = (os.environ.get("LOKET_LOG_LEVEL") or "info").strip().lower()
    if level not in ("debug", "info", "warning", "error", "critical"):
        raise StartError(f"LOKET_LOG_LEVEL must be debug, info, warning, error or critical, got {level!r}")
    lines: list[str] = []
    with app.app_context():
        try:
            with schema.startup_lock():
                done = schema.upgrade()
                # a typo in the office hours must stop the start, not fail every kiosk page later
                hours.hours_config()
                hours.holidays_between(date.min, date.max)
                hours.holiday_country()
                seeded_ready = ensure_ready()
                seeded = hours.seed_calendar()
        except (schema.SchemaError, hours.HoursError) as exc:
            raise StartError(str(exc)) from None
        except Exception as exc:  # a migration that failed: say so once, with the way back
            from loket.ops import backup

            copies = backup.backups()
            hint = f"; the safety copy is {copies[0]}" if copies and "pre-upgrade" in copies[0].name else ""
            raise StartError(f"the database upgrade failed ({type(exc).__name__}: {exc}){hint}. "
                             "Nothing is served until it succeeds: fix the cause, or restore the copy "
                             "with `loket restore PATH --force`") from exc
        db.session.remove()
        db.engine.dispose()  # no connection may cross into the server process
    if done["state"] == "fresh":
        lines.append(f"Created the database (migrations up to {done['to']}).")
    elif done["state"] in ("unversioned", "pending"):
        lines.append(f"Upgraded the database from {done['from'] or 'before migrations'} to {done['to']}"
                     + (f" (safety copy: {done['copy']})." if done["copy"] else "."))
    for year, added in seeded.items():
        lines.append(f"Holiday calendar {year}: {added} day(s) copied from the national calendar "
                     "(check with `loket holidays list`).")
    if "admin_password" in seeded_ready:
        lines.append(f"Created admin account 'admin' with one-time password: {seeded_ready['admin_password']}")
        lines.append("Log in at /login and change it; it is not shown again.")
    if "catalogue" in seeded_ready:
        lines.append(f"Loaded the service standard: {seeded_ready['catalogue']}")
    return lines


def gunicorn_argv(host: str, port: int) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gunicorn_config.py")
    return [sys.executable, "-m", "gunicorn", "--config", config,
            "--bind", bind, "loket.wsgi:serve_app()"]


def exec_production(host: str, port: int) -> None:
    """Become gunicorn (same pid, so a service manager or a test that started us still holds it)."""
    os.environ["LOKET_ASYNC_MODE"] = "gevent"  # the worker's greenlets; see gunicorn_config.py
    sys.stdout.flush()
    sys.stderr.flush()
    argv = gunicorn_argv(host, port)
    os.execv(argv[0], argv)


def run_development(app, host: str, port: int) -> None:
    """Flask's debugger on Werkzeug (LOKET_ENV=development only; never in an office)."""
    from loket.extensions import socketio
    from loket.ops import scheduler

    scheduler.start(app)
    socketio.run(app, host=host, port=port, debug=True, use_reloader=False, allow_unsafe_werkzeug=True,
                 log_output=True)
