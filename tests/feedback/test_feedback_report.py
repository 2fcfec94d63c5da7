"""The supervisor report: IKM per service, per period and overall with the minimum-sample notice,
quick ratings beside it (never mixed in), and waiting/service times against the standard's promise.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from loket.counter import rating
from loket.extensions import db
from loket.feedback import reports
from loket.feedback import survey
from loket.feedback.ikm import minimum_sample
from loket.feedback.models import SurveyResponse
from loket.queue import core
from loket.queue.errors import InvalidInput
from loket.offices.scope import default_office
from loket.queue.models import Counter, Service, TicketEvent
from loket.reports import figures, period_report
from loket.timeutil import local_day
from support import report_row

# Hand-computed data sets (see tests/test_ikm.py for the arithmetic):
# A: 3 respondents, total 104 -> 104/27 x 25 = 96.30 (A); B: 4 respondents, total 115 -> 79.86 (B).
DATA_A = [(4,) * 9, (4, 3, 4, 4, 4, 4, 4, 3, 4), (3, 4, 4, 4, 3, 4, 4, 4, 4)]
DATA_B = [(3,) * 9, (4, 3, 3, 4, 3, 3, 4, 3, 3), (3, 3, 3, 4, 3, 3, 4, 3, 3), (3, 4, 3, 4, 3, 3, 3, 3, 3)]
NOVEMBER = datetime(2026, 11, 10, 2, 0)  # naive UTC, 10:00 WITA
OCTOBER = datetime(2026, 10, 5, 2, 0)


def login(app, username, role):
    """A logged-in staff client of the first office (an admin: of the whole installation)."""
    from loket.auth.models import User
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = None if role == "admin" else default_office().id
        user = User(username=username, role=role, display_name=username, office_id=office_id)
        user.set_password("rahasia-123")
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "rahasia-123"}).status_code == 302
    return client


def answer(code, rows, now):
    service = db.session.scalar(select(Service).where(Service.code == code))
    for row in rows:
        form = survey.parse_form({f"u{i}": str(v) for i, v in enumerate(row, start=1)})
        survey.submit(form, service=service, now=now)


def serve(code, minutes, now=NOVEMBER):
    """Issue, call and close tickets, then move each visit to the report's month with known (wait, service)
    minutes: the ticket's columns and its events, which the report reads."""
    counter = db.session.scalar(select(Counter).where(Counter.services.any(code=code)))
    tickets = []
    for wait, service_minutes in minutes:
        ticket = core.issue_ticket(code)
        called = core.call_next(counter)  # the queue works on today's tickets ...
        assert called.id == ticket.id
        core.close_case(called)
        # ... so the visit is then moved to the report's month with known times
        ticket.day, ticket.issued_at = local_day(now), now
        ticket.called_at = now + timedelta(minutes=wait)
        ticket.started_at = ticket.called_at
        ticket.finished_at = ticket.called_at + timedelta(minutes=service_minutes)
        at = {"issued": now, "called": ticket.called_at, "closed": ticket.finished_at}
        for event in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)):
            event.at = at[event.kind]
        db.session.commit()
        tickets.append(ticket)
    return tickets, counter


@pytest.fixture
def data(ctx):
    answer("A", DATA_A, NOVEMBER)
    answer("B", DATA_B, NOVEMBER)
    answer("A", [(1,) * 9], OCTOBER)
    a_tickets, a_counter = serve("A", [(10, 20), (20, 40), (0, 30), (5, 10), (15, 25)])
    serve("B", [(4, 8), (6, 12)])
    # quick ratings at the counter: 4, 4, 2 for service A in November
    for ticket, score in zip(a_tickets, (4, 4, 2)):
        request = rating.request_rating(ticket, a_counter, now=NOVEMBER)
        rating.submit_rating(request.id, score, now=NOVEMBER + timedelta(seconds=5))
    return a_tickets


def by_code(rows):
    return {row.service.code: row for row in rows}


