"""Load run: one simulated day of a Mal Pelayanan Publik, compressed into a few minutes, on real servers.

Setup (PostgreSQL + Redis, through the real `loket` CLI):

- a fresh database `loket_mallday_<pid>` on the server of LOKET_TEST_POSTGRES_URL (or --postgres),
  dropped at the end; Redis from LOKET_TEST_REDIS_URL (or --redis);
- `loket db upgrade` (its own process), then in one Python process the CLI's click commands one after
  the other, each as `loket …` would run it (a process per command would add ~3 s of imports to
  each of ~170 commands):
  `loket office add` and `loket catalogue load FILE --office CODE --prefix P` for 20 offices (generated
  standards of 5 services each, distinct 2-letter prefixes; the load makes a counter per service, so
  100 counters), `loket office kiosk K --office …` for 30 kiosks listing every office, `loket office
  display D --office …` for 50 displays showing 1–3 offices each (every office on at least one),
  `loket officer add` (one officer per office, at its 5 counters) and `loket kiosk key K`;
- `--processes` real `loket serve` processes (gunicorn master + gevent-websocket worker) on free ports,
  sharing the database and Redis, each in its own process group (killed at the end, on errors too).

The day (`--minutes`, default 3; 200 × `--scale` tickets per 3 minutes, i.e. 1.1 a second on average
and about 2 in the peak: what a shared 2-core machine serves with sub-second medians; a real
Mal Pelayanan Publik sees some 1,000–3,000 visitors over 8 hours, far below that rate):

- arrivals follow a morning peak (a curve rising to its top a third of the way into the day, then
  falling to about a fifth of it by closing), offices weighted (a few busy ones), services uniform;
  each visitor takes a ticket at a kiosk (round-robin) through a process (round-robin):
  `POST /api/v1/tickets {"service", "office", "kiosk"}` with the kiosk's `X-Kiosk-Key`; open loop
  (a slow answer does not hold back the next visitor);
- every counter's officer (logged in at /login with the form's CSRF token; one browser per office)
  calls the next visitor of its service when the live waiting count shows one (1–3 s after it
  appears when the counter was idle, at once otherwise), serves for a
  random time (its office's mean is chosen so the counters are ~85 % busy over the day: a queue
  builds at the peak and drains after), closes (`POST /counter/<id>/call`, `/close` with `ticket`,
  as the desk's htmx buttons do) and takes a short breath; counters are spread over the processes;
  at closing time the visitor at the counter is finished and the rest stay waiting;
- in a child process (asyncio + aiohttp websockets speaking Socket.IO protocol 5, like
  bench/servers.py): 50 displays (GET /display/<id>, then join `display:<id>`; each counts its
  "announce" and board "swap" events) and up to 1,000 open phone ticket pages (GET /t/<token> as
  the QR code opens it, then join the page's rooms, `ticket:<token>` and `service:<id>`), each on a
  random process. Every issued ticket's page is opened on ceil(1,000 / tickets) devices (the
  visitor's phone, a relative's…), so 1,000 pages are open by the end of the day; once the limit is
  reached, a page of a ticket already finished is closed to make room (none finished: no page);
- a probe GETs a static file every 0.2 s; the servers' RSS is sampled every 2 s.

Report: tickets issued, calls, events delivered to displays and phones, call-to-screen p50/p99 (from
sending "call" to each display that shows the office receiving that number's "announce"), errors,
largest RSS per server process (VmRSS of its process tree), and the floor (static GET p50 on the
idle servers) with ratios. Errors (exit 1 when any): a non-2xx answer or failed request, a screen or
phone that could not connect or dropped, an announce missing on a display that shows the office, a
called/closed event missing on a phone that was open before the call, a server that died or logged a
traceback, and the database's tickets not matching what was issued (numbers unique; each ticket
waiting, or called/serving/done). Receipt times are CLOCK_MONOTONIC (system-wide on Linux).

Usage (from the repository root; aiohttp from `pip install -e '.[bench]'`):

    source /tmp/svc.env      # or: source scripts/services.sh (LOKET_TEST_POSTGRES_URL, LOKET_TEST_REDIS_URL)
    python bench/mall_day.py                       # 3 processes, 3 minutes, scale 1.0
    python bench/mall_day.py --processes 2 --minutes 1 --scale 0.2

`--scale` multiplies the offices, kiosks, displays, phones and tickets (counters follow the offices);
each can be set on its own too. Server logs stay in the work folder with --keep.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STATIC_PATH = "/static/js/live.js"
SECRET = "mall-day-secret"
PASSWORD = "mall-day-pass-123"
SERVICES_PER_OFFICE = 5
FINAL = ("ticket.closed", "ticket.no_show", "ticket.cancelled")


def run_async(coro):
    """asyncio.run, also when the caller's thread already runs an event loop (pytest after
    Playwright's sync API, which keeps one in the main thread): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _load_servers_helpers():
    """bench/servers.py's helpers (percentiles, RSS of a process tree, nofile limit, the screen client)."""
    name = "loket_bench_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("servers.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_helpers = _load_servers_helpers()
pct, fmt, rss_mb, raise_nofile, free_port = (_helpers.pct, _helpers.fmt, _helpers.rss_mb, _helpers.raise_nofile,
                                             _helpers.free_port)
Socket = _helpers.ScreenClient  # the small Socket.IO client the screens use

