"""Backups: a consistent copy of the database while the system runs, and bringing one back.

SQLite uses its online backup API (readers and the writer go on while the copy is made); PostgreSQL
uses `pg_dump` (custom format, one consistent snapshot) and `pg_restore`. A nightly backup runs from
the scheduler and old nightly copies are pruned after LOKET_BACKUP_KEEP_DAYS.

Restoring never hands out a ticket number twice: numbers issued after the backup was taken may
already be printed on paper, so each service's daily counter is kept at the higher of the restored
value and the value of the database being replaced.
"""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from loket.extensions import db
from loket.ops.scheduler import job
from loket.ops.schema import sqlite_path
from loket.timeutil import office_zone, to_local, utcnow

log = logging.getLogger(__name__)

NIGHTLY = "nightly"
PG_TIMEOUT = 3600  # seconds; the nightly job's lease is longer
SUFFIXES = (".db", ".dump")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def backup_dir() -> Path:
    configured = current_app.config.get("LOKET_BACKUP_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def _engine_url():
    return db.engine.url


def _is_sqlite() -> bool:
    return _engine_url().get_backend_name() == "sqlite"


def _libpq_args() -> tuple[str, dict]:
    """`--dbname` for pg_dump/pg_restore without the password (argv is visible to every local user),
    and an environment carrying it as PGPASSWORD."""
    url = _engine_url()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return f"--dbname={url.set(drivername='postgresql', password=None).render_as_string(hide_password=False)}", env


def default_name(label: str = "manual", now: datetime | None = None) -> str:
    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S")
    return f"loket-{stamp}-{label}" + (".db" if _is_sqlite() else ".dump")


def make_backup(path: str | os.PathLike | None = None, *, label: str = "manual") -> Path:
    """Write a consistent copy of the running database to `path` (a file, or a folder to put it in;
    default: the backup folder). Returns the file written."""
    target = Path(path) if path else backup_dir()
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        name = default_name(label)
        stem, suffix = name.rsplit(".", 1)
        n = 1
        while (target / name).exists():  # two copies in one second never overwrite each other
            n += 1
            name = f"{stem}-{n}.{suffix}"
        target = target / name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        if _is_sqlite():
            source = sqlite3.connect(str(sqlite_path()), timeout=30)
            copy = sqlite3.connect(str(partial))
            try:
                with copy:
                    source.backup(copy)
                # The copy inherits WAL mode; a rollback journal lets it be opened read-only anywhere
                # (a root-owned USB stick) without leaving -wal/-shm files beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
                source.close()
        else:
            dbname, env = _libpq_args()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", dbname],
                 "pg_dump", env)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup written to %s (%d bytes)", target, target.stat().st_size)
    return target


def _run(argv: list[str], what: str, env: dict | None = None) -> str:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{what} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=PG_TIMEOUT, env=env)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _sequences(conn) -> dict[tuple[str, str], int]:
    """{(service code, day): last number} of a database, empty when it has no such tables yet."""
    try:
        rows = conn.execute(text(
            "SELECT s.code, d.day, d.last FROM daily_sequences d JOIN services s ON s.id = d.service_id")).all()
    except Exception:
        return {}
    return {(code, str(day)): last for code, day, last in rows}


def _has_data(conn) -> bool:
    try:
        return conn.execute(text("SELECT count(*) FROM tickets")).scalar() > 0 or \
            conn.execute(text("SELECT count(*) FROM services")).scalar() > 0
    except Exception:
        return False


def restore(path: str | os.PathLike, *, force: bool = False) -> dict:
    """Replace the database with a backup. Refuses when the current database holds data (and, more
    strongly, while a server is running on it) unless `force`. Returns {"raised": n} — how many
    daily counters were kept above the restored value so no number is given twice."""
    from loket.ops.scheduler import running_servers

    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    _check_backup(source)
    with db.engine.connect() as conn:
        had_data = _has_data(conn)
        before = _sequences(conn)
    try:
        servers = running_servers() if had_data else []
    except Exception:
        servers = []
    db.session.remove()
    if not force and servers:
        raise BackupError(f"{len(servers)} Loket server process(es) are using this database "
                          f"({', '.join(s.id for s in servers)}): stop them first, or use --force")
    if not force and had_data:
        raise BackupError("the database already holds data: restoring replaces all of it; "
                          "make a backup first (`loket backup`), then repeat with --force")
    replaced = make_backup(label="pre-restore") if had_data else None  # the way back from a wrong file
    if _is_sqlite():
        live = sqlite3.connect(str(sqlite_path()), timeout=30)
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            with live:
                backup.backup(live)
        finally:
            backup.close()
            live.close()
        db.engine.dispose()
    else:
        dbname, env = _libpq_args()
        listing = _run(["pg_restore", "--list", str(source)], "pg_restore", env)  # readable whole?
        if "TABLE DATA public tickets" not in listing:
            raise BackupError(f"{source} holds no Loket tables; nothing was changed")
        db.engine.dispose()
        with db.engine.begin() as conn:  # emptied and refilled in one transaction: all or nothing
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        try:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  dbname, str(source)], "pg_restore", env)
        except BackupError as exc:
            raise BackupError(f"{exc}. The database is empty now; the replaced one is in {replaced}") from None
    raised = _keep_numbers(before)
    return {"raised": raised, "replaced": str(replaced) if replaced else None}


