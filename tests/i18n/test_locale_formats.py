"""Moments are shown in the office's time zone and written the way the page's language writes them
(issue 14, item 3): Indonesian "1 Des 2026 07.30", English "Dec 1, 2026, 7:30 AM"."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask_babel import force_locale

from loket.templating import shown_moment

# 23:30 UTC on 30 November is 07:30 WITA (UTC+8) on 1 December.
STORED = datetime(2026, 11, 30, 23, 30, 5)


@pytest.mark.parametrize("style, indonesian, english", [
    ("datetime", "1 Des 2026 07.30", "Dec 1, 2026, 7:30\u202fAM"),
    ("datetime_seconds", "1 Des 2026 07.30.05", "Dec 1, 2026, 7:30:05\u202fAM"),
    ("date", "1 Des 2026", "Dec 1, 2026"),
    ("long_date", "1 Desember 2026", "December 1, 2026"),
    ("time", "07.30", "7:30\u202fAM"),
    ("EEEE, d MMMM y", "Selasa, 1 Desember 2026", "Tuesday, 1 December 2026"),
])
def test_a_stored_moment_in_the_office_zone_and_each_language(ctx, style, indonesian, english):
    with force_locale("id"):
        assert shown_moment(STORED, style) == indonesian
    with force_locale("en"):
        assert shown_moment(STORED, style) == english


def test_a_calendar_day_has_no_time_and_no_zone_shift(ctx):
    with force_locale("id"):
        assert shown_moment(date(2026, 12, 31), "datetime") == "31 Des 2026"
        assert shown_moment(None) == ""


def test_the_kiosk_confirmation_writes_the_time_in_the_page_language(app, client):
    client.get("/kiosk/1?lang=en")
    page = client.post("/kiosk/1/tiket", data={"service": "A"}, follow_redirects=True).get_data(as_text=True)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, 20\d\d, \d{1,2}:\d\d\u202f[AP]M WITA", page), page
    client.get("/kiosk/1?lang=id")
    page = client.post("/kiosk/1/tiket", data={"service": "A"}, follow_redirects=True).get_data(as_text=True)
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} 20\d\d \d\d\.\d\d WITA", page), page