# The tenants of a typical Mal Pelayanan Publik: (code, prefix, short name, name).
OFFICES = [
    ("dukcapil", "CP", "Dukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("imigrasi", "IM", "Imigrasi", "Kantor Imigrasi"),
    ("samsat", "SM", "Samsat", "Sistem Administrasi Manunggal Satu Atap"),
    ("bpjs-kesehatan", "BK", "BPJS Kesehatan", "BPJS Kesehatan"),
    ("bpjs-tk", "BT", "BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan"),
    ("pajak", "PJ", "KPP Pratama", "Kantor Pelayanan Pajak Pratama"),
    ("bpn", "PN", "ATR/BPN", "Kantor Pertanahan"),
    ("polres", "SK", "SKCK Polres", "Kepolisian Resor (SKCK)"),
    ("pengadilan", "PA", "Pengadilan Agama", "Pengadilan Agama"),
    ("kejaksaan", "KJ", "Kejaksaan", "Kejaksaan Negeri"),
    ("perizinan", "PT", "DPMPTSP", "Dinas Penanaman Modal dan PTSP"),
    ("pdam", "AM", "PDAM", "Perusahaan Daerah Air Minum"),
    ("pln", "LN", "PLN", "PLN Unit Layanan Pelanggan"),
    ("bank-daerah", "BD", "Bank Daerah", "Bank Pembangunan Daerah"),
    ("kemenag", "KM", "Kemenag", "Kantor Kementerian Agama"),
    ("disnaker", "NK", "Disnaker", "Dinas Tenaga Kerja"),
    ("bapenda", "BP", "Bapenda", "Badan Pendapatan Daerah"),
    ("taspen", "TS", "Taspen", "PT Taspen"),
    ("pos", "PS", "Pos Indonesia", "PT Pos Indonesia"),
    ("dinsos", "DS", "Dinsos", "Dinas Sosial"),
]
SERVICE_NAMES = ["Pendaftaran", "Perubahan Data", "Pengambilan Dokumen", "Konsultasi", "Pengaduan"]


@dataclass
class Config:
    postgres: str = ""
    redis: str = ""
    processes: int = 3
    minutes: float = 3.0
    scale: float = 1.0
    offices: int | None = None
    kiosks: int | None = None
    displays: int | None = None
    phones: int | None = None
    tickets: int | None = None
    tickets_per_3_minutes: int = 200  # at scale 1.0: a longer day gets more tickets at the same rate
    busy: float = 0.85  # counters' share of the day spent on visitors, on average
    settle: float = 8.0  # seconds after the day for the last deliveries
    seed: int = 1
    keep: bool = False
    quiet: bool = False

    def sized(self) -> "Config":
        s = self.scale
        self.offices = self.offices or max(2, min(len(OFFICES), round(20 * s)))
        self.kiosks = self.kiosks or max(1, round(30 * s))
        self.displays = self.displays or max(2, round(50 * s))
        self.phones = self.phones if self.phones is not None else round(1000 * s)
        self.tickets = self.tickets or max(10, round(self.tickets_per_3_minutes * s * self.minutes / 3))
        if not 1 <= self.offices <= len(OFFICES):
            raise SystemExit(f"--offices must be 1 to {len(OFFICES)}")
        return self


# --- the day's plan ------------------------------------------------------------------------------

def arrival_curve(x: float) -> float:
    """Relative arrival rate over the day (x from 0 = opening to 1 = closing): rises to 1 at a third of
    the day, falls to ~0.25 by closing; a trickle at opening."""
    peak = 1 / 3
    u = x / peak
    return 0.08 + 0.92 * (u * u) * math.exp(2 * (1 - u))


@dataclass
class Arrival:
    at: float  # seconds after opening
    office: int  # index into the plan's offices
    service: str
    kiosk: str
    process: int
    phone_processes: list[int]  # where each of the ticket's open pages is connected


@dataclass
class Plan:
    offices: list[tuple[str, str, str, str]]
    weights: list[float]
    kiosks: list[str]
    displays: dict[str, list[int]]  # display id -> office indexes
    arrivals: list[Arrival]
    mean_service: dict[int, float]  # office index -> mean seconds per visitor at a counter
    seconds: float


def make_plan(cfg: Config) -> Plan:
    rng = random.Random(cfg.seed)
    offices = OFFICES[:cfg.offices]
    # A few busy offices (Dukcapil, Imigrasi, Samsat …), a long tail: Zipf-like weights.
    raw = [1 / (i + 1) ** 0.5 for i in range(len(offices))]
    weights = [w / sum(raw) for w in raw]
    kiosks = [str(k) for k in range(1, cfg.kiosks + 1)]
    displays: dict[str, list[int]] = {}
    for d in range(cfg.displays):
        shown = [d % len(offices)]  # every office on at least one display
        for _ in range(rng.choice((0, 1, 2))):
            other = rng.randrange(len(offices))
            if other not in shown:
                shown.append(other)
        displays[str(d + 1)] = shown
    seconds = cfg.minutes * 60
    grid = 2000
    cdf = [0.0]
    for i in range(grid):
        cdf.append(cdf[-1] + arrival_curve((i + 0.5) / grid))
    total = cdf[-1]
    times = []
    for u in sorted(rng.random() * total for _ in range(cfg.tickets)):
        lo, hi = 0, grid
        while lo < hi:  # first grid point whose cumulative rate reaches u
            mid = (lo + hi) // 2
            if cdf[mid + 1] < u:
                lo = mid + 1
            else:
                hi = mid
        frac = (u - cdf[lo]) / (cdf[lo + 1] - cdf[lo])
        times.append((lo + frac) / grid * seconds)
    arrivals = []
    # Every ticket's page is opened on `copies` devices, so that `phones` pages are open by the end
    # of the day even when there are fewer tickets than that (a visitor's own phone, a relative's…).
    copies = max(1, math.ceil(cfg.phones / max(1, cfg.tickets))) if cfg.phones else 0
    codes = [chr(ord("A") + i) for i in range(SERVICES_PER_OFFICE)]
    for i, at in enumerate(times):
        office = rng.choices(range(len(offices)), weights)[0]
        arrivals.append(Arrival(at=at, office=office, service=rng.choice(codes), kiosk=kiosks[i % len(kiosks)],
                                process=i % cfg.processes,
                                phone_processes=[rng.randrange(cfg.processes) for _ in range(copies)]))
    mean_service = {}
    for o in range(len(offices)):
        per_counter = cfg.tickets * weights[o] / SERVICES_PER_OFFICE
        mean_service[o] = min(seconds / 3, max(0.5, cfg.busy * seconds / max(per_counter, 0.1)))
    return Plan(offices, weights, kiosks, displays, arrivals, mean_service, seconds)


def standard_toml(code: str, short: str, name: str) -> str:
    """A small Standar Pelayanan (like tests/fixtures/standar-kantor-kedua.toml) with 5 services."""
    lines = ["schema_version = 1", "", "[office]", f'name = "{name}"', f'short_name = "{short}"',
             'address = "Mal Pelayanan Publik, Jalan Contoh No. 1"', 'phone = "(0361) 000000"',
             'timezone = "Asia/Makassar"', 'maklumat = "Kami siap melayani sesuai standar pelayanan."']
    for i, service in enumerate(SERVICE_NAMES):
        letter = chr(ord("A") + i)
        lines += ["", "[[services]]", f'code = "{letter}"', f"number = {i + 1}", f'slug = "{code}-{letter.lower()}"',
                  f'name = "{service} {short}"', 'requirements = ["Formulir permohonan", "KTP"]',
                  'procedure = ["Ambil nomor antrean", "Serahkan berkas", "Terima hasil"]',
                  f'product = ["Hasil {service.lower()}"]', "", "[services.completion]", 'text = "15 menit."',
                  'steps = [{ label = "Proses", amount = 15, unit = "minutes" }]', "", "[services.fee]",
                  "amount = 0", 'text = "Gratis"']
    return "\n".join(lines) + "\n"


# --- database, CLI, servers ------------------------------------------------------------------------

def create_database(admin_url: str) -> tuple[str, str]:
    """A new, empty database next to the test one (the test database itself is left alone: other test
    runs may be using it). Returns (its URL, its name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"loket_mallday_{os.getpid()}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def die_with_parent() -> None:
    """preexec_fn: SIGTERM when this process dies, so a killed run leaves no server behind."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_process(argv: list[str], env: dict, timeout: float, stdin: str | None = None) -> subprocess.CompletedProcess:
    """A short-lived process in its own group; the whole group is killed if it overruns."""
    proc = subprocess.Popen(argv, env=env, cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=die_with_parent)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


# Runs `loket` commands one after the other in one process, each through the CLI's click group exactly as
# `loket ARGS…` would (new app per command, its output, its exit status).
CLI_BATCH = r"""
import contextlib, io, json, sys
import click
from loket.cli import main
results = []
for args in json.load(sys.stdin):
    buf = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            main.main(args, prog_name="loket", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
    results.append({"args": args, "code": code, "output": buf.getvalue()})
    if code:
        break
print(json.dumps(results))
"""


def setup_installation(cfg: Config, plan: Plan, env: dict, work: Path) -> dict:
    """Schema and data through the CLI; returns the kiosk keys and the counters/services by office."""
    py = sys.executable
    timings = {}
    t = time.monotonic()
    done = run_process([py, "-m", "loket.cli", "db", "upgrade"], env, 300)
    timings["db upgrade"] = time.monotonic() - t
    if done.returncode != 0:
        raise RuntimeError(f"loket db upgrade failed:\n{done.stdout}{done.stderr}"[-3000:])
    standards = work / "standards"
    standards.mkdir()
    commands: list[list[str]] = []
    for code, prefix, short, name in plan.offices:
        path = standards / f"{code}.toml"
        path.write_text(standard_toml(code, short, name), encoding="utf-8")
        commands.append(["office", "add", code, "--name", name, "--prefix", prefix])
        commands.append(["catalogue", "load", str(path), "--office", code, "--prefix", prefix])
    every = [arg for code, *_ in plan.offices for arg in ("--office", code)]
    for kiosk in plan.kiosks:
        commands.append(["office", "kiosk", kiosk, *every, "--name", f"Kios MPP {kiosk}"])
    for display, shown in plan.displays.items():
        commands.append(["office", "display", display, *[a for o in shown for a in ("--office", plan.offices[o][0])],
                         "--name", f"Layar {display}"])
    for code, *_ in plan.offices:
        counters = [a for n in range(1, SERVICES_PER_OFFICE + 1) for a in ("--counter", str(n))]
        commands.append(["officer", "add", f"petugas-{code}", "--office", code, *counters, "--password", PASSWORD])
    for kiosk in plan.kiosks:
        commands.append(["kiosk", "key", kiosk])
    commands.append(["office", "list"])
    t = time.monotonic()
    done = run_process([py, "-c", CLI_BATCH], env, 600, stdin=json.dumps(commands))
    timings["CLI commands"] = time.monotonic() - t
    try:
        results = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"the CLI batch failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}") from None
    failed = [r for r in results if r["code"]]
    if failed or len(results) != len(commands):
        r = failed[0] if failed else results[-1]
        raise RuntimeError(f"loket {' '.join(r['args'])} → exit {r['code']}:\n{r['output'][-2000:]}")
    keys = {r["args"][2]: r["output"].strip().splitlines()[-1] for r in results if r["args"][:2] == ["kiosk", "key"]}
    listing = results[-1]["output"]
    layout = read_layout(env["LOKET_DATABASE_URL"], plan)
    layout["keys"] = keys
    layout["office_list"] = listing
    layout["cli_commands"] = len(commands) + 1
    layout["timings"] = timings
    return layout


