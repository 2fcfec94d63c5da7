"""`python -m bench.cases` runs end to end on a small case history and prints a figure per measure
(speed is not asserted: the benchmark reports it)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_cases_bench_prints_every_figure_against_its_floor():
    done = subprocess.run([sys.executable, "-m", "bench.cases", "--closed", "60", "--open", "12", "--repeat", "1"],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    header, row = done.stdout.strip().splitlines()[-2:]
    assert header.split()[:2] == ["closed", "open"]
    closed, open_, floor, worklist, ratio, tracking, report = row.replace(",", "").split()
    assert (closed, open_) == ("60", "12")
    assert all(float(x) > 0 for x in (floor, worklist, tracking, report))
    assert abs(float(ratio) - float(worklist) / float(floor)) < 0.1 + 0.05 * float(ratio)
