"""The report's rows add up to their totals, on the page, in the XLSX and in the CSV: complaints about the office
in general have their own row, and a service closed since keeps its row; and a period the report cannot show
(reversed, too long, outside the reportable years) is the report page again, with the dates and the reason.
"""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from loket.extensions import db
from loket.feedback import complaints, survey
from loket.offices.scope import default_office
from loket.queue import core
from loket.queue.errors import InvalidInput
from loket.queue.models import Service
from loket.reports import period_report
from loket.reports.periods import parse_period
from support import csv_sections, login, report_tables

GENERAL = "Tanpa layanan (umum)"
COUNTS = ("int", "delta0")   # whole numbers: what a total row sums


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 2, 0)   # 10:00 WITA


@pytest.fixture
def boss(app, make_user):
    make_user("kepala", role="supervisor", counters=())
    return login(app.test_client(), "kepala")


@pytest.fixture
def november(ctx):
    """November 2026: visits, SKM answers and complaints about A and B, two complaints about the office in
    general (both answered), and service F, closed since, with a complaint and an answer in November and a
    visit in October."""
    for code, month, day in (("A", 11, 3), ("A", 11, 4), ("B", 11, 5), ("F", 10, 6)):
        core.issue_ticket(code, now=_at(month, day))
    for code in ("A", "F"):
        service = db.session.scalar(select(Service).where(Service.code == code))
        survey.submit(survey.parse_form({f"u{i}": "3" for i in range(1, 10)}), service=service, now=_at(11, 6))
    for code, day, answer in (("A", 9, True), ("B", 10, False), ("F", 11, True), ("", 12, True), ("", 13, True)):
        item = complaints.submit(category="pengaduan", message=f"Pengaduan {day}", service_code=code, now=_at(11, day))
        if answer:
            complaints.change_status(item, "answered", response="Sudah ditindaklanjuti.", now=_at(11, day + 1))
    db.session.scalar(select(Service).where(Service.code == "F")).active = False
    db.session.commit()
    db.session.remove()


def _number(value) -> int:
    return 0 if value in (None, "") else int(float(value))


def _assert_rows_add_up(found: dict[str, list[list]], where: str) -> None:
    """`found`: each table's rows as one rendering shows them, the total row last."""
    for table in period_report.build(parse_period("2026-11"), default_office().id).tables:
        if table.total is None:
            continue
        *rows, total = found[table.key]
        assert rows and total[0] == "Seluruh layanan", (where, table.key)
        for index, column in enumerate(table.columns):
            if column.kind in COUNTS:
                assert sum(_number(row[index]) for row in rows) == _number(total[index]), \
                    f"{where} {table.key}.{column.key}: rows {[row[index] for row in rows]}, total {total[index]}"


def _from_page(html: str) -> dict[str, list[list]]:
    return {key: [[value for value, _text in row.values()] for row in rows] for key, rows in report_tables(html).items()}


def _from_xlsx(body: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(min_row=6, values_only=True)] for sheet in book}


def _from_csv(body: bytes) -> dict[str, list[list]]:
    """The CSV's tables keyed by title (the CSV has no keys)."""
    return {title: rows for title, _header, rows in csv_sections(body)}


def test_the_complaint_table_has_a_row_for_complaints_about_no_service(november, boss):
    rows = {row["service"][0]: row for row in report_tables(boss.get("/admin/laporan?periode=2026-11").get_data(
        as_text=True))["kepuasan"]}
    general = {key: value for key, (value, _text) in rows[GENERAL].items()}
    assert (general["complaints"], general["answered"], general["respondents"]) == ("2", "2", "")
    everything = {key: value for key, (value, _text) in rows["Seluruh layanan"].items()}
    assert (everything["complaints"], everything["answered"], everything["respondents"]) == ("5", "4", "2")
    closed_since = next(row for name, row in rows.items() if name.startswith("F "))
    assert (closed_since["complaints"][0], closed_since["respondents"][0]) == ("1", "1")


def test_rows_add_up_to_the_total_on_the_page_and_in_print(november, boss):
    for url in ("/admin/laporan?periode=2026-11", "/admin/laporan?dari=2026-11-01&sampai=2026-11-30"):
        response = boss.get(url)
        assert response.status_code == 200
        found = _from_page(response.get_data(as_text=True))   # the print view is this page on paper
        _assert_rows_add_up(found, url)
        assert any(row[0].startswith("F ") and row[2] == "1" for row in found["perbandingan"])   # October's visit


