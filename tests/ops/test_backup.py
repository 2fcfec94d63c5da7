"""Backups: a consistent copy while the system runs, restore brings exactly that state back, and
numbering goes on without handing out a number twice (SQLite online backup; pg_dump/pg_restore)."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.ops import backup
from loket.queue import core
from loket.queue.models import Ticket


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_database(request):
    return request.param


def _numbers(app) -> list[str]:
    with app.app_context():
        numbers = list(db.session.scalars(select(Ticket.number).order_by(Ticket.id)))
        db.session.remove()
        return numbers


def _issue(app, code: str, n: int) -> list[str]:
    with app.app_context():
        numbers = [core.issue_ticket(code).number for _ in range(n)]
        db.session.remove()
        return numbers


def test_backup_issue_more_restore_gives_exactly_the_first_set(app, tmp_path, runner):
    first = _issue(app, "A", 3) + _issue(app, "B", 1)
    result = runner.invoke(args=["loket", "backup", str(tmp_path / "copies")])
    assert result.exit_code == 0, result.output
    [copy] = list((tmp_path / "copies").iterdir())
    later = _issue(app, "A", 2)
    assert later == ["A-004", "A-005"]

    refused = runner.invoke(args=["loket", "restore", str(copy)])  # the database holds data
    assert refused.exit_code == 2 and "--force" in refused.output
    assert _numbers(app) == first + later  # nothing was touched

    result = runner.invoke(args=["loket", "restore", str(copy), "--force"])
    assert result.exit_code == 0, result.output
    assert _numbers(app) == first
    # A-004 and A-005 may be on paper in visitors' hands: the counter does not go back
    assert "1 daily ticket counter(s) kept above" in result.output
    after = _issue(app, "A", 1) + _issue(app, "B", 1)
    assert after == ["A-006", "B-002"]
    numbers = _numbers(app)
    assert len(numbers) == len(set(numbers))


def test_backup_while_tickets_are_issued_is_consistent(app, tmp_path):
    """Taken while another thread issues tickets: the copy is a whole state (every number it holds
    was counted by its sequence, and the other way round)."""
    stop = threading.Event()
    errors = []

    def issuer():
        try:
            with app.app_context():
                while not stop.is_set():
                    core.issue_ticket("A")
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=issuer)
    thread.start()
    try:
        _issue(app, "B", 5)
        with app.app_context():
            paths = [backup.make_backup(tmp_path / f"copy-{i}") for i in range(3)]
    finally:
        stop.set()
        thread.join(30)
    assert not errors
    for path in paths:
        with app.app_context():
            if backup._is_sqlite():
                con = sqlite3.connect(path)
                tickets = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
                counted = con.execute("SELECT sum(last) FROM daily_sequences").fetchone()[0]
                assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                con.close()
                assert tickets == counted and tickets >= 5
            else:
                assert path.read_bytes()[:5] == b"PGDMP"


def test_restore_refuses_what_is_not_a_backup(app, tmp_path, runner):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["loket", "restore", str(junk), "--force"])
    assert result.exit_code == 2 and "backup" in result.output
    missing = runner.invoke(args=["loket", "restore", str(tmp_path / "nothing.db")])
    assert missing.exit_code == 2 and "no backup file" in missing.output


def test_restore_refuses_while_a_server_runs_on_the_database(app, tmp_path):
    from loket.ops import scheduler
    from loket.timeutil import utcnow

    with app.app_context():
        copy = backup.make_backup(tmp_path)
        scheduler.heartbeat("otherhost:4242:abcd", utcnow(), utcnow())
        with pytest.raises(backup.BackupError, match="server process"):
            backup.restore(copy)


def test_nightly_backup_runs_from_the_scheduler_and_prunes_old_copies(app, tmp_path):
    import os
    import time
    from datetime import datetime

    from loket.ops import scheduler
    from loket.ops.models import ScheduledJob

    app.config["LOKET_BACKUP_DIR"] = str(tmp_path / "nightly")
    app.config["LOKET_BACKUP_KEEP_DAYS"] = 7
    with app.app_context():
        suffix = ".db" if backup._is_sqlite() else ".dump"
        old = backup.make_backup(tmp_path / "nightly" / f"loket-20200101-010000-nightly{suffix}")
        manual = backup.make_backup(tmp_path / "nightly" / f"loket-20200101-020000-manual{suffix}")
        month_ago = time.time() - 30 * 86400
        for path in (old, manual):
            os.utime(path, (month_ago, month_ago))
        scheduler.ensure_rows(datetime(2026, 11, 25, 12, 0))
        row = db.session.get(ScheduledJob, "nightly_backup")
        assert row.next_run_at == datetime(2026, 11, 25, 17, 0)  # 01:00 WITA
        assert "nightly_backup" not in scheduler.tick(app, "t:1:a", datetime(2026, 11, 25, 16, 59))
        assert "nightly_backup" in scheduler.tick(app, "t:1:a", datetime(2026, 11, 25, 17, 0, 5))
        db.session.refresh(row)
        assert row.last_status == "ok" and row.next_run_at == datetime(2026, 11, 26, 17, 0)
        names = sorted(p.name for p in backup.backups())
    assert not old.exists() and manual.exists()  # only old nightly copies are pruned
    assert len([n for n in names if n.endswith("-nightly" + old.suffix)]) == 1


def test_a_damaged_dump_is_refused_before_anything_is_dropped(app, tmp_path, runner):
    first = _issue(app, "A", 2)
    with app.app_context():
        good = backup.make_backup(tmp_path / "good")
        db.session.remove()
    damaged = tmp_path / f"damaged{good.suffix}"
    damaged.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    result = runner.invoke(args=["loket", "restore", str(damaged), "--force"])
    assert result.exit_code == 2, result.output
    assert _numbers(app) == first  # the live database is untouched


def test_a_sqlite_copy_opens_read_only_anywhere(tmp_path):
    import os

    from loket.bootstrap import ensure_ready
    from support import migrated_app

    app = migrated_app({"INSTANCE_PATH": str(tmp_path / "i"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/i.db"})
    with app.app_context():
        ensure_ready()
        copy = backup.make_backup(tmp_path / "stick")
        db.engine.dispose()
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not WAL: no -wal/-shm needed
    con.close()
    os.chmod(tmp_path / "stick", 0o555)  # like a stick mounted read-only
    try:
        con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        assert con.execute("SELECT count(*) FROM services").fetchone()[0] == 6
        con.close()
    finally:
        os.chmod(tmp_path / "stick", 0o755)
    assert sorted(p.name for p in (tmp_path / "stick").iterdir()) == [copy.name]


def test_restoring_keeps_a_copy_of_what_it_replaced(app, tmp_path, runner):
    first = _issue(app, "A", 1)
    with app.app_context():
        copy = backup.make_backup(tmp_path / "c")
        db.session.remove()
    later = _issue(app, "A", 1)
    result = runner.invoke(args=["loket", "restore", str(copy), "--force"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [replaced] = [p for p in backup.backups() if "pre-restore" in p.name]
    assert _numbers(app) == first
    result = runner.invoke(args=["loket", "restore", str(replaced), "--force"])  # the way back
    assert result.exit_code == 0, result.output
    assert _numbers(app) == first + later
