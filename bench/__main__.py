"""`python -m bench`: Loket's speed on this machine, each figure against a floor measured in the same run.

Loket is the real production server (`loket serve`: gunicorn with one gevent-websocket worker) on a
fresh instance (SQLite; PostgreSQL + Redis with --postgres/--redis). The floors are served the same way
(bench/floors.py): a bare Flask app that inserts one row per ticket, and a bare python-socketio server
that emits one event of the size of Loket's `ticket.called` frame. Measures (`--only` names):

  issue    POST /api/v1/tickets latency at 1 and 20 closed-loop clients, throughput at 20
  kiosk    the kiosk's "take ticket" flow (home, service page, form with CSRF token, confirmation), 20 clients
  screens  call-to-screen: officer's "call next" to every Socket.IO client in the office room having it;
           a burst of calls after each size: missed and out-of-order events (per client) must be 0
  officer  the officer's "call next" request itself, with few and with many screens connected
  day      issue p50 at the start of the day and after 5,000 tickets (issued through the API)
  rss      the server's memory (process tree): at start, after 10,000 tickets, with 1,000 screens
  pages    page weight (Chrome: bytes on the wire, requests, external hosts; warm second visit)

Each figure is the median of --rounds rounds (the day and RSS figures: one day). Targets are issue 13's;
a missed target is reported, not fatal. Exit 1 on an error (a server that did not start, a failed
request, a missed or out-of-order event, a traceback in a server's log).

    python -m bench                          # the full run (about 10 minutes on 2 cores)
    python -m bench --quick                  # seconds: small counts, one round
    python -m bench --only issue,kiosk --rounds 5
    python -m bench --postgres URL --redis URL
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bench import measures, pages
from bench.measures import API_ISSUE, FLOOR_ISSUE, BenchError, Lab
from bench.screens import Screens
from bench.servers import OFFICER, pct, raise_nofile

MEASURES = ("issue", "kiosk", "screens", "officer", "day", "rss", "pages")
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Sizes:
    rounds: int
    seconds_1: float  # issuing with one client, per round
    seconds_20: float  # issuing with 20 clients, per round
    flow_seconds: float  # the kiosk flow with 20 clients, per round
    screens: tuple[int, ...]  # connected clients, growing
    calls: int  # calls per round at each size
    sample: int  # sequential tickets for the day's p50 figures
    middle: int  # the day's second p50 after this many tickets
    end: int  # the day's RSS after this many tickets


FULL = Sizes(rounds=3, seconds_1=3, seconds_20=5, flow_seconds=5, screens=(10, 200, 1000), calls=20, sample=200,
             middle=5000, end=10000)
QUICK = Sizes(rounds=1, seconds_1=1, seconds_20=1.5, flow_seconds=1.5, screens=(10, 50), calls=4, sample=20,
              middle=100, end=200)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def medians(rounds: list[dict]) -> dict:
    """Each number's median over the rounds."""
    return {key: median([r[key] for r in rounds]) for key, value in rounds[0].items()
            if isinstance(value, (int, float)) or value is None}


def ratio(a, b):
    return a / b if a is not None and b else None


class Report:
    def __init__(self):
        self.rows: list[dict] = []
        self.details: dict = {}
        self.errors: dict[str, int] = {}
        self.notes: list[str] = []

    def row(self, measure: str, name: str, loket, floor=None, *, target: str = "", met: bool | None = None) -> None:
        self.rows.append({"measure": measure, "name": name, "loket": loket, "floor": floor,
                          "ratio": ratio(loket, floor), "target": target or None, "met": met})

    def error(self, kind: str, count: int = 1) -> None:
        if count:
            self.errors[kind] = self.errors.get(kind, 0) + count


# --- the groups of measures, each on fresh servers -----------------------------------------------------

