"""The database schema is Alembic's (loket/migrations): what state a database is in, and upgrading it.

- fresh: no tables yet; `upgrade` creates everything.
- unversioned: made by Loket 0.1.0's `create_all`, before migrations; `upgrade` adopts it (stamps the
  first migration, which is exactly that schema) and then applies the rest, keeping every row.
- pending: older than this code; `loket serve` upgrades it at start (after a safety copy of a SQLite
  file), other commands ask for `loket db upgrade`.
- current: at head.  ahead: made by a newer Loket (refuse to run rather than guess).
"""
from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from loket.extensions import db

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BASELINE = "0001"  # the schema create_all made before migrations existed
ADVISORY_KEY = 0x4C4F4B45  # "LOKE": one PostgreSQL advisory lock for schema changes at start-up


class SchemaError(RuntimeError):
    """The database cannot be used by this code as it is; the message says what to run."""


@dataclass(frozen=True)
class SchemaStatus:
    state: str  # fresh | unversioned | pending | current | ahead
    current: str | None
    head: str

    @property
    def needs_upgrade(self) -> bool:
        return self.state in ("fresh", "unversioned", "pending")


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    return _script().get_current_head()


def status() -> SchemaStatus:
    """Where the app's database stands against this code's migrations."""
    script = _script()
    head_rev = script.get_current_head()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names())
    if current is None:
        tables.discard("alembic_version")
        return SchemaStatus("unversioned" if "tickets" in tables else "fresh", None, head_rev)
    if current == head_rev:
        return SchemaStatus("current", current, head_rev)
    known = {rev.revision for rev in script.walk_revisions()}
    return SchemaStatus("pending" if current in known else "ahead", current, head_rev)


def sqlite_path() -> Path | None:
    """The database file when the app runs on SQLite (None for PostgreSQL or in-memory)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


@contextmanager
def startup_lock():
    """Only one process at a time changes the schema or seeds a fresh database: a file lock beside a
    SQLite file, a PostgreSQL advisory lock otherwise. Processes started together wait here."""
    path = sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    if db.engine.url.get_backend_name() == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
        return
    yield


def upgrade(*, safety_copy: bool = True) -> dict:
    """Bring the database to head. Returns {"from": rev|None, "to": head, "state": ..., "copy": path|None}.

    An existing SQLite database is first copied (online backup) into the backup folder, so a failed
    or unwanted upgrade can be undone with `loket restore`."""
    import flask_migrate

    before = status()
    done = {"from": before.current, "to": before.head, "state": before.state, "copy": None}
    if before.state == "ahead":
        raise SchemaError(f"the database is at migration {before.current}, newer than this Loket "
                          f"(head {before.head}): install the newer Loket or restore a backup")
    if not before.needs_upgrade:
        return done
    if safety_copy and before.state in ("unversioned", "pending") and sqlite_path() is not None:
        from loket.ops import backup

        label = f"pre-upgrade-{before.current or 'unversioned'}"
        # A failed upgrade retried by a service manager must not fill the disk with copies.
        recent = backup.recent_backup(label, within_hours=24)
        done["copy"] = str(recent or backup.make_backup(label=label))
    db.session.remove()
    if before.state == "unversioned":
        log.info("adopting a database made before migrations (stamping %s)", BASELINE)
        if sqlite_path() is not None:
            _name_sqlite_constraints()
        flask_migrate.stamp(directory=str(MIGRATIONS), revision=BASELINE)
    flask_migrate.upgrade(directory=str(MIGRATIONS))
    db.session.remove()
    return done


def _name_sqlite_constraints() -> None:
    """create_all gave SQLite tables unnamed UNIQUE and FOREIGN KEY constraints; later migrations must be
    able to name them (batch mode drops a constraint by name). Rebuild each table once, rows and
    indexes kept, with the names of the metadata's naming convention, exactly as migration 0001 makes
    them. Foreign keys are off during the rebuild and checked after it."""
    from alembic.operations import Operations

    convention = dict(db.metadata.naming_convention)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            tables = set(inspect(conn).get_table_names())
            conn.commit()
            # SQLite commits DDL outside pysqlite's transaction: a rebuild that failed half-way leaves its
            # temporary table behind, which would stop every later attempt. The real tables are intact.
            for leftover in sorted(t for t in tables if t.startswith("_alembic_tmp_")):
                conn.exec_driver_sql(f'DROP TABLE "{leftover}"')
            conn.commit()
            operations = Operations(MigrationContext.configure(conn))
            with conn.begin():
                for table in db.metadata.sorted_tables:
                    if table.name in tables:
                        with operations.batch_alter_table(table.name, recreate="always",
                                                          naming_convention=convention):
                            pass
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise SchemaError(f"the database has {len(problems)} broken reference(s) "
                                      "(PRAGMA foreign_key_check); nothing was changed")
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def require_current() -> None:
    """For commands other than serve/db/backup: a database that is behind must be upgraded first."""
    now = status()
    if now.state == "fresh":
        upgrade(safety_copy=False)
    elif now.state in ("unversioned", "pending"):
        raise SchemaError(f"the database schema is older than this Loket ({now.current or 'before migrations'} "
                          f"→ {now.head}): run `loket db upgrade` first (it keeps every record)")
    elif now.state == "ahead":
        raise SchemaError(f"the database is at migration {now.current}, newer than this Loket (head {now.head})")