def read_layout(db_url: str, plan: Plan) -> dict:
    """Counter ids and the service each serves; office ids; checks the CLI made what was asked."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            offices = {code: (oid, prefix) for oid, code, prefix in conn.execute(text(
                "SELECT id, code, prefix FROM office"))}
            rows = conn.execute(text(
                "SELECT o.code, c.number, c.id, s.code FROM counters c JOIN office o ON o.id = c.office_id "
                "JOIN counter_services cs ON cs.counter_id = c.id JOIN services s ON s.id = cs.service_id "
                "ORDER BY o.position, c.number")).all()
            kiosks = conn.execute(text("SELECT count(*) FROM kiosks")).scalar()
            displays = conn.execute(text("SELECT count(*) FROM displays")).scalar()
    finally:
        engine.dispose()
    wanted = {code for code, *_ in plan.offices}
    if set(offices) != wanted:
        raise RuntimeError(f"offices in the database {sorted(offices)} are not the planned {sorted(wanted)}")
    counters = [{"office": code, "number": number, "id": cid, "service": service}
                for code, number, cid, service in rows]
    if len(counters) != len(wanted) * SERVICES_PER_OFFICE:
        raise RuntimeError(f"{len(counters)} counters, expected {len(wanted) * SERVICES_PER_OFFICE}")
    if kiosks != len(plan.kiosks) or displays != len(plan.displays):
        raise RuntimeError(f"{kiosks} kiosks and {displays} displays, expected {len(plan.kiosks)} and "
                           f"{len(plan.displays)}")
    return {"offices": {code: oid for code, (oid, _) in offices.items()}, "counters": counters}


class Serve:
    """One `loket serve` process (gunicorn master + worker) in its own process group, logging to a file."""

    def __init__(self, index: int, port: int, env: dict, work: Path):
        self.index = index
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = work / f"serve-{index}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "loket.cli", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port)], env=env, cwd=str(ROOT), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=die_with_parent)
        self.rss_max = 0.0
        self.rss_processes = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process tree so far (its live processes)."""
        total = 0
        for pid in _helpers.process_tree(self.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
            except (OSError, IndexError, ValueError):
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def sample_rss(self) -> None:
        mb, count = rss_mb(self.pid)
        if mb > self.rss_max:
            self.rss_max, self.rss_processes = mb, count

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=12)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group (a worker outliving its master), always
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


async def wait_serving(servers: list[Serve], seconds: float = 120) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        for server in servers:
            while True:
                if not server.alive():
                    raise RuntimeError(f"loket serve {server.index} exited:\n{server.tail()}")
                try:  # gunicorn listens before its worker is ready: a first request may wait
                    async with http.get(server.url + STATIC_PATH, timeout=aiohttp.ClientTimeout(total=10)) as r:
                        await r.read()
                        if r.status == 200:
                            break
                except Exception:  # noqa: BLE001 - not listening yet
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"loket serve {server.index} not serving after {seconds} s:\n{server.tail()}")
                await asyncio.sleep(0.2)


async def measure_floor(servers: list[Serve], n: int = 100) -> list[float]:
    """Sequential GETs of a static file on each idle server (no screens yet, no load)."""
    import aiohttp

    times = []
    async with aiohttp.ClientSession() as http:
        for server in servers:
            for i in range(n + 10):
                t = time.perf_counter()
                async with http.get(server.url + STATIC_PATH) as r:
                    await r.read()
                if i >= 10:  # the first ones warm up
                    times.append((time.perf_counter() - t) * 1000)
    return times


