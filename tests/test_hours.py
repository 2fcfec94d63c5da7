"""Office hours: the kiosk issues only while the office is open (office-local time)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from loket.extensions import db
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


def test_24_7_ignores_holidays(ctx):
    ctx.config["LOKET_OFFICE_HOURS"] = "24/7"
    assert hours.state(datetime(2026, 12, 25, 2, 0)).open is True


# --- the holiday calendar is data the office keeps ------------------------------------------

def test_holiday_calendar_closes_the_office_and_can_be_edited(ctx):
    wednesday = datetime(2026, 11, 25, 2, 0)  # 10:00 WITA
    assert hours.state(wednesday).open
    hours.add_holiday(wednesday.date(), "Hari Raya Galungan")
    state = hours.state(wednesday)
    assert not state.open and state.opens_at.isoformat() == "2026-11-26T07:30:00+08:00"
    with pytest.raises(OfficeClosed):
        core.issue_ticket("A", now=wednesday)
    assert hours.remove_holiday(wednesday.date()) is True
    assert hours.state(wednesday).open
    assert hours.remove_holiday(wednesday.date()) is False


def test_national_calendar_import_includes_cuti_bersama_and_keeps_office_entries(ctx):
    from datetime import date

    hours.add_holiday(date(2026, 12, 25), "Natal (kantor)")
    added = hours.import_calendar(2026)
    days = {h.day: h for h in hours.calendar(2026)}
    assert added == len(days) - 1 and added >= 15
    assert date(2026, 8, 17) in days                      # Hari Kemerdekaan
    assert "Cuti Bersama" in days[date(2026, 12, 24)].name  # joint leave, from the government category
    assert days[date(2026, 12, 25)].name == "Natal (kantor)" and days[date(2026, 12, 25)].source == "office"
    assert hours.import_calendar(2026) == 0  # idempotent


def test_seeding_runs_once_per_year_so_removed_days_stay_removed(ctx):
    from datetime import date

    seeded = hours.seed_calendar(date(2026, 11, 25))
    assert set(seeded) == {2026, 2027} and all(n > 0 for n in seeded.values())
    hours.remove_holiday(date(2026, 8, 17))
    assert hours.seed_calendar(date(2026, 11, 25)) == {}
    assert not hours.is_holiday(date(2026, 8, 17))
    ctx.config["LOKET_HOLIDAY_COUNTRY"] = ""
    assert hours.seed_calendar(date(2028, 1, 2)) == {}


def test_holidays_command(runner, tmp_path):
    env = {"LOKET_INSTANCE": str(tmp_path / "cli")}
    result = runner.invoke(args=["loket", "holidays", "import", "--year", "2026"], env=env)
    assert result.exit_code == 0 and "Imported" in result.output, result.output
    assert runner.invoke(args=["loket", "holidays", "add", "2026-11-25", "Galungan"], env=env).exit_code == 0
    listing = runner.invoke(args=["loket", "holidays", "list", "--year", "2026"], env=env).output
    assert "2026-11-25  Galungan  [office]" in listing and "2026-08-17" in listing
    assert runner.invoke(args=["loket", "holidays", "remove", "2026-11-25"], env=env).exit_code == 0
    again = runner.invoke(args=["loket", "holidays", "remove", "2026-11-25"], env=env)
    assert again.exit_code == 2 and "not in the calendar" in again.output
    bad = runner.invoke(args=["loket", "holidays", "add", "25-11-2026"], env=env)
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


# --- end of day -----------------------------------------------------------------------------

WED_10 = datetime(2026, 11, 25, 2, 0)      # Wednesday 10:00 WITA
WED_16 = datetime(2026, 11, 25, 8, 0)      # Wednesday 16:00 WITA, after closing
THU_09 = datetime(2026, 11, 26, 1, 0)      # Thursday 09:00 WITA


def _counter(number):
    from sqlalchemy import select

    from loket.extensions import db
    from loket.queue.models import Counter

    return db.session.scalar(select(Counter).where(Counter.number == number))


def _ticket(ticket_id):
    from loket.extensions import db
    from loket.queue.models import Ticket

    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _day_of_tickets(monkeypatch):
    """Wednesday's queue: A-001 called at counter 1, B-001 being served at counter 2, A-002 and
    B-002 waiting."""
    from loket.queue import core as core_module

    monkeypatch.setattr(core_module, "local_day", lambda *a: WED_10.date())
    a1, b1, a2, b2 = (core.issue_ticket(code, now=WED_10) for code in "ABAB")
    core.call_next(_counter(1))
    core.call_next(_counter(2))
    core.start_service(_ticket(b1.id))
    return {"called": a1.id, "serving": b1.id, "waiting": [a2.id, b2.id]}


def test_closing_closes_waiting_tickets_keeps_them_and_logs_each(ctx, monkeypatch, published):
    from sqlalchemy import func, select

    from loket.extensions import db
    from loket.queue.closing import OFFICE_CLOSED, close_day, closed_tickets
    from loket.queue.models import Ticket, TicketEvent

    ids = _day_of_tickets(monkeypatch)
    published.clear()
    assert close_day(WED_10)["closed"] == 0  # still open: nothing of today is touched

    result = close_day(WED_16)
    assert result == {"closed": 2, "by_service": {"A": 1, "B": 1}, "numbers": ["A-002", "B-002"]}
    for ticket_id in ids["waiting"]:
        ticket = _ticket(ticket_id)
        assert (ticket.state, ticket.close_reason) == ("cancelled", OFFICE_CLOSED)
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                            TicketEvent.kind == "cancelled"))
        assert event.data == {"reason": OFFICE_CLOSED} and event.at is not None
    # the one at the counter and the one being served are the officers' to finish
    assert _ticket(ids["called"]).state == "called" and _ticket(ids["serving"]).state == "serving"
    # one event for the batch (screens redraw once), each visitor's new status in their own room
    assert [e.name for e in published] == ["queue.closed"]
    event = published[0]
    a, b = _ticket(ids["waiting"][0]), _ticket(ids["waiting"][1])
    assert event.public == {"reason": "office_closed", "closed": 2, "services": ["A", "B"], "offices": [a.office_id],
                            "numbers": ["A-002", "B-002"]}
    assert event.rooms == (f"office:{a.office_id}", *sorted({f"service:{a.service_id}", f"service:{b.service_id}"}))
    statuses = {room: status for room, status in event.private.items()}
    assert statuses == {f"ticket:{_ticket(i).token}": core.ticket_status(_ticket(i)) for i in ids["waiting"]}
    assert all(s["state"] == "cancelled" and s["close_reason"] == "office_closed" for s in statuses.values())
    # kept, reported, never deleted; a second run changes nothing
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 4
    assert [t.number for t in closed_tickets(WED_10.date())] == ["A-002", "B-002"]
    assert close_day(WED_16)["closed"] == 0 and len(published) == 1


def test_next_day_closes_yesterdays_called_ticket_but_never_one_in_service(ctx, monkeypatch):
    from loket.queue.closing import close_day

    ids = _day_of_tickets(monkeypatch)
    result = close_day(THU_09)  # the office is open again; yesterday's leftovers go
    assert sorted(result["numbers"]) == ["A-001", "A-002", "B-002"]
    assert _ticket(ids["called"]).close_reason == "office_closed"
    assert _ticket(ids["serving"]).state == "serving"


def test_forced_close_takes_todays_called_tickets_too(ctx, monkeypatch):
    from loket.queue.closing import close_day

    ids = _day_of_tickets(monkeypatch)
    assert sorted(close_day(WED_10, force=True)["numbers"]) == ["A-001", "A-002", "B-002"]
    assert _ticket(ids["serving"]).state == "serving"


def test_closing_does_not_overwrite_a_ticket_called_meanwhile(app, ctx, monkeypatch, make_counter):
    """An officer calls A-002 (in another thread, own session) after the closing looked up its
    candidates: the closing's conditional UPDATE leaves it alone."""
    import threading

    from loket.extensions import db
    from loket.queue import closing
    from loket.queue.models import Counter

    ids = _day_of_tickets(monkeypatch)
    counter_id = make_counter(("A",)).id
    real = closing._candidates
    called = []

    def officer(app_):
        with app_.app_context():
            called.append(core.call_next(db.session.get(Counter, counter_id)).id)
            db.session.remove()

    def candidates_then_officer_calls(closable):
        found = real(closable)
        thread = threading.Thread(target=officer, args=(app,))
        thread.start()
        thread.join(30)
        return found

    monkeypatch.setattr(closing, "_candidates", candidates_then_officer_calls)
    result = closing.close_day(WED_16)
    assert called == [ids["waiting"][0]]
    assert result["numbers"] == ["B-002"]
    assert _ticket(ids["waiting"][0]).state == "called"


