"""One scheduler per installation: each periodic job runs once however many processes serve.

Areas register jobs with `every(seconds)` (a plain `fn(app)`) or `job(name, next_run=...)` (a `fn(run)`
that may keep state between runs). Every `loket serve` process runs `run_forever`; each round it reads
which jobs are due and claims one with a conditional UPDATE on its `scheduled_jobs` row (due, and no
live lease). Only the process whose UPDATE matched runs the job; it then sets the next due time. A
process that dies mid-job leaves a lease that expires, and another process runs the job then.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, or_, select, update

from loket.extensions import db
from loket.timeutil import utcnow

log = logging.getLogger(__name__)

TICK = 5.0  # seconds between rounds (print retries are due every 5 s)
LEASE = timedelta(minutes=30)  # default: a job still running after its lease may be taken over
RETRY_FAILED = timedelta(minutes=5)  # a failed job is tried again this soon, not at its next normal time
HEARTBEAT = timedelta(seconds=30)
ALIVE = timedelta(seconds=90)  # a process not seen for this long is gone


@dataclass
class Job:
    name: str
    fn: Callable
    next_run: Callable[[datetime], datetime]  # due time after a run at `now`
    first_run: Callable[[datetime], datetime] = staticmethod(lambda now: now)
    takes_run: bool = False  # fn(run) instead of fn(app)
    lease: timedelta = LEASE  # longer than the job can take


@dataclass
class Run:
    app: object
    now: datetime
    state: dict = field(default_factory=dict)


JOBS: dict[str, Job] = {}


def every(seconds: float, name: str | None = None):
    """Register `fn(app)` to run every `seconds` somewhere in the installation."""

    def decorator(fn):
        key = name or f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        JOBS[key] = Job(key, fn, next_run=lambda now: now + timedelta(seconds=seconds),
                        lease=max(timedelta(minutes=2), timedelta(seconds=10 * seconds)))
        fn.schedule_seconds = seconds
        fn.schedule_name = key
        return fn

    return decorator


def job(name: str, *, next_run: Callable[[datetime], datetime],
        first_run: Callable[[datetime], datetime] | None = None, lease: timedelta = LEASE):
    """Register `fn(run)` (run.app, run.now, run.state) due at `first_run(now)` on a new installation
    (default: at once), then at `next_run(now)` after each run."""

    def decorator(fn):
        JOBS[name] = Job(name, fn, next_run=next_run, first_run=first_run or (lambda now: now), takes_run=True,
                         lease=lease)
        fn.schedule_name = name
        return fn

    return decorator


def holder_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _dialect_insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def ensure_rows(now: datetime) -> None:
    """A row for every registered job (its first due time); existing rows keep their schedule."""
    from loket.ops.models import ScheduledJob

    insert = _dialect_insert()
    known = set(db.session.scalars(select(ScheduledJob.name)))
    for spec in JOBS.values():
        if spec.name not in known:
            db.session.execute(insert(ScheduledJob).values(
                name=spec.name, next_run_at=spec.first_run(now), holder="", runs=0, last_status="",
                last_result="", state={}).on_conflict_do_nothing())
    db.session.commit()


def heartbeat(holder: str, now: datetime, started_at: datetime) -> None:
    from loket.ops.models import ServerProcess

    insert = _dialect_insert()
    host, pid = holder.split(":")[0], int(holder.split(":")[1])
    stmt = insert(ServerProcess).values(id=holder, host=host, pid=pid, started_at=started_at, seen_at=now)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"seen_at": now}))
    db.session.execute(delete(ServerProcess).where(ServerProcess.seen_at < now - timedelta(days=1)))
    db.session.commit()


def running_servers(now: datetime | None = None) -> list:
    """Processes whose heartbeat is recent: a server is using this database."""
    from loket.ops.models import ServerProcess

    now = now or utcnow()
    return list(db.session.scalars(select(ServerProcess).where(ServerProcess.seen_at >= now - ALIVE)))


def forget(holder: str) -> None:
    """A process that stops cleanly removes its heartbeat and gives up its leases, so the next process
    need not wait for them to expire."""
    from loket.ops.models import ScheduledJob, ServerProcess

    _stopping.add(holder)
    db.session.execute(update(ScheduledJob).where(ScheduledJob.holder == holder, ScheduledJob.lease_until.is_not(None))
                       .values(lease_until=None).execution_options(synchronize_session=False))
    db.session.execute(delete(ServerProcess).where(ServerProcess.id == holder))
    db.session.commit()


_stopping: set[str] = set()  # holders of this process that are shutting down: they claim nothing more


def tick(app, holder: str, now: datetime | None = None) -> list[str]:
    """One round: claim and run every due job this process wins. Returns the names it ran."""
    from loket.ops.models import ScheduledJob

    now = now or utcnow()
    if holder in _stopping:
        return []
    due = list(db.session.scalars(select(ScheduledJob.name).where(
        ScheduledJob.next_run_at <= now, or_(ScheduledJob.lease_until.is_(None), ScheduledJob.lease_until < now))))
    db.session.commit()
    ran = []
    for name in due:
        spec = JOBS.get(name)
        if spec is None:
            continue  # a job of another version of Loket
        claimed = db.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == name, ScheduledJob.next_run_at <= now,
                   or_(ScheduledJob.lease_until.is_(None), ScheduledJob.lease_until < now))
            .values(lease_until=now + spec.lease, holder=holder, last_started_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue  # another process has it
        _run(app, spec, holder, now)
        ran.append(name)
    return ran


def _run(app, spec: Job, holder: str, now: datetime) -> None:
    from loket.ops.models import ScheduledJob

    row = db.session.get(ScheduledJob, spec.name)
    run = Run(app, now, dict(row.state or {}))
    status, result = "ok", ""
    try:
        outcome = spec.fn(run) if spec.takes_run else spec.fn(app)
        result = "" if outcome is None else str(outcome)[:2000]
    except Exception as exc:  # the job failed; the schedule goes on
        db.session.rollback()
        log.exception("scheduled job %s failed", spec.name)
        status, result = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    try:
        next_at = spec.next_run(now)
    except Exception:
        log.exception("scheduled job %s: next run time failed; retrying in a minute", spec.name)
        next_at = now + timedelta(minutes=1)
    if status == "failed":
        next_at = min(next_at, now + RETRY_FAILED)
    finished = utcnow()
    db.session.execute(
        update(ScheduledJob).where(ScheduledJob.name == spec.name, ScheduledJob.holder == holder)
        .values(next_run_at=max(next_at, now + timedelta(seconds=1)), lease_until=None,
                runs=ScheduledJob.runs + 1, last_finished_at=finished, last_status=status, last_result=result,
                state=run.state)
        .execution_options(synchronize_session=False))
    db.session.commit()
    log.info("scheduled job %s: %s %s", spec.name, status, result)


def run_forever(app, *, holder: str | None = None, rounds: int | None = None, sleep=time.sleep) -> None:
    """The loop every `loket serve` process runs in the background."""
    holder = holder or holder_id()
    started = utcnow()
    last_beat = None
    done = 0
    while (rounds is None or done < rounds) and holder not in _stopping:
        now = utcnow()
        try:
            with app.app_context():
                if last_beat is None or now - last_beat >= HEARTBEAT:
                    ensure_rows(now)  # cheap; also brings back rows after a restore
                    heartbeat(holder, now, started)
                    last_beat = now
                tick(app, holder, now)
                db.session.remove()
        except Exception:  # a database restart or lock: the next round tries again
            log.exception("scheduler round failed")
        done += 1
        if rounds is None or done < rounds:
            sleep(TICK)


def start(app) -> str:
    """Start the scheduler loop in the background of a server process; returns its holder id."""
    from loket.extensions import socketio

    holder = holder_id()
    socketio.start_background_task(run_forever, app, holder=holder)
    return holder
