"""Benchmark: which server should run Loket in production, measured on the same machine in one run.

For each candidate server the benchmark starts Loket on 127.0.0.1 with a fresh SQLite instance
folder (one worker process, as Flask-SocketIO requires without a message queue), then:

1. floor: 200 sequential GETs of a static file on the idle server (no Socket.IO, no database);
   the issue latencies are also shown as a multiple of this floor;
2. connects `--idle` Socket.IO clients (protocol 5, websocket transport only, no reconnection) in
   batches of `--batch`, each joining the `office` room with the `subscribe` event; they stay
   connected until the end and are counted again then (a client that dropped is an error);
3. for `--seconds`: `--issuers` concurrent HTTP clients issue tickets as fast as they are answered
   (`POST /api/v1/tickets`, closed loop), an officer logged in at counter 1 calls the next ticket
   and closes it every `--call-interval` seconds, and a probe GETs the static file every 0.1 s;
4. call-to-screen: from sending "call next" to each idle client receiving `ticket.called` for that
   number (every idle client is a screen; p50/p99 over all deliveries, a missing delivery counted);
5. server RSS (VmRSS of the server's whole process tree, e.g. gunicorn master + worker) at the end
   of the load, before the clients leave.

The idle clients run in a child process (asyncio + aiohttp websockets speaking Socket.IO protocol 5
through the small ScreenClient below, not python-socketio's AsyncClient, which could not keep up with
the fan-out in one process) so the HTTP clients' timings are not delayed by the screens' work; both processes share the
machine's cores with the server, so absolute figures are pessimistic on a small machine. Receipt
times are CLOCK_MONOTONIC, which is system-wide on Linux. `screen lag p99` is the idle-client
process's own event-loop lag: when it is large, call-to-screen includes client-side queueing.

Usage (from the repository root):

    python bench/servers.py                                  # all candidates, 1000 idle, 20 issuers, 30 s
    python bench/servers.py --candidates gthread,geventws --idle 2000
    python bench/servers.py --think 4                        # paced: each issuer waits 4 s between tickets
    python bench/servers.py --list                           # candidates and their command lines

With the defaults the issuers are a closed loop (next ticket as soon as the last is answered): that
measures saturation, where every issued ticket is fanned out to every idle screen in the `office` room
and the fan-out, not the database, is the limit. `--think 4` (about 5 tickets/s from 20 issuers, still
far above an office's peak) shows whether a candidate keeps up with a steady load instead.

Candidates:
    werkzeug     the Werkzeug dev server `loket serve` runs (socketio.run() in threading mode with
                 simple-websocket, started from loket.wsgi's app): today's baseline
    gthread      gunicorn -k gthread -w 1 --threads idle+100, LOKET_ASYNC_MODE=threading (simple-websocket)
    gevent       gunicorn -k gevent -w 1, LOKET_ASYNC_MODE=gevent, packages as installed
                 (python-engineio's gevent driver uses gevent-websocket when it is importable, and that
                 needs gevent-websocket's own worker/handler: with the plain gevent worker websockets fail)
    gevent-sws   the same with gevent-websocket hidden from the server process, so python-engineio's
                 gevent driver falls back to simple-websocket (what `-k gevent` does in an environment
                 without gevent-websocket)
    geventws     gunicorn -k geventwebsocket.gunicorn.workers.GeventWebSocketWorker -w 1, LOKET_ASYNC_MODE=gevent
    pywsgi       Flask-SocketIO's "embedded server" for gevent: socketio.run() after monkey.patch_all(),
                 i.e. gevent.pywsgi.WSGIServer with gevent-websocket's WebSocketHandler
Skipped: eventlet (deprecated upstream), uWSGI (not installed; its gevent mode is the same event loop).

Gunicorn's `--worker-connections` (default 1000) caps open connections per worker for the gthread and
gevent workers alike: every candidate here gets idle + issuers + 200. Every server is started in its
own process group and killed (SIGTERM, then SIGKILL) on exit, error or Ctrl-C. Nothing is asserted:
numbers are for people to compare.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_PATH = "/static/js/live.js"
CALLED = '42["ticket.called"'  # the frame of a call, matched by prefix
OFFICER = ("bench", "bench-pass-123")

CANDIDATES = ("werkzeug", "gthread", "gevent", "gevent-sws", "geventws", "pywsgi")


# --- small helpers ---------------------------------------------------------------------------

def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_mb(pid: int) -> tuple[float, int]:
    """VmRSS of a process and all its descendants, in MB, and how many processes that was."""
    total_kb, count = 0, 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            pass
    return total_kb / 1024, count


def threads_of(pid: int) -> int:
    total = 0
    for p in process_tree(pid):
        try:
            total += len(os.listdir(f"/proc/{p}/task"))
        except OSError:
            pass
    return total


# --- candidates ------------------------------------------------------------------------------

def candidate_command(name: str, port: int, idle: int, issuers: int) -> tuple[list[str], dict]:
    """The server's argv and the extra environment for one candidate."""
    py = sys.executable
    bind = f"127.0.0.1:{port}"
    conns = str(idle + issuers + 200)
    gunicorn = [py, "-m", "gunicorn", "-w", "1", "-b", bind, "--worker-connections", conns,
                "--graceful-timeout", "3", "--log-level", "warning"]
    if name == "werkzeug":
        return [py, str(Path(__file__).resolve()), "--_exec", "werkzeug", "--", "127.0.0.1", str(port)], \
            {"LOKET_ASYNC_MODE": "threading"}
    if name == "gthread":
        return gunicorn + ["-k", "gthread", "--threads", str(idle + 100), "loket.wsgi:app"], \
            {"LOKET_ASYNC_MODE": "threading"}
    if name == "gevent":
        return gunicorn + ["-k", "gevent", "loket.wsgi:app"], {"LOKET_ASYNC_MODE": "gevent"}
    if name == "gevent-sws":
        return [py, str(Path(__file__).resolve()), "--_exec", "gunicorn-without-gevent-websocket", "--"] + \
            gunicorn[3:] + ["-k", "gevent", "loket.wsgi:app"], {"LOKET_ASYNC_MODE": "gevent"}
    if name == "geventws":
        return gunicorn + ["-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker", "loket.wsgi:app"], \
            {"LOKET_ASYNC_MODE": "gevent"}
    if name == "pywsgi":
        return [py, str(Path(__file__).resolve()), "--_exec", "pywsgi", "--", "127.0.0.1", str(port)], \
            {"LOKET_ASYNC_MODE": "gevent"}
    raise SystemExit(f"unknown candidate {name!r}; choose from {', '.join(CANDIDATES)}")