def test_a_large_queue_is_closed_in_batches(ctx, monkeypatch, published):
    from loket.queue import closing

    monkeypatch.setattr(closing, "BATCH", 3)
    for _ in range(7):
        core.issue_ticket("C", now=WED_10)
    published.clear()
    assert closing.close_day(WED_16)["closed"] == 7
    assert [e.public["closed"] for e in published] == [3, 3, 1]


@pytest.mark.parametrize("utc, expected", [
    (WED_10, datetime(2026, 11, 25, 3, 0)),            # capped: an hour later
    (datetime(2026, 11, 25, 7, 0), datetime(2026, 11, 25, 7, 30)),  # 15:00 → closing at 15:30 WITA
    (WED_16, datetime(2026, 11, 25, 9, 0)),            # after closing: hourly until midnight
    (datetime(2026, 11, 25, 15, 30), datetime(2026, 11, 25, 16, 0)),  # 23:30 → midnight WITA
    (datetime(2026, 11, 25, 23, 0), datetime(2026, 11, 25, 23, 30)),  # Thu 07:00 → opening at 07:30 WITA
])
def test_next_run_is_closing_or_midnight(ctx, utc, expected):
    from loket.queue.closing import next_run

    assert next_run(utc) == expected


def _scheduled_at(app, when):
    """One scheduler round at `when`, as a `loket serve` process would run it; the end-of-day row after."""
    from loket.ops import scheduler
    from loket.ops.models import ScheduledJob

    scheduler.ensure_rows(when)
    ran = scheduler.tick(app, "test:1:a", when)
    row = db.session.get(ScheduledJob, "end_of_day")
    db.session.refresh(row)
    return ran, row