# --- the screens: displays and phones (child process) -------------------------------------------

async def _quietly(coro, seconds: float = 5) -> None:
    try:
        await asyncio.wait_for(coro, seconds)
    except Exception:  # noqa: BLE001 - a socket that failed anyway
        pass


def screens_main(conn, setup: dict) -> None:
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    asyncio.run(_screens(conn, setup))


async def _screens(conn, setup: dict) -> None:
    import aiohttp

    urls: list[str] = setup["urls"]
    timeout = setup["timeout"]
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=timeout))
    failures: Tally = Tally()
    drops: Tally = Tally()
    lags: list[float] = []
    displays: dict[str, dict] = {}
    phones: dict[str, dict] = {}  # "<token>#<n>": one open page
    open_phones: list[str] = []  # their keys, oldest first
    pages_of: Tally = Tally()
    sockets: list[Socket] = []
    counts = {"phone_skipped": 0, "phones_closed": 0, "peak_open": 0}

    def ws_url(process: int) -> str:
        return urls[process].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"

    def display_handler(record):
        def on_event(raw: str, now: float) -> None:
            if raw.startswith('42["announce"'):
                number = str((json.loads(raw[2:])[1] or {}).get("number"))
                record["announce"].setdefault(number, []).append(now)
            elif raw.startswith('42["swap"'):
                record["swaps"] += 1
            else:
                record["other"] += 1
        return on_event

    async def open_display(display: str, process: int) -> None:
        record = {"process": process, "announce": {}, "swaps": 0, "other": 0, "joined_at": None}
        sock = None
        try:
            async with http.get(urls[process] + f"/display/{display}") as r:
                await r.read()
                if r.status != 200:
                    raise ConnectionError(f"display page HTTP {r.status}")
            sock = Socket(http, ws_url(process), timeout, display_handler(record), drops)
            sockets.append(sock)
            await sock.connect([f"display:{display}"])
            record["joined_at"] = sock.joined_at
            record["sock"] = sock
            displays[display] = record
        except Exception as exc:  # noqa: BLE001 - counted by kind
            failures[f"display connect: {type(exc).__name__}: {exc}"[:120]] += 1
            if sock is not None:
                await _quietly(sock.close())

    def phone_handler(record):
        def on_event(raw: str, now: float) -> None:
            record["events"] += 1
            if raw.startswith('42["ticket.'):
                name, payload = json.loads(raw[2:])[:2]
                payload = payload or {}
                if "service_id" not in payload and payload.get("number") == record["number"]:
                    record["own"].append((name, payload.get("state"), now))  # the ticket room's own payload
                    if name in FINAL:
                        record["final"] = True
        return on_event

    async def open_phone(token: str, path: str, number: str, process: int) -> None:
        if len(open_phones) >= setup["phones"]:
            done = next((k for k in open_phones if phones[k]["final"]), None)
            if done is None:
                counts["phone_skipped"] += 1
                return
            open_phones.remove(done)
            old = phones[done]
            old["closed_at"] = time.monotonic()
            counts["phones_closed"] += 1
        else:
            old = None
        key = f"{token}#{pages_of[token]}"
        pages_of[token] += 1
        record = {"token": token, "number": number, "process": process, "joined_at": None, "closed_at": None,
                  "own": [], "events": 0, "final": False}
        phones[key] = record
        open_phones.append(key)  # before any await: the pages opening at the same time see it
        counts["peak_open"] = max(counts["peak_open"], len(open_phones))
        if old is not None and old.get("sock") is not None:
            await old.pop("sock").close()
        try:
            async with http.get(urls[process] + path) as r:  # the page the QR code opens
                page = await r.text()
                if r.status != 200:
                    raise ConnectionError(f"ticket page HTTP {r.status}")
            rooms = re.search(r'data-rooms="([^"]*)"', page).group(1).split()
            sock = Socket(http, ws_url(process), timeout, phone_handler(record), drops)
            record["sock"] = sock
            await sock.connect(rooms)
            record["joined_at"] = sock.joined_at
        except Exception as exc:  # noqa: BLE001
            failures[f"phone connect: {type(exc).__name__}: {exc}"[:120]] += 1
            record["failed"] = True
            if key in open_phones:
                open_phones.remove(key)
            if record.get("sock") is not None:
                await _quietly(record.pop("sock").close())

    async def lag_probe():
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append((time.monotonic() - t - 0.05) * 1000)

    started = time.monotonic()
    batch = list(setup["displays"].items())
    for i in range(0, len(batch), 25):
        await asyncio.gather(*(open_display(d, p) for d, p in batch[i:i + 25]))
    conn.send({"displays": len(displays), "failures": dict(failures), "seconds": time.monotonic() - started})

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue = asyncio.Queue()

    def reader() -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                msg = ("stop",)
            loop.call_soon_threadsafe(inbox.put_nowait, msg)
            if msg[0] == "stop":
                return

    threading.Thread(target=reader, daemon=True).start()
    probe = asyncio.create_task(lag_probe())
    pending: set[asyncio.Task] = set()
    gate = asyncio.Semaphore(20)  # phones opening at once

    async def gated(*args):
        async with gate:
            await open_phone(*args)

    while True:
        msg = await inbox.get()
        if msg[0] == "stop":
            break
        task = asyncio.create_task(gated(*msg[1:]))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=30)
    probe.cancel()
    still = sum(1 for r in displays.values() if r["sock"].connected) + \
        sum(1 for t in open_phones if phones[t].get("sock") and phones[t]["sock"].connected)
    result = {
        "displays": {d: {k: v for k, v in r.items() if k != "sock"} for d, r in displays.items()},
        "phones": [{k: v for k, v in r.items() if k != "sock"} for r in phones.values()],
        "failures": dict(failures), "drops": dict(drops), "still_connected": still,
        "open_at_end": len(open_phones), **counts,
        "lag_p99": pct(lags, 99), "lag_max": max(lags) if lags else None,
    }
    for s in sockets:
        s.closing = True
    for r in phones.values():
        if r.get("sock"):
            r["sock"].closing = True
    conn.send(result)
    closers = [s.close() for s in sockets] + [r["sock"].close() for r in phones.values() if r.get("sock")]
    try:
        await asyncio.wait_for(asyncio.gather(*closers, return_exceptions=True), 20)
    except Exception:  # noqa: BLE001 - the servers are stopped next anyway
        pass
    await http.close()


# --- the day (main process) ------------------------------------------------------------------------

class Errors:
    def __init__(self):
        self.kinds: Tally = Tally()

    def add(self, kind: str, n: int = 1) -> None:
        if n:
            self.kinds[kind[:160]] += n

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
WORKSPACE = re.compile(r'id="workspace"[^>]*?data-ticket="(\d*)"[^>]*?data-number="([^"]*)"', re.S)


