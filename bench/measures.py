"""What `python -m bench` runs: the servers (Loket and its floors, each in its own process group) and
the client side of each measure. Every measure returns plain figures; bench/__main__.py makes the
table. Latencies are milliseconds, from sending the request to reading the whole answer.
"""
from __future__ import annotations

import asyncio
import html
import itertools
import os
import re
import shutil
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import floors
from bench.mall_day import CLI_BATCH, run_process
from bench.servers import OFFICER, Server, free_port, officer_login, pct, rss_mb

API_ISSUE = "/api/v1/tickets"
FLOOR_ISSUE = "/tickets"
ROOM = "office:1"  # what kiosk 1, display 1 and the visitors' phones of the first office follow


class BenchError(RuntimeError):
    """Something that makes the run's figures worthless: a server that did not start, a client that failed."""


# --- servers ---------------------------------------------------------------------------------------

@dataclass
class Running:
    name: str
    url: str
    server: Server
    errors: Counter = field(default_factory=Counter)

    def rss_mb(self) -> float:
        return rss_mb(self.server.pid)[0]

    def check(self) -> None:
        if not self.server.alive():
            raise BenchError(f"{self.name} died:\n{self.server.tail()}")


class Lab:
    """Starts the run's servers on fresh instances (SQLite files, or new PostgreSQL databases next to
    `postgres` with Redis as the message queue) and stops every one of them, also on errors and Ctrl-C."""

    def __init__(self, work: Path, postgres: str = "", redis: str = ""):
        self.work, self.postgres, self.redis = work, postgres, redis
        self.running: list[Running] = []
        self.databases: list[str] = []
        self._template: Path | None = None

    # databases
    def _database(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        db_name = f"loket_bench_{os.getpid()}_{name}"
        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        finally:
            engine.dispose()
        self.databases.append(db_name)
        return make_url(self.postgres).set(database=db_name).render_as_string(hide_password=False)

    def _drop_databases(self) -> None:
        from sqlalchemy import create_engine, text

        if not self.databases:
            return
        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for db_name in self.databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        finally:
            engine.dispose()

    # Loket
    def _loket_env(self, folder: Path, url: str, database: str = "") -> dict:
        env = {**os.environ, "LOKET_INSTANCE": str(folder), "LOKET_OFFICE_HOURS": "24/7",
               "LOKET_ISSUE_RATE_LIMIT": "0", "LOKET_LOGIN_RATE_LIMIT": "0", "LOKET_FEEDBACK_RATE_LIMIT": "0",
               "LOKET_PUBLIC_BASE_URL": url, "LOKET_BACKUP_KEEP_DAYS": "0", "LOKET_HOLIDAY_COUNTRY": "",
               "LOKET_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1"}
        for key in ("LOKET_DATABASE_URL", "LOKET_REDIS_URL", "LOKET_SECRET_KEY"):
            env.pop(key, None)
        if database:
            env.update(LOKET_DATABASE_URL=database, LOKET_REDIS_URL=self.redis)
        return env

    def _prepare(self, env: dict) -> None:
        """Schema, the first start's seed and an officer at counter 1, through the real CLI (one process)."""
        import json

        commands = [["db", "upgrade"],
                    ["officer", "add", OFFICER[0], "--role", "officer", "--counter", "1", "--password", OFFICER[1]]]
        done = run_process([sys.executable, "-c", CLI_BATCH], env, 300, stdin=json.dumps(commands))
        try:
            results = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError(f"preparing Loket failed:\n{done.stdout[-1500:]}{done.stderr[-2500:]}") from None
        if len(results) != len(commands) or any(r["code"] for r in results):
            raise BenchError(f"preparing Loket failed: {results[-1]['args']} → {results[-1]['output'][-2000:]}")

    def loket(self, name: str) -> Running:
        """A real `loket serve` (gunicorn + gevent-websocket worker) on a fresh instance."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        folder = self.work / name
        if self.postgres:
            env = self._loket_env(folder, url, self._database(name))
            folder.mkdir(parents=True)
            self._prepare(env)
        else:  # SQLite: prepared once, copied for each server (the same fresh database every time)
            if self._template is None:
                template = self.work / "template"
                template.mkdir(parents=True)
                self._prepare(self._loket_env(template, url))
                self._template = template
            shutil.copytree(self._template, folder)
            env = self._loket_env(folder, url)
        argv = [sys.executable, "-m", "loket.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        return self._start(name, argv, env, url, "/api/v1/services")

    def floor(self, app: str, name: str) -> Running:
        """A floor app of bench/floors.py (`http_app` or `screen_app`) served the same way as Loket."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.postgres:
            env.update(BENCH_FLOOR_DATABASE_URL=self._database(name), BENCH_FLOOR_REDIS_URL=self.redis)
        else:
            env["BENCH_FLOOR_DATABASE_URL"] = f"sqlite:///{self.work / (name + '.db')}"
        return self._start(name, floors.command(app, port), env, url, "/health")

    def _start(self, name: str, argv: list[str], env: dict, url: str, ready_path: str) -> Running:
        server = Server(argv, env, self.work / f"{name.replace(' ', '-')}.log")
        running = Running(name, url, server)
        self.running.append(running)
        deadline = time.monotonic() + 90
        while True:
            running.check()
            try:
                with urllib.request.urlopen(url + ready_path, timeout=5) as answer:
                    if answer.status == 200:
                        return running
            except OSError:  # not listening yet (URLError and HTTPError are OSErrors)
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"{name} did not answer within 90 s:\n{server.tail()}")
            time.sleep(0.2)

    def stop(self, running: Running) -> None:
        running.server.stop()
        text = running.server.log_path.read_text(errors="replace")
        if "Traceback" in text:
            tail = " / ".join(line.strip() for line in running.server.tail(4).splitlines())
            running.errors[f"traceback in the log, ending: {tail}"[:400]] += text.count("Traceback")

    def close(self) -> None:
        for running in self.running:
            if running.server.log.closed:
                continue
            try:
                self.stop(running)
            except Exception:  # noqa: BLE001 - stop the others
                pass
        if self.postgres:
            try:
                self._drop_databases()
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop the bench databases {self.databases}: {exc}", file=sys.stderr)


