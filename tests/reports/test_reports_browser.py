"""Issue 11's "Done when" in headless Chromium: a supervisor opens the semester report and Laporan hasil SKM,
downloads XLSX and CSV (equal to the page cell by cell) and prints them (no navigation, the whole IKM table).
"""
from __future__ import annotations

import functools
import io
import re

import openpyxl
import pypdfium2
import pytest

from history import generate, write
from loket.extensions import db
from loket.offices import settings
from loket.offices.scope import default_office
from loket.reports.tables import DECIMALS
from support import csv_sections, read_shown

pytestmark = pytest.mark.browser

PERIOD = "2026-S1"
# A4 landscape (297 mm) less report.css's 12 mm side margins, in CSS px (96 per inch), rounded down.
PRINTABLE_WIDTH = int((297 - 2 * 12) / 25.4 * 96)
NAVIGATION = ("Ringkasan", "Log audit", "Keluar", "Tampilkan", "Unduh XLSX", "Simpan rencana tindak lanjut")
ELEMENTS = [f"U{n}" for n in range(1, 10)]
LETTERHEAD = {"report_header": "PEMERINTAH KABUPATEN KLUNGKUNG\nSEKRETARIAT DAERAH",
              "head_title": "Kepala Bagian Pengadaan Barang/Jasa", "head_name": "I Made Contoh, S.T.",
              "head_nip": "19700101 199503 1 001"}

# Each report table as the browser shows it: its key, title, header labels and column kinds (the header
# cells' kind-* class), and its rows (the "no data" row left out) as [data-column, visible text] pairs.
TABLES_JS = """() => [...document.querySelectorAll("table[data-table]")].map((table) => ({
  key: table.dataset.table,
  title: table.closest("section").querySelector("h2").innerText.trim(),
  labels: [...table.tHead.rows[0].cells].map((cell) => cell.innerText.trim()),
  kinds: [...table.tHead.rows[0].cells].map((cell) => (cell.className.match(/kind-(\\w+)/) || [])[1]),
  rows: [...table.tBodies[0].rows].filter((row) => !row.classList.contains("empty"))
    .map((row) => [...row.cells].map((cell) => [cell.dataset.column, cell.innerText.trim()])),
}))"""


@functools.cache
def generated():
    """tests/reports/history.py's half year, made once for both tests."""
    return generate()


@pytest.fixture
def office_name(app, make_user) -> str:
    """The office with the generated history in the live server's database, its letterhead and a supervisor."""
    with app.app_context():
        office = default_office()
        write(generated(), office.id)
        settings.update(office, LETTERHEAD, actor=None)
        name = office.name
        db.session.remove()
    make_user("kepala", role="supervisor", counters=())
    return name


@pytest.fixture
def supervisor(browser, live_server, office_name):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.js_errors.append(message.text))   # a blocked style or script
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "kepala")
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    yield page
    context.close()


# --- reading the page, the downloads and the PDF --------------------------------------------------

def read_plain(text: str, kind: str):
    """A CSV cell: a dot for decimals, empty for nothing."""
    if text == "":
        return None
    if kind == "text":
        return text
    return int(text) if DECIMALS[kind] == 0 else float(text)


def download(page, kind: str) -> bytes:
    with page.expect_download() as info:
        page.click(f"[data-export={kind}]")
    with open(info.value.path(), "rb") as file:
        return file.read()


def assert_same_cells(found: list[list], shown: list[list], where: str) -> None:
    assert len(found) == len(shown), f"{where}: {len(found)} rows, the page has {len(shown)}"
    for number, (got, want) in enumerate(zip(found, shown)):
        wrong = {index: (g, w) for index, (g, w) in enumerate(zip(got, want)) if g != w}
        assert not wrong and len(got) == len(want), f"{where} row {number} ({want[0]}): (found, page) {wrong}"


def assert_downloads_equal_page(page) -> tuple[list[dict], openpyxl.Workbook, list]:
    """Every table of the page equals the XLSX sheet of its key and the CSV section in its place."""
    shown = page.evaluate(TABLES_JS)
    book = openpyxl.load_workbook(io.BytesIO(download(page, "xlsx")))
    sections = csv_sections(download(page, "csv"))
    assert len(sections) >= len(shown)
    for table, (title, header, rows) in zip(shown, sections):
        key, kinds, width = table["key"], table["kinds"], len(table["kinds"])
        assert all(len(row) == width for row in table["rows"]), key
        on_page = [[read_shown(text, kind) for (_column, text), kind in zip(row, kinds)] for row in table["rows"]]
        sheet = list(book[key].iter_rows(values_only=True))
        assert (sheet[3][0], list(sheet[4][:width])) == (table["title"], table["labels"]), f"xlsx {key}"
        assert_same_cells([list(row[:width]) for row in sheet[5:]], on_page, f"xlsx {key}")
        assert (title, header) == (table["title"], table["labels"]), f"csv {key}"
        assert_same_cells([[read_plain(v, kind) for v, kind in zip(row, kinds)] for row in rows], on_page, f"csv {key}")
    return shown, book, sections