def test_ikm_per_service_and_overall_for_a_month(data):
    rows, overall = reports.ikm_report(reports.parse_period("2026-11"))
    rows = by_code(rows)
    assert (rows["A"].result.respondents, rows["A"].result.ikm_converted, rows["A"].result.grade) == (3, 96.30, "A")
    assert (rows["B"].result.respondents, rows["B"].result.ikm_converted, rows["B"].result.grade) == (4, 79.86, "B")
    assert rows["C"].result.respondents == 0 and rows["C"].result.grade is None
    # overall from all 7 answers (not the mean of the services): 219 / 63 x 25 = 86.905 -> 86.90 B
    assert (overall.result.respondents, overall.result.ikm_converted, overall.result.grade) == (7, 86.90, "B")
    assert overall.result.label == "Baik"


def test_a_service_closed_since_keeps_its_visitors_row_so_rows_add_up(data):
    service_b = db.session.scalar(select(Service).where(Service.code == "B"))
    db.session.execute(delete(SurveyResponse).where(SurveyResponse.service_id == service_b.id))
    service_b.active = False  # closed after November, with visitors and no SKM answers in it
    db.session.commit()
    rows, overall = reports.ikm_report(reports.parse_period("2026-11"))
    assert by_code(rows)["B"].visitors == 2
    assert sum(row.visitors for row in rows) == overall.visitors


def test_ikm_per_semester_and_year_include_earlier_months(data):
    for key in ("2026-S2", "2026"):
        rows = by_code(reports.ikm_report(reports.parse_period(key))[0])
        # A: 3 answers in November + one all-1 answer in October: 113 / 36 x 25 = 78.47 -> B
        assert (rows["A"].result.respondents, rows["A"].result.ikm_converted, rows["A"].result.grade) == \
            (4, 78.47, "B")
    rows, overall = reports.ikm_report(reports.parse_period("2026-S1"))
    assert overall.result.respondents == 0 and overall.result.ikm is None


def test_below_minimum_sample_is_flagged(data):
    rows, overall = reports.ikm_report(reports.parse_period("2026-11"))
    rows = by_code(rows)
    # 5 visitors served for A: Krejcie-Morgan needs 5, only 3 answered
    assert (rows["A"].visitors, rows["A"].minimum, rows["A"].below_minimum) == (5, minimum_sample(5), True)
    assert minimum_sample(5) == 5
    assert (rows["B"].visitors, rows["B"].minimum, rows["B"].below_minimum) == (2, 2, False)
    assert (overall.visitors, overall.minimum, overall.below_minimum) == (7, minimum_sample(7), False)


def test_quick_ratings_are_reported_beside_ikm_never_in_it(data):
    built = period_report.build(reports.parse_period("2026-11"), default_office().id)
    satisfaction = {row[0][:1]: row for row in built.tables[1].rows}
    columns = [c.key for c in built.tables[1].columns]
    a = dict(zip(columns, satisfaction["A"]))
    assert (a["rating_count"], a["rating_avg"], a["rating_1"], a["rating_2"], a["rating_4"]) == (3, 3.33, 0, 1, 2)
    assert dict(zip(columns, satisfaction["B"]))["rating_count"] == 0
    # the IKM of A is still the survey's alone
    assert (a["respondents"], a["ikm"]) == (3, 96.30)


def test_waiting_and_service_times_against_the_promise(data):
    found = figures.breakdown(reports.parse_period("2026-11"), default_office().id)
    times = {service.code: f for service, f in found.services}
    a = times["A"]
    assert a.done == 5 and a.promised == 5
    assert a.wait_median == 10 and a.wait_p90 == 20           # waits 0 5 10 15 20
    assert a.service_median == 25 and a.service_p90 == 40     # services 10 20 25 30 40
    assert (a.within, a.within_share) == (4, 0.8)  # only the 40-minute case broke the promise
    b = times["B"]
    assert (b.done, b.wait_median, b.service_median) == (2, 5.0, 10.0)
    assert b.within_share is None  # the standard gives no minutes for B
    assert times["C"].done == 0 and times["C"].wait_median is None