async def login(http, server: Serve, username: str, counter_id: int) -> str:
    """Log in through the form (its CSRF token) and open a counter page; returns the page's CSRF token
    (what its htmx buttons send). The cookies are 127.0.0.1's: the same login works on every port."""
    async with http.get(server.url + "/login") as r:
        form = await r.text()
    token = CSRF_INPUT.search(form).group(1)
    async with http.post(server.url + "/login", data={"username": username, "password": PASSWORD,
                                                      "csrf_token": token}) as r:
        await r.read()
        if r.status != 200 or r.url.path.startswith("/login"):
            raise RuntimeError(f"login of {username} failed (HTTP {r.status} at {r.url.path})")
    async with http.get(server.url + f"/counter/{counter_id}") as r:
        page = await r.text()
        if r.status != 200:
            raise RuntimeError(f"counter page {counter_id} HTTP {r.status}")
    return CSRF_META.search(page).group(1)


async def run_day(cfg: Config, plan: Plan, layout: dict, servers: list[Serve], conn, errors: Errors) -> dict:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    issued: list[dict] = []
    issue_ms: list[float] = []
    calls: list[dict] = []  # number, office, sent, ms, counter, process
    closes: list[dict] = []
    call_ms: list[float] = []
    close_ms: list[float] = []
    probe_ms: list[float] = []
    stats = {"empty_calls": 0, "schedule_late_max": 0.0, "login_s": None}
    waiting: Tally = Tally()
    ready: dict[tuple[str, str], asyncio.Event] = {}
    for c in layout["counters"]:
        ready[(c["office"], c["service"])] = asyncio.Event()

    # Officers: one browser per office, logged in once (on the processes in turn).
    started = time.monotonic()
    sessions: dict[str, tuple] = {}

    async def officer_login(i: int, code: str) -> None:
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout)
        first = next(c for c in layout["counters"] if c["office"] == code)
        try:
            csrf = await login(http, servers[i % len(servers)], f"petugas-{code}", first["id"])
        except BaseException:
            await http.close()
            raise
        sessions[code] = (http, csrf)

    try:
        await asyncio.gather(*(officer_login(i, code) for i, (code, *_) in enumerate(plan.offices)))
        stats["login_s"] = time.monotonic() - started
        kiosk_http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100), timeout=timeout)
        probe_http = aiohttp.ClientSession(timeout=timeout)
        cpu_start = [s.cpu_seconds() for s in servers]
        opening = time.monotonic()
        closing = opening + plan.seconds

        async def issue(a: Arrival) -> None:
            code = plan.offices[a.office][0]
            server = servers[a.process]
            body = {"service": a.service, "office": code, "kiosk": a.kiosk}
            t = time.monotonic()
            try:
                async with kiosk_http.post(server.url + "/api/v1/tickets", json=body,
                                           headers={"X-Kiosk-Key": layout["keys"][a.kiosk]}) as r:
                    text = await r.text()
                    status = r.status
            except Exception as exc:  # noqa: BLE001
                errors.add(f"issue {type(exc).__name__}")
                return
            if status != 201:
                errors.add(f"issue HTTP {status}: {text[:80]}")
                return
            issue_ms.append((time.monotonic() - t) * 1000)
            data = json.loads(text)
            issued.append({"number": data["number"], "token": data["token"], "office": code, "service": a.service,
                           "process": a.process, "at": t - opening, "ms": issue_ms[-1]})
            waiting[(code, a.service)] += 1
            ready[(code, a.service)].set()
            for process in a.phone_processes:
                conn.send(("phone", data["token"], urlsplit(data["url"]).path, data["number"], process))

        async def schedule() -> None:
            tasks = []
            for a in plan.arrivals:
                delay = opening + a.at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    stats["schedule_late_max"] = max(stats["schedule_late_max"], -delay)
                tasks.append(asyncio.create_task(issue(a)))
            await asyncio.gather(*tasks)

        async def counter(index: int, c: dict) -> None:
            http, csrf = sessions[c["office"]]
            server = servers[index % len(servers)]
            path = f"{server.url}/counter/{c['id']}"
            headers = {"HX-Request": "true", "X-CSRFToken": csrf}
            key = (c["office"], c["service"])
            office_index = next(i for i, o in enumerate(plan.offices) if o[0] == c["office"])
            mean = plan.mean_service[office_index]
            crng = random.Random(cfg.seed * 1000 + index)
            while time.monotonic() < closing:
                if waiting[key] <= 0:  # the desk's live waiting count shows nobody
                    while waiting[key] <= 0:
                        ready[key].clear()
                        try:
                            await asyncio.wait_for(ready[key].wait(), max(0.01, closing - time.monotonic()))
                        except asyncio.TimeoutError:
                            return
                    # an idle officer notices the new visitor on the desk and clicks "call"
                    await asyncio.sleep(max(0.0, min(crng.uniform(1.0, 3.0), closing - time.monotonic())))
                waiting[key] -= 1
                sent = time.monotonic()
                try:
                    async with http.post(path + "/call", headers=headers) as r:
                        body = await r.text()
                        status = r.status
                except Exception as exc:  # noqa: BLE001
                    errors.add(f"call {type(exc).__name__}")
                    continue
                call_ms.append((time.monotonic() - sent) * 1000)
                match = WORKSPACE.search(body) if status == 200 else None
                if status != 200:
                    errors.add(f"call HTTP {status}: {body[:80]}")
                    continue
                if match is None or not match.group(1):
                    stats["empty_calls"] += 1
                    continue
                ticket_id, number = match.group(1), match.group(2)
                calls.append({"number": number, "office": c["office"], "sent": sent, "counter": c["id"],
                              "process": server.index})
                gap = crng.uniform(0.3, 1.0)  # the next visitor walks up
                serve = max(0.2, mean * crng.uniform(0.5, 1.5) - gap)
                await asyncio.sleep(max(0.0, min(serve, closing - time.monotonic())))
                t = time.monotonic()
                try:
                    async with http.post(path + "/close", headers=headers, data={"ticket": ticket_id}) as r:
                        body = await r.text()
                        status = r.status
                except Exception as exc:  # noqa: BLE001
                    errors.add(f"close {type(exc).__name__}")
                    continue
                close_ms.append((time.monotonic() - t) * 1000)
                if status != 200:
                    errors.add(f"close HTTP {status}: {body[:80]}")
                    continue
                closes.append({"number": number, "sent": t})
                await asyncio.sleep(max(0.0, min(gap, closing - time.monotonic())))

        async def probe() -> None:
            i = 0
            while time.monotonic() < closing:
                server = servers[i % len(servers)]
                i += 1
                t = time.perf_counter()
                try:
                    async with probe_http.get(server.url + STATIC_PATH) as r:
                        await r.read()
                        if r.status == 200:
                            probe_ms.append((time.perf_counter() - t) * 1000)
                        else:
                            errors.add(f"static HTTP {r.status}")
                except Exception as exc:  # noqa: BLE001
                    errors.add(f"static {type(exc).__name__}")
                await asyncio.sleep(0.2)

        async def sample_rss() -> None:
            while time.monotonic() < closing:
                for server in servers:
                    server.sample_rss()
                await asyncio.sleep(2)

        async def progress() -> None:
            while time.monotonic() < closing - 1:
                await asyncio.sleep(min(30.0, closing - time.monotonic()))
                if not cfg.quiet:
                    print(f"   {time.monotonic() - opening:5.0f} s: {len(issued)} issued, {len(calls)} called, "
                          f"{sum(waiting.values())} waiting, errors {errors.total}", flush=True)

        try:
            await asyncio.gather(schedule(), probe(), sample_rss(), progress(),
                                 *(counter(i, c) for i, c in enumerate(layout["counters"])))
        finally:
            await kiosk_http.close()
            await probe_http.close()
        elapsed = time.monotonic() - opening
        stats["server_cpu_s"] = [max(0.0, s.cpu_seconds() - c) for s, c in zip(servers, cpu_start)]  # 0: died
        for server in servers:
            server.sample_rss()
        return {"issued": issued, "issue_ms": issue_ms, "calls": calls, "closes": closes, "call_ms": call_ms,
                "close_ms": close_ms, "probe_ms": probe_ms, "elapsed": elapsed, "opening": opening, **stats}
    finally:
        for http, _ in sessions.values():
            await http.close()