def issue_and_kiosk(lab: Lab, sizes: Sizes, selected: set[str], report: Report) -> None:
    loket = lab.loket("loket-issue")
    floor = lab.floor("http_app", "floor-http")
    codes = asyncio.run(measures.service_codes(loket.url))
    loket_issue = measures.issuer(loket.url, API_ISSUE, codes)
    floor_issue = measures.issuer(floor.url, FLOOR_ISSUE, codes)
    loket_flow, floor_flow = measures.loket_flow(loket.url, codes), measures.floor_flow(floor.url)

    async def warm_up():  # first requests import and compile templates: not part of any figure
        for target, one, flow in ((loket, loket_issue, loket_flow), (floor, floor_issue, floor_flow)):
            await measures.closed_loop(1, one, total=10, errors=target.errors)
            await measures.closed_loop(2, flow, total=4, errors=target.errors)

    asyncio.run(warm_up())
    rounds: dict[str, list] = {"issue": [], "issue_floor": [], "kiosk": [], "kiosk_floor": []}
    for n in range(sizes.rounds):
        print(f"  round {n + 1}/{sizes.rounds}", flush=True)
        if "issue" in selected:
            durations = (sizes.seconds_1, sizes.seconds_20)
            rounds["issue"].append(asyncio.run(measures.issue_round(loket, loket_issue, *durations)))
            rounds["issue_floor"].append(asyncio.run(measures.issue_round(floor, floor_issue, *durations)))
        if "kiosk" in selected:
            rounds["kiosk"].append(asyncio.run(measures.flow_round(loket, loket_flow, sizes.flow_seconds)))
            rounds["kiosk_floor"].append(asyncio.run(measures.flow_round(floor, floor_flow, sizes.flow_seconds)))
    if "issue" in selected:
        mine, base = medians(rounds["issue"]), medians(rounds["issue_floor"])
        report.details["issue"] = {"loket_rounds": rounds["issue"], "floor_rounds": rounds["issue_floor"]}
        report.row("issue", "issue p50, 1 client (ms)", mine["p50_1"], base["p50_1"])
        report.row("issue", "issue p99, 1 client (ms)", mine["p99_1"], base["p99_1"])
        report.row("issue", "issue p50, 20 clients (ms)", mine["p50_20"], base["p50_20"])
        report.row("issue", "issue p99, 20 clients (ms)", mine["p99_20"], base["p99_20"], target="≤ 2× floor",
                   met=_le(mine["p99_20"], 2 * base["p99_20"]))
        report.row("issue", "issue throughput, 20 clients (tickets/s)", mine["throughput_20"], base["throughput_20"],
                   target="≥ 0.5× floor", met=_ge(mine["throughput_20"], 0.5 * base["throughput_20"]))
    if "kiosk" in selected:
        mine, base = medians(rounds["kiosk"]), medians(rounds["kiosk_floor"])
        report.details["kiosk"] = {"loket_rounds": rounds["kiosk"], "floor_rounds": rounds["kiosk_floor"]}
        report.row("kiosk", "kiosk flow p50, 20 clients (ms)", mine["p50"], base["p50"])
        report.row("kiosk", "kiosk flow p99, 20 clients (ms)", mine["p99"], base["p99"], target="≤ 3× floor",
                   met=_le(mine["p99"], 3 * base["p99"]))
    if "pages" in selected:
        page_weight(loket, report)
    for target in (loket, floor):
        lab.stop(target)


