"""The report pages around the figures: periods (day to year, custom ranges), bad input, the SKM follow-up
plan and its publication, exports that a spreadsheet cannot turn into formulas, and English.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from loket.extensions import db
from loket.feedback import survey
from loket.queue.errors import InvalidInput
from loket.queue.models import Service
from loket.reports.periods import closed_semesters, parse_period, trend
from support import login, report_row, report_tables


@pytest.fixture
def boss(app, make_user):
    make_user("kepala", role="supervisor", counters=())
    return login(app.test_client(), "kepala")


def _answer(app, code, answers, day_utc: datetime, suggestion=""):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == code))
        data = {f"u{i}": str(v) for i, v in enumerate(answers, start=1)}
        if suggestion:
            data["suggestion"] = suggestion
        survey.submit(survey.parse_form(data), service=service, now=day_utc)


@pytest.mark.parametrize("text, kind, start, end, before", [
    ("2026-11-30", "day", date(2026, 11, 30), date(2026, 12, 1), "2026-11-29"),
    ("2026-03-01", "day", date(2026, 3, 1), date(2026, 3, 2), "2026-02-28"),
    ("2026-11-01..2026-11-15", "range", date(2026, 11, 1), date(2026, 11, 16), "2026-10-17..2026-10-31"),
    ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1), "2026-10"),
    ("2026-S1", "semester", date(2026, 1, 1), date(2026, 7, 1), "2025-S2"),
    # a range that is exactly a day, month, semester or year is that period (one follow-up plan, one label)
    ("2026-11-05..2026-11-05", "day", date(2026, 11, 5), date(2026, 11, 6), "2026-11-04"),
    ("2026-02-01..2026-02-28", "month", date(2026, 2, 1), date(2026, 3, 1), "2026-01"),
    ("2026-07-01..2026-12-31", "semester", date(2026, 7, 1), date(2027, 1, 1), "2026-S1"),
    ("2026-01-01..2026-12-31", "year", date(2026, 1, 1), date(2027, 1, 1), "2025"),
    ("2026-03-01..2026-08-31", "range", date(2026, 3, 1), date(2026, 9, 1), "2025-08-29..2026-02-28"),
])
def test_periods_from_a_day_to_a_range(text, kind, start, end, before):
    period = parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.previous().key == before
    assert period.previous().days == period.days or kind in ("month", "semester")


@pytest.mark.parametrize("text", ["2026-11-31", "2026-11-15..2026-11-01", "2024-01-01..2026-12-31", "2026-11-1",
                                  "1999-12-31", "minggu lalu", "2026-11-01..", "2026-S3"])
def test_bad_periods_are_refused_with_an_example(text):
    with pytest.raises(InvalidInput):
        parse_period(text)


def test_closed_semesters_and_the_trend():
    assert [p.key for p in closed_semesters(3, today=date(2026, 11, 30))] == ["2026-S1", "2025-S2", "2025-S1"]
    assert [p.key for p in closed_semesters(1, today=date(2026, 7, 1))] == ["2026-S1"]
    assert [p.key for p in trend(parse_period("2026-S1"), 3)] == ["2025-S1", "2025-S2", "2026-S1"]


def test_bad_periods_on_the_pages_are_a_readable_400(boss):
    for url in ("/admin/laporan?periode=2026-13", "/admin/laporan/skm?periode=kemarin",
                "/admin/laporan?dari=2026-11-15&sampai=2026-11-01", "/admin/laporan/unduh.csv?periode=2026-02-30"):
        response = boss.get(url)
        assert response.status_code == 400, url
    assert "Rentang terbalik" in boss.get("/admin/laporan?dari=2026-11-15&sampai=2026-11-01").get_data(as_text=True)
    assert boss.get("/admin/laporan/unduh.pdf").status_code == 404
    ranged = boss.get("/admin/laporan?dari=2026-11-01&sampai=2026-11-15").get_data(as_text=True)
    assert '<span id="period">2026-11-01..2026-11-15</span>' in ranged
    assert "periode=2026-10-17..2026-10-31" in ranged  # the previous range of the same length


def test_reports_are_for_supervisors(app, make_user, boss):
    make_user("budi", role="officer")
    officer = login(app.test_client(), "budi")
    for url in ("/admin/laporan", "/admin/laporan/skm", "/admin/laporan/unduh.xlsx", "/admin/laporan/skm/unduh.csv"):
        assert officer.get(url).status_code == 403, url
        assert app.test_client().get(url).status_code == 302, url
        assert boss.get(url).status_code == 200, url
    assert officer.post("/admin/laporan/skm?periode=2026-S1", data={"text": "x"}).status_code == 403


def test_the_follow_up_plan_is_kept_with_its_period_audited_and_published(app, boss, admin_client):
    _answer(app, "A", (3, 3, 2, 3, 3, 3, 3, 2, 3), datetime(2026, 3, 10, 2, 0))
    page = boss.get("/admin/laporan/skm?periode=2026-S1").get_data(as_text=True)
    weakest = [row["element"][1] for row in report_tables(page)["terendah"]]
    assert weakest[:2] == ["U3 Waktu Penyelesaian", "U8 Sarana dan Prasarana"]
    plan = "U3: tambah satu petugas helpdesk pada jam sibuk (Kasubag, Februari).\nU8: perbaiki kursi ruang tunggu."
    saved = boss.post("/admin/laporan/skm?periode=2026-S1", data={"text": plan})
    assert saved.status_code == 303 and "periode=2026-S1" in saved.headers["Location"]
    assert plan.split("\n")[0] in boss.get("/admin/laporan/skm?periode=2026-S1").get_data(as_text=True)
    assert "Rencana tindak lanjut disimpan." in boss.get(saved.headers["Location"]).get_data(as_text=True)
    # kept with its period only; the same days asked as a range are that period, with that plan
    assert 'id="follow-up-empty"' in boss.get("/admin/laporan/skm?periode=2026-S2").get_data(as_text=True)
    assert plan.split("\n")[0] in boss.get("/admin/laporan/skm?dari=2026-01-01&sampai=2026-06-30").get_data(as_text=True)
    emptied = boss.post("/admin/laporan/skm?periode=2026-S2", data={"text": "  "})
    assert "Rencana tindak lanjut dikosongkan." in boss.get(emptied.headers["Location"]).get_data(as_text=True)
    too_long = boss.post("/admin/laporan/skm?periode=2026-S1", data={"text": "x" * 5001})
    body = too_long.get_data(as_text=True)
    assert too_long.status_code == 400 and 'id="text-error"' in body and "x" * 5001 in body
    audit = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Rencana tindak lanjut SKM ditulis" in audit and "2026-S1" in audit
    public = app.test_client().get("/hasil-skm").get_data(as_text=True)
    assert 'data-period="2026-S1"' in public and "tambah satu petugas helpdesk" in public
    assert report_value_text(public, "2026-S1") == "69,44"  # answers sum to 25: 25/9 × 25
    csv_text = boss.get("/admin/laporan/skm/unduh.csv?periode=2026-S1").data.decode("utf-8-sig")
    assert "perbaiki kursi ruang tunggu" in csv_text


def report_value_text(html, period_key):
    import re

    section = re.search(rf'data-period="{period_key}">(.*?)</section>', html, re.S).group(1)
    return re.search(r'class="ikm-overall">([^<]+)<', section).group(1)


def test_the_public_results_are_on_the_kiosk_and_the_standard_pages(app, client):
    _answer(app, "B", (4,) * 9, datetime(2026, 2, 3, 2, 0))
    standard = client.get("/standar-pelayanan").get_data(as_text=True)
    assert 'id="skm-results-link"' in standard
    kiosk_home = client.get("/kiosk/1").get_data(as_text=True)
    assert 'id="skm-results-link"' in kiosk_home and "/kiosk/1/hasil-skm" in kiosk_home
    on_kiosk = client.get("/kiosk/1/hasil-skm")
    html = on_kiosk.get_data(as_text=True)
    assert on_kiosk.status_code == 200 and 'class="kiosk-header"' in html and 'href="/kiosk/1"' in html
    assert report_value_text(html, "2026-S1") == "100,00"
    assert on_kiosk.headers["Cache-Control"] == "no-store"


def test_a_suggestion_never_becomes_a_spreadsheet_formula(app, boss):
    _answer(app, "A", (4,) * 9, datetime(2026, 11, 3, 2, 0), suggestion='=HYPERLINK("http://x","klik")')
    _answer(app, "A", (4,) * 9, datetime(2026, 11, 3, 2, 0), suggestion="+62 812 bagus")
    text = boss.get("/admin/laporan/skm/unduh.csv?periode=2026-11").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    said = [row[1] for row in rows if len(row) == 2 and row[0] == "A"]
    assert sorted(said) == ["'+62 812 bagus", "'=HYPERLINK(\"http://x\",\"klik\")"]
    book = load_workbook(io.BytesIO(boss.get("/admin/laporan/skm/unduh.xlsx?periode=2026-11").data))
    cells = [c for row in book["saran"].iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_english_reports_use_english_labels_and_decimal_points(app, boss):
    _answer(app, "A", (4, 3, 3, 3, 3, 3, 3, 3, 3), datetime(2026, 11, 3, 2, 0))
    page = boss.get("/admin/laporan/skm?periode=2026-11&lang=en").get_data(as_text=True)
    assert "Community Satisfaction Survey (SKM) report" in page and "Laporan hasil SKM" not in page
    assert ">77.78<" in page  # 28/9 × 25 shown with a decimal point
    row = report_row(page, "ikm", "A ")
    assert (row["ikm_converted"], row["grade"], row["performance"]) == ("77.78", "B", "Good")
    export = boss.get("/admin/laporan/skm/unduh.csv?periode=2026-11&lang=en").data.decode("utf-8-sig")
    assert "Converted IKM" in export and "77.78" in export
