"""Fault tests for the scale-out setup: several real `loket serve` processes (gunicorn master + gevent
worker) on one PostgreSQL database with Redis as Socket.IO's message queue, on 127.0.0.1, while
parts fail under a modest load.

1. Three processes, kiosks and counters acting through all of them: numbers unique, every ticket
   final or waiting, and a screen on one process sees every call made on the others, in an order
   that respects what is actually guaranteed (see `test_three_processes_…`).
2. One process killed (SIGKILL, master and worker) mid-load and restarted: no ticket lost or doubled,
   numbers gapless; its screen fails over to another process and re-syncs like display.js does.
3. Redis restarted mid-load (a private redis-server): no 5xx (issuing and login are rate-limited
   through Redis), and once Redis is back the next event brings every screen in line with the database.
4. PostgreSQL restarted while idle: the next requests succeed without restarting Loket.
5. A kiosk's network printer dropped and restored mid-load: every slip printed exactly once.

Every wait has a deadline; nothing sleeps to make an assertion true.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from collections import defaultdict

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from escpos_tools import TcpPrinter
from support import (die_with_parent, free_port, fresh_postgres_url, require_or_skip, require_service,
                     start_loket_serve)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SECRET = "fault-test-secret"  # one secret for every process: same cookies and kiosk keys everywhere
PASSWORD = "rahasia-123"
FINAL_STATES = {"done", "no_show", "cancelled"}
HTTP_TIMEOUT = 60  # a slow answer on a busy 2-core machine is fine; a lost one is not

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
WORKSPACE = re.compile(r'id="workspace"[^>]*?data-ticket="(\d*)"[^>]*?data-number="([^"]*)"')
BOARD_COUNTER = re.compile(r'data-counter="(\d+)">\s*<span class="c-name">[^<]*</span>\s*'
                           r'<span class="c-number">([^<]*)</span>')
BOARD_WAITING = re.compile(r'data-service="([A-Z]+)">.*?data-waiting="(\d+)"', re.S)


# --- servers -----------------------------------------------------------------------------------

class Serve:
    """One `loket serve` process (gunicorn master + worker in its own session). Its output is read by a
    thread, so a chatty server never blocks on a full pipe; `stop(kill=True)` is a power cut."""

    def __init__(self, instance, env: dict, port: int | None = None):
        self.instance, self.env = instance, env
        self.port = port or free_port()
        self.proc = None
        self.lines: list[str] = []
        self._reader = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Serve":
        self.proc = start_loket_serve(self.instance, self.port, **self.env)
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()
        return self

    def _read(self, proc) -> None:
        for line in proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_serving(self, deadline: float) -> "Serve":
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(5)
                raise AssertionError(f"loket serve on {self.port} exited:\n{self.output()[-4000:]}")
            try:  # gunicorn listens before its worker is ready: a first request may wait
                if requests.get(f"{self.url}/kiosk/1", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"loket serve on {self.port} did not answer in time:\n{self.output()[-4000:]}")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if kill:  # the master may be reaped before its worker: make sure the whole group is gone
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._reader.join(10)


def base_env(db_url: str, redis_url: str, **extra) -> dict:
    env = {"LOKET_DATABASE_URL": db_url, "LOKET_REDIS_URL": redis_url, "LOKET_SECRET_KEY": SECRET,
           "LOKET_ISSUE_RATE_LIMIT": "0", "LOKET_LOGIN_RATE_LIMIT": "0",
           # nothing slow or unrelated at start-up: no nightly pg_dump, no holiday calendar copy
           "LOKET_BACKUP_KEEP_DAYS": "0", "LOKET_HOLIDAY_COUNTRY": ""}
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def services():
    """The emptied test PostgreSQL database and the shared test Redis (required: CI fails without)."""
    redis_url = require_service("LOKET_TEST_REDIS_URL", "Redis")
    return fresh_postgres_url(), redis_url


@pytest.fixture
def launch(tmp_path):
    """launch(count, env) starts `count` processes together (they meet at the start-up lock) and
    waits until each serves; every process started through it is stopped after the test."""
    running: list[Serve] = []

    def start(count: int, env: dict, ports=None) -> list[Serve]:
        servers = [Serve(tmp_path / "instance", env, port).start()
                   for port in (ports or [None] * count)]
        running.extend(servers)
        deadline = time.monotonic() + 120
        for server in servers:
            server.wait_serving(deadline)
        return servers

    yield start
    while Desk.sessions:  # an idle keep-alive connection holds a gracefully stopping worker
        Desk.sessions.pop().close()
    # in parallel: a worker still holding a client's connection waits out its graceful timeout (10 s)
    stoppers = [threading.Thread(target=server.stop) for server in running]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(60)

def loket_cli(env: dict, instance, *commands: list[str]) -> list[str]:
    """Run `loket …` commands (in parallel) against the same database; returns their outputs."""
    full = {**os.environ, **env, "LOKET_INSTANCE": str(instance), "LOKET_OFFICE_HOURS": "24/7"}
    procs = [subprocess.Popen([sys.executable, "-m", "loket.cli", *args], env=full, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in commands]
    outputs = []
    for args, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"loket {' '.join(args)}: {out}{err}"
        outputs.append(out)
    return outputs


def counters(engine, numbers) -> dict[int, tuple[int, str]]:
    """counter number → (counter id, the code of the one service it serves)."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.number, c.id, s.code FROM counters c JOIN counter_services cs ON cs.counter_id = c.id "
            "JOIN services s ON s.id = cs.service_id WHERE c.number = ANY(:numbers) ORDER BY c.number"),
            {"numbers": list(numbers)}).all()
    found = {number: (cid, code) for number, cid, code in rows}
    assert sorted(found) == sorted(numbers), rows
    return found