# --- HTTP clients ----------------------------------------------------------------------------------

def session(**kwargs):
    import aiohttp

    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                 cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)  # cookies for 127.0.0.1


async def expect(response, status: int, what: str) -> str:
    body = await response.text()
    if response.status != status:
        raise BenchError(f"{what}: HTTP {response.status} (expected {status}): {body[:200]}")
    return body


async def closed_loop(clients: int, one, *, seconds: float | None = None, total: int | None = None,
                      errors: Counter) -> tuple[list[float], float]:
    """`clients` sessions, each doing `one(http)` again as soon as it is answered, for `seconds` or until
    `total` are done. Returns the latencies (ms) and the elapsed time (s)."""
    latencies: list[float] = []
    stop_at = time.monotonic() + (seconds or 1e9)
    started = time.monotonic()
    claimed = 0

    async def client():
        nonlocal claimed
        async with session() as http:
            while time.monotonic() < stop_at:
                if total is not None:
                    if claimed >= total:
                        break
                    claimed += 1
                t = time.perf_counter()
                try:
                    await one(http)
                except Exception as exc:  # noqa: BLE001 - counted; the run exits non-zero
                    errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    if sum(errors.values()) > 50:
                        raise BenchError(f"too many failed requests: {dict(errors)}") from exc
                    await asyncio.sleep(0.05)
                    continue
                latencies.append((time.perf_counter() - t) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.monotonic() - started


async def service_codes(base: str) -> list[str]:
    async with session() as http:
        async with http.get(base + "/api/v1/services") as r:
            body = await r.json()
    if not body.get("office_open"):
        raise BenchError("Loket says the office is closed (LOKET_OFFICE_HOURS=24/7 not applied?)")
    return [s["code"] for s in body["services"]]


def issuer(base: str, path: str, codes: list[str]):
    """One `POST` issuing a ticket, round-robin over the services (Loket's API, or the floor's)."""
    cycle = itertools.cycle(codes)

    async def one(http):
        async with http.post(base + path, json={"service": next(cycle)}) as r:
            await expect(r, 201, f"POST {path}")
    return one


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def loket_flow(base: str, codes: list[str]):
    """A kiosk's "take ticket" as a browser without JavaScript does it: the home screen, the service's
    page, its form posted with the CSRF token, the redirect followed to the confirmation."""
    cycle = itertools.cycle(codes)

    async def one(http):
        code = next(cycle)
        async with http.get(f"{base}/kiosk/1") as r:
            await expect(r, 200, "GET /kiosk/1")
        async with http.get(f"{base}/kiosk/1/layanan/{code}") as r:
            page = await expect(r, 200, "GET the service page")
        form = page[page.index('class="take-ticket"'):]
        form = {name: html.unescape(value) for name, value in HIDDEN.findall(form[:form.index("</form>")])}
        async with http.post(f"{base}/kiosk/1/tiket", data=form) as r:
            await expect(r, 200, "POST /kiosk/1/tiket, then the confirmation")
            if len(r.history) != 1 or "/tiket/" not in r.url.path:
                raise BenchError(f"the kiosk form did not lead to a confirmation (at {r.url.path})")
    return one


def floor_flow(base: str):
    """The floor's four requests: home, the form (hidden token), the POST, the result page."""
    async def one(http):
        async with http.get(f"{base}/kiosk") as r:
            await expect(r, 200, "GET /kiosk")
        async with http.get(f"{base}/kiosk/form") as r:
            page = await expect(r, 200, "GET /kiosk/form")
        async with http.post(f"{base}/kiosk/take", data=dict(HIDDEN.findall(page))) as r:
            await expect(r, 200, "POST /kiosk/take, then the result")
            if len(r.history) != 1:
                raise BenchError("the floor's form did not redirect")
    return one


# --- measure 1 and 2: issuing, and the kiosk flow --------------------------------------------------

async def issue_round(target: Running, one, seconds_1: float, seconds_20: float) -> dict:
    single, _ = await closed_loop(1, one, seconds=seconds_1, errors=target.errors)
    many, elapsed = await closed_loop(20, one, seconds=seconds_20, errors=target.errors)
    return {"p50_1": pct(single, 50), "p99_1": pct(single, 99), "p50_20": pct(many, 50), "p99_20": pct(many, 99),
            "throughput_20": len(many) / elapsed, "n_1": len(single), "n_20": len(many)}


async def flow_round(target: Running, one, seconds: float) -> dict:
    flows, elapsed = await closed_loop(20, one, seconds=seconds, errors=target.errors)
    return {"p50": pct(flows, 50), "p99": pct(flows, 99), "n": len(flows), "per_s": len(flows) / elapsed}


# --- measure 5 and 7: a day filling up ---------------------------------------------------------------

async def day(target: Running, one, sample: int, middle: int, end: int) -> dict:
    """Issue p50 over `sample` sequential tickets at the start of the day and after `middle` tickets;
    RSS at the start, after the first sample and after `end` tickets (the bulk at 20 clients)."""
    rss_start = target.rss_mb()
    first, _ = await closed_loop(1, one, total=sample, errors=target.errors)
    rss_base = target.rss_mb()
    issued = sample
    bulk, elapsed = await closed_loop(20, one, total=middle - issued, errors=target.errors)
    issued += len(bulk)
    later, _ = await closed_loop(1, one, total=sample, errors=target.errors)
    issued += len(later)
    rest, elapsed_rest = await closed_loop(20, one, total=end - issued, errors=target.errors)
    issued += len(rest)
    target.check()
    rss_end = target.rss_mb()
    return {"p50_start": pct(first, 50), "p50_later": pct(later, 50), "later_after": middle, "issued": issued,
            "rss_start_mb": rss_start, "rss_base_mb": rss_base, "rss_end_mb": rss_end,
            "growth_kb_per_ticket": (rss_end - rss_base) * 1024 / max(1, issued - sample),
            "bulk_per_s": (len(bulk) + len(rest)) / max(1e-9, elapsed + elapsed_rest)}


# --- measure 3 and 4: a call on every screen -----------------------------------------------------------

async def loket_calls(target: Running, screens, codes: list[str], calls: int, clients: int, paced: bool) -> dict:
    """The officer at counter 1 calls (as the desk's htmx button) and closes, `calls` times. Paced: each
    call is delivered to every screen before the next (latency). Not paced: a burst, as fast as the
    officer's requests are answered (order)."""
    one = issuer(target.url, API_ISSUE, codes[:1])  # counter 1 serves the first service
    async with session() as http:
        for _ in range(calls):
            await one(http)
    await asyncio.sleep(0.3 + clients / 2000)  # the issue events' fan-out settles
    http, path, token = await officer_login(target.url)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    sent: list[tuple[str, float]] = []
    request_ms: list[float] = []
    try:
        for _ in range(calls):
            t = time.monotonic()
            async with http.post(target.url + path + "/call", headers=headers) as r:
                body = await expect(r, 200, "the officer's call")
            request_ms.append((time.monotonic() - t) * 1000)
            ticket = re.search(r'id="workspace"[^>]*?data-ticket="(\d+)"', body, re.S)
            number = re.search(r'id="workspace"[^>]*?data-number="([^"]+)"', body, re.S)
            if not ticket or not number:
                raise BenchError("the call answered without a called ticket (no visitor waiting?)")
            sent.append((number.group(1), t))
            fanned = await screens.wait_all(number.group(1), 10) if paced else None
            async with http.post(target.url + path + "/close", headers=headers, data={"ticket": ticket.group(1)}) as r:
                await expect(r, 200, "the officer's close")
            if paced:  # the close's event goes to the same screens: let it land before the next call
                await asyncio.sleep(0.05 + (fanned - t if fanned else 1.0))
        if not paced:
            await screens.wait_all(sent[-1][0], 15)
    finally:
        await http.close()
    return {"sent": sent, "request_ms": request_ms}


FLOOR_NUMBERS = itertools.count(1)


async def floor_calls(target: Running, screens, calls: int, size: int, paced: bool) -> dict:
    """The screen floor's calls, paced or in a burst like Loket's (`size`: the frame's length)."""
    sent: list[tuple[str, float]] = []
    request_ms: list[float] = []
    async with session() as http:
        for _ in range(calls):
            number = f"F-{next(FLOOR_NUMBERS):04d}"
            t = time.monotonic()
            async with http.post(target.url + "/call", json={"number": number, "size": size, "room": ROOM}) as r:
                await expect(r, 200, "the floor's call")
            request_ms.append((time.monotonic() - t) * 1000)
            sent.append((number, t))
            if paced:
                fanned = await screens.wait_all(number, 10)
                await asyncio.sleep(0.05 + (fanned - t if fanned else 1.0))  # as long as Loket's pause for the close
        if not paced:
            await screens.wait_all(sent[-1][0], 15)
    return {"sent": sent, "request_ms": request_ms}