def exec_helper(kind: str, rest: list[str]) -> None:
    """Run inside the server process for the candidates that need a small launcher."""
    raise_nofile()
    if kind == "gunicorn-without-gevent-websocket":
        sys.modules["geventwebsocket"] = None  # import raises ImportError: engineio uses simple-websocket
        sys.argv = ["gunicorn"] + rest
        from gunicorn.app.wsgiapp import run

        run()
    elif kind == "werkzeug":  # what `loket serve` ends in: socketio.run() in threading mode
        host, port = rest[0], int(rest[1])
        from loket.extensions import socketio
        from loket.wsgi import app

        socketio.run(app, host=host, port=port, use_reloader=False, allow_unsafe_werkzeug=True, log_output=False)
    elif kind == "pywsgi":
        from gevent import monkey

        monkey.patch_all()
        host, port = rest[0], int(rest[1])
        from loket.extensions import socketio
        from loket.wsgi import app

        socketio.run(app, host=host, port=port, log_output=False)
    else:
        raise SystemExit(f"unknown helper {kind}")


def die_with_parent() -> None:
    """preexec_fn: SIGTERM when the benchmark dies (even by SIGKILL), so no server outlives it."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """One candidate server in its own process group, logging to a file."""

    def __init__(self, argv: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=str(ROOT), stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=6)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group (a worker outliving its master), always
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- the idle Socket.IO clients (child process) ----------------------------------------------

def swarm_main(url: str, n: int, batch: int, timeout: float, connect_budget: float, conn) -> None:
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    asyncio.run(_swarm(url, n, batch, timeout, connect_budget, conn))


class ScreenClient:
    """A minimal Socket.IO protocol 5 / Engine.IO 4 client over one aiohttp websocket: open, connect the
    default namespace, `subscribe` to rooms (with ack), answer pings, and hand every event frame to
    `on_event(raw, now)`; a connection lost before `close()` is counted in `drops` by its reason.

    python-socketio's AsyncClient decodes every packet and runs the full client machinery; with a
    thousand screens in one process that costs more CPU than the server's fan-out, and the clients
    (not the server) fell behind and timed out. This client only looks at what it needs: frames are
    matched by prefix, and `on_event` decodes only the events it wants. bench/mall_day.py uses it too."""

    def __init__(self, http, ws_url: str, timeout: float, on_event, drops: Counter):
        self.http, self.ws_url, self.timeout = http, ws_url, timeout
        self.on_event, self.drops = on_event, drops
        self.ws = None
        self.task = None
        self.closing = False
        self.joined_at: float | None = None

    async def _next_text(self) -> str:
        import aiohttp

        msg = await self.ws.receive(timeout=self.timeout)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"websocket {msg.type.name} before the handshake finished")
        return msg.data

    async def connect(self, rooms: list[str]) -> None:
        self.ws = await self.http.ws_connect(self.ws_url, timeout=self.timeout, autoping=True, max_msg_size=0)
        if not (await self._next_text()).startswith("0{"):
            raise ConnectionError("no Engine.IO open packet")
        await self.ws.send_str("40")
        while True:
            packet = await self._next_text()
            if packet == "2":
                await self.ws.send_str("3")
            elif packet.startswith("40"):
                break
            else:
                raise ConnectionError(f"namespace connect refused: {packet[:60]!r}")
        await self.ws.send_str("420" + json.dumps(["subscribe", {"rooms": rooms}]))
        while True:
            packet = await self._next_text()
            if packet == "2":
                await self.ws.send_str("3")
            elif packet.startswith("430"):
                ack = json.loads(packet[3:])[0]
                if not (isinstance(ack, dict) and ack.get("ok") and sorted(ack.get("rooms", [])) == sorted(rooms)):
                    raise ConnectionError(f"subscribe refused: {ack!r}"[:100])
                break
            elif packet.startswith("42"):
                self.on_event(packet, time.monotonic())  # an event racing the ack: it was for us
        self.joined_at = time.monotonic()
        self.task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        import aiohttp

        reason = "closed by server"
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = msg.data
                if data == "2":
                    await self.ws.send_str("3")
                elif data.startswith("42"):
                    self.on_event(data, time.monotonic())
                elif data.startswith("1") or data.startswith("41"):
                    reason = "Engine.IO/Socket.IO close packet"
                    break
            if self.ws.close_code not in (None, 1000):
                reason = f"websocket close code {self.ws.close_code}"
        except Exception as exc:  # noqa: BLE001
            reason = type(exc).__name__
        if not self.closing:
            self.drops[reason] += 1

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed and self.task is not None and not self.task.done()

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None and not self.ws.closed:
            try:
                await self.ws.send_str("41")
            except Exception:  # noqa: BLE001
                pass
            await self.ws.close()


async def _swarm(url: str, n: int, batch: int, timeout: float, connect_budget: float, conn) -> None:
    import aiohttp

    received: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    drops: Counter = Counter()
    clients: list[ScreenClient] = []
    lags: list[float] = []
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def on_event(data: str, now: float) -> None:
        if data.startswith(CALLED):  # only the calls are decoded: the fan-out is what is measured
            number = str((json.loads(data[2:])[1] or {}).get("number"))
            received.setdefault(number, []).append(now)

    async def one():
        client = ScreenClient(http, ws_url, timeout, on_event, drops)
        try:
            await client.connect(["office:1"])
            clients.append(client)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by kind
            key = f"{type(exc).__name__}: {exc}"[:100]
            failures[key] = failures.get(key, 0) + 1
            try:
                await asyncio.wait_for(client.close(), 5)
            except Exception:  # noqa: BLE001
                pass

    async def lag_probe():
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append((time.monotonic() - t - 0.05) * 1000)

    start = time.monotonic()
    done = 0
    while done < n and time.monotonic() - start < connect_budget:
        size = min(batch, n - done)
        await asyncio.gather(*(one() for _ in range(size)))
        done += size
    if done < n:
        failures["not attempted (connect budget spent)"] = n - done
    connect_seconds = time.monotonic() - start
    conn.send({"connected": len(clients), "failures": failures, "connect_seconds": connect_seconds})

    probe = asyncio.create_task(lag_probe())
    loop = asyncio.get_running_loop()
    while not await loop.run_in_executor(None, conn.poll, 0.5):
        pass
    conn.recv()
    probe.cancel()
    still = sum(1 for c in clients if c.connected)
    conn.send({"still_connected": still, "drops": drops, "received": received,
               "lag_p99": pct(lags, 99), "lag_max": max(lags) if lags else None})
    try:
        await asyncio.wait_for(asyncio.gather(*(c.close() for c in clients), return_exceptions=True), 20)
    except Exception:  # noqa: BLE001 - the server is killed next anyway
        pass
    await http.close()


# --- HTTP side (main process) ----------------------------------------------------------------

class Tally:
    def __init__(self):
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.errors.values())


async def wait_ready(base: str, server: Server, seconds: float = 90) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if not server.alive():
                raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.tail()}")
            try:
                async with http.get(base + STATIC_PATH, timeout=aiohttp.ClientTimeout(total=2)) as r:
                    await r.read()
                    if r.status == 200:
                        return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"server not ready after {seconds}s:\n{server.tail()}")


async def floor(base: str, n: int = 200) -> float:
    import aiohttp

    times = []
    async with aiohttp.ClientSession() as http:
        for _ in range(20):  # warm-up
            async with http.get(base + STATIC_PATH) as r:
                await r.read()
        for _ in range(n):
            t = time.perf_counter()
            async with http.get(base + STATIC_PATH) as r:
                await r.read()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


async def officer_login(base: str):
    """A logged-in aiohttp session at counter 1: (session, counter path, csrf token)."""
    import aiohttp

    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
                                 timeout=aiohttp.ClientTimeout(total=30))
    try:
        return await _login(http, base)
    except BaseException:
        await http.close()
        raise


async def _login(http, base: str):
    async with http.get(base + "/login") as r:
        page = await r.text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"username": OFFICER[0], "password": OFFICER[1], "csrf_token": token}
    async with http.post(base + "/login", data=form) as r:
        page = await r.text()
        path = r.url.path
    match = re.match(r"^/counter/(\d+)$", path)
    if not match:
        raise RuntimeError(f"officer login did not land on a counter page (at {path}, status {r.status})")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return http, path, token


async def load_phase(base: str, service: str, args, tally: Tally) -> dict:
    import aiohttp

    issue_ms: list[float] = []
    probe_ms: list[float] = []
    calls: list[tuple[str, float]] = []  # (number, monotonic send time)
    call_ms: list[float] = []  # the "call next" request's own response time
    officer_log: dict = {"login_s": None, "close_ms": [], "empty": 0}
    stop_at = time.monotonic() + args.seconds
    timeout = aiohttp.ClientTimeout(total=30)

    async def issuer():
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                try:
                    async with http.post(base + "/api/v1/tickets", json={"service": service}) as r:
                        await r.read()
                        if 200 <= r.status < 300:
                            issue_ms.append((time.perf_counter() - t) * 1000)
                        else:
                            tally.error(f"issue HTTP {r.status}")
                except Exception as exc:  # noqa: BLE001
                    tally.error(f"issue {type(exc).__name__}")
                    await asyncio.sleep(0.1)
                if args.think:
                    await asyncio.sleep(args.think)

    async def probe():
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                try:
                    async with http.get(base + STATIC_PATH) as r:
                        await r.read()
                        if r.status == 200:
                            probe_ms.append((time.perf_counter() - t) * 1000)
                        else:
                            tally.error(f"static HTTP {r.status}")
                except Exception as exc:  # noqa: BLE001
                    tally.error(f"static {type(exc).__name__}")
                await asyncio.sleep(0.1)

    async def officer():
        t = time.monotonic()
        try:
            http, path, token = await officer_login(base)
            officer_log["login_s"] = time.monotonic() - t
        except Exception as exc:  # noqa: BLE001
            tally.error(f"officer login {type(exc).__name__}: {exc}"[:120])
            return
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        try:
            await asyncio.sleep(min(1.0, args.seconds / 10))  # let some tickets queue up
            while time.monotonic() < stop_at:
                try:
                    sent = time.monotonic()
                    async with http.post(base + path + "/call", headers=headers) as r:
                        body = await r.text()
                        status = r.status
                    call_ms.append((time.monotonic() - sent) * 1000)
                    if status != 200:
                        tally.error(f"call HTTP {status}")
                        await asyncio.sleep(args.call_interval)
                        continue
                    ticket = re.search(r'id="workspace"[^>]*?data-ticket="(\d*)"', body, re.S)
                    number = re.search(r'id="workspace"[^>]*?data-number="([^"]*)"', body, re.S)
                    if not ticket or not ticket.group(1):
                        officer_log["empty"] += 1
                        await asyncio.sleep(args.call_interval)  # nobody waiting yet
                        continue
                    calls.append((number.group(1), sent))
                    t = time.monotonic()
                    async with http.post(base + path + "/close", headers=headers,
                                         data={"ticket": ticket.group(1)}) as r:
                        await r.read()
                        officer_log["close_ms"].append((time.monotonic() - t) * 1000)
                        if r.status != 200:
                            tally.error(f"close HTTP {r.status}")
                except Exception as exc:  # noqa: BLE001
                    tally.error(f"officer {type(exc).__name__}")
                await asyncio.sleep(args.call_interval)
        finally:
            await http.close()

    started = time.monotonic()
    await asyncio.gather(*(issuer() for _ in range(args.issuers)), probe(), officer())
    return {"issue_ms": issue_ms, "probe_ms": probe_ms, "calls": calls, "call_ms": call_ms, "officer": officer_log,
            "elapsed": time.monotonic() - started}


async def services_of(base: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/api/v1/services") as r:
            body = await r.json()
    if not body.get("office_open"):
        raise RuntimeError("office is closed (LOKET_OFFICE_HOURS=24/7 not applied?)")
    return body["services"][0]["code"]


# --- one candidate ---------------------------------------------------------------------------

PREPARE = """
import sys
from sqlalchemy import inspect, select
from loket import create_app
from loket.auth.models import User
from loket.bootstrap import ensure_ready
from loket.extensions import db
from loket.queue.models import Counter
app = create_app()
with app.app_context():
    # Tables the models have and the database lacks (a tree without migrations, or models ahead of
    # them while the schema moves to Alembic); existing tables are left alone.
    db.create_all()
    ensure_ready()
    if db.session.scalar(select(User).where(User.username == sys.argv[1])) is None:
        counter = db.session.scalar(select(Counter).where(Counter.number == 1))
        user = User(username=sys.argv[1], role="officer", display_name=sys.argv[1], counters=[counter])
        user.set_password(sys.argv[2])
        db.session.add(user)
        db.session.commit()