def add_officers(env, instance, counter_numbers) -> None:
    loket_cli(env, instance, *[["officer", "add", f"petugas{n}", "--role", "officer", "--counter", str(n),
                                "--password", PASSWORD] for n in counter_numbers])


# --- clients -----------------------------------------------------------------------------------

def issue(base: str, code: str, *, kiosk: str | None = None, key: str | None = None) -> tuple[int, dict, float]:
    """POST /api/v1/tickets as a kiosk or integration would; (status, body, seconds)."""
    body = {"service": code}
    headers = {}
    if kiosk is not None:
        body["kiosk"] = kiosk
        headers["X-Kiosk-Key"] = key
    started = time.monotonic()
    response = requests.post(f"{base}/api/v1/tickets", json=body, headers=headers, timeout=HTTP_TIMEOUT)
    try:
        data = response.json()
    except ValueError:
        data = {"text": response.text[:500]}
    return response.status_code, data, time.monotonic() - started


class Desk:
    """An officer's counter page in one process: logged in with the login form's CSRF token, then
    acting as the page's htmx buttons do (HX-Request and the X-CSRFToken header from the page)."""

    sessions: list[requests.Session] = []  # closed by the `launch` fixture before the servers stop

    def __init__(self, base: str, username: str, counter_id: int):
        self.base, self.counter_id = base, counter_id
        self.http = requests.Session()
        Desk.sessions.append(self.http)
        form = self.http.get(f"{base}/login", timeout=HTTP_TIMEOUT)
        token = CSRF_INPUT.search(form.text).group(1)
        response = self.http.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                         "csrf_token": token},
                                  allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert response.status_code == 302, response.text[:500]
        page = self.http.get(f"{base}/counter/{counter_id}", timeout=HTTP_TIMEOUT)
        assert page.status_code == 200, page.text[:500]
        self.csrf = CSRF_META.search(page.text).group(1)

    def post(self, action: str, **form) -> requests.Response:
        return self.http.post(f"{self.base}/counter/{self.counter_id}/{action}", data=form,
                              headers={"HX-Request": "true", "X-CSRFToken": self.csrf}, timeout=HTTP_TIMEOUT)

    def call(self) -> tuple[requests.Response, int | None, str | None]:
        """Call the next visitor: (response, ticket id, number), id None when nobody waits."""
        response = self.post("call")
        match = WORKSPACE.search(response.text) if response.status_code == 200 else None
        if match is None or not match.group(1):
            return response, None, None
        return response, int(match.group(1)), match.group(2)


