"""One scheduler per installation: two `loket serve` processes on one database run each periodic
job once (end-of-day close, privacy purge), and the print retry never twice in one round."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from loket.extensions import db
from support import free_port, migrated_app, start_loket_serve, stop_loket_serve, wait_until_serving


def test_two_serve_processes_run_each_job_once(tmp_path):
    from loket.bootstrap import ensure_ready
    from loket.feedback import complaints
    from loket.ops.models import ScheduledJob, ServerProcess
    from loket.queue import core
    from loket.queue.models import Ticket, TicketEvent
    from loket.timeutil import utcnow

    instance = tmp_path / "shared"
    app = migrated_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'loket.db'}",
                        "LOKET_OFFICE_HOURS": "24/7"})
    with app.app_context():
        ensure_ready()
        yesterday = core.issue_ticket("A", now=utcnow() - timedelta(days=1)).id
        old = complaints.submit(category="pengaduan", message="Loket A lama sekali melayani.", name="Made",
                                contact="0812-1111-2222", now=utcnow() - timedelta(days=120))
        old_id = old.id
        db.session.remove()
        db.engine.dispose()

    ports = [free_port(), free_port()]
    servers = [start_loket_serve(instance, port) for port in ports]  # started together: they meet at the start-up lock
    outputs = []
    try:
        deadline = time.monotonic() + 60
        for proc, port in zip(servers, ports):
            wait_until_serving(proc, port, timeout=deadline - time.monotonic())
        with app.app_context():
            while time.monotonic() < deadline:  # both heartbeats in: both schedulers are running
                if db.session.scalar(select(func.count()).select_from(ServerProcess)) == 2:
                    break
                db.session.remove()
                time.sleep(0.3)
            assert db.session.scalar(select(func.count()).select_from(ServerProcess)) == 2
            retries_before = db.session.get(ScheduledJob, "print_retry").runs
            db.session.remove()
        started = time.monotonic()
        time.sleep(12)  # several scheduler rounds in each process (one every 5 s)
        with app.app_context():
            jobs = {row.name: row for row in db.session.scalars(select(ScheduledJob))}
            assert jobs["end_of_day"].runs == 1
            assert jobs["privacy_purge"].runs == 1
            # every 5 s somewhere, never once per process: at most one run per 5-second slot
            # (two processes each running it would make about twice as many)
            retries = jobs["print_retry"].runs - retries_before
            assert 1 <= retries <= (time.monotonic() - started) / 5 + 1
            assert db.session.get(Ticket, yesterday).close_reason == "office_closed"
            closes = db.session.scalar(select(func.count()).select_from(TicketEvent).where(
                TicketEvent.ticket_id == yesterday, TicketEvent.kind == "cancelled"))
            assert closes == 1
            from loket.feedback.models import Complaint

            complaint = db.session.get(Complaint, old_id)
            assert complaint.name is None and complaint.contact is None
            holders = {jobs["end_of_day"].holder.split(":")[1], jobs["privacy_purge"].holder.split(":")[1]}
            pids = {str(p.pid) for p in db.session.scalars(select(ServerProcess))}
            assert holders <= pids
            db.session.remove()
    finally:
        outputs = [stop_loket_serve(proc) for proc in servers]
    joined = "\n".join(outputs)
    assert "WARNING: This is a development server" not in joined
    with app.app_context():  # a clean stop removes the heartbeats
        assert db.session.scalar(select(func.count()).select_from(ServerProcess)) == 0
        db.engine.dispose()