# --- checks and figures --------------------------------------------------------------------------

def db_tickets(db_url: str) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT t.number, t.token, t.state, o.code AS office, "
                "(SELECT count(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'called') AS called "
                "FROM tickets t JOIN office o ON o.id = t.office_id ORDER BY t.id")).mappings().all()
    finally:
        engine.dispose()
    return [dict(r) for r in rows]


def analyse(plan: Plan, day: dict, screens: dict, tickets: list[dict], errors: Errors) -> dict:
    out: dict = {}
    # the database against what the kiosks were told
    numbers = [t["number"] for t in tickets]
    duplicates = [n for n, k in Tally(numbers).items() if k > 1]
    errors.add("duplicate ticket numbers in the database", len(duplicates))
    by_token = {t["token"]: t for t in tickets}
    answered = {d["token"]: d["number"] for d in day["issued"]}
    errors.add("issued ticket missing from the database or with another number",
               sum(1 for tok, num in answered.items() if by_token.get(tok, {}).get("number") != num))
    errors.add("ticket in the database that no kiosk was answered", sum(1 for tok in by_token if tok not in answered))
    states = Tally(t["state"] for t in tickets)
    errors.add("ticket neither waiting nor called/serving/done",
               sum(k for s, k in states.items() if s not in ("waiting", "called", "serving", "done")))
    called_numbers = {c["number"] for c in day["calls"]}
    errors.add("ticket called twice", sum(1 for t in tickets if t["called"] > 1))
    errors.add("calls answered vs. calls in the database differ",
               abs(len(day["calls"]) - sum(t["called"] for t in tickets)))
    closed = {c["number"] for c in day["closes"]}
    errors.add("closed ticket not done in the database", sum(1 for t in tickets if t["number"] in closed
                                                             and t["state"] != "done"))
    out["states"] = dict(states)
    out["duplicates"] = duplicates

    # displays: every call announced on every display showing its office
    code_index = {o[0]: i for i, o in enumerate(plan.offices)}
    displays = screens["displays"]
    deliveries, missing = [], 0
    by_fifth: list[list[float]] = [[] for _ in range(5)]
    for call in day["calls"]:
        office = code_index[call["office"]]
        for display, shown in plan.displays.items():
            if office not in shown:
                continue
            record = displays.get(display)
            if record is None:
                continue  # never connected: already an error
            got = record["announce"].get(call["number"])
            if not got:
                missing += 1
                continue
            deliveries.append((min(got) - call["sent"]) * 1000)
            fifth = min(4, int((call["sent"] - day["opening"]) * 5 / plan.seconds))
            by_fifth[fifth].append(deliveries[-1])
    errors.add("announce missing on a display showing the office", missing)
    out["screen_ms"] = deliveries
    out["screen_p50_by_fifth"] = [pct(v, 50) for v in by_fifth]
    issue_fifths: list[list[float]] = [[] for _ in range(5)]
    for d in day["issued"]:
        issue_fifths[min(4, int(d["at"] * 5 / plan.seconds))].append(d["ms"])
    out["issue_p50_by_fifth"] = [pct(v, 50) for v in issue_fifths]
    mine = called_numbers
    out["display_events"] = sum(r["swaps"] + r["other"] + sum(len(v) for v in r["announce"].values())
                                for r in displays.values())
    out["display_announces"] = sum(len(v) for r in displays.values() for n, v in r["announce"].items() if n in mine)
    out["display_swaps"] = sum(r["swaps"] for r in displays.values())
    # a second delivery of one call (display.js would drop it by its id): shown, not an error
    out["display_duplicates"] = sum(len(v) - 1 for r in displays.values() for n, v in r["announce"].items()
                                    if n in mine)

    # phones: an open page gets its own ticket's call and close
    phones: dict[str, list[dict]] = {}
    for p in screens["phones"]:
        if p.get("joined_at") is not None:
            phones.setdefault(p["token"], []).append(p)
    token_of = {d["number"]: d["token"] for d in day["issued"]}
    missing_phone, expected_phone = 0, 0
    phone_ms = []
    for kind, name, items in (("call", "ticket.called", day["calls"]), ("close", "ticket.closed", day["closes"])):
        for item in items:
            for phone in phones.get(token_of.get(item["number"]), []):
                if phone["joined_at"] >= item["sent"]:
                    continue  # opened after the event was sent: its page shows the state it loaded
                expected_phone += 1
                got = [t for n, _, t in phone["own"] if n == name]
                if not got:
                    missing_phone += 1
                elif kind == "call":
                    phone_ms.append((min(got) - item["sent"]) * 1000)
    errors.add("own ticket event missing on an open phone page", missing_phone)
    out["phone_expected"] = expected_phone
    out["phone_ms"] = phone_ms
    out["phone_events"] = sum(p["events"] for p in screens["phones"])
    out["phone_own_events"] = sum(len(p["own"]) for p in screens["phones"])
    out["phones_opened"] = sum(len(v) for v in phones.values())
    for kind, n in screens["failures"].items():
        errors.add(kind, n)
    for reason, n in screens["drops"].items():
        errors.add(f"socket dropped ({reason})", n)
    return out