def test_closing_job_closes_at_start_then_waits_until_closing(ctx, monkeypatch):
    ids = _day_of_tickets(monkeypatch)
    ran, row = _scheduled_at(ctx, datetime(2026, 11, 25, 7, 0))  # 15:00 WITA: office open
    assert "end_of_day" in ran
    assert row.next_run_at == datetime(2026, 11, 25, 7, 30, 1)  # a second after 15:30 WITA
    assert _ticket(ids["waiting"][0]).close_reason is None
    ran, _ = _scheduled_at(ctx, datetime(2026, 11, 25, 7, 20))
    assert "end_of_day" not in ran  # not due yet
    ran, row = _scheduled_at(ctx, WED_16)
    assert "end_of_day" in ran and row.runs == 2
    assert _ticket(ids["waiting"][0]).close_reason == "office_closed"


def test_closing_job_tells_screens_when_the_office_closes_and_opens(ctx, published):
    for when in (datetime(2026, 11, 25, 7, 0), WED_16, THU_09):
        assert "end_of_day" in _scheduled_at(ctx, when)[0]
    office = [e for e in published if e.name.startswith("office.")]
    assert [(e.name, e.public, e.rooms) for e in office] == [
        ("office.closed", {"open": False, "opens_at": "2026-11-26T07:30:00+08:00"}, ("office:1",)),
        ("office.opened", {"open": True, "opens_at": None}, ("office:1",)),
    ]


def test_day_close_command(runner, tmp_path):
    env = {"LOKET_INSTANCE": str(tmp_path / "cli"), "LOKET_OFFICE_HOURS": "24/7"}
    from support import migrated_app as create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path / "cli"), "LOKET_OFFICE_HOURS": "24/7"})
    with app.app_context():
        from loket.bootstrap import ensure_ready

        ensure_ready()
        core.issue_ticket("A")
    result = runner.invoke(args=["loket", "day", "close"], env=env)
    assert result.exit_code == 0 and "Nothing to close." in result.output, result.output
    result = runner.invoke(args=["loket", "day", "close", "--force"], env=env)
    assert result.exit_code == 0 and "Closed 1 ticket(s)" in result.output and "A-001" in result.output


def test_kiosk_says_when_the_office_opens_again(client, app):
    """Closed all day today: the kiosk names the next opening, in Indonesian and in English."""
    from datetime import timedelta

    from loket.timeutil import to_local, utcnow

    with app.app_context():  # not held open around the requests: each request picks its language
        local = to_local(utcnow())
    opening_day = local.date() + timedelta(days=2)
    app.config["LOKET_OFFICE_HOURS"] = f"{hours.DAYS[opening_day.weekday()]} 08:00-12:00"
    # Written as each language writes a moment: "2 Des 2026 08.00", "Dec 2, 2026, 8:00 AM".
    month = opening_day.month - 1
    when = f"{opening_day.day} {'Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des'.split()[month]} {opening_day.year} 08.00"
    html = client.get("/kiosk/1").get_data(as_text=True)
    assert f"Kantor sudah tutup. Antrean dibuka lagi {when}." in html
    response = client.post("/kiosk/1/tiket", data={"service": "A"})
    assert response.status_code == 409 and f"dibuka lagi {when}" in response.get_data(as_text=True)
    html = client.get("/kiosk/1?lang=en").get_data(as_text=True)
    when = f"{'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()[month]} {opening_day.day}, {opening_day.year}, 8:00\u202fAM"
    assert f"The office is closed. The queue opens again {when}." in html
    response = client.post("/kiosk/1/tiket?lang=en", data={"service": "A"})
    assert f"opens again {when}" in response.get_data(as_text=True)