class Screen:
    """A Socket.IO client like the TV: follows `office` and `display:1`, records `ticket.issued` and
    `ticket.called` in arrival order and the boards pushed to it. After every (re)connect it
    re-subscribes and fetches `/display/1/board`, as display.js does. With `failover`, a lost
    connection is replaced by one to the next process that answers (nginx would do the same)."""

    ROOMS = ["office:1", "display:1"]

    def __init__(self, ports: list[int], *, failover: bool = False):
        self.ports = list(ports)
        self.failover = failover
        self.issued: list[str] = []
        self.arrived: dict[str, float] = {}  # number → when its ticket.issued arrived
        self.calls: list[tuple[str, int]] = []
        self.boards: list[str] = []  # pushed "swap" HTML for #board, in arrival order
        self.resyncs: list[dict] = []  # {"port", "at" (monotonic, after the subscribe ack), "board"}
        self.lost_at: list[float] = []
        self.client = None
        self.port = None
        self._lost = threading.Event()
        self._closing = False
        self._watcher = None

    def open(self, port: int) -> "Screen":
        self._connect(port)
        if self.failover:
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()
        return self

    def _connect(self, port: int) -> None:
        client = socketio.Client(reconnection=False)
        client.on("ticket.issued", self._issued)
        client.on("ticket.called", lambda data: self.calls.append((data["number"], data["counter"])))
        client.on("swap", self._swap)
        client.on("disconnect", lambda *args: self._on_disconnect(client))
        client.connect(f"http://127.0.0.1:{port}", transports=["websocket"], wait_timeout=20)
        ack = client.call("subscribe", {"rooms": self.ROOMS}, timeout=20)
        assert ack["rooms"] == self.ROOMS, ack
        self.client, self.port = client, port
        at = time.monotonic()
        board = requests.get(f"http://127.0.0.1:{port}/display/1/board", timeout=HTTP_TIMEOUT)
        assert board.status_code == 200, board.text[:500]
        self.resyncs.append({"port": port, "at": at, "board": board.text})

    def _issued(self, data) -> None:
        self.arrived[data["number"]] = time.monotonic()
        self.issued.append(data["number"])

    def _swap(self, data) -> None:
        if isinstance(data, dict) and data.get("target") == "#board":
            self.boards.append(data["html"])

    def _on_disconnect(self, client) -> None:
        if client is self.client and not self._closing:
            self.lost_at.append(time.monotonic())
            self._lost.set()

    def _watch(self) -> None:
        while not self._closing:
            if not self._lost.wait(0.2):
                continue
            self._lost.clear()
            start = self.ports.index(self.port) if self.port in self.ports else 0
            deadline = time.monotonic() + 60
            while not self._closing and time.monotonic() < deadline:
                for i in range(1, len(self.ports) + 1):
                    port = self.ports[(start + i) % len(self.ports)]
                    try:
                        self._connect(port)
                        break
                    except Exception:
                        continue
                else:
                    time.sleep(0.5)
                    continue
                break

    def close(self) -> None:
        self._closing = True
        if self.client is not None:
            try:
                self.client.disconnect()
            except Exception:
                pass
        if self._watcher is not None:
            self._watcher.join(10)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# --- reading the database and the board ---------------------------------------------------------

def db_tickets(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT t.id, t.token, t.number, t.seq, t.day, t.state, s.code AS issued_code "
            "FROM tickets t JOIN services s ON s.id = t.issued_service_id ORDER BY t.id")).mappings().all()
    return [dict(row) for row in rows]