def summarise(cfg: Config, plan: Plan, r: dict) -> str:
    day, a = r["day"], r["analysis"]
    floor = r["floor_p50"]

    def ratio(value):
        return f"{value / floor:.0f}×" if value is not None and floor else "–"

    issue_p50, call_p50, screen_p50 = pct(day["issue_ms"], 50), pct(day["call_ms"], 50), pct(a["screen_ms"], 50)
    lines = [
        f"Mall day: {len(plan.offices)} offices, {len(plan.offices) * SERVICES_PER_OFFICE} counters, "
        f"{len(plan.kiosks)} kiosks, {len(plan.displays)} displays, up to {cfg.phones} phone pages; "
        f"{cfg.processes} `loket serve` processes on PostgreSQL + Redis; day {plan.seconds:.0f} s "
        f"(load phase {day['elapsed']:.1f} s), {os.cpu_count()} CPUs shared by servers and clients",
        f"tickets issued      {len(day['issued'])} of {len(plan.arrivals)} planned; issue p50 {fmt(issue_p50)} ms, "
        f"p99 {fmt(pct(day['issue_ms'], 99))} ms; busiest tenth of the day {r['peak_tenth']} tickets "
        f"({r['peak_tenth'] / (plan.seconds / 10):.1f}/s, day average {len(day['issued']) / plan.seconds:.1f}/s); "
        f"scheduler late by at most {day['schedule_late_max'] * 1000:.0f} ms",
        f"calls               {len(day['calls'])} (HTTP p50 {fmt(call_p50)} ms, "
        f"p99 {fmt(pct(day['call_ms'], 99))} ms), "
        f"closes {len(day['closes'])} (p50 {fmt(pct(day['close_ms'], 50))} ms); {day['empty_calls']} empty calls; "
        f"end states {a['states']}",
        f"events delivered    displays {a['display_events']} ({a['display_announces']} announces, "
        f"{a['display_duplicates']} of them twice, "
        f"{a['display_swaps']} board swaps); phones {a['phone_events']} ({a['phone_own_events']} on their own "
        f"ticket); phone pages opened {a['phones_opened']}, peak open {r['screens']['peak_open']}, "
        f"closed to make room {r['screens']['phones_closed']}, tickets without a page {r['screens']['phone_skipped']}",
        f"call-to-screen      p50 {fmt(screen_p50)} ms, p99 {fmt(pct(a['screen_ms'], 99))} ms over "
        f"{len(a['screen_ms'])} display deliveries; call-to-phone p50 {fmt(pct(a['phone_ms'], 50))} ms, "
        f"p99 {fmt(pct(a['phone_ms'], 99))} ms over {len(a['phone_ms'])}",
        "by fifth of the day issue p50 " + " / ".join(fmt(v, 0) for v in a["issue_p50_by_fifth"])
        + " ms; call-to-screen p50 " + " / ".join(fmt(v, 0) for v in a["screen_p50_by_fifth"]) + " ms",
        f"floor               static GET p50 {fmt(floor, 2)} ms idle, {fmt(pct(day['probe_ms'], 50))} ms under load; "
        f"issue p50 {ratio(issue_p50)}, call HTTP p50 {ratio(call_p50)}, call-to-screen p50 {ratio(screen_p50)} "
        f"the floor",
        "RSS per process     " + ", ".join(f"#{s['index']} {s['rss_mb']:.0f} MB ({s['processes']} proc.)"
                                           for s in r["servers"])
        + f"; largest {max(s['rss_mb'] for s in r['servers']):.0f} MB",
        "servers' CPU        " + ", ".join(f"#{i} {c:.0f} s" for i, c in enumerate(day["server_cpu_s"]))
        + f" during the day: {sum(day['server_cpu_s']) / max(1, len(day['issued'])) * 1000:.0f} ms per ticket "
        f"(issue, call, close, screens and phones included)",
        f"screens process     loop lag p99 {fmt(r['screens']['lag_p99'])} ms; setup {r['setup_s']:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in r["setup_timings"].items())
        + f"; {r['cli_commands']} CLI commands), officers' login {fmt(day['login_s'])} s",
        f"errors              {r['errors']}" + (": " + "; ".join(f"{k} ×{v}" for k, v in r["error_kinds"].items())
                                                if r["errors"] else ""),
    ]
    return "\n".join(lines)


# --- the run ----------------------------------------------------------------------------------------

