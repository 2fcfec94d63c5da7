"""`python -m bench.reports` runs end to end on a small demo history and prints a figure per measure
(speed is not asserted: the benchmark reports it)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_reports_bench_prints_every_figure_against_its_floor():
    done = subprocess.run([sys.executable, "-m", "bench.reports", "--days", "5", "--repeat", "1"], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    header, row = done.stdout.strip().splitlines()[-2:]
    assert header.split()[:3] == ["days", "tickets", "events"]
    days, tickets, events, floor, report, ratio, survey, xlsx = row.replace(",", "").split()
    assert days == "5" and int(tickets) > 0 and int(events) > int(tickets)
    assert all(float(x) > 0 for x in (floor, report, survey, xlsx))
    assert abs(float(ratio) - float(report) / float(floor)) < 0.1 + 0.05 * float(ratio)