"""


def prepare_instance(folder: Path, env: dict) -> None:
    """Schema, standard, counters and an officer at counter 1, through the public commands when they work:
    `loket db upgrade` (when this tree has it) and `loket officer add` (which runs ensure_ready);
    then, always, create_all (missing tables only) + ensure_ready + the officer if still missing in a
    small script (the schema was moving to Alembic while this was written)."""
    cli = [sys.executable, "-c", "from loket.cli import main; main()"]

    def run(cmd):
        return subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=180)

    run(cli + ["db", "upgrade"])  # may not exist: fine
    done = run(cli + ["officer", "add", OFFICER[0], "--role", "officer", "--counter", "1", "--password", OFFICER[1]])
    fallback = run([sys.executable, "-c", PREPARE, *OFFICER])
    if fallback.returncode != 0:
        raise RuntimeError(f"preparing {folder} failed:\n{done.stdout}{done.stderr}\n{fallback.stdout}"
                           f"{fallback.stderr}"[-3000:])


def run_candidate(name: str, args, workdir: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder = workdir / name
    folder.mkdir(parents=True)
    env = dict(os.environ)
    env.update({
        "LOKET_INSTANCE": str(folder), "LOKET_OFFICE_HOURS": "24/7", "LOKET_ISSUE_RATE_LIMIT": "0",
        "LOKET_LOGIN_RATE_LIMIT": "0", "LOKET_FEEDBACK_RATE_LIMIT": "0", "LOKET_PUBLIC_BASE_URL": base,
        "PYTHONUNBUFFERED": "1",
    })
    for key in ("LOKET_DATABASE_URL", "LOKET_REDIS_URL"):
        env.pop(key, None)
    argv, extra = candidate_command(name, port, args.idle, args.issuers)
    env.update(extra)
    result: dict = {"name": name, "argv": argv, "tally": Tally()}
    tally: Tally = result["tally"]
    print(f"\n== {name}: {' '.join(argv)}", flush=True)
    server = None
    swarm = None
    parent_conn = None
    try:
        prepare_instance(folder, env)
        server = Server(argv, env, folder / "server.log")
        asyncio.run(wait_ready(base, server))
        result["floor_ms"] = asyncio.run(floor(base))
        service = asyncio.run(services_of(base))
        print(f"   ready; static GET p50 {result['floor_ms']:.2f} ms; issuing service {service}", flush=True)

        ctx = multiprocessing.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe()
        budget = max(60.0, args.idle / args.batch * 2.0)
        swarm = ctx.Process(target=swarm_main, args=(base, args.idle, args.batch, args.connect_timeout, budget,
                                                      child_conn), daemon=True)
        swarm.start()
        if not parent_conn.poll(budget + args.connect_timeout + 60):
            raise RuntimeError("idle clients did not report back")
        hello = parent_conn.recv()
        result.update(connected=hello["connected"], connect_failures=hello["failures"],
                      connect_seconds=hello["connect_seconds"])
        print(f"   idle clients: {hello['connected']}/{args.idle} connected in {hello['connect_seconds']:.1f} s"
              + (f"; failures {hello['failures']}" if hello["failures"] else ""), flush=True)
        for kind, count in hello["failures"].items():
            tally.errors[f"idle connect: {kind}"] = count
        if not server.alive():
            raise RuntimeError(f"server died while clients connected:\n{server.tail()}")

        load = asyncio.run(load_phase(base, service, args, tally))
        result["rss_mb"], result["processes"] = rss_mb(server.pid)
        result["threads"] = threads_of(server.pid)
        result["server_alive"] = server.alive()
        parent_conn.send("stop")
        if not parent_conn.poll(60):
            raise RuntimeError("idle clients did not report their receipts")
        bye = parent_conn.recv()
        result.update(load)
        result.update(still_connected=bye["still_connected"], drops=bye["drops"], lag_p99=bye["lag_p99"],
                      lag_max=bye["lag_max"])
        for reason, count in bye["drops"].items():
            tally.errors[f"idle client dropped during load ({reason})"] = count
        # call-to-screen: every (call, connected idle client) pair is one delivery
        deliveries, missed = [], 0
        for number, sent in load["calls"]:
            got = bye["received"].get(number, [])
            deliveries.extend((t - sent) * 1000 for t in got)
            missed += max(0, result["connected"] - len(got))
        result["deliveries"] = deliveries
        result["missed"] = missed
        if not result["server_alive"]:
            tally.error("server died")
    except Exception as exc:  # noqa: BLE001 - report and go on with the next candidate
        result["failed"] = f"{type(exc).__name__}: {exc}"
        print(f"   FAILED: {result['failed']}", flush=True)
    finally:
        if swarm is not None:
            swarm.join(timeout=25)
            if swarm.is_alive():
                swarm.kill()
                swarm.join(timeout=5)
        if server is not None:
            server.stop()
            result["log_tail"] = server.tail(8)
            result["log_errors"] = sum(1 for line in server.log_path.read_text(errors="replace").splitlines()
                                       if "Traceback" in line)
    summarise(result, args)
    return result


def summarise(r: dict, args) -> None:
    issue = r.get("issue_ms") or []
    r["issued"] = len(issue)
    r["issue_p50"] = pct(issue, 50)
    r["issue_p99"] = pct(issue, 99)
    r["rate"] = len(issue) / r["elapsed"] if r.get("elapsed") else None
    r["probe_p50"] = pct(r.get("probe_ms") or [], 50)
    r["call_p50"] = pct(r.get("call_ms") or [], 50)
    r["screen_p50"] = pct(r.get("deliveries") or [], 50)
    r["screen_p99"] = pct(r.get("deliveries") or [], 99)
    r["errors"] = r["tally"].total
    if r.get("failed"):
        print(f"   log tail:\n{r.get('log_tail', '')}", flush=True)
        return
    print(f"   issued {r['issued']} ({fmt(r['rate'])}/s) p50 {fmt(r['issue_p50'])} ms p99 {fmt(r['issue_p99'])} ms; "
          f"{len(r['calls'])} calls (HTTP p50 {fmt(r['call_p50'])} ms), call-to-screen p50 {fmt(r['screen_p50'])} ms p99 {fmt(r['screen_p99'])} ms, "
          f"{r['missed']} deliveries missed; idle still connected {r['still_connected']}; "
          f"RSS {r['rss_mb']:.0f} MB over {r['processes']} process(es), {r['threads']} threads; "
          f"errors {r['tally'].errors or 0}; screen-process loop lag p99 {fmt(r['lag_p99'])} ms; "
          f"officer login {fmt(r['officer']['login_s'])} s, close p50 {fmt(pct(r['officer']['close_ms'], 50))} ms, "
          f"{r['officer']['empty']} empty calls; load phase {r['elapsed']:.1f} s", flush=True)


def table(results: list[dict], args) -> str:
    head = ["candidate", f"idle connected (of {args.idle})", "tickets issued", "issued/s", "issue p50 ms",
            "issue p99 ms", "floor: static p50 ms", "issue p50 ÷ floor", "static p50 under load ms", "calls", "call HTTP p50 ms",
            "call→screen p50 ms", "call→screen p99 ms", "deliveries missed", "errors", "RSS MB",
            "screen lag p99 ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        if r.get("failed") and not r.get("issue_ms"):
            lines.append(f"| {r['name']} | failed: {r['failed'][:80]} |" + " |" * (len(head) - 2))
            continue
        ratio = r["issue_p50"] / r["floor_ms"] if r.get("issue_p50") and r.get("floor_ms") else None
        connected = f"{r.get('connected', 0)} → {r.get('still_connected', '?')}"
        row = [r["name"], connected, r["issued"], fmt(r["rate"]), fmt(r["issue_p50"]), fmt(r["issue_p99"]),
               fmt(r.get("floor_ms"), 2), fmt(ratio, 0) + "×" if ratio else "–", fmt(r["probe_p50"]),
               len(r.get("calls") or []), fmt(r["call_p50"]), fmt(r["screen_p50"]), fmt(r["screen_p99"]), r.get("missed", "–"),
               r["errors"], fmt(r.get("rss_mb"), 0), fmt(r.get("lag_p99"))]
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--_exec":  # launcher mode, inside a server process
        rest = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
        exec_helper(sys.argv[2], rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="comma list (default: all)")
    parser.add_argument("--idle", type=int, default=1000, help="idle Socket.IO clients in the office room")
    parser.add_argument("--issuers", type=int, default=20, help="concurrent HTTP clients issuing tickets")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load phase")
    parser.add_argument("--batch", type=int, default=50, help="idle clients connecting at once")
    parser.add_argument("--connect-timeout", type=float, default=15, help="per idle client connect+subscribe")
    parser.add_argument("--call-interval", type=float, default=0.5, help="officer's pause after call+close")
    parser.add_argument("--think", type=float, default=0.0, help="issuer's pause between tickets (s)")
    parser.add_argument("--keep", action="store_true", help="keep the instance folders and server logs")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--list", action="store_true", help="print the candidates' command lines and exit")
    args = parser.parse_args()
    names = [n.strip() for n in args.candidates.split(",") if n.strip()]
    for n in names:
        if n not in CANDIDATES:
            parser.error(f"unknown candidate {n!r}; choose from {', '.join(CANDIDATES)}")
    if args.list:
        for n in names:
            argv, extra = candidate_command(n, 5000, args.idle, args.issuers)
            print(f"{n:11s} {' '.join(f'{k}={v}' for k, v in extra.items())} {' '.join(argv)}")
        return
    raise_nofile()
    print(f"nofile limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, {os.cpu_count()} CPUs; "
          f"idle={args.idle} issuers={args.issuers} seconds={args.seconds} call-interval={args.call_interval}",
          flush=True)

    def on_term(_sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    workdir = Path(tempfile.mkdtemp(prefix="loket-servers-"))
    results = []
    try:
        for name in names:
            results.append(run_candidate(name, args, workdir))
    except KeyboardInterrupt:
        print("\ninterrupted; partial results:", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"instance folders and logs kept in {workdir}")
    if not results:
        return
    print(f"\nidle={args.idle} issuers={args.issuers} seconds={args.seconds} call-interval={args.call_interval}s, "
          f"{os.cpu_count()} CPUs (server, idle clients and HTTP clients share them)\n")
    print(table(results, args))
    for r in results:
        notes = []
        if r["tally"].errors:
            notes.append("errors: " + ", ".join(f"{k} ×{v}" for k, v in r["tally"].errors.items()))
        if r.get("log_errors"):
            notes.append(f"{r['log_errors']} traceback(s) in the server log")
        if r.get("failed"):
            notes.append("failed: " + r["failed"].splitlines()[0])
        if notes:
            print(f"- {r['name']}: " + "; ".join(notes))
    if args.json:
        keep = ("name", "argv", "connected", "still_connected", "issued", "rate", "issue_p50", "issue_p99",
                "floor_ms", "probe_p50", "call_p50", "screen_p50", "screen_p99", "missed", "errors", "rss_mb", "threads",
                "lag_p99", "connect_seconds", "failed")
        out = [{k: r.get(k) for k in keep} | {"error_kinds": r["tally"].errors} for r in results]
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