def page_weight(loket, report: Report) -> None:
    missing = pages.available()
    if missing:
        report.notes.append(f"page weight: n/a ({missing})")
        report.details["pages"] = None
        for name in ("kiosk", "display", "counter", "ticket"):
            report.row("pages", f"{name} first load (KB on the wire)", None)
        return

    async def ticket_path():
        codes = await measures.service_codes(loket.url)
        async with measures.session() as http:
            async with http.post(loket.url + API_ISSUE, json={"service": codes[0]}) as r:
                body = await r.json()
        return "/t/" + body["token"]

    addresses = {"kiosk": "/kiosk/1", "display": "/display/1", "counter": "/counter",
                 "ticket": asyncio.run(ticket_path())}
    weights = asyncio.run(pages.page_weights(loket.url, addresses, OFFICER))
    report.details["pages"] = weights
    budgets = {"kiosk": 60, "display": 100}
    for name, figures in weights.items():
        kb = figures["first"]["bytes"] / 1024
        budget = budgets.get(name)
        report.row("pages", f"{name} first load (KB on the wire)", kb, target=f"≤ {budget} KB" if budget else "",
                   met=kb <= budget if budget else None)
    for name, figures in weights.items():
        report.row("pages", f"{name} first load (requests)", figures["first"]["requests"])
    for name, figures in weights.items():
        for visit in ("first", "warm"):
            for failure in figures[visit]["failed"]:
                report.error(f"pages: {name} ({visit} visit) did not load {failure}")
    hosts = sorted({h for f in weights.values() for visit in ("first", "warm") for h in f[visit]["external_hosts"]})
    report.row("pages", "external hosts (all pages)", len(hosts), target="0", met=not hosts)
    if hosts:
        report.error(f"pages load from other hosts: {', '.join(hosts)}")
    warm = sum(f["warm"]["static_requests"] for f in weights.values())
    report.row("pages", "warm reload: static files requested (all pages)", warm, target="0", met=warm == 0)


def day(lab: Lab, sizes: Sizes, selected: set[str], report: Report) -> None:
    loket = lab.loket("loket-day")
    floor = lab.floor("http_app", "floor-day")
    codes = asyncio.run(measures.service_codes(loket.url))
    args = (sizes.sample, sizes.middle, sizes.end)
    mine = asyncio.run(measures.day(loket, measures.issuer(loket.url, API_ISSUE, codes), *args))
    base = asyncio.run(measures.day(floor, measures.issuer(floor.url, FLOOR_ISSUE, codes), *args))
    report.details["day"] = {"loket": mine, "floor": base}
    report.notes.append(f"day: {mine['issued']:,} tickets issued through Loket's JSON API (the bulk by 20 concurrent "
                        f"clients, {mine['bulk_per_s']:.0f}/s), round-robin over {len(codes)} services; p50 figures "
                        f"over {sizes.sample} sequential tickets")
    if "day" in selected:
        report.row("day", "issue p50 at the day's first tickets (ms)", mine["p50_start"], base["p50_start"])
        report.row("day", f"issue p50 after {sizes.middle:,} tickets (ms)", mine["p50_later"], base["p50_later"],
                   target="≤ 1.1× the first", met=_le(mine["p50_later"], 1.1 * mine["p50_start"]))
    if "rss" in selected:
        report.row("rss", "RSS at start (MB)", mine["rss_start_mb"], base["rss_start_mb"])
        report.row("rss", f"RSS after {sizes.end:,} tickets (MB)", mine["rss_end_mb"], base["rss_end_mb"])
        report.row("rss", "RSS growth per ticket (KB)", mine["growth_kb_per_ticket"], base["growth_kb_per_ticket"],
                   target="< 1 KB", met=mine["growth_kb_per_ticket"] < 1)
    for target in (loket, floor):
        lab.stop(target)