def test_serve_closes_earlier_days_on_start_up(tmp_path):
    """`loket serve` closes yesterday's leftovers as soon as it starts (and seeds the holiday calendar)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from datetime import timedelta

    from support import free_port

    from support import migrated_app as create_app
    from loket.bootstrap import ensure_ready
    from loket.extensions import db
    from loket.queue.models import Ticket
    from loket.timeutil import utcnow

    instance = tmp_path / "serve"
    env = {**os.environ, "LOKET_INSTANCE": str(instance), "LOKET_OFFICE_HOURS": "24/7"}
    env.pop("LOKET_DATABASE_URL", None)
    app = create_app({"INSTANCE_PATH": str(instance), "LOKET_OFFICE_HOURS": "24/7"})
    with app.app_context():
        ensure_ready()
        old = core.issue_ticket("A", now=utcnow() - timedelta(days=1)).id
        fresh = core.issue_ticket("A").id
        db.session.remove()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "loket.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline:
            with app.app_context():
                state = db.session.get(Ticket, old).state
                db.session.remove()
            if state == "cancelled":
                break
            time.sleep(0.2)
        assert state == "cancelled"
        while True:  # the server is up and serving next to the closing loop
            try:
                assert urllib.request.urlopen(f"http://127.0.0.1:{port}/kiosk/1", timeout=10).status == 200
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        with app.app_context():
            assert db.session.get(Ticket, old).close_reason == "office_closed"
            assert db.session.get(Ticket, fresh).state == "waiting"  # today's queue goes on
            assert hours.has_calendar_for(utcnow().year)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "Holiday calendar" in output


@pytest.mark.parametrize("variable, value, message", [
    ("LOKET_OFFICE_HOURS", "mon 9-5", "cannot read office hours part 'mon 9-5'"),
    ("LOKET_HOLIDAYS", "25-12-2026", "LOKET_HOLIDAYS must be ISO dates"),
])
def test_serve_refuses_to_start_with_unreadable_hours(runner, tmp_path, variable, value, message):
    result = runner.invoke(args=["loket", "serve", "--port", "1"],
                           env={"LOKET_INSTANCE": str(tmp_path / "bad"), variable: value})
    assert result.exit_code == 2 and message in result.output


def test_day_summary_reports_tickets_not_served_because_the_office_closed(ctx, monkeypatch):
    from loket.queue.closing import close_day, day_summary

    ids = _day_of_tickets(monkeypatch)
    close_day(WED_16)
    core.close_case(_ticket(ids["serving"]))
    assert day_summary(WED_10.date()) == [
        {"service": "A", "name": _ticket(ids["called"]).service.name, "issued": 2, "done": 0, "no_show": 0,
         "office_closed": 1, "cancelled": 0, "open": 1},
        {"service": "B", "name": _ticket(ids["serving"]).service.name, "issued": 2, "done": 1, "no_show": 0,
         "office_closed": 1, "cancelled": 0, "open": 0},
    ]


def test_day_report_command(runner, tmp_path):
    from support import migrated_app as create_app
    from loket.bootstrap import ensure_ready

    app = create_app({"INSTANCE_PATH": str(tmp_path / "cli"), "LOKET_OFFICE_HOURS": "24/7"})
    with app.app_context():
        ensure_ready()
        core.issue_ticket("A", now=WED_10)
    env = {"LOKET_INSTANCE": str(tmp_path / "cli"), "LOKET_OFFICE_HOURS": "24/7"}
    result = runner.invoke(args=["loket", "day", "report", "--date", "2026-11-25"], env=env)
    assert result.exit_code == 0, result.output
    assert "Tickets of 2026-11-25" in result.output
    assert re.search(r"^A\s+1\s+0\s+0\s+0\s+0\s+1$", result.output, re.M), result.output
    assert "(no tickets)" in runner.invoke(args=["loket", "day", "report", "--date", "2020-01-01"], env=env).output
    bad = runner.invoke(args=["loket", "day", "report", "--date", "kemarin"], env=env)
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