def test_rows_add_up_to_the_total_in_the_xlsx_and_the_csv(november, boss):
    xlsx = boss.get("/admin/laporan/unduh.xlsx?periode=2026-11")
    assert xlsx.status_code == 200
    found = _from_xlsx(xlsx.data)
    _assert_rows_add_up(found, "xlsx")
    assert [row[-3:] for row in found["kepuasan"] if row[0] == GENERAL] == [[2, 2, 0]]
    text = boss.get("/admin/laporan/unduh.csv?periode=2026-11")
    assert text.status_code == 200
    titled = _from_csv(text.data)
    found = {table.key: titled[table.title]
             for table in period_report.build(parse_period("2026-11"), default_office().id).tables}
    _assert_rows_add_up(found, "csv")
    assert [row[-3:] for row in found["kepuasan"] if row[0] == GENERAL] == [["2", "2", "0"]]


# --- periods the report cannot show ----------------------------------------------------------------

TOO_LONG = "Rentang terlalu panjang (paling lama dua tahun)."
YEARS = "Laporan tersedia untuk tahun %(first)s sampai %(last)s."
UNKNOWN = ("Periode tidak dikenal. Contoh: 2026-11-30 (hari), 2026-11 (bulan), 2026-S2 (semester), 2026 (tahun), "
           "2026-11-01..2026-11-15 (rentang).")


def test_a_refused_period_says_what_is_wrong_with_it():
    said = {}
    for text in ("1900-01-01..2099-12-31", "2024-01-01..2026-12-31", "2026-12-01..2026-11-01",
                 "1999-12-01..1999-12-31", "1999", "2101-01-01", "2026-13", "2026-11-01..2026-11-31"):
        with pytest.raises(InvalidInput) as refused:
            parse_period(text)
        said[text] = refused.value.message
    assert said == {"1900-01-01..2099-12-31": TOO_LONG, "2024-01-01..2026-12-31": TOO_LONG,
                    "2026-12-01..2026-11-01": "Rentang terbalik: tanggal awal harus sebelum tanggal akhir.",
                    "1999-12-01..1999-12-31": YEARS, "1999": YEARS, "2101-01-01": YEARS, "2026-13": UNKNOWN,
                    "2026-11-01..2026-11-31": UNKNOWN}


def _forms(html: str) -> dict[str, str]:
    """The page's two period forms: "periode" (a key) and "rentang" (two dates)."""
    found = re.findall(r"<form [^>]*class=\"period-form[^>]*>.*?</form>", html, re.S)
    return {"rentang" if 'name="dari"' in form else "periode": form for form in found}


@pytest.mark.parametrize("path", ["/admin/laporan", "/admin/laporan/skm", "/admin/laporan/unduh.xlsx",
                                  "/admin/laporan/skm/unduh.csv"])
def test_a_reversed_range_is_the_report_page_with_the_dates_and_the_reason(boss, path):
    response = boss.get(f"{path}?dari=2026-12-01&sampai=2026-11-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    assert 'class="admin-nav"' in html and "data-table=" not in html
    forms = _forms(html)
    dates = forms["rentang"]
    assert 'name="dari" value="2026-12-01"' in dates and 'name="sampai" value="2026-11-01"' in dates
    assert dates.count('aria-invalid="true"') == 2 and 'aria-describedby="period-error"' in dates
    assert re.search(r'id="period-error"[^>]*>Rentang terbalik: tanggal awal harus sebelum tanggal akhir\.<', dates)
    assert "period-error" not in forms["periode"]


@pytest.mark.parametrize("query, form", [("dari=1900-01-01&sampai=2099-12-31", "rentang"),
                                         ("periode=1900-01-01..2099-12-31", "periode")])
def test_a_range_too_long_names_the_longest_range(boss, query, form):
    for path in ("/admin/laporan", "/admin/laporan/skm"):
        response = boss.get(f"{path}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "Periode tidak dikenal" not in html
        shown = _forms(html)[form]
        assert "1900-01-01" in shown and TOO_LONG in shown
        assert 'aria-invalid="true"' in shown


BAD_QUERIES = ("periode=2026-13", "periode=2026-02-30", "periode=kemarin", "dari=x&sampai=y", "periode=1999",
               "dari=2099-06-01&sampai=2101-01-31", "sampai=2026-11-01..2026-11-03")
DOWNLOADS = ("/admin/laporan/unduh.xlsx", "/admin/laporan/unduh.csv", "/admin/laporan/skm/unduh.xlsx",
             "/admin/laporan/skm/unduh.csv")


def test_a_bad_period_on_a_download_is_a_readable_400(boss):
    for path, query in [(path, query) for path in DOWNLOADS for query in BAD_QUERIES]:
        response = boss.get(f"{path}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and response.mimetype == "text/html", (path, query)
        assert 'id="period-error"' in html and 'class="admin-nav"' in html, (path, query)


def test_the_skm_follow_up_for_a_bad_period_is_refused_on_the_page(boss):
    response = boss.post("/admin/laporan/skm?periode=2026-S3", data={"text": "Rencana"})
    assert response.status_code == 400 and 'id="period-error"' in response.get_data(as_text=True)
