"""Scale-out: several `loket serve` workers on PostgreSQL with Redis as Socket.IO's message queue.

An event published in any process reaches the Socket.IO clients of every worker, and counters
racing across processes never get the same ticket.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import requests
import socketio

from support import die_with_parent, free_port, fresh_postgres_url, require_service, stop_loket_serve


def start_worker(port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "loket.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=die_with_parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:  # gunicorn listens before its worker is ready: a first request may wait
            if requests.get(f"http://127.0.0.1:{port}/standar-pelayanan", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise AssertionError(stop_loket_serve(proc))
        time.sleep(0.2)
    stop_loket_serve(proc, kill=True)
    raise AssertionError(f"worker on {port} did not start")


@pytest.fixture
def scale_env(tmp_path):
    redis_url = require_service("LOKET_TEST_REDIS_URL", "Redis")
    env = {**os.environ, "LOKET_INSTANCE": str(tmp_path / "instance"), "LOKET_DATABASE_URL": fresh_postgres_url(),
           "LOKET_REDIS_URL": redis_url, "LOKET_OFFICE_HOURS": "24/7"}
    return env


@pytest.fixture
def workers(scale_env):
    procs = []
    ports = [free_port(), free_port()]
    try:
        procs.append(start_worker(ports[0], scale_env))  # first start creates the schema and standard
        procs.append(start_worker(ports[1], scale_env))
        yield ports
    finally:
        for proc in procs:
            stop_loket_serve(proc)


def connect(port: int, received: list, done: threading.Event, expected: int):
    client = socketio.Client(reconnection=False)

    @client.on("ticket.issued")
    def on_issued(data):
        received.append(data["number"])
        if len(received) >= expected:
            done.set()

    client.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
    assert client.call("subscribe", {"rooms": ["office:1"]}, timeout=5)["rooms"] == ["office:1"]
    return client


ISSUER = textwrap.dedent("""
    import os, sys
    from loket import create_app
    from loket.queue import core
    app = create_app({"INSTANCE_PATH": os.environ["LOKET_INSTANCE"]})
    with app.app_context():
        for _ in range(int(sys.argv[1])):
            core.issue_ticket("A")
    print("ok")
""")


def test_events_from_any_process_reach_clients_of_every_worker(workers, scale_env):
    n = 5
    got = [[], []]
    done = [threading.Event(), threading.Event()]
    clients = [connect(port, got[i], done[i], n) for i, port in enumerate(workers)]
    try:
        # A third process (think: a third worker) publishes through Redis only.
        out = subprocess.run([sys.executable, "-c", ISSUER, str(n)], env=scale_env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        for event in done:
            assert event.wait(10), got
        expected = [f"A-{i:03d}" for i in range(1, n + 1)]
        assert got[0] == expected and got[1] == expected
    finally:
        for client in clients:
            client.disconnect()


RACER = textwrap.dedent("""
    import os, sys
    from loket import create_app
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Counter
    from sqlalchemy import select
    app = create_app({"INSTANCE_PATH": os.environ["LOKET_INSTANCE"]})
    taken = []
    with app.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.number == int(sys.argv[1])))
        while True:
            ticket = core.call_next(counter)
            if ticket is None:
                break
            taken.append(ticket.number)
            core.close_case(ticket)
    print(" ".join(taken))
""")


def test_counters_in_separate_processes_never_share_a_ticket(scale_env, tmp_path):
    # Four counters all serving service A, each driven by its own process against PostgreSQL.
    prep = textwrap.dedent("""
        import os
        from loket import create_app
        from loket.bootstrap import ensure_ready
        from loket.extensions import db
        from loket.queue import core
        from loket.queue.models import Counter
        from sqlalchemy import select
        from loket.ops import schema
        app = create_app({"INSTANCE_PATH": os.environ["LOKET_INSTANCE"]})
        with app.app_context():
            schema.upgrade(safety_copy=False)
            ensure_ready()
            for counter in db.session.scalars(select(Counter).where(Counter.number <= 4)):
                core.set_counter_services(counter, ["A"])
            for _ in range(80):
                core.issue_ticket("A")
    """)
    subprocess.run([sys.executable, "-c", prep], env=scale_env, check=True, timeout=120)
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(n)], env=scale_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in (1, 2, 3, 4)]
    taken = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
        taken += out.split()
    assert len(taken) == 80
    assert len(set(taken)) == 80, "a ticket was given to two counters"


def test_issue_rate_limit_is_shared_by_all_workers(tmp_path):
    """With Redis as the limiter's storage a kiosk cannot dodge its limit by landing on another worker."""
    redis_url = require_service("LOKET_TEST_REDIS_URL", "Redis")
    env = {**os.environ, "LOKET_INSTANCE": str(tmp_path / "instance"), "LOKET_DATABASE_URL": fresh_postgres_url(),
           "LOKET_REDIS_URL": redis_url, "LOKET_OFFICE_HOURS": "24/7", "LOKET_ISSUE_RATE_LIMIT": "3/minute",
           "LOKET_SECRET_KEY": "scale-test-secret"}
    import redis

    from loket import create_app
    from loket.kiosk.keys import api_key

    with create_app({"INSTANCE_PATH": str(tmp_path / "keys"), "SECRET_KEY": "scale-test-secret"}).app_context():
        key = api_key("1")  # issuing as kiosk 1 needs its key

    redis.Redis.from_url(redis_url).flushdb()  # limits of earlier runs
    ports = [free_port(), free_port()]
    procs = []
    try:
        procs += [start_worker(ports[0], env), start_worker(ports[1], env)]
        codes = [requests.post(f"http://127.0.0.1:{ports[i % 2]}/api/v1/tickets",
                               json={"service": "A", "kiosk": "1"}, headers={"X-Kiosk-Key": key},
                               timeout=10).status_code for i in range(4)]
        assert codes == [201, 201, 201, 429]
    finally:
        for proc in procs:
            stop_loket_serve(proc)
