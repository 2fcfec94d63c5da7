"""`python -m bench --quick` runs end to end, so the benchmark cannot rot: every measure gives numbers
for Loket and for its floor, and no call event is lost or reordered on a screen. Speed is not asserted:
a missed target is the benchmark's news, not a failure.
"""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from support import require_or_skip

ROOT = Path(__file__).resolve().parents[2]

MEASURES = {"issue", "kiosk", "screens", "officer", "day", "rss", "pages"}


def test_quick_bench_reports_every_measure_against_its_floor(tmp_path):
    require_or_skip(find_spec("aiohttp") is not None, "aiohttp (the bench's HTTP and screen clients)",
                    env="LOKET_REQUIRE_SERVICES")
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == {}
    assert "| measure" in done.stdout and "Loket ÷ floor" in done.stdout  # the table is printed too

    rows = result["rows"]
    assert {r["measure"] for r in rows} == MEASURES
    for row in rows:
        if row["measure"] == "pages" and result["details"]["pages"] is None:
            continue  # checked below
        assert isinstance(row["loket"], (int, float)), row
        if row["measure"] != "pages":  # a page has no floor, only a budget
            assert isinstance(row["floor"], (int, float)), row
            if row["floor"]:
                assert row["ratio"] == row["loket"] / row["floor"], row
        if row["target"]:
            assert row["met"] in (True, False), row

    by_name = {r["name"]: r for r in rows}
    for kind in ("missed", "out-of-order"):
        row = by_name[f"call events {kind} (all sizes)"]
        assert row["loket"] == 0 and row["floor"] == 0, row
    screens = result["details"]["screens"]
    for who in ("loket", "floor"):
        sizes = {str(n) for n in result["sizes"]["screens"]}  # JSON keys
        assert set(screens[who]["rounds"]) == set(screens[who]["bursts"]) == sizes
        for size in sizes:
            rounds = screens[who]["rounds"][size]
            # every paced call and every call of the burst reached every client, once
            for figures in rounds + [screens[who]["bursts"][size]]:
                assert figures["deliveries"] == int(size) * result["sizes"]["calls"], (who, size, figures)
                assert figures["duplicates"] == 0 and figures["still_connected"] == int(size)
    assert screens["frame_size"] > 0
    assert result["details"]["day"]["loket"]["issued"] == result["sizes"]["end"]

    pages = result["details"]["pages"]
    require_or_skip(pages is not None, "Debian chromium and Playwright (page weight)")
    assert set(pages) == {"kiosk", "display", "counter", "ticket"}
    assert by_name["external hosts (all pages)"]["loket"] == 0
    for figures in pages.values():
        assert figures["first"]["requests"] > 0 and figures["first"]["bytes"] > 0
        assert figures["first"]["external_hosts"] == [] and figures["warm"]["external_hosts"] == []