def run(cfg: Config) -> dict:
    """The whole run; returns the figures (with `errors`), never leaves a process or database behind."""
    cfg.sized()
    if not cfg.postgres or not cfg.redis:
        raise SystemExit("PostgreSQL and Redis URLs are needed: --postgres/--redis or LOKET_TEST_POSTGRES_URL/"
                         "LOKET_TEST_REDIS_URL (source scripts/services.sh)")
    raise_nofile()
    say = (lambda *a: None) if cfg.quiet else (lambda *a: print(*a, flush=True))
    plan = make_plan(cfg)
    errors = Errors()
    work = Path(tempfile.mkdtemp(prefix="loket-mallday-"))
    servers: list[Serve] = []
    screens = None
    parent_conn = None
    db_name = None
    result: dict = {"config": asdict(cfg), "errors": None}
    try:
        t0 = time.monotonic()
        db_url, db_name = create_database(cfg.postgres)
        env = {**os.environ, "LOKET_INSTANCE": str(work / "instance"), "LOKET_DATABASE_URL": db_url,
               "LOKET_REDIS_URL": cfg.redis, "LOKET_SECRET_KEY": SECRET, "LOKET_OFFICE_HOURS": "24/7",
               # the limiter counts in Redis as in production, with limits no honest kiosk reaches
               "LOKET_ISSUE_RATE_LIMIT": "100000/minute", "LOKET_LOGIN_RATE_LIMIT": "100000/minute",
               "LOKET_BACKUP_KEEP_DAYS": "0", "LOKET_HOLIDAY_COUNTRY": "", "LOKET_LOG_LEVEL": "warning",
               "PYTHONUNBUFFERED": "1"}
        say(f"setup: database {db_name}, {len(plan.offices)} offices, {len(plan.kiosks)} kiosks, "
            f"{len(plan.displays)} displays, {len(plan.arrivals)} tickets planned over {plan.seconds:.0f} s")
        layout = setup_installation(cfg, plan, env, work)
        result["cli_commands"] = layout["cli_commands"]
        result["setup_timings"] = layout["timings"]
        t = time.monotonic()
        ports = [free_port() for _ in range(cfg.processes)]
        env["LOKET_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports[0]}"
        for i in range(cfg.processes):
            servers.append(Serve(i, ports[i], env, work))
        run_async(wait_serving(servers))
        result["setup_timings"]["servers start"] = time.monotonic() - t
        result["setup_s"] = time.monotonic() - t0
        floor = run_async(measure_floor(servers))
        result["floor_p50"] = statistics.median(floor)
        say(f"   {cfg.processes} processes serving ({', '.join(s.url for s in servers)}) after "
            f"{result['setup_s']:.1f} s; static GET p50 {result['floor_p50']:.2f} ms")

        ctx = multiprocessing.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe()
        display_process = {d: i % cfg.processes for i, d in enumerate(plan.displays)}
        screens = ctx.Process(target=screens_main, args=(child_conn, {
            "urls": [s.url for s in servers], "displays": display_process, "phones": cfg.phones, "timeout": 30,
        }), daemon=True)
        screens.start()
        if not parent_conn.poll(120):
            raise RuntimeError("the screens process did not report back")
        hello = parent_conn.recv()
        say(f"   {hello['displays']}/{len(plan.displays)} displays connected in {hello['seconds']:.1f} s")
        if hello["displays"] != len(plan.displays):
            raise RuntimeError(f"displays failed to connect: {hello['failures']}")

        say(f"day: {plan.seconds:.0f} s")
        day = run_async(run_day(cfg, plan, layout, servers, parent_conn, errors))
        say(f"   day over: {len(day['issued'])} issued, {len(day['calls'])} calls; settling {cfg.settle:.0f} s")
        time.sleep(cfg.settle)
        for server in servers:
            server.sample_rss()
        parent_conn.send(("stop",))
        if not parent_conn.poll(120):
            raise RuntimeError("the screens process did not report its receipts")
        screens_result = parent_conn.recv()
        for server in servers:
            if not server.alive():
                errors.add(f"loket serve #{server.index} died")
        tickets = db_tickets(db_url)
        analysis = analyse(plan, day, screens_result, tickets, errors)
        tenths = Tally(min(9, int(d["at"] * 10 / plan.seconds)) for d in day["issued"])
        result.update(day=day, analysis=analysis, screens={k: v for k, v in screens_result.items()
                                                           if k not in ("displays", "phones")},
                      screen_receipts={"displays": screens_result["displays"], "phones": screens_result["phones"]},
                      tickets=tickets, peak_tenth=max(tenths.values()) if tenths else 0)
    except BaseException as exc:
        errors.add(f"run failed: {type(exc).__name__}: {exc}"[:300])
        result["failed"] = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, Exception):
            raise
    finally:
        if screens is not None:
            screens.join(timeout=30)
            if screens.is_alive():
                screens.kill()
                screens.join(timeout=5)
        stoppers = [threading.Thread(target=s.stop) for s in servers]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(30)
        result["servers"] = []
        for s in servers:
            text = s.text()
            tracebacks = text.count("Traceback")
            errors.add(f"traceback in loket serve #{s.index}'s log", tracebacks)
            result["servers"].append({"index": s.index, "url": s.url, "rss_mb": s.rss_max, "processes": s.rss_processes,
                                      "tracebacks": tracebacks, "log_tail": s.tail(30) if tracebacks else ""})
        if db_name is not None and not cfg.keep:
            try:
                drop_database(cfg.postgres, db_name)
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop database {db_name}: {exc}", file=sys.stderr)
        if cfg.keep:
            print(f"kept: {work} (server logs, instance) and database {db_name}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["errors"] = errors.total
    result["error_kinds"] = dict(errors.kinds)
    result["plan"] = plan
    return result


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True) if url else url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--processes", type=int, default=3, help="`loket serve` processes (default 3)")
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the compressed day (default 3)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies offices (20), kiosks (30), displays (50), phones (1000), tickets")
    parser.add_argument("--offices", type=int, default=None)
    parser.add_argument("--kiosks", type=int, default=None)
    parser.add_argument("--displays", type=int, default=None)
    parser.add_argument("--phones", type=int, default=None, help="phone ticket pages open at most at once")
    parser.add_argument("--tickets", type=int, default=None,
                        help=f"tickets in the day (default {Config.tickets_per_3_minutes} × scale × minutes / 3)")
    parser.add_argument("--settle", type=float, default=Config.settle, help="seconds to wait for the last events")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("LOKET_TEST_POSTGRES_URL", ""),
                        help="a PostgreSQL URL; a fresh database is created next to it (default "
                             "$LOKET_TEST_POSTGRES_URL)")
    parser.add_argument("--redis", default=os.environ.get("LOKET_TEST_REDIS_URL", ""),
                        help="a Redis URL (default $LOKET_TEST_REDIS_URL)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (server logs) and the database")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    cfg = Config(postgres=args.postgres, redis=args.redis, processes=args.processes, minutes=args.minutes,
                 scale=args.scale, offices=args.offices, kiosks=args.kiosks, displays=args.displays,
                 phones=args.phones, tickets=args.tickets, settle=args.settle, seed=args.seed, keep=args.keep)
    if cfg.processes < 1:
        parser.error("--processes must be at least 1")

    def on_term(_sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    print(f"python {' '.join(sys.argv)}; nofile {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, "
          f"{os.cpu_count()} CPUs", flush=True)
    try:
        result = run(cfg)
    except KeyboardInterrupt:
        print("\ninterrupted; every process started was stopped", flush=True)
        sys.exit(130)
    plan = result["plan"]
    print()
    if result.get("day"):
        print(summarise(cfg, plan, result))
    else:
        print(f"FAILED: {result.get('failed')}\nerrors: {result['error_kinds']}")
        for s in result.get("servers", []):
            if s["log_tail"]:
                print(f"--- loket serve #{s['index']} log tail:\n{s['log_tail']}")
    for s in result.get("servers", []):
        if s["tracebacks"] and result.get("day"):
            print(f"--- loket serve #{s['index']} log tail:\n{s['log_tail']}")
    if args.json:
        day, a = result.get("day") or {}, result.get("analysis") or {}
        figures = {
            "config": {**result["config"], "postgres": _masked(result["config"]["postgres"])},
            "errors": result["errors"], "error_kinds": result["error_kinds"],
            "issued": len(day.get("issued", [])), "calls": len(day.get("calls", [])),
            "closes": len(day.get("closes", [])), "issue_p50_ms": pct(day.get("issue_ms", []), 50),
            "issue_p99_ms": pct(day.get("issue_ms", []), 99), "call_p50_ms": pct(day.get("call_ms", []), 50),
            "call_p99_ms": pct(day.get("call_ms", []), 99), "screen_p50_ms": pct(a.get("screen_ms", []), 50),
            "screen_p99_ms": pct(a.get("screen_ms", []), 99), "display_events": a.get("display_events"),
            "phone_events": a.get("phone_events"), "floor_p50_ms": result.get("floor_p50"),
            "probe_p50_ms": pct(day.get("probe_ms", []), 50), "states": a.get("states"),
            "rss_mb": [s["rss_mb"] for s in result.get("servers", [])],
        }
        Path(args.json).write_text(json.dumps(figures, indent=2))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