def test_report_page_shows_it_all_to_supervisors(app, data):
    db.session.remove()
    boss = login(app, "kepala", "supervisor")
    html = boss.get("/admin/laporan?periode=2026-11").get_data(as_text=True)
    visits = report_row(html, "kunjungan", "A ")
    assert (visits["done"], visits["wait_median"], visits["service_median"], visits["within"]) == \
        ("5", "10.0", "25.0", "80.0")
    assert '<td class="kind-minutes" data-column="wait_median" data-value="10.0">10,0</td>' in html
    a = report_row(html, "kepuasan", "A ")
    assert (a["ikm"], a["grade"], a["rating_count"], a["rating_avg"]) == ("96.3", "A", "3", "3.33")
    assert report_row(html, "kepuasan", "Seluruh layanan")["ikm"] == "86.9"
    assert "tidak dihitung dalam IKM" in html
    skm = boss.get("/admin/laporan/skm?periode=2026-11").get_data(as_text=True)
    row_a = report_row(skm, "ikm", "A ")
    assert (row_a["ikm_converted"], row_a["grade"], row_a["performance"]) == ("96.3", "A", "Sangat Baik")
    total = report_row(skm, "ikm", "Seluruh layanan")
    assert (total["ikm_converted"], total["grade"], total["performance"]) == ("86.9", "B", "Baik")
    assert 'id="sample-warning"' not in skm and "Krejcie" in skm
    for key in ("2026-S2", "2026"):
        page = boss.get(f"/admin/laporan/skm?periode={key}")
        assert page.status_code == 200 and report_row(page.get_data(as_text=True), "ikm", "A ")["ikm_converted"] == \
            "78.47"


def test_report_needs_a_supervisor_and_a_valid_period(app):
    officer = login(app, "petugas", "officer")
    assert officer.get("/admin/laporan").status_code == 403
    assert app.test_client().get("/admin/laporan").status_code == 302
    boss = login(app, "kepala", "supervisor")
    assert boss.get("/admin/laporan").status_code == 200
    bad = boss.get("/admin/laporan?periode=2026-13")
    assert bad.status_code == 400 and "Periode tidak dikenal" in bad.get_data(as_text=True)


@pytest.mark.parametrize("key, shown, hidden", [
    ("2100", "periode=2099", 'rel="next"'),
    ("2100-S2", "periode=2100-S1", 'rel="next"'),
    ("2100-12", "periode=2100-11", 'rel="next"'),
    ("2000-01", "periode=2000-02", 'rel="prev"'),
    ("2000-S1", "periode=2000-S2", 'rel="prev"'),
    ("2000", "periode=2001", 'rel="prev"'),
])
def test_report_at_the_edge_of_the_range_hides_the_link_beyond_it(app, key, shown, hidden):
    boss = login(app, "kepala", "supervisor")
    page = boss.get(f"/admin/laporan?periode={key}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<span id="period">{key}</span>' in html and shown in html and hidden not in html


@pytest.mark.parametrize("text, kind, start, end", [
    ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1)),
    ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-S1", "semester", date(2026, 1, 1), date(2026, 7, 1)),
    ("2026-s2", "semester", date(2026, 7, 1), date(2027, 1, 1)),
    ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
])
def test_periods(text, kind, start, end):
    period = reports.parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)


def test_period_navigation_and_bad_periods():
    assert reports.parse_period("2026-12").next().key == "2027-01"
    assert reports.parse_period("2026-S1").previous().key == "2025-S2"
    assert reports.parse_period("2026").next().key == "2027"
    assert reports.parse_period("", today=date(2026, 3, 9)).key == "2026-03"
    # the ends of the reportable range have no period beyond them
    assert reports.parse_period("2100").next() is None and reports.parse_period("2100").previous().key == "2099"
    assert reports.parse_period("2100-S2").next() is None
    assert reports.parse_period("2100-12").next() is None
    assert reports.parse_period("2000-01").previous() is None and reports.parse_period("2000-01").next().key == "2000-02"
    assert reports.parse_period("2000-S1").previous() is None and reports.parse_period("2000").previous() is None
    for bad in ("2026-00", "26-11", "1999", "2026-S3", "<script>"):
        with pytest.raises(InvalidInput):
            reports.parse_period(bad)
