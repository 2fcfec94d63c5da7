"""Office hours: the kiosk issues only while the office is open (office-local time)."""
from __future__ import annotations

from datetime import datetime

import pytest

from loket.queue import core, hours
from loket.queue.errors import OfficeClosed


@pytest.fixture
def app_config():
    return {"LOKET_OFFICE_HOURS": "mon-thu 07:30-15:30; fri 07:30-13:00", "LOKET_HOLIDAYS": "2026-12-25"}


# 2026-11-25 is a Wednesday. WITA = UTC+8.
@pytest.mark.parametrize("utc, is_open", [
    (datetime(2026, 11, 24, 23, 29), False),  # 07:29 WITA
    (datetime(2026, 11, 24, 23, 30), True),   # 07:30 WITA
    (datetime(2026, 11, 25, 7, 29), True),    # 15:29 WITA
    (datetime(2026, 11, 25, 7, 30), False),   # 15:30 WITA
    (datetime(2026, 11, 27, 5, 0), False),    # Friday 13:00 WITA
    (datetime(2026, 11, 28, 2, 0), False),    # Saturday
    (datetime(2026, 12, 25, 2, 0), False),    # holiday (a Friday)
])
def test_office_state_follows_local_hours(ctx, utc, is_open):
    assert hours.state(utc).open is is_open


def test_next_opening_skips_weekend_and_holiday(ctx):
    state = hours.state(datetime(2026, 11, 27, 6, 0))  # Friday 14:00 WITA
    assert state.opens_at.isoformat() == "2026-11-30T07:30:00+08:00"


def test_kiosk_refuses_tickets_when_closed(ctx):
    with pytest.raises(OfficeClosed) as info:
        core.issue_ticket("A", now=datetime(2026, 11, 28, 2, 0))
    assert "30-11-2026 07:30" in str(info.value)
    assert core.issue_ticket("A", now=datetime(2026, 11, 25, 2, 0)).number == "A-001"


@pytest.mark.parametrize("text", ["mon-fri", "sen 08:00-12:00", "mon 12:00-08:00"])
def test_bad_hours_are_explained(ctx, text):
    with pytest.raises(hours.HoursError):
        hours.parse(text)
