"""The supervisor report: IKM per service, per period and overall with the minimum-sample notice,
quick ratings beside it (never mixed in), and waiting/service times against the standard's promise.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from loket.counter import rating
from loket.extensions import db
from loket.feedback import reports
from loket.feedback import survey
from loket.feedback.ikm import minimum_sample
from loket.queue import core
from loket.queue.errors import InvalidInput
from loket.queue.models import Counter, Service
from loket.timeutil import local_day

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
    """Issue, call and close tickets; (wait, service) minutes per ticket are written on the ticket."""
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
    ratings = {row.service.code: row for row in reports.quick_ratings(reports.parse_period("2026-11"))}
    assert ratings["A"].count == 3
    assert ratings["A"].average == pytest.approx(10 / 3)
    assert ratings["A"].distribution == {4: 2, 2: 1}
    assert ratings["B"].count == 0 and ratings["B"].average is None
    # the IKM of A is still the survey's alone
    rows = by_code(reports.ikm_report(reports.parse_period("2026-11"))[0])
    assert rows["A"].result.respondents == 3 and rows["A"].result.ikm_converted == 96.30
    assert reports.quick_ratings(reports.parse_period("2026-10"))[0].count == 0


def test_waiting_and_service_times_against_the_promise(data):
    times = {row.service.code: row for row in reports.service_times(reports.parse_period("2026-11"))}
    a = times["A"]
    assert a.done == 5 and a.promised_minutes == 30
    assert a.wait_minutes == pytest.approx(10.0)         # (10 + 20 + 0 + 5 + 15) / 5
    assert a.service_minutes == pytest.approx(25.0)      # (20 + 40 + 30 + 10 + 25) / 5
    assert (a.within_promise, a.within_share) == (4, 0.8)  # only the 40-minute case broke the promise
    b = times["B"]
    assert (b.done, b.wait_minutes, b.service_minutes) == (2, pytest.approx(5.0), pytest.approx(10.0))
    assert b.promised_minutes is None and b.within_share is None  # the standard gives no minutes for B
    assert times["C"].done == 0 and times["C"].wait_minutes is None


def test_report_page_shows_it_all_to_supervisors(app, data):
    db.session.remove()
    boss = login(app, "kepala", "supervisor")
    html = boss.get("/admin/laporan?periode=2026-11").get_data(as_text=True)
    row_a = re.search(r'<tr class="[^"]*" data-service="A">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="ikm-value">96.30</td>' in row_a and '<td class="grade">A</td>' in row_a
    assert '<td class="label">Sangat Baik</td>' in row_a and "badge-warn" in row_a
    total = re.search(r'<tr class="total[^"]*" data-service="all">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="ikm-value">86.90</td>' in total and '<td class="grade">B</td>' in total
    assert '<td class="label">Baik</td>' in total
    assert 'id="sample-warning"' in html and "Krejcie" in html
    ratings = re.search(r'<section id="quick-ratings">(.*?)</section>', html, re.S).group(1)
    assert "tidak dihitung dalam IKM" in ratings and "3.33" in ratings
    times = re.search(r'<section id="times">(.*?)</section>', html, re.S).group(1)
    row = re.search(r'data-service="A">(.*?)</tr>', times, re.S).group(1)
    assert "10.0" in row and "25.0" in row and "30" in row and "4 (80%)" in row
    for key in ("2026-S2", "2026"):
        page = boss.get(f"/admin/laporan?periode={key}")
        assert page.status_code == 200 and "78.47" in page.get_data(as_text=True)


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