def db_calls(engine) -> list[tuple[str, int]]:
    """Every `called` event of the log as (number, counter number), in log order."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT t.number, c.number FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
            "JOIN counters c ON c.id = e.counter_id WHERE e.kind = 'called' ORDER BY e.id"))]


def db_board(engine) -> dict:
    """What /display/1/board must show: each counter's ticket (called or serving) and the waiting
    count per service. Display 1 shows every active counter and service (the default)."""
    with engine.connect() as conn:
        at_counter = dict(conn.execute(text(
            "SELECT c.number, t.number FROM counters c JOIN tickets t ON t.counter_id = c.id "
            "WHERE t.state IN ('called', 'serving')")).all())
        all_counters = [row[0] for row in conn.execute(text(
            "SELECT number FROM counters WHERE active ORDER BY number"))]
        waiting = dict(conn.execute(text(
            "SELECT s.code, count(t.id) FROM services s LEFT JOIN tickets t ON t.service_id = s.id "
            "AND t.state = 'waiting' WHERE s.active GROUP BY s.code")).all())
    return {"counters": {n: at_counter.get(n, "—") for n in all_counters}, "waiting": waiting}


def parse_board(html: str) -> dict:
    return {"counters": {int(n): value.strip() for n, value in BOARD_COUNTER.findall(html)},
            "waiting": {code: int(count) for code, count in BOARD_WAITING.findall(html)}}


def assert_numbering(tickets: list[dict]) -> None:
    """Numbers unique, and per issued service and day the sequence is 1..n without a gap."""
    numbers = [t["number"] for t in tickets]
    assert len(numbers) == len(set(numbers)), [n for n, c in Tally(numbers).items() if c > 1]
    seqs = defaultdict(list)
    for t in tickets:
        seqs[(t["issued_code"], t["day"])].append(t["seq"])
        assert t["number"] == f"{t['issued_code']}-{t['seq']:03d}", t
    for key, values in seqs.items():
        assert sorted(values) == list(range(1, len(values) + 1)), (key, sorted(values))


# --- 1. three processes -------------------------------------------------------------------------

def test_three_processes_share_numbers_calls_and_every_screen(services, launch, tmp_path):
    db_url, redis_url = services
    env = base_env(db_url, redis_url)
    servers = launch(3, env)
    engine = create_engine(db_url)
    try:
        desks_at = counters(engine, (1, 2, 3))
        add_officers(env, tmp_path / "instance", desks_at)
        # each officer is logged in on every process (a session per process), and alternates between them
        desks = {n: [Desk(s.url, f"petugas{n}", desks_at[n][0]) for s in servers] for n in desks_at}
        codes = [desks_at[n][1] for n in sorted(desks_at)]
        screen = Screen([servers[0].port]).open(servers[0].port)

        per_issuer = 40
        issued, problems = [], []
        made = []  # (number, counter, port of the process that called, request start, response end)
        issuing_done = threading.Event()

        def kiosk(i: int) -> None:
            for k in range(per_issuer):
                server = servers[(i + k) % 3]
                status, data, _ = issue(server.url, codes[(i + k) % len(codes)])
                if status == 201:
                    issued.append(data)
                else:
                    problems.append(("issue", server.port, status, data))

        def officer(n: int) -> None:
            round_ = 0
            while True:
                desk, other = desks[n][round_ % 3], desks[n][(round_ + 1) % 3]
                round_ += 1
                after_issuing = issuing_done.is_set()
                started = time.monotonic()
                response, ticket_id, number = desk.call()
                ended = time.monotonic()
                if response.status_code != 200:
                    problems.append(("call", desk.base, response.status_code, response.text[:300]))
                    return
                if ticket_id is None:
                    if after_issuing:
                        return  # nobody waits and nobody will come
                    time.sleep(0.05)
                    continue
                made.append((number, n, int(desk.base.rsplit(":", 1)[1]), started, ended))
                action = "no-show" if round_ % 4 == 0 else "close"
                finish = other.post(action, ticket=str(ticket_id))
                if finish.status_code != 200:
                    problems.append((action, other.base, finish.status_code, finish.text[:300]))
                    return

        kiosks = [threading.Thread(target=kiosk, args=(i,), daemon=True) for i in range(3)]
        officers = [threading.Thread(target=officer, args=(n,), daemon=True) for n in desks_at]
        for thread in kiosks + officers:
            thread.start()
        for thread in kiosks:
            thread.join(240)
        issuing_done.set()
        for thread in officers:
            thread.join(240)
        assert not problems, problems[:5]
        assert len(issued) == 3 * per_issuer

        tickets = db_tickets(engine)
        assert_numbering(tickets)
        assert sorted(t["token"] for t in tickets) == sorted(d["token"] for d in issued)
        assert {t["token"]: t["number"] for t in tickets} == {d["token"]: d["number"] for d in issued}
        # the counters emptied the queue: every ticket was closed or marked not present, none left half-way
        assert all(t["state"] in FINAL_STATES for t in tickets), Tally(t["state"] for t in tickets)

        calls = db_calls(engine)
        assert len(calls) == len(made) == len(tickets)
        wait_for(lambda: len(screen.calls) >= len(calls), 30, f"{len(calls)} calls on the screen")
        seen = list(screen.calls)
        # every call made on any process reached the screen on the first process, once
        assert len(seen) == len(set(seen)) == len(calls)
        assert set(seen) == set(calls) == {(number, n) for number, n, *_ in made}
        # Order. A process emits its own events to its own clients directly and publishes them to Redis
        # for the others, all before it answers; Redis hands one subscriber the messages in the order
        # it received them. So among the calls made on the *other* processes (all through Redis), and
        # among those made on the screen's own process (all direct), the screen's order is the log's
        # order per counter (a counter's calls are sequential), and a call answered before another
        # was requested arrives first. Between a direct and a relayed event there is no defined order
        # (the relaying listener may lag), and calls overlapping in time have none either: their
        # commits and publishes interleave. So no global order is asserted.
        made_on = {(number, n): port for number, n, port, *_ in made}
        timing = {(number, n): (started, ended) for number, n, _, started, ended in made}
        for local in (True, False):
            group = [c for c in seen if (made_on[c] == servers[0].port) == local]
            logged = [c for c in calls if (made_on[c] == servers[0].port) == local]
            for n in desks_at:
                assert [c for c in group if c[1] == n] == [c for c in logged if c[1] == n], (local, n)
            for i, earlier in enumerate(group):
                for later in group[i + 1:]:
                    assert not timing[later][1] < timing[earlier][0], (local, earlier, later)
        relayed = sum(1 for c in seen if made_on[c] != servers[0].port)
        assert relayed >= len(calls) // 2, "most calls must have been made on the other processes"
        swapped = sum(1 for n in desks_at
                      if [c for c in seen if c[1] == n] != [c for c in calls if c[1] == n])
        print(f"\nthree processes: {len(calls)} calls, {relayed} relayed through Redis; "
              f"counters whose direct and relayed calls arrived out of log order: {swapped}")
        screen.close()
    finally:
        engine.dispose()


# --- 2. a process killed mid-load -----------------------------------------------------------------

def test_killed_process_loses_nothing_and_its_screens_fail_over(services, launch, tmp_path):
    db_url, redis_url = services
    env = base_env(db_url, redis_url)
    servers = launch(3, env)
    victim = servers[2]
    engine = create_engine(db_url)
    try:
        codes = [code for _, code in counters(engine, (1, 2, 3)).values()]
        screen = Screen([s.port for s in servers], failover=True).open(victim.port)
        live = list(servers)  # the processes a kiosk tries, in turn
        answered, unanswered, problems = [], [], []
        lock = threading.Lock()
        stop = threading.Event()

        def kiosk(i: int) -> None:
            k = 0
            while not stop.is_set():  # paced, so the load spans the kill and the restart
                code = codes[(i + k) % len(codes)]
                for attempt in range(12):  # a kiosk whose server went away tries the next one
                    server = live[(i + k + attempt) % len(live)]
                    started = time.monotonic()
                    try:
                        status, data, _ = issue(server.url, code)
                    except requests.RequestException as exc:
                        unanswered.append((server.port, type(exc).__name__))
                        time.sleep(0.1)
                        continue
                    with lock:
                        if status == 201:
                            answered.append({**data, "port": server.port, "started": started})
                        else:
                            problems.append((server.port, status, data))
                    break
                else:
                    problems.append(("no process answered", code))
                k += 1
                time.sleep(0.25)

        threads = [threading.Thread(target=kiosk, args=(i,), daemon=True) for i in range(3)]
        for thread in threads:
            thread.start()
        restarted = Serve(tmp_path / "instance", env, port=victim.port)
        try:
            wait_for(lambda: len(answered) >= 30, 120, "the first tickets")
            killed_at = time.monotonic()
            victim.stop(kill=True)  # SIGKILL to master and worker: no clean shutdown, no goodbye
            wait_for(lambda: len(screen.resyncs) >= 2, 30, "the screen to fail over")
            before_restart = len(answered)
            wait_for(lambda: len(answered) >= before_restart + 20, 120, "tickets after the kill")
            restarted.start().wait_serving(time.monotonic() + 120)
            wait_for(lambda: sum(1 for d in answered if d["port"] == victim.port and d["started"] > killed_at) >= 5,
                     120, "tickets through the restarted process")
            stop.set()
            for thread in threads:
                thread.join(120)
            assert not problems, problems[:5]
            assert unanswered, "the kill cut off no request: it did not happen under load"

            # nothing lost, nothing doubled: each answered ticket is in the database once, as answered
            tickets = db_tickets(engine)
            assert_numbering(tickets)
            by_token = {t["token"]: t for t in tickets}
            assert len(by_token) == len(tickets)
            for data in answered:
                assert by_token[data["token"]]["number"] == data["number"]
            # a request cut off by the kill may have committed before its answer was lost
            assert len(tickets) - len(answered) <= len(unanswered)
            assert all(t["state"] == "waiting" for t in tickets)
            # the screen moved to another process, re-subscribed and re-synced its board there
            failover = screen.resyncs[1]
            assert failover["port"] != victim.port
            assert failover["at"] - killed_at < 30
            assert parse_board(failover["board"])["counters"], failover["board"][:500]
            # …and from then on it sees what any process issues (the restarted one included)
            after = {d["number"] for d in answered if d["started"] > failover["at"]}
            assert after
            wait_for(lambda: after <= set(screen.issued), 30, "every ticket issued after the failover")
            assert len(screen.issued) == len(set(screen.issued))
            # re-syncing now (as after any reconnect) shows exactly the database's state
            board = requests.get(f"http://127.0.0.1:{screen.port}/display/1/board", timeout=HTTP_TIMEOUT).text
            assert parse_board(board) == db_board(engine)
            print(f"\nkill: {len(answered)} tickets answered, {len(unanswered)} requests unanswered, "
                  f"{len(tickets)} in the database; screen failed over in {failover['at'] - killed_at:.2f} s")
        finally:
            stop.set()
            screen.close()
            restarted.stop()
    finally:
        engine.dispose()


# --- 3. Redis restarted mid-load ----------------------------------------------------------------------

class PrivateRedis:
    """A redis-server of this test alone on a free port, stopped and started on the same port."""

    def __init__(self):
        binary = shutil.which("redis-server")
        require_or_skip(binary is not None, "redis-server", env="LOKET_REQUIRE_SERVICES")
        self.binary = binary
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--daemonize", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=die_with_parent)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        wait_for(lambda: self._pings(client), 20, "redis-server to answer")
        client.close()
        return self

    @staticmethod
    def _pings(client) -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def private_redis(services):
    server = PrivateRedis().start()
    yield server
    server.stop()


def test_redis_restart_fails_no_request_and_screens_converge(services, private_redis, launch, tmp_path):
    """Publishing never fails a request (python-socketio logs a failed publish; Publisher._emit would
    catch it anyway), and the rate limiter, whose counts live in the same Redis, counts in memory while
    Redis is away (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED; before that every issue and login was a 500).

    Events published while Redis is away, or before a process's listener has subscribed again (its
    back-off: 1, 2, 4 … 60 s), never reach the screens of the other processes, and nothing tells a
    screen that stayed connected to re-sync: its board is corrected by the next event's board push
    (asserted below), but a call made in that window is not announced there."""
    db_url, _ = services
    # A real issue limit (not 0) and the default login limit: the limiter keeps its counts in Redis too.
    env = base_env(db_url, private_redis.url, LOKET_ISSUE_RATE_LIMIT="100000/minute",
                   LOKET_LOGIN_RATE_LIMIT="10/minute")
    servers = launch(2, env)
    engine = create_engine(db_url)
    try:
        desks_at = counters(engine, (1,))
        add_officers(env, tmp_path / "instance", desks_at)
        desk = Desk(servers[1].url, "petugas1", desks_at[1][0])
        code = desks_at[1][1]
        screen = Screen([servers[0].port]).open(servers[0].port)

        results = []  # (what, status, seconds)
        issuing_done = threading.Event()
        stop = threading.Event()
        relayed = []  # (number, request start) of tickets issued on the other process

        def kiosk(i: int) -> None:
            k = 0
            while not stop.is_set():
                server = servers[(i + k) % 2]
                started = time.monotonic()
                try:
                    status, data, seconds = issue(server.url, code)
                except requests.RequestException as exc:
                    status, data, seconds = type(exc).__name__, {}, None
                results.append(("issue", status, seconds))
                if server is servers[1] and status == 201:
                    relayed.append((data["number"], started))
                k += 1
                time.sleep(0.15)

        def officer() -> None:
            while True:
                after_issuing = issuing_done.is_set()
                started = time.monotonic()
                try:
                    response, ticket_id, _ = desk.call()
                    results.append(("call", response.status_code, time.monotonic() - started))
                    if ticket_id is None:
                        if after_issuing:
                            return
                        time.sleep(0.2)
                        continue
                    started = time.monotonic()
                    response = desk.post("close", ticket=str(ticket_id))
                    results.append(("close", response.status_code, time.monotonic() - started))
                except requests.RequestException as exc:
                    results.append(("officer", type(exc).__name__, None))
                    return

        threads = [threading.Thread(target=kiosk, args=(i,), daemon=True) for i in range(2)]
        threads.append(threading.Thread(target=officer, daemon=True))
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(1 for r in results if r[0] == "issue") >= 15, 120, "load before the restart")
        private_redis.stop()
        down_at = time.monotonic()
        # while Redis is away: a login (rate-limited through Redis) and a screen's resync
        try:
            Desk(servers[0].url, "petugas1", desks_at[1][0])
            results.append(("login", 302, None))
        except Exception as exc:  # a 5xx, or no answer at all
            results.append(("login", 500, str(exc)[:300]))
        board = requests.get(f"{servers[1].url}/display/1/board", timeout=HTTP_TIMEOUT)
        results.append(("board", board.status_code, None))
        wait_for(lambda: time.monotonic() - down_at > 3, 10, "a few seconds of outage", interval=0.5)
        private_redis.start()
        back_at = time.monotonic()
        issues_when_back = sum(1 for r in results if r[0] == "issue")
        wait_for(lambda: sum(1 for r in results if r[0] == "issue") >= issues_when_back + 20, 120,
                 "load after Redis came back")
        stop.set()
        for thread in threads[:2]:
            thread.join(240)
        issuing_done.set()
        threads[2].join(240)

        failed = [r for r in results if not isinstance(r[1], int) or r[1] >= 500]
        errors = [line for server in servers for line in server.lines if "Error" in line or "error" in line]
        assert not failed, (Tally((r[0], r[1]) for r in failed), errors[:20])
        assert all(r[1] in (200, 201, 302) for r in results), [r for r in results if r[1] not in (200, 201, 302)][:10]

        # After Redis is back, each process's listener subscribes again (python-socketio retries with
        # back-off); the next event's board push brings every screen back in line with the database.
        # Probes: one ticket a second on the other process until one reaches the screen.
        probes = []

        def probe_arrived() -> bool:
            status, data, _ = issue(servers[1].url, code)
            assert status == 201, data
            probes.append(data["number"])
            return any(number in screen.issued for number in probes)

        wait_for(probe_arrived, 90, "a screen event after Redis came back", interval=1.0)
        relayed.extend((number, back_at) for number in probes)
        wait_for(lambda: probes[-1] in screen.issued, 10, "the last probe on the screen")
        expected = db_board(engine)
        wait_for(lambda: screen.boards and parse_board(screen.boards[-1]) == expected, 20,
                 "the pushed board to match the database")
        # …and so does a resync over HTTP from either process (what a reconnecting screen fetches)
        for server in servers:
            html = requests.get(f"{server.url}/display/1/board", timeout=HTTP_TIMEOUT).text
            assert parse_board(html) == expected
        tickets = db_tickets(engine)
        assert_numbering(tickets)
        assert all(t["state"] in FINAL_STATES | {"waiting"} for t in tickets)
        seconds = [r[2] for r in results if isinstance(r[2], float)]
        relayed_again = [screen.arrived[n] for n, started in relayed if started >= back_at and n in screen.arrived]
        print(f"\nredis restart: {len(results)} requests, slowest {max(seconds):.2f} s; "
              f"screen saw {len(screen.issued)} of {len(tickets)} issues, "
              f"{len(screen.calls)} of {len(db_calls(engine))} calls; first relayed event "
              f"{min(relayed_again) - back_at if relayed_again else float('nan'):.1f} s after Redis was back")
        screen.close()
    finally:
        engine.dispose()


# --- 4. PostgreSQL restarted while idle ------------------------------------------------------------

def postmaster_started(url: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_postmaster_start_time()")).scalar()
    finally:
        engine.dispose()


def restart_postgres(url: str) -> None:
    """Restart the test cluster (fast shutdown: open connections are cut) and wait until it accepts
    connections again. Data directory and binaries come from the server itself."""
    engine = create_engine(url)
    with engine.connect() as conn:
        data = conn.execute(text("SHOW data_directory")).scalar()
        bindir = conn.execute(text("SELECT setting FROM pg_config WHERE name = 'BINDIR'")).scalar()
    engine.dispose()
    data = os.environ.get("LOKET_TEST_PG_DATA") or data
    pg_ctl = os.path.join(os.environ.get("LOKET_TEST_PG_BIN") or bindir, "pg_ctl")
    log = os.path.join(os.path.dirname(data.rstrip("/")), "pg.log")
    command = [pg_ctl, "-D", data, "-l", log, "-m", "fast", "-w", "-t", "60", "restart"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    with tempfile.TemporaryFile("w+") as out:  # a file, not a pipe: the new postmaster inherits no pipe
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=120, start_new_session=True)
        out.seek(0)
        assert done.returncode == 0, out.read()

    def accepts() -> bool:
        probe = create_engine(url)
        try:
            with probe.connect() as conn:
                return conn.execute(text("SELECT 1")).scalar() == 1
        except Exception:
            return False
        finally:
            probe.dispose()

    wait_for(accepts, 60, "PostgreSQL to accept connections again", interval=0.3)


def test_postgres_restart_while_idle_needs_no_loket_restart(services, launch, tmp_path):
    db_url, redis_url = services
    env = base_env(db_url, redis_url)
    (server,) = launch(1, env)
    engine = create_engine(db_url)
    try:
        desks_at = counters(engine, (1,))
        add_officers(env, tmp_path / "instance", desks_at)
        desk = Desk(server.url, "petugas1", desks_at[1][0])
        code = desks_at[1][1]
        screen = Screen([server.port]).open(server.port)
        # warm: the worker's pool holds connections that the restart will cut
        status, first, _ = issue(server.url, code)
        assert status == 201
        assert requests.get(f"{server.url}/display/1/board", timeout=HTTP_TIMEOUT).status_code == 200
        engine.dispose()

        started = postmaster_started(db_url)
        restart_postgres(db_url)
        assert postmaster_started(db_url) > started

        # the very first attempt of each request succeeds: no retry, no Loket restart
        status, second, _ = issue(server.url, code)
        assert status == 201, second
        status_page = requests.get(f"{server.url}/api/v1/tickets/{first['token']}", timeout=HTTP_TIMEOUT)
        assert status_page.status_code == 200 and status_page.json()["number"] == first["number"]
        response, _, number = desk.call()  # the staff session lives in the database too
        assert response.status_code == 200 and number == first["number"], response.text[:500]
        assert requests.get(f"{server.url}/display/1/board", timeout=HTTP_TIMEOUT).status_code == 200
        fresh = Screen([server.port]).open(server.port)  # subscribing checks rooms in the database
        wait_for(lambda: (first["number"], 1) in screen.calls, 20, "the call on the screen")
        assert [t["number"] for t in db_tickets(engine)] == [first["number"], second["number"]]
        fresh.close()
        screen.close()
    finally:
        engine.dispose()


# --- 5. the kiosk's printer dropped and restored -----------------------------------------------------

def test_printer_dropped_mid_load_prints_every_slip_exactly_once(services, launch, tmp_path):
    from loket.printers.connections import validate_config

    db_url, redis_url = services
    env = base_env(db_url, redis_url)
    servers = launch(2, env)
    printer = TcpPrinter(port=free_port()).start()  # unplugged and plugged in again on the same port
    slips: list[bytes] = []

    def arrived() -> list[bytes]:
        slips.extend(printer.received())
        return slips
    engine = create_engine(db_url)
    try:
        (key,) = [out.strip() for out in loket_cli(env, tmp_path / "instance", ["kiosk", "key", "1"])]
        code = counters(engine, (1,))[1][1]
        config = validate_config({"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout": 2,
                                  "paper": "80mm", "qr": "native"})
        with engine.begin() as conn:  # what the admin's printer page saves
            conn.execute(text("UPDATE kiosks SET printer = CAST(:cfg AS json) WHERE id = '1'"),
                         {"cfg": json.dumps(config)})

        issued, problems = [], []
        total = 60

        def kiosk(i: int) -> None:
            for k in range(total // 2):
                status, data, _ = issue(servers[(i + k) % 2].url, code, kiosk="1", key=key)
                if status == 201 and data["print_job"]:
                    issued.append(data)
                else:
                    problems.append((status, data))
                time.sleep(0.1)

        threads = [threading.Thread(target=kiosk, args=(i,), daemon=True) for i in range(2)]
        for thread in threads:
            thread.start()
        wait_for(lambda: len(issued) >= 15, 120, "slips before the printer is unplugged")
        printer.stop()
        unplugged_at = len(issued)
        wait_for(lambda: len(issued) >= unplugged_at + 20, 120, "tickets while the printer is away")
        printer.start()
        for thread in threads:
            thread.join(240)
        assert not problems, problems[:5]
        assert len(issued) == total

        def all_sent() -> bool:
            with engine.connect() as conn:
                statuses = Tally(row[0] for row in conn.execute(text(
                    "SELECT status FROM print_jobs WHERE kiosk_id = '1' AND kind = 'ticket'")))
            return statuses == Tally({"sent": total})

        wait_for(all_sent, 90, "every print job to be sent (the retry runs every 5 s)", interval=0.5)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT j.payload, j.attempts, t.number FROM print_jobs j JOIN tickets t ON t.id = j.ticket_id "
                "WHERE j.kiosk_id = '1'")).all()
        number_of = {bytes(payload): number for payload, _, number in rows}
        wait_for(lambda: len(arrived()) >= total, 20, "the last slips to arrive")
        printed = Tally(number_of.get(job, "unknown slip") for job in arrived())
        assert printed == Tally({d["number"]: 1 for d in issued}), {n: c for n, c in printed.items() if c != 1}
        # the drop really hit the load: some slips needed the retry
        retried = [number for _, attempts, number in rows if attempts > 1]
        assert retried, "no print job failed while the printer was unplugged"
        print(f"\nprinter drop: {len(retried)} of {total} slips printed by the retry")
    finally:
        printer.stop()
        engine.dispose()
