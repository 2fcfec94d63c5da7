"""Case (berkas) figures on the period report: cases per service, milestones with their days, open cases by age,
worked out by hand over two months of cases and compared with `build()`, the page, the XLSX and the CSV.

The office works Monday to Friday. August 2026: Mon 3 … Fri 7 | Mon 10 … Fri 14 | Mon 17 Hari Kemerdekaan |
Tue 18 the office's own day off | Wed 19 Thu 20 Fri 21 | Mon 24 … Fri 28 | Mon 31. September 2026: Tue 1 … Fri 4 |
Mon 7 … Fri 11 | Mon 14 … Fri 18 | Mon 21 … Fri 25 | Mon 28 Tue 29 Wed 30.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from loket.auth.models import User
from loket.cases import core
from loket.cases.calendar import OfficeCalendar
from loket.cases.milestones import CALENDAR, WORKING
from loket.extensions import db
from loket.offices import settings
from loket.offices.scope import default_office
from loket.queue import core as queue
from loket.queue.models import Counter, Service, Ticket
from loket.reports import cases as case_report
from loket.reports import period_report
from loket.reports.periods import parse_period
from loket.reports.tables import plain
from support import login, report_tables


def AUG(day: int) -> date:  # noqa: N802 - reads like the calendar above
    return date(2026, 8, day)


def SEP(day: int) -> date:  # noqa: N802
    return date(2026, 9, day)


LKPP = "Penyelesaian ditindaklanjuti ke helpdesk LKPP"


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code, Service.office_id == default_office().id))


def _ticket(code: str, day: date) -> Ticket:
    """A ticket of `code` served at its counter, its day set back to `day`."""
    queue.issue_ticket(code)
    counter = db.session.scalar(select(Counter).where(Counter.services.any(Service.code == code),
                                                      Counter.office_id == default_office().id))
    ticket = queue.close_case(queue.call_next(counter))
    ticket.day = day
    db.session.commit()
    return db.session.get(Ticket, ticket.id)


def _helpdesk(actor, day: date):
    return core.open_from_ticket(_ticket("B", day), actor, requester="CV Karya Mandiri", contact_name="I Made")


def _letter(code: str, actor, day: date, **kwargs):
    channel = {"D": "in_person", "F": "e_surat"}[code]
    return core.register_letter(_service(code), actor, channel, "Dinas PUPR", "Ni Luh Putu Sari", day, **kwargs)


@pytest.fixture
def history(ctx, make_user):
    """Eleven cases over August and September 2026 (and a visit-only ticket). The due dates the domain computes
    are checked on the way, so the figures below rest on dates worked out by hand."""
    from loket.queue import hours

    hours.add_holiday(AUG(17), "Hari Ulang Tahun Kemerdekaan RI")
    settings.set_exception(default_office(), "2026-08-18", "", "Rapat kerja", None)
    db.session.commit()
    budi = db.session.get(User, make_user("budi", counters=(2, 4, 6)))
    make_user("kepala", role="supervisor", counters=())
    _ticket("A", AUG(13))  # a visit-only service: no case tables row

    def dues(case):
        return [due.due for due in core.due_dates(case)]

    # H1 helpdesk, ticket Thu 13 Aug: 2 working days, Fri 14 (1), 17 holiday, 18 closed, Wed 19 (2). Done Wed 19:
    # on time, took 2 working days (14, 19).
    h1 = _helpdesk(budi, AUG(13))
    assert dues(h1) == [AUG(19)]
    core.complete_milestone(h1, "penyelesaian", budi, day=AUG(19))
    # H2 helpdesk of Thu 13 Aug escalated to LKPP: 7 working days, 14, 19, 20, 21, 24, 25, 26 → due Wed 26 Aug.
    # Done Tue 1 Sep: late, took 11 working days (14, 19, 20, 21, 24–28, 31, 1).
    h2 = core.escalate(_helpdesk(budi, AUG(13)), budi)
    assert dues(h2) == [AUG(26)]
    core.complete_milestone(h2, "penyelesaian", budi, day=SEP(1))
    # H5 helpdesk of Thu 20 Aug: due Mon 24 (21, 24); done Fri 21: on time, took 1 working day.
    h5 = _helpdesk(budi, AUG(20))
    assert dues(h5) == [AUG(24)]
    core.complete_milestone(h5, "penyelesaian", budi, day=AUG(21))
    # H3 helpdesk of Mon 24 Aug: due Wed 26 (25, 26); cancelled Thu 3 Sep. Cancelling has no day of its own
    # (it is today), so the row is set back to 10:00 WITA on 3 Sep.
    h3 = _helpdesk(budi, AUG(24))
    assert dues(h3) == [AUG(26)]
    h3 = core.cancel(h3, budi, "Masalah selesai sendiri")
    h3.closed_at = datetime(2026, 9, 3, 2, 0)
    db.session.commit()
    # H4 helpdesk of Tue 29 Sep: due Thu 1 Oct (30, 1); still open.
    h4 = _helpdesk(budi, SEP(29))
    assert dues(h4) == [date(2026, 10, 1)]

    # D1 selection, letter Mon 3 Aug without the DPP: waiting from Mon 3, the DPP arrives Wed 5, so Tue 4 and
    # Wed 5 stand still: the disposition is due Thu 6 and done then (took 1 working day, not 3). The review is
    # due Fri 7 and done then (1). Tender, 30 calendar days from Fri 7 with the clock stopped from Thu 20 to
    # Mon 24 (21, 22, 23, 24 stand still): 8–20 Aug (13), 25–31 Aug (7), 1–10 Sep (10) → due Thu 10 Sep.
    # Done Wed 9 Sep: on time, took 33 calendar days less the 4 stopped = 29. Without the pause it is late.
    d1 = _letter("D", budi, AUG(3), documents_received=[1])
    d1 = core.documents_arrived(d1, budi, day=AUG(5))
    core.complete_milestone(d1, "disposisi", budi, day=AUG(6))
    core.complete_milestone(d1, "reviu_dpp", budi, day=AUG(7))
    core.choose_variant(d1, "tender", budi)
    core.wait_for_documents(d1, "Revisi HPS", budi, day=AUG(20))
    core.documents_arrived(d1, budi, day=AUG(24))
    assert dues(d1) == [AUG(6), AUG(7), SEP(10)]
    core.complete_milestone(d1, "pemilihan", budi, day=SEP(9))
    # D2 selection, letter Mon 10 Aug: disposition due Tue 11, done then (1); review due Wed 12, done Fri 14:
    # late, took 3 working days (12, 13, 14). Seleksi, 50 calendar days from Fri 14 → Sat 3 Oct, plus Wed 26 to
    # Fri 28 stopped (waiting Tue 25 → Fri 28) → Tue 6 Oct. Still open on 31 Aug and 30 Sep, never overdue.
    d2 = _letter("D", budi, AUG(10))
    core.complete_milestone(d2, "disposisi", budi, day=AUG(11))
    core.complete_milestone(d2, "reviu_dpp", budi, day=AUG(14))
    core.choose_variant(d2, "seleksi", budi)
    core.wait_for_documents(d2, "Surat penetapan HPS", budi, day=AUG(25))
    core.documents_arrived(d2, budi, day=AUG(28))
    assert dues(d2) == [AUG(11), AUG(12), date(2026, 10, 6)]
    # D3 selection, letter Mon 31 Aug without the DPP: waiting on 31 Aug (the August report's last day), the DPP
    # arrives Tue 1 Sep: disposition due Wed 2 (1 Sep stands still), done then (1); review due Thu 3, done then
    # (1). Tender cepat, 10 calendar days from Thu 3 → Sun 13 Sep; done Mon 14: late, took 11.
    d3 = _letter("D", budi, AUG(31), documents_received=[1])
    core.documents_arrived(d3, budi, day=SEP(1))
    core.complete_milestone(d3, "disposisi", budi, day=SEP(2))
    core.complete_milestone(d3, "reviu_dpp", budi, day=SEP(3))
    core.choose_variant(d3, "tender_cepat", budi)
    assert dues(d3) == [SEP(2), SEP(3), SEP(13)]
    core.complete_milestone(d3, "pemilihan", budi, day=SEP(14))

    # F1 bimtek, letter Mon 7 Sep: 5 working days, 8, 9, 10, 11, 14 → due Mon 14; still open on 30 Sep: overdue.
    f1 = _letter("F", budi, SEP(7), activity_day=SEP(21))
    assert dues(f1) == [SEP(14)]
    # F2 bimtek, letter Thu 24 Sep without the request letter: waiting from then, still waiting on 30 Sep.
    f2 = _letter("F", budi, SEP(24), activity_day=date(2026, 10, 5), documents_received=[2])
    assert f2.state == "waiting"
    # F3 bimtek, letter Mon 28 Sep: due Mon 5 Oct (29, 30, 1, 2, 5); open, not overdue.
    f3 = _letter("F", budi, SEP(28), activity_day=date(2026, 10, 9))
    assert dues(f3) == [date(2026, 10, 5)]
    return ctx


# Expected figures, by hand from the fixture's comments. Row values in column order after the service.
BERKAS_COLUMNS = ["received", "completed", "on_time", "on_time_pct", "cancelled", "open"]
BERKAS = {
    # August: B received H1, H2, H5, H3; completed H1 (19 Aug) and H5 (21 Aug), both on time; open on 31 Aug H2
    # (done 1 Sep) and H3 (cancelled 3 Sep). D received D1, D2, D3, none done, all three open.
    "2026-08": {"B": [4, 2, 2, 100.0, 0, 2], "D": [3, 0, 0, None, 0, 3], "F": [0, 0, 0, None, 0, 0],
                None: [7, 2, 2, 100.0, 0, 5]},
    # September: B received H4, completed H2 (late), cancelled H3, open H4. D completed D1 (every milestone on
    # time) and D3 (tender cepat late): 1 of 2 = 50 %; open D2. F received F1, F2, F3, all open.
    # All services: 1 on time of 3 completed = 33.3 %.
    "2026-09": {"B": [1, 1, 0, 0.0, 1, 1], "D": [0, 2, 1, 50.0, 0, 1], "F": [3, 0, 0, None, 0, 3],
                None: [4, 3, 1, 33.3, 1, 5]},
}
TAHAPAN_COLUMNS = ["variant", "unit", "completed", "on_time", "on_time_pct", "days_avg", "promised"]
TAHAPAN = {
    # August: helpdesk H1 (2 working days) and H5 (1): average 1.5, both on time. Disposition D1 (1, the stopped
    # Tue 4 and Wed 5 left out) and D2 (1). Review D1 (1, on time) and D2 (3, late): 1 of 2, average 2.0.
    "2026-08": [("B", None, "hari kerja", 2, 2, 100.0, 1.5, 2), ("B", LKPP, "hari kerja", 0, 0, None, None, 7),
                ("D", None, "hari kerja", 2, 2, 100.0, 1.0, 1), ("D", None, "hari kerja", 2, 1, 50.0, 2.0, 1),
                ("D", "Tender", "hari kalender", 0, 0, None, None, 30),
                ("D", "Seleksi", "hari kalender", 0, 0, None, None, 50),
                ("D", "Tender Cepat", "hari kalender", 0, 0, None, None, 10),
                ("F", None, "hari kerja", 0, 0, None, None, 5)],
    # September: H2 at LKPP 11 working days, late. D3's disposition and review 1 each, on time. D1's tender
    # 29 calendar days (33 less 4 stopped), on time; D3's tender cepat 11, late.
    "2026-09": [("B", None, "hari kerja", 0, 0, None, None, 2), ("B", LKPP, "hari kerja", 1, 0, 0.0, 11.0, 7),
                ("D", None, "hari kerja", 1, 1, 100.0, 1.0, 1), ("D", None, "hari kerja", 1, 1, 100.0, 1.0, 1),
                ("D", "Tender", "hari kalender", 1, 1, 100.0, 29.0, 30),
                ("D", "Seleksi", "hari kalender", 0, 0, None, None, 50),
                ("D", "Tender Cepat", "hari kalender", 1, 0, 0.0, 11.0, 10),
                ("F", None, "hari kerja", 0, 0, None, None, 5)],
}
UMUR_COLUMNS = ["open", "age_0_5", "age_6_10", "age_11_30", "age_31", "overdue", "waiting"]
UMUR = {
    # On Mon 31 Aug: H2 18 days old, its LKPP due (26 Aug) passed; H3 7 days, due 26 Aug passed. D1 28 days
    # (tender due 10 Sep), D2 21 days (due 6 Oct), D3 0 days and waiting for the DPP (it came on 1 Sep).
    "2026-08": {"B": [2, 0, 1, 1, 0, 2, 0], "D": [3, 1, 0, 2, 0, 0, 1], "F": [0, 0, 0, 0, 0, 0, 0],
                None: [5, 1, 1, 3, 0, 2, 1]},
    # On Wed 30 Sep: H4 1 day (due 1 Oct). D2 51 days (due 6 Oct). F1 23 days, due 14 Sep passed; F2 6 days,
    # waiting; F3 2 days (due 5 Oct).
    "2026-09": {"B": [1, 1, 0, 0, 0, 0, 0], "D": [1, 0, 0, 0, 1, 0, 0], "F": [3, 1, 1, 1, 0, 1, 1],
                None: [5, 2, 1, 1, 1, 1, 1]},
}


def _expected(key: str, table: str) -> list[list]:
    """Expected rows after the first (service) column, the total last."""
    if table == "tahapan":
        return [list(row[1:]) for row in TAHAPAN[key]]
    found = (BERKAS if table == "berkas" else UMUR)[key]
    return [found[code] for code in ("B", "D", "F")] + [found[None]]


def _first_cells(key: str, table: str) -> list[str]:
    if table == "tahapan":
        return [row[0] for row in TAHAPAN[key]]
    return ["B", "D", "F", "Seluruh layanan"]


KINDS = {"berkas": ["int", "int", "int", "percent", "int", "int"], "umur": ["int"] * 7,
         "tahapan": ["text", "text", "int", "int", "percent", "minutes", "int"]}


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("key", ["2026-08", "2026-09"])
def test_the_case_tables_of_build_are_the_figures_worked_out_by_hand(history, key, app_database):
    built = {table.key: table for table in period_report.build(parse_period(key), default_office().id).tables}
    assert [c.key for c in built["berkas"].columns][1:] == BERKAS_COLUMNS
    assert [c.key for c in built["tahapan"].columns][3:] == TAHAPAN_COLUMNS[1:]
    assert [c.key for c in built["umur"].columns][1:] == UMUR_COLUMNS
    for name in ("berkas", "umur"):
        rows = built[name].all_rows
        assert [row[0][:1] for row in rows[:-1]] + [rows[-1][0]] == _first_cells(key, name)
        assert [row[1:] for row in rows] == _expected(key, name), name
    steps = built["tahapan"].rows
    assert [row[0][:1] for row in steps] == _first_cells(key, "tahapan")
    assert [row[1][:14] for row in steps] == ["Penyelesaian d", "Penyelesaian d", "Penerimaan sur", "Reviu Dokumen ",
                                              "Proses Pemilih", "Proses Pemilih", "Proses Pemilih", "Bimbingan Tekn"]
    assert [row[2:] for row in steps] == _expected(key, "tahapan")
    assert "Tepat waktu: setiap tahapan berkas selesai paling lambat" in built["berkas"].note
    assert "tanpa hari ketika jam berhenti" in built["tahapan"].note


def test_a_range_over_both_months_adds_them_up_and_counts_open_cases_at_its_end(history):
    built = {t.key: t for t in period_report.build(parse_period("2026-08-01..2026-09-30"), default_office().id).tables}
    # Received 7 + 4; completed H1, H5, H2, D1, D3, on time H1, H5, D1; cancelled H3; open on 30 Sep as in September.
    assert built["berkas"].total[1:] == [11, 5, 3, 60.0, 1, 5]
    assert built["umur"].total[1:] == UMUR["2026-09"][None]
    # Disposition: D1, D2 (August) and D3 (September), 1 working day each.
    assert built["tahapan"].rows[2][4:] == [3, 3, 100.0, 1.0, 1]


def test_the_visit_table_points_to_the_case_tables_instead_of_a_figure(history):
    built = period_report.build(parse_period("2026-08"), default_office().id)
    visits = built.tables[0]
    assert "lihat tabel Berkas per layanan dan Tahapan berkas" in visits.note
    within = [c.key for c in visits.columns].index("within")
    helpdesk = next(row for row in visits.rows if row[0].startswith("B "))
    assert helpdesk[1] == "dalam hari (berkas)" and helpdesk[within] is None


def _page_value(value, kind: str) -> str:
    """A value as the page's data-value carries it (Python's own str; empty for nothing)."""
    return "" if value is None else str(value)


@pytest.mark.parametrize("key", ["2026-08", "2026-09"])
def test_the_page_the_xlsx_and_the_csv_carry_the_same_case_figures(app, history, key):
    boss = login(app.test_client(), "kepala")
    html = boss.get(f"/admin/laporan?periode={key}").get_data(as_text=True)
    found = report_tables(html)
    book = load_workbook(io.BytesIO(boss.get(f"/admin/laporan/unduh.xlsx?periode={key}").data))
    text = boss.get(f"/admin/laporan/unduh.csv?periode={key}").data.decode("utf-8-sig")
    sections, section = {}, None
    for row in csv.reader(io.StringIO(text)):
        if len(row) == 1 and row[0] in ("Berkas per layanan", "Tahapan berkas", "Umur berkas yang masih berjalan"):
            section = sections.setdefault(row[0], [])
        elif not row:
            section = None
        elif section is not None:
            section.append(row)
    titles = {"berkas": "Berkas per layanan", "tahapan": "Tahapan berkas", "umur": "Umur berkas yang masih berjalan"}
    skip = {"berkas": 1, "umur": 1, "tahapan": 2}  # columns before the expected values: service (and milestone)
    for name, title in titles.items():
        expected, kinds = _expected(key, name), KINDS[name]
        # The page: data-value of each cell, and the Indonesian text of the numbers.
        rows = [list(row.values())[skip[name]:] for row in found[name]]
        assert [[value for value, _text in row] for row in rows] == [
            [_page_value(v, k) for v, k in zip(row, kinds)] for row in expected], name
        # XLSX: the sheet named by the key; the rows after the heading (3 lines), the title and the header.
        sheet = list(book[name].iter_rows(values_only=True))
        assert sheet[3][0] == title and sheet[4][0] == "Layanan"
        assert [list(row[skip[name]:]) for row in sheet[5:]] == expected, name
        # CSV: the header, then the rows as plain text (a dot for decimals, empty for nothing).
        assert sections[title][0][0] == "Layanan"
        assert [row[skip[name]:] for row in sections[title][1:]] == [
            [plain(v, k) for v, k in zip(row, kinds)] for row in expected], name
    # The page writes numbers the Indonesian way, and "–" where nothing can be said.
    berkas_total = found["berkas"][-1]
    shown = {"2026-08": ("100,0", "–"), "2026-09": ("33,3", "–")}[key]
    assert (berkas_total["on_time_pct"][1], found["berkas"][2]["on_time_pct"][1]) == shown
    assert "Janji dalam hari (berkas) tidak diukur di loket" in html


def test_the_case_tables_in_english(app, history):
    boss = login(app.test_client(), "kepala")
    html = boss.get("/admin/laporan?periode=2026-09&lang=en").get_data(as_text=True)
    assert "Cases per service" in html and "Case milestones" in html and "Open cases by age" in html
    steps = report_tables(html)["tahapan"]
    assert steps[1]["unit"][1] == "working days" and steps[4]["unit"][1] == "calendar days"
    assert steps[1]["days_avg"][1] == "11.0"


def test_the_case_figures_cost_the_same_queries_however_many_cases(history):
    office = default_office().id
    statements = []

    def count(*_args):
        statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        few = case_report.case_figures(parse_period("2026-07"), office)  # no cases then
        statements.clear()
        case_report.case_figures(parse_period("2026-08"), office)  # seven cases
        august = len(statements)
        statements.clear()
        case_report.case_figures(parse_period("2026-08-01..2026-09-30"), office)  # eleven cases
        both = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert few.services and not any(row.received for row in few.services)
    # services, cases, completions, pauses, and the calendar (the office's hours and exceptions, holidays)
    assert august == both and august <= 6


def test_days_taken_leave_out_the_stopped_clock_and_the_days_off():
    calendar = OfficeCalendar(days_off={AUG(17)})
    # Fri 14 → Wed 19: Mon 17 off, the weekend skipped: 18, 19 = 2 working days; 5 calendar days.
    assert case_report.days_taken(AUG(14), AUG(19), WORKING, calendar) == 2
    assert case_report.days_taken(AUG(14), AUG(19), CALENDAR, calendar) == 5
    # Stopped Mon 17 → Tue 18 (18 stands still): 4 calendar days, 1 working day.
    assert case_report.days_taken(AUG(14), AUG(19), CALENDAR, calendar, [(AUG(17), AUG(18))]) == 4
    assert case_report.days_taken(AUG(14), AUG(19), WORKING, calendar, [(AUG(17), AUG(18))]) == 1


def test_the_end_of_a_running_period_is_today_and_ages_fall_in_bands(ctx):
    assert case_report.as_of(parse_period("2026-09"), today=date(2026, 11, 30)) == SEP(30)
    assert case_report.as_of(parse_period("2026-11"), today=date(2026, 11, 30)) == date(2026, 11, 30)
    assert case_report.as_of(parse_period("2026-11"), today=date(2026, 11, 12)) == date(2026, 11, 12)
    assert case_report.as_of(parse_period("2027-01"), today=date(2026, 11, 30)) == date(2027, 1, 1)
    assert [case_report.age_band(age) for age in (0, 5, 6, 10, 11, 30, 31, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]
