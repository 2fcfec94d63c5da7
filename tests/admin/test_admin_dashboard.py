"""The supervisors' live dashboard: today's figures per service and per counter, computed from the
tickets, scoped to the office, and redrawn in the browser when the office's events arrive (never
on a timer)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.admin.dashboard import office_today
from loket.auth.models import User
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue import core
from loket.queue.models import Counter, Ticket
from loket.timeutil import utcnow
from support import login


def _counter(number):
    return db.session.scalar(select(Counter).where(Counter.number == number, Counter.office_id == default_office().id))


def _at(ticket_id, **moments):
    ticket = db.session.get(Ticket, ticket_id)
    for name, value in moments.items():
        setattr(ticket, name, value)
    db.session.commit()


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_todays_figures_per_service_and_counter(ctx, make_user, make_ticket, app_database):
    """The database computes the minutes (julianday on SQLite, epoch on PostgreSQL): both agree."""
    officer = db.session.get(User, make_user("budi", counters=(1, 2)))
    now = utcnow()
    served, no_show, called, waiting_long, waiting_new = (make_ticket("A").id for _ in range(5))
    counter = _counter(1)
    # served: waited 10 min, served 20 min; no_show: waited 30 min; called: waited 2 min, at counter 1
    for ticket_id in (served, no_show):
        ticket = core.call_next(counter, officer=officer)
        assert ticket.id == ticket_id
        if ticket_id == served:
            core.start_service(ticket, officer=officer)
            core.close_case(ticket, officer=officer)
        else:
            core.mark_no_show(ticket, officer=officer)
    assert core.call_next(counter, officer=officer).id == called
    _at(served, issued_at=now - timedelta(minutes=40), called_at=now - timedelta(minutes=30),
        started_at=now - timedelta(minutes=30), finished_at=now - timedelta(minutes=10))
    _at(no_show, issued_at=now - timedelta(minutes=45), called_at=now - timedelta(minutes=15))
    _at(called, issued_at=now - timedelta(minutes=7), called_at=now - timedelta(minutes=5))
    _at(waiting_long, issued_at=now - timedelta(minutes=25))
    _at(waiting_new, issued_at=now - timedelta(minutes=1))
    core.set_paused(_counter(2), True, officer=officer)

    today = office_today(default_office().id, now=now)
    a = next(row for row in today.services if row.service.code == "A")
    assert (a.waiting, a.at_counter, a.done, a.no_show) == (2, 1, 1, 1)
    assert a.longest_wait == pytest.approx(25, abs=0.01)
    assert a.average_wait == pytest.approx((10 + 30 + 2) / 3, abs=0.01)
    assert a.average_service == pytest.approx(20, abs=0.01)
    assert a.over_promise is (a.service.promised_minutes is not None and a.service.promised_minutes < 20)
    b = next(row for row in today.services if row.service.code == "B")
    assert (b.waiting, b.at_counter, b.done, b.longest_wait, b.average_wait) == (0, 0, 0, None, None)
    rows = {row.counter.number: row for row in today.counters}
    called_number = db.session.get(Ticket, called).number
    assert (rows[1].state, rows[1].officer, rows[1].ticket) == ("called", "Budi", called_number)
    assert rows[2].state == "paused" and rows[2].paused_since is not None
    assert rows[3].state == "idle" and rows[3].officer is None and rows[3].ticket is None


def test_yesterdays_tickets_and_other_offices_do_not_count(ctx, make_ticket, second_office):
    from loket.queue.models import Service

    yesterday = make_ticket("A")
    yesterday.day = yesterday.day - timedelta(days=1)
    db.session.commit()
    other = db.session.get(Service, second_office["services"]["A"])
    core.issue_ticket_for(other)
    a = next(row for row in office_today(default_office().id).services if row.service.code == "A")
    assert a.waiting == 0


def test_the_page_and_its_fragment_for_supervisors_of_the_office(app, make_user, second_office):
    make_user("kasubag", role="supervisor", counters=())
    make_user("budi")
    supervisor = login(app.test_client(), "kasubag")
    page = supervisor.get("/admin/dasbor")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="dashboard-services"' in text and "<html" in text
    assert f'data-rooms="office:{second_office["first"]}"' in text
    fragment = supervisor.get("/admin/dasbor", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert 'id="dashboard-live"' in fragment.get_data(as_text=True)
    assert supervisor.get("/admin/dasbor?kantor=dukcapil").status_code == 403
    assert login(app.test_client(), "budi").get("/admin/dasbor").status_code == 403


@pytest.mark.browser
def test_the_dashboard_changes_live_without_polling(app, live_server, make_user, browser, artifacts):
    make_user("kasubag", role="supervisor", counters=())
    officer_id = make_user("budi", counters=(1,))
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/admin/dasbor" in r.url else None)
    page.goto(f"{live_server.url}/login?next=/admin/dasbor")
    page.fill("input[name=username]", "kasubag")
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-live=connected]", timeout=10_000)
    cell = "#dashboard-services tr[data-service=A] td.waiting"
    assert page.inner_text(cell) == "0"
    with app.app_context():
        core.issue_ticket("A")
        core.issue_ticket("A")
    page.wait_for_function(f"document.querySelector('{cell}').textContent.trim() === '2'", timeout=10_000)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        ticket = core.call_next(_counter(1), officer=officer)
        number = ticket.number
    page.wait_for_function(
        f"document.querySelector('#dashboard-counters tr[data-counter=\"1\"] td.ticket').textContent.includes('{number}')",
        timeout=10_000)
    assert page.inner_text("#dashboard-counters tr[data-counter='1'] td.officer") == "Budi"
    with app.app_context():
        core.set_paused(_counter(2), True)
    page.wait_for_selector("#dashboard-counters tr[data-counter='2'].state-paused", timeout=10_000)
    page.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)
    # Quiet office, quiet dashboard: no request while nothing happens.
    before = len(requests)
    page.wait_for_timeout(2500)
    assert len(requests) == before
    context.close()