def printed(page) -> tuple[pypdfium2.PdfDocument, list[str]]:
    """The page printed as the browser's print dialog would; the PDF and the text of each of its pages."""
    page.emulate_media(media="print")
    pdf = pypdfium2.PdfDocument(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
    return pdf, [" ".join(sheet.get_textpage().get_text_range().split()) for sheet in pdf]


def assert_no_navigation(texts: list[str]) -> None:
    for label in NAVIGATION:
        assert not any(label in text for text in texts), f"{label!r} is printed"


def assert_letterhead(texts: list[str], office_name: str) -> None:
    """The office's letterhead opens the first page; the head of section signs on the last."""
    for line in [*LETTERHEAD["report_header"].splitlines(), office_name]:
        assert line in texts[0], f"letterhead line {line!r} is not printed on page 1"
    for line in (LETTERHEAD["head_title"], LETTERHEAD["head_name"], "NIP " + LETTERHEAD["head_nip"]):
        assert line in texts[-1], f"signature line {line!r} is not printed on the last page"


def assert_page_numbers(texts: list[str]) -> None:
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {len(texts)}" in text, f"page {number} has no '{number} / {len(texts)}' footer"


# --- tests ------------------------------------------------------------------------------------------

def test_semester_report_downloads_equal_the_page_and_it_prints_with_its_charts(live_server, office_name, supervisor,
                                                                               artifacts):
    page = supervisor
    page.goto(f"{live_server.url}/admin/laporan?periode={PERIOD}")
    shown, _book, _sections = assert_downloads_equal_page(page)
    assert len(shown) >= 3 and all(table["rows"] for table in shown), [t["key"] for t in shown]

    # The charts are drawn by the server into the page, and they are drawn (the CSP lets them render).
    charts = page.eval_on_selector_all("#grafik svg[role=img]", """(svgs) => svgs.map((svg) => ({
        title: svg.querySelector("title").textContent, height: svg.getBoundingClientRect().height}))""")
    assert len(charts) >= 3 and all(chart["height"] > 100 for chart in charts), charts
    assert page.locator("main img, main canvas, main object, main iframe").count() == 0
    page.screenshot(path=str(artifacts / "report-semester.png"), full_page=True)

    _pdf, texts = printed(page)
    assert_no_navigation(texts)
    assert_letterhead(texts, office_name)
    assert_page_numbers(texts)
    everything = " ".join(texts)
    for chart in charts:
        assert chart["title"] in everything, f"chart {chart['title']!r} is not in the printed report"
    assert page.js_errors == []


def test_skm_report_follow_up_downloads_print_and_public_page(browser, live_server, office_name, supervisor,
                                                              artifacts):
    page = supervisor
    plan = "Unsur U3 (waktu pelayanan): loket helpdesk kedua dibuka tiap Senin, oleh Kasubag, mulai Agustus 2026."
    page.goto(f"{live_server.url}/admin/laporan/skm?periode={PERIOD}")
    page.fill("#tindak-lanjut textarea[name=text]", plan)
    page.click("#tindak-lanjut form button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]ok=1"))
    assert page.inner_text("#follow-up-text") == plan

    shown, book, sections = assert_downloads_equal_page(page)
    tables = {table["key"]: table for table in shown}
    assert {"ikm", "unsur", "profil"} <= set(tables) and tables["ikm"]["rows"] and tables["profil"]["rows"]
    assert book["tindak-lanjut"]["A6"].value == plan
    assert sections[-1][2] == [[plan]]

    # The public page publishes the closed semester: IKM per service as the report shows it, and the plan.
    ikm = {row[0][1].split()[0]: dict(row) for row in tables["ikm"]["rows"]}
    overall = ikm.pop("Seluruh")
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})   # nobody logged in
    public = visitor.new_page()
    public.goto(f"{live_server.url}/hasil-skm")
    section = public.locator(f"section[data-period='{PERIOD}']")
    assert plan in section.inner_text()
    assert section.locator(".ikm-overall").inner_text() == overall["ikm_converted"]
    published = {row.get_attribute("data-service"): row.locator(".ikm-value").inner_text()
                 for row in section.locator("tr[data-service]").all()}
    assert published == {code: row["ikm_converted"] for code, row in ikm.items() if row["respondents"] != "0"}
    public.screenshot(path=str(artifacts / "skm-public.png"), full_page=True)
    visitor.close()

    # Printed on A4 landscape: the IKM table fits the printable width ...
    page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 900})
    page.emulate_media(media="print")
    scroll, room = page.eval_on_selector("table[data-table=ikm]", "t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert scroll <= room, f"the IKM table is {scroll} px wide in print, the page has {room} px"
    pdf, texts = printed(page)
    pdf[0].render(scale=2).to_pil().save(artifacts / "skm-report-print.png")
    assert_no_navigation(texts)
    assert_letterhead(texts, office_name)
    assert_page_numbers(texts)
    # ... and is whole on the page(s) it is printed on: every element, the conversion, the total row and its
    # nine NRR values in their order.
    first = next(n for n, text in enumerate(texts) if tables["ikm"]["title"] in text)
    last = next(n for n in range(first, len(texts)) if "Seluruh layanan" in texts[n])
    where = " ".join(texts[first:last + 1])
    for header in [*ELEMENTS, "IKM konversi", "Seluruh layanan"]:
        assert re.search(rf"(?<!\w){re.escape(header)}(?!\w)", where), f"{header!r} is not printed with the IKM table"
    total = [overall[element.lower()] for element in ELEMENTS]
    assert " ".join(total) in where, f"the total row's NRR {total} are not printed in a row"
    assert page.js_errors == [] and plan in " ".join(texts)