def _check_backup(source: Path) -> None:
    if source.suffix == ".dump" or not _is_sqlite():
        if _is_sqlite():
            raise BackupError(f"{source} is a PostgreSQL dump; this installation runs on SQLite")
        with open(source, "rb") as fh:
            magic = fh.read(5)
        if magic != b"PGDMP":
            raise BackupError(f"{source} is not a PostgreSQL dump made by `loket backup`")
        return
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a Loket SQLite backup ({exc})") from None
    if not ok or "tickets" not in tables:
        raise BackupError(f"{source} is not a Loket SQLite backup (damaged, or no tickets table)")


def _keep_numbers(before: dict[tuple[str, str], int]) -> int:
    """Raise restored daily counters to the replaced database's values (numbers already handed out)."""
    if not before:
        return 0
    raised = 0
    with db.engine.begin() as conn:
        after = _sequences(conn)
        for (code, day), last in before.items():
            if last > after.get((code, day), -1) and (code, day) in after:
                conn.execute(text(
                    "UPDATE daily_sequences SET last = :last WHERE day = :day AND service_id = "
                    "(SELECT id FROM services WHERE code = :code)"), {"last": last, "day": day, "code": code})
                raised += 1
            elif (code, day) not in after:
                service = conn.execute(text("SELECT id FROM services WHERE code = :code"), {"code": code}).scalar()
                if service is not None:
                    conn.execute(text("INSERT INTO daily_sequences (service_id, day, last) VALUES (:s, :day, :last)"),
                                 {"s": service, "day": day, "last": last})
                    raised += 1
    if raised:
        log.warning("restore: %d daily counter(s) kept above the backup, so numbers already issued are not "
                    "given again", raised)
    return raised


def backups() -> list[Path]:
    """Backup files in the backup folder, newest first."""
    folder = backup_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def recent_backup(label: str, within_hours: float) -> Path | None:
    """The newest backup made with `label` in the last `within_hours`, if any."""
    cutoff = datetime.now() - timedelta(hours=within_hours)
    for file in backups():
        if f"-{label}." in file.name and datetime.fromtimestamp(file.stat().st_mtime) >= cutoff:
            return file
    return None


def last_backup_age() -> timedelta | None:
    files = backups()
    if not files:
        return None
    newest = datetime.fromtimestamp(files[0].stat().st_mtime)
    return datetime.now() - newest


def prune(keep_days: int) -> list[Path]:
    """Remove nightly backups older than `keep_days` (manual and pre-upgrade copies are kept)."""
    cutoff = datetime.now() - timedelta(days=keep_days)
    removed = []
    for file in backups():
        if f"-{NIGHTLY}." in file.name and datetime.fromtimestamp(file.stat().st_mtime) < cutoff:
            file.unlink()
            removed.append(file)
    return removed


def _next_night(now: datetime) -> datetime:
    """The next LOKET_BACKUP_AT (office-local HH:MM, default 01:00), as naive UTC."""
    from datetime import time as dtime, timezone

    hour, minute = (int(x) for x in (current_app.config.get("LOKET_BACKUP_AT") or "01:00").split(":"))
    local = to_local(now)
    at = datetime.combine(local.date(), dtime(hour, minute), tzinfo=office_zone())
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), dtime(hour, minute), tzinfo=office_zone())
    return at.astimezone(timezone.utc).replace(tzinfo=None)


@job("nightly_backup", next_run=_next_night, first_run=_next_night, lease=timedelta(seconds=PG_TIMEOUT + 600))
def nightly(run) -> str:
    """The scheduler's nightly backup (once per installation), then pruning of old nightly copies."""
    keep = int(run.app.config.get("LOKET_BACKUP_KEEP_DAYS", 14))
    if keep <= 0:
        return "off (LOKET_BACKUP_KEEP_DAYS=0)"
    written = make_backup(label=NIGHTLY)
    removed = prune(keep)
    return f"{written} ({len(removed)} old removed)"