def screens(lab: Lab, sizes: Sizes, selected: set[str], report: Report) -> None:
    loket = lab.loket("loket-screens")
    codes = asyncio.run(measures.service_codes(loket.url))
    mine = _fan_out(loket, sizes, lambda crowd, n, paced: measures.loket_calls(loket, crowd, codes, sizes.calls, n,
                                                                                paced))
    lab.stop(loket)
    frame = int(median([r["frame_size"] for rounds in mine["rounds"].values() for r in rounds]))
    floor = lab.floor("screen_app", "floor-screens")
    base = _fan_out(floor, sizes, lambda crowd, n, paced: measures.floor_calls(floor, crowd, sizes.calls, frame, paced))
    lab.stop(floor)
    report.details["screens"] = {"loket": mine, "floor": base, "frame_size": frame}
    floor_frame = median([r["frame_size"] for rounds in base["rounds"].values() for r in rounds])
    report.notes.append(f"screens: {sizes.calls} calls per round at each size; `ticket.called` frame {frame} "
                        f"characters (the floor's: {floor_frame:.0f})")

    def total(figures: dict, kind: str) -> int:  # over the paced rounds and the bursts
        return sum(r[kind] for rounds in figures["rounds"].values() for r in rounds) + sum(
            burst[kind] for burst in figures["bursts"].values())

    for who, figures in (("Loket", mine), ("floor", base)):
        for kind in ("missed", "out_of_order", "duplicates"):
            report.error(f"{who}: call events {kind.replace('_', '-')}", total(figures, kind))
    at = {n: (medians(mine["rounds"][n]), medians(base["rounds"][n])) for n in sizes.screens}
    small, large = sizes.screens[0], sizes.screens[-1]
    if "screens" in selected:
        for n, (m, f) in at.items():
            report.row("screens", f"call→screen p50, {n:,} clients (ms)", m["p50"], f["p50"])
            report.row("screens", f"call→screen p99, {n:,} clients (ms)", m["p99"], f["p99"],
                       **({"target": "≤ 1.5× floor", "met": _le(m["p99"], 1.5 * f["p99"])} if n >= 200 else {}))
        for kind in ("missed", "out_of_order"):
            count = total(mine, kind)
            report.row("screens", f"call events {kind.replace('_', '-')} (all sizes)", count, total(base, kind),
                       target="0", met=count == 0)
    if "officer" in selected:
        for n in (small, large):
            m, f = at[n]
            reference = at[small][0]["request_p50"]
            extra = {"target": f"≤ 1.2× at {small:,}", "met": _le(m["request_p50"], 1.2 * reference)}
            report.row("officer", f"officer's call request p50, {n:,} screens (ms)", m["request_p50"],
                       f["request_p50"], **(extra if n == large else {}))
            report.row("officer", f"officer's call request p99, {n:,} screens (ms)", m["request_p99"], f["request_p99"])
    if "rss" in selected:
        report.row("rss", f"RSS with {large:,} screens (MB)", mine["rss_mb"], base["rss_mb"])


def _fan_out(target, sizes: Sizes, make_calls) -> dict:
    """Grow the crowd size by size; at each, `rounds` batches of paced calls (latency), then a burst
    (order); the server's RSS at the largest."""
    crowd = Screens(target.url, measures.ROOM)
    out: dict = {"rounds": {}, "bursts": {}, "connect": {}}
    try:
        for n in sizes.screens:
            grown = crowd.grow(n)
            out["connect"][n] = grown
            if grown["connected"] != n:
                raise BenchError(f"{target.name}: {grown['connected']} of {n} screens connected: {grown['failures']}")
            print(f"  {target.name}: {n} screens connected in {grown['seconds']:.1f} s", flush=True)
            out["rounds"][n] = []
            for _ in range(sizes.rounds):
                calls = asyncio.run(make_calls(crowd, n, True))
                figures = crowd.collect(calls["sent"])
                lat = figures.pop("latencies")
                figures.update(p50=pct(lat, 50), p99=pct(lat, 99), deliveries=len(lat),
                               request_p50=pct(calls["request_ms"], 50), request_p99=pct(calls["request_ms"], 99))
                if figures["still_connected"] != n:
                    raise BenchError(f"{target.name}: screens dropped: {figures['drops']}")
                out["rounds"][n].append(figures)
            burst = asyncio.run(make_calls(crowd, n, False))
            figures = crowd.collect(burst["sent"])
            figures["deliveries"] = len(figures.pop("latencies"))
            out["bursts"][n] = figures
            target.check()
        out["rss_mb"] = target.rss_mb()
    finally:
        crowd.stop()
    return out


def _le(a, b):
    return None if a is None or b is None else a <= b


def _ge(a, b):
    return None if a is None or b is None else a >= b


# --- output ---------------------------------------------------------------------------------------------

def fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "met" if value else "MISSED"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(rows: list[dict]) -> str:
    head = ["measure", "Loket", "floor", "Loket ÷ floor", "target", "met?"]
    body = [[r["name"], fmt(r["loket"]), fmt(r["floor"]) if r["floor"] is not None else "–",
             f"{r['ratio']:.2f}×" if r["ratio"] is not None else "–", r["target"] or "–",
             fmt(r["met"]) if r["met"] is not None else "–"] for r in rows]
    widths = [max(len(str(line[i])) for line in [head] + body) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    rule = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(head), rule] + [line(b) for b in body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true", help="the reduced run (seconds; what the test suite runs)")
    parser.add_argument("--only", default="", help=f"comma list of measures: {', '.join(MEASURES)}")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per figure (default 3; --quick: 1)")
    parser.add_argument("--json", default="", help=f"where the figures go (default {RESULTS}/bench-<time>.json)")
    parser.add_argument("--postgres", default=os.environ.get("LOKET_BENCH_POSTGRES_URL", ""),
                        help="PostgreSQL URL: fresh databases are made next to it (default $LOKET_BENCH_POSTGRES_URL)")
    parser.add_argument("--redis", default=os.environ.get("LOKET_BENCH_REDIS_URL", ""),
                        help="Redis URL for the message queue with --postgres (default $LOKET_BENCH_REDIS_URL)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (instances, server logs)")
    args = parser.parse_args(argv)
    selected = {m.strip() for m in args.only.split(",") if m.strip()} or set(MEASURES)
    if selected - set(MEASURES):
        parser.error(f"unknown measure(s) {', '.join(sorted(selected - set(MEASURES)))}; "
                     f"choose from {', '.join(MEASURES)}")
    if bool(args.postgres) != bool(args.redis):
        parser.error("--postgres and --redis go together")
    sizes = QUICK if args.quick else FULL
    if args.rounds:
        sizes = Sizes(**{**asdict(sizes), "rounds": args.rounds})

    raise_nofile()
    def on_term(_sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    lab = Lab(work, args.postgres, args.redis)
    report = Report()
    database = "PostgreSQL + Redis" if args.postgres else "SQLite"
    print(f"python -m bench{' --quick' if args.quick else ''}: {database}, {sizes.rounds} round(s), "
          f"{os.cpu_count()} CPUs, nofile {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}", flush=True)
    groups = [("issuing, kiosk flow, pages", {"issue", "kiosk", "pages"}, issue_and_kiosk),
              ("a day of tickets", {"day", "rss"}, day),
              ("screens", {"screens", "officer", "rss"}, screens)]
    try:
        for title, names, run in groups:
            if names & selected:
                print(f"{title} …", flush=True)
                run(lab, sizes, selected, report)
    except KeyboardInterrupt:
        print("\ninterrupted; every server started was stopped", flush=True)
        lab.close()
        return 130
    except (BenchError, RuntimeError, OSError) as exc:
        report.error(f"run failed: {type(exc).__name__}: {exc}"[:600])
    finally:
        lab.close()
        for running in lab.running:
            for kind, count in running.errors.items():
                report.error(f"{running.name}: {kind}", count or 1)
        if args.keep:
            print(f"instances and server logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started

    print()
    print(table(report.rows))
    for note in report.notes:
        print(f"- {note}")
    for kind, count in report.errors.items():
        print(f"- ERROR: {kind} (×{count})")
    print(f"- {took:.0f} s in all")
    path = Path(args.json) if args.json else RESULTS / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "command": ["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])],
        "finished": datetime.now().astimezone().isoformat(timespec="seconds"), "seconds": round(took, 1),
        "quick": args.quick, "database": database, "cpus": os.cpu_count(), "sizes": asdict(sizes),
        "measures": sorted(selected), "rows": report.rows, "errors": report.errors, "notes": report.notes,
        "details": report.details,
    }, indent=2, default=str))
    print(f"- figures written to {path}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
