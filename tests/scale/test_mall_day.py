"""A Mal Pelayanan Publik day in small: bench/mall_day.py's own code, reduced (4 offices, 20 counters,
6 kiosks, 10 displays, phone pages for every ticket, two `loket serve` processes on PostgreSQL + Redis,
a ~36-second day). Nothing may fail: no 5xx or lost request, no dropped socket, every ticket unique and
either finished or still waiting, and every call announced on every display that shows its office.

The run makes its own database next to the test one and drops it; every process it starts is stopped.
"""
from __future__ import annotations

import sys
import time
from collections import Counter as Tally
from importlib.util import find_spec
from pathlib import Path

import pytest

from support import require_or_skip, require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def mall_day():
    require_or_skip(find_spec("aiohttp") is not None, "aiohttp (the screens' websockets)", env="LOKET_REQUIRE_SERVICES")
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # also how the spawned screens process finds the module
    import mall_day

    return mall_day


def test_a_reduced_mall_day_runs_clean(mall_day):
    postgres = require_service("LOKET_TEST_POSTGRES_URL", "PostgreSQL")
    redis = require_service("LOKET_TEST_REDIS_URL", "Redis")
    cfg = mall_day.Config(postgres=postgres, redis=redis, processes=2, minutes=0.6, scale=0.2, tickets=50,
                          settle=5.0, seed=7)
    started = time.monotonic()
    result = mall_day.run(cfg)
    took = time.monotonic() - started
    assert not result.get("failed"), (result.get("failed"), result["error_kinds"])
    assert result["errors"] == 0, result["error_kinds"]

    plan, day, tickets = result["plan"], result["day"], result["tickets"]
    assert len(plan.offices) == 4 and len(plan.displays) == 10 and len(plan.kiosks) == 6
    # every planned visitor got a ticket, each number and token once, the database agreeing
    issued = day["issued"]
    assert len(issued) == len(plan.arrivals) == 50
    assert len({d["number"] for d in issued}) == len({d["token"] for d in issued}) == len(issued)
    assert sorted((t["token"], t["number"]) for t in tickets) == sorted((d["token"], d["number"]) for d in issued)
    # each ticket was called and finished, or is still waiting; nobody was called twice
    states = Tally(t["state"] for t in tickets)
    assert set(states) <= {"waiting", "called", "serving", "done"}, states
    called = [c["number"] for c in day["calls"]]
    assert called and len(called) == len(set(called))
    state_of = {t["number"]: t["state"] for t in tickets}
    assert all(state_of[n] in ("called", "serving", "done") for n in called)
    assert all(t["called"] == (1 if t["number"] in set(called) else 0) for t in tickets)
    # every call reached every display that shows its office (the announce), whichever process it was on
    office_index = {code: i for i, (code, *_) in enumerate(plan.offices)}
    receipts = result["screen_receipts"]["displays"]
    assert sorted(receipts) == sorted(plan.displays)
    for call in day["calls"]:
        showing = [d for d, shown in plan.displays.items() if office_index[call["office"]] in shown]
        assert showing
        for display in showing:
            assert call["number"] in receipts[display]["announce"], (call, display)
    assert {c["process"] for c in day["calls"]} == {0, 1}, "calls went through both processes"
    # the phones: 200 pages (4 per ticket), and the open pages got their own ticket's call
    assert result["analysis"]["phones_opened"] == cfg.phones == 200
    assert result["analysis"]["phone_own_events"] > 0
    print(f"\nmall day (reduced): {len(issued)} tickets, {len(called)} calls, "
          f"{len(result['analysis']['screen_ms'])} display deliveries, call-to-screen p50 "
          f"{mall_day.fmt(mall_day.pct(result['analysis']['screen_ms'], 50))} ms; {took:.0f} s in all")
