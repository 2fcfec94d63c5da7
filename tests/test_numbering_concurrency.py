"""Ticket numbers never repeat and never skip, whether issued from threads or separate processes."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Ticket


pytestmark = pytest.mark.parametrize("app_database", ["sqlite", "postgresql"])


def _numbers(app, code="A"):
    with app.app_context():
        return db.session.scalars(
            select(Ticket.seq).where(Ticket.number.like(f"{code}-%")).order_by(Ticket.seq)
        ).all()


def assert_unique_and_gapless(seqs, expected):
    assert len(seqs) == expected
    assert len(set(seqs)) == expected, "a number was issued twice"
    assert sorted(seqs) == list(range(1, expected + 1)), "the sequence has gaps"


def test_eight_threads_issue_unique_gapless_numbers(app):
    per_thread, threads = 30, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    core.issue_ticket("A")
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    assert not errors, errors
    assert_unique_and_gapless(_numbers(app), per_thread * threads)


WORKER = textwrap.dedent("""
    import sys
    from loket import create_app
    from loket.extensions import db
    from loket.queue import core
    app = create_app({"INSTANCE_PATH": sys.argv[1], "SQLALCHEMY_DATABASE_URI": sys.argv[2],
                      "LOKET_OFFICE_HOURS": "24/7"})
    count = int(sys.argv[3])
    with app.app_context():
        # start together: wait for the go file
        import os, time
        while not os.path.exists(sys.argv[4]):
            time.sleep(0.01)
        for _ in range(count):
            core.issue_ticket("B")
    print("ok")
""")


def test_four_processes_issue_unique_gapless_numbers(app, tmp_path):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    go = tmp_path / "go"
    per_process, processes = 60, 4
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, app.instance_path, uri, str(per_process), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(processes)
    ]
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
        assert out.strip() == "ok"
    assert_unique_and_gapless(_numbers(app, "B"), per_process * processes)
