"""Benchmark: how fast the queue domain issues and calls tickets, against a floor measured in
the same run on the same database (a bare INSERT + COMMIT per row through the same engine).

Usage: python bench/queue_throughput.py [--n 500] [--database-url URL]
Prints tickets/second for each path and the ratio to the floor (lower ratio = closer to the
cost of the database itself). Nothing is asserted: numbers are for people to compare.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text


def measure(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="operations per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()

    from loket import create_app
    from loket.bootstrap import ensure_ready
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Counter

    folder = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": url, "LOKET_OFFICE_HOURS": "24/7"})
    with app.app_context():
        ensure_ready()
        db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, v VARCHAR(20))"))
        db.session.commit()
        counter = db.session.scalar(db.select(Counter).where(Counter.number == 1))

        def floor(i):
            db.session.execute(text("INSERT INTO bench_floor (v) VALUES (:v)"), {"v": f"A-{i:03d}"})
            db.session.commit()

        def issue(_i):
            core.issue_ticket("A")

        def call_and_close(_i):
            ticket = core.call_next(counter)
            core.close_case(ticket)

        results = {"floor (INSERT+COMMIT)": [], "issue_ticket": [], "call_next+close_case": []}
        for _ in range(args.rounds):
            results["floor (INSERT+COMMIT)"].append(measure(floor, args.n))
            results["issue_ticket"].append(measure(issue, args.n))
            results["call_next+close_case"].append(measure(call_and_close, args.n))
    base = statistics.median(results["floor (INSERT+COMMIT)"])
    print(f"database: {url.split('://')[0]}, n={args.n}, rounds={args.rounds} (medians)")
    for name, values in results.items():
        rate = statistics.median(values)
        print(f"{name:24s} {rate:9.1f} ops/s   {base / rate:5.1f}x the floor's time per op")


if __name__ == "__main__":
    main()
