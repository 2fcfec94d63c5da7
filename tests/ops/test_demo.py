"""`loket demo`: a fresh database gets a realistic history written exactly as the queue and case cores write it
(working days and hours, per-service volumes, no-shows, transfers, surveys, ratings, complaints, cases);
a database that already holds tickets or cases is refused, and `--if-fresh` leaves it alone."""
from __future__ import annotations

import re
from collections import Counter as Tally
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loket.auth.models import User
from loket.cases import core as cases
from loket.cases.calendar import lead_time_ok, office_calendar, schedule
from loket.cases.models import AT_COUNTER, Case, CaseEvent
from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db
from loket.feedback import complaints as complaint_domain
from loket.feedback.models import COMPLAINT_STATUSES, Complaint, ComplaintStep, SurveyResponse, SurveyTicketUse
from loket.feedback.survey import PROFILE_CHOICES
from loket.offices.scope import default_office
from loket.ops import demo
from loket.queue import core, hours
from loket.queue.models import DONE, NO_SHOW, Counter, DailySequence, Service, Ticket, TicketEvent
from loket.reports.cases import case_figures
from loket.reports.periods import parse_period
from loket.timeutil import local_day, to_local, utcnow
from support import migrated_app

TODAY = date(2026, 11, 27)  # a Friday: ten days of history, Nov 17-26, with one weekend inside
SEED = 7


RETENTION_DAYS = 7  # the demo's contacts are kept this long, so the history holds purged ones


def _fresh_app(folder):
    from loket.bootstrap import ensure_ready

    app = migrated_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
                        "LOKET_OFFICE_HOURS": "24/7", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "LOKET_CONTACT_RETENTION_DAYS": RETENTION_DAYS})
    with app.app_context():
        ensure_ready()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """One ten-day demo (read-only for the tests that use it): the app and the summary."""
    app = _fresh_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        summary = demo.generate(days=10, seed=SEED, today=TODAY)
        db.session.remove()
    yield app, summary
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def history_ctx(history):
    app, summary = history
    with app.app_context():
        yield summary
        db.session.remove()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _count_where(condition) -> int:
    return db.session.scalar(select(func.count()).where(condition))


def _tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def _events_by_ticket() -> dict[int, list[TicketEvent]]:
    events: dict[int, list[TicketEvent]] = {}
    for event in db.session.scalars(select(TicketEvent).order_by(TicketEvent.at, TicketEvent.id)):
        events.setdefault(event.ticket_id, []).append(event)
    return events


def _row_counts() -> dict[str, int]:
    return {model.__name__: _count(model) for model in (Ticket, TicketEvent, DailySequence, User, SurveyResponse,
                                                          RatingRequest, Complaint, Case)}


# --- refusing ---------------------------------------------------------------------------------

def test_a_database_with_a_ticket_is_refused_and_nothing_is_written(ctx, runner, make_ticket):
    make_ticket("A")
    before = _row_counts()
    result = runner.invoke(args=["loket", "demo", "--days", "5"])
    assert result.exit_code == 1, result.output
    assert "already holds 1 ticket" in result.output and "fresh database" in result.output
    db.session.rollback()
    assert _row_counts() == before


def test_a_database_with_a_case_and_no_ticket_is_refused(ctx, runner):
    selection = db.session.scalar(select(Service).where(Service.slug == "pemilihan-penyedia"))
    cases.register_letter(selection, None, "in_person", "Dinas PUPR", "Ni Luh Putu Sari", local_day())
    result = runner.invoke(args=["loket", "demo", "--days", "5"])
    assert result.exit_code == 1, result.output
    assert "already holds cases" in result.output
    assert _count(Ticket) == 0 and _count(Case) == 1


def test_if_fresh_leaves_a_used_database_alone(ctx, runner, make_ticket):
    make_ticket("A")
    before = _row_counts()
    result = runner.invoke(args=["loket", "demo", "--if-fresh"])
    assert result.exit_code == 0, result.output
    assert "Demo skipped" in result.output
    db.session.rollback()
    assert _row_counts() == before


# --- the command on a fresh database -----------------------------------------------------------

def test_the_command_ends_yesterday_prints_one_time_passwords_and_today_numbers_from_one(ctx, runner):
    result = runner.invoke(args=["loket", "demo", "--days", "10"])
    assert result.exit_code == 0, result.output
    assert "working days" in result.output and "complaints:" in result.output
    states = {state: _count_where(Case.state == state) for state in ("open", "waiting", "done", "cancelled")}
    overdue = sum(row.overdue for row in cases.worklist(default_office().id))
    assert all(states.values())
    assert (f"cases (berkas): {sum(states.values())} (open {states['open']}, waiting {states['waiting']}, "
            f"done {states['done']}, cancelled {states['cancelled']}), {overdue} overdue") in result.output
    today = local_day()
    days = set(db.session.scalars(select(Ticket.day)))
    assert days and max(days) < today and min(days) >= today - timedelta(days=10)
    assert db.session.scalar(select(func.max(DailySequence.day))) < today

    password = re.search(r"petugas1\s+officer\s+(\S+)", result.output).group(1)
    officer = db.session.scalar(select(User).where(User.username == "petugas1"))
    assert officer.check_password(password) and officer.must_change_password
    assert [c.number for c in officer.counters] == [1]
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    assert supervisor.role == "supervisor" and supervisor.must_change_password

    ticket = core.issue_ticket("A")
    assert (ticket.seq, ticket.number) == (1, "A-001")


# --- what the history holds ---------------------------------------------------------------------

def test_tickets_only_on_working_days_within_office_hours(history_ctx):
    week = hours.parse(hours.DEFAULT_HOURS)  # run with 24/7 for the live queue: the history keeps office hours
    holidays = hours.holidays_between(TODAY - timedelta(days=10), TODAY)
    tickets = _tickets()
    assert tickets
    for ticket in tickets:
        issued = to_local(ticket.issued_at)
        assert ticket.day == issued.date() and TODAY - timedelta(days=10) <= ticket.day < TODAY
        assert ticket.day.weekday() < 5 and ticket.day not in holidays
        assert any(a <= issued.time() < b for a, b in week[ticket.day.weekday()]), ticket.number
    assert {t.day.weekday() for t in tickets} == {0, 1, 2, 3, 4}


def test_every_service_has_tickets_with_its_own_volume_and_a_morning_peak(history_ctx):
    tickets = _tickets()
    per_service = Tally(t.issued_service_id for t in tickets)
    services = {s.slug: s.id for s in db.session.scalars(select(Service).where(Service.active.is_(True)))}
    assert set(per_service) == set(services.values())
    busiest = {per_service[services["helpdesk-lpse"]], per_service[services["verifikasi-akun-penyedia"]]}
    assert min(busiest) > max(n for sid, n in per_service.items() if sid not in
                              (services["helpdesk-lpse"], services["verifikasi-akun-penyedia"]))
    assert per_service[services["bimtek-pendampingan-konsultasi-hukum"]] == min(per_service.values())
    by_hour = Tally(to_local(t.issued_at).hour for t in tickets)
    assert by_hour[9] > 1.5 * by_hour[13]


def test_no_shows_transfers_recalls_and_priority_in_sane_shares(history_ctx):
    tickets = _tickets()
    states = Tally(t.state for t in tickets)
    assert set(states) <= {DONE, NO_SHOW, "cancelled"}  # nothing left open
    assert 0.03 <= states[NO_SHOW] / len(tickets) <= 0.10
    assert states[DONE] / len(tickets) > 0.85
    moved = [t for t in tickets if t.service_id != t.issued_service_id]
    assert moved and len(moved) / len(tickets) < 0.08
    events = Tally(e.kind for e in db.session.scalars(select(TicketEvent)))
    assert events["transferred"] == len(moved) and events["recalled"] > 0
    reasons = {t.priority_reason for t in tickets if t.priority}
    assert reasons and reasons <= set(core.PRIORITY_REASONS)
    assert history_ctx.ticket_count == len(tickets) and history_ctx.tickets[NO_SHOW] == states[NO_SHOW]


def test_the_event_log_matches_every_ticket(history_ctx):
    events = _events_by_ticket()
    for ticket in _tickets():
        log = events[ticket.id]
        kinds = [e.kind for e in log]
        assert kinds[0] == "issued" and log[0].at == ticket.issued_at, ticket.number
        assert ticket.call_count == kinds.count("called") + kinds.count("recalled")
        last_move = max((e for e in log if e.kind == "transferred"), key=lambda e: e.at, default=log[0])
        assert ticket.queued_at == last_move.at
        assert [e.at for e in log] == sorted(e.at for e in log)
        if ticket.state == DONE:
            called = [e for e in log if e.kind == "called"][-1]
            started = [e for e in log if e.kind == "started"][-1]
            closed = log[-1]
            assert closed.kind == "closed" and kinds.count("closed") == 1
            assert ticket.issued_at <= called.at <= started.at <= closed.at
            assert (called.at, started.at, closed.at) == (ticket.called_at, ticket.started_at, ticket.finished_at)
            assert closed.counter_id == ticket.counter_id and closed.actor_id == ticket.officer_id
            assert closed.service_id == ticket.service_id
        elif ticket.state == NO_SHOW:
            assert kinds[-1] == "no_show" and log[-1].at == ticket.finished_at and ticket.started_at is None
        else:
            assert kinds[-1] == "cancelled" and ticket.close_reason == "office_closed"
            assert log[-1].data == {"reason": "office_closed"} and log[-1].at == ticket.finished_at
    numbered = select(Ticket.issued_service_id, Ticket.day, func.max(Ticket.seq))
    last = {(s, d): n for s, d, n in db.session.execute(numbered.group_by(Ticket.issued_service_id, Ticket.day))}
    assert last == {(r.service_id, r.day): r.last for r in db.session.scalars(select(DailySequence))}


def test_surveys_and_ratings_come_only_from_served_tickets(history_ctx):
    done = [t for t in _tickets() if t.state == DONE]
    served = {(t.service_id, t.day) for t in done}
    surveys = list(db.session.scalars(select(SurveyResponse)))
    assert 0.25 <= len(surveys) / len(done) <= 0.45
    assert {(s.service_id, s.period) for s in surveys} <= served
    used = set(db.session.scalars(select(SurveyTicketUse.ticket_id)))
    assert len(used) == len(surveys) and used <= {t.id for t in done}
    means = [sum(s.answers[i] for s in surveys) / len(surveys) for i in range(9)]
    weakest = sorted(range(9), key=lambda i: means[i])[:2]
    assert set(weakest) == {2, 7}  # U3 (waiting time) and U8 (facilities)
    for name, choices in PROFILE_CHOICES.items():
        values = [getattr(s, name) for s in surveys]
        assert None in values and set(values) - {None} <= set(choices) and len(set(values) - {None}) > 1
    assert any(s.suggestion for s in surveys)

    by_id = {t.id: t for t in done}
    requests = list(db.session.scalars(select(RatingRequest)))
    assert {r.ticket_id for r in requests} == set(by_id)
    ratings = list(db.session.scalars(select(QuickRating)))
    assert 0.5 <= len(ratings) / len(done) <= 0.7
    for rating in ratings:
        ticket = by_id[rating.ticket_id]
        assert (rating.officer_id, rating.counter_id, rating.service_id) == \
            (ticket.officer_id, ticket.counter_id, ticket.service_id)
        assert ticket.finished_at < rating.created_at and 1 <= rating.score <= 4
    assert len({r.score for r in ratings}) >= 3


def test_complaints_in_every_state_with_their_history(history_ctx):
    complaints = list(db.session.scalars(select(Complaint)))
    assert {c.status for c in complaints} == set(COMPLAINT_STATUSES)
    assert any(complaint_domain.is_overdue(c) for c in complaints)
    assert len({c.channel for c in complaints}) > 2 and len({c.category for c in complaints}) > 1
    for complaint in complaints:
        steps = list(db.session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint.id)
                                        .order_by(ComplaintStep.at, ComplaintStep.id)))
        assert steps[0].kind == "received" and steps[0].at == complaint.received_at
        assert local_day(steps[-1].at) < TODAY
        kinds = [s.kind for s in steps]
        if complaint.answered_at is not None:
            answered = next(s for s in steps if s.kind == "answered")
            assert answered.at == complaint.answered_at and answered.text == complaint.response
        if complaint.status == "closed":
            assert kinds[-1] == "closed" and steps[-1].at == complaint.closed_at
        if complaint.status == "received":
            assert set(kinds) <= {"received", "assigned"}
        assert complaint.name in (None, demo.FAKE_NAME) and complaint.contact in (None, demo.FAKE_CONTACT)
    assert sum(history_ctx.complaints.values()) == len(complaints)


# --- cases (berkas) --------------------------------------------------------------------------------

def _cases() -> list[Case]:
    return list(db.session.scalars(select(Case).order_by(Case.id)))


def _case_log(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


def _slug(case: Case) -> str:
    return case.service.slug


def test_cases_for_every_service_with_milestones_at_the_counter_and_from_letters(history_ctx):
    all_cases = _cases()
    with_milestones = {s.id for s in db.session.scalars(select(Service)) if s.milestones}
    assert with_milestones and {c.service_id for c in all_cases} == with_milestones
    assert sum(history_ctx.cases.values()) == len(all_cases)
    for case in all_cases:
        assert case.office_id == case.service.office_id and TODAY - timedelta(days=10) <= case.received_on < TODAY
        assert case.code == cases.normalise_code(case.code) and len(case.token) == 24
        if case.channel == AT_COUNTER:  # open_from_ticket: the ticket's day, service and officer
            ticket = db.session.get(Ticket, case.ticket_id)
            assert ticket.state == DONE and ticket.service_id == case.service_id
            assert (ticket.day, ticket.officer_id) == (case.received_on, case.assignee_id)
            assert ticket.started_at <= case.created_at <= ticket.finished_at
        else:  # register_letter: one of the standard's intake channels, an OPD asking
            assert case.ticket_id is None and case.channel in {i.kind for i in case.service.intake}
            assert case.requester in demo.REQUESTERS
        assert case.contact_name in (demo.FAKE_NAME, None) and case.contact_email in (demo.FAKE_CONTACT, None)
        assert case.contact_consent == (case.contact_email is not None)
    channels = {(_slug(c), c.channel) for c in all_cases}
    assert {("helpdesk-lpse", AT_COUNTER), ("pemilihan-penyedia", AT_COUNTER), ("pemilihan-penyedia", "in_person")} \
        <= channels
    assert {"e_surat", "courier"} & {channel for slug, channel in channels
                                      if slug == "bimtek-pendampingan-konsultasi-hukum"}
    assert any(c.contact_email for c in all_cases) and any(not c.contact_email for c in all_cases)


def test_contacts_of_cases_closed_longer_than_the_retention_are_purged(history_ctx):
    keep, slack = timedelta(days=RETENTION_DAYS), timedelta(hours=1)  # slack: the demo ran a moment ago
    all_cases = _cases()
    for case in all_cases:
        if case.contact_purged_at is not None:  # as the six-hourly purge_contacts leaves them
            assert (case.contact_name, case.contact_email, case.contact_consent) == (None, None, False)
            assert case.closed_at + keep <= case.contact_purged_at <= case.closed_at + keep + timedelta(hours=6)
        else:
            assert case.contact_name == demo.FAKE_NAME
            assert case.closed_at is None or case.closed_at >= utcnow() - keep - slack
    assert any(c.contact_purged_at for c in all_cases)


def test_the_worklist_shows_every_fate(history_ctx):
    rows = cases.worklist(default_office().id, today=TODAY)
    assert any(row.overdue for row in rows) and any(row.due_today for row in rows)
    assert any(row.waiting and row.due is None for row in rows)
    assert any(row.due and row.due > TODAY for row in rows)  # open and on track
    all_cases = _cases()
    assert {c.state for c in all_cases} == {"open", "waiting", "done", "cancelled"}
    done = [c for c in all_cases if c.state == "done"]
    on_time = [all(due.on_time for due in cases.due_dates(c, TODAY)) for c in done]
    assert any(on_time) and not all(on_time)  # completed on time, and late
    cancelled = [c for c in all_cases if c.state == "cancelled"]
    assert cancelled and all(_case_log(c)[-1].note in demo.CANCEL_REASONS for c in cancelled)


def test_the_stopped_clock_escalation_methods_and_lead_time(history_ctx):
    calendar = office_calendar(default_office().id, start=TODAY - timedelta(days=10))
    all_cases = _cases()
    waiting = [c for c in all_cases if c.state == "waiting"]
    assert waiting and all(c.open_pause.missing for c in waiting)
    ended = [c for c in all_cases if c.pauses and all(p.resumed_on for p in c.pauses) and c.state != "cancelled"]
    def without_pauses(case):
        return [d.due for d in schedule(case.service.milestones, case.received_on, calendar, case.variant,
                                        completed={m.key: m.completed_on for m in case.completions})]

    # the clock stood still: the due dates moved
    assert any([d.due for d in cases.due_dates(c, TODAY, calendar)] != without_pauses(c) for c in ended)
    helpdesk = [c for c in all_cases if _slug(c) == "helpdesk-lpse"]
    assert any(c.variant == cases.ESCALATION and "escalated" in [e.kind for e in _case_log(c)] for c in helpdesk)
    selection = [c for c in all_cases if _slug(c) == "pemilihan-penyedia"]
    assert {c.variant for c in selection} >= {"tender", "seleksi", "tender_cepat", None}
    assert any(c.is_active and c.variant is None for c in selection)
    bimtek = [c for c in all_cases if c.service.lead_time]
    assert bimtek and all(c.activity_day for c in bimtek)
    for case in bimtek:
        check = lead_time_ok(case.received_on, case.activity_day, case.service.lead_time, calendar)
        short = _case_log(case)[0].data["lead_time_short"]
        assert (case.lead_time_short is None) == check.ok == (short is None)
        if short:
            assert short == {"days": check.days, "required": 5, "unit": "working_days"}
            assert case.lead_time_short == cases._lead_time_reason(case.service.lead_time, check.days)
    assert any(c.lead_time_short for c in bimtek) and any(not c.lead_time_short for c in bimtek)


def test_due_dates_and_the_tracking_view_agree_with_what_was_written(history_ctx):
    calendar = office_calendar(default_office().id, start=TODAY - timedelta(days=10))
    for case in _cases():
        dues = cases.due_dates(case, TODAY, calendar)
        keys = [m.key for m in case.service.milestones]
        done_keys = [m.key for m in case.completions]
        assert done_keys == keys[:len(done_keys)], case.code  # in order
        days = [m.completed_on for m in case.completions]
        assert days == sorted(days) and all(calendar.is_working_day(d) and d < TODAY for d in days)
        assert [d.completed for d in dues][:len(days)] == days
        running = next((d for d in dues if d.completed is None), None)
        view = cases.public_view(case, today=TODAY, calendar=calendar)
        assert view["state"] == case.state and [m["completed"] for m in view["milestones"]][:len(days)] == \
            [d.isoformat() for d in days]
        if case.state == "open":
            assert case.next_due == running.due and view["next_due"] == (running.due and running.due.isoformat())
        else:
            assert case.next_due is None and view["next_due"] is None
        if case.state == "done":
            assert done_keys == keys and case.closed_at == case.completions[-1].completed_at
        if case.state == "waiting":
            assert view["waiting_for"] == case.open_pause.missing and view["next"] == running.key
        for pause in case.pauses:
            assert case.received_on <= pause.stopped_on <= (pause.resumed_on or pause.stopped_on) < TODAY
        assert [d.received for d in case.documents] == [d.received_on is not None for d in case.documents]
        assert all(d.received for d in case.documents) or (case.state in ("waiting", "cancelled"))


def test_each_case_log_starts_with_opened_and_matches_its_state(history_ctx):
    for case in _cases():
        log = _case_log(case)
        kinds = [e.kind for e in log]
        assert kinds[0] == "opened" and log[0].at == case.created_at, case.code
        assert log[0].data["channel"] == case.channel and log[0].data["received_on"] == case.received_on.isoformat()
        assert [e.at for e in log] == sorted(e.at for e in log) and local_day(log[-1].at) < TODAY
        assert kinds.count("waiting") == len(case.pauses)
        assert [p.missing for p in case.pauses] == [e.note for e in log if e.kind == "waiting"]
        milestones = [e for e in log if e.kind == "milestone"]
        assert [(e.data["key"], e.data["on"]) for e in milestones] == \
            [(m.key, m.completed_on.isoformat()) for m in case.completions]
        assert all(e.data["on_time"] == (e.data["on"] <= e.data["due"]) for e in milestones)
        chosen = [e.data["to"] for e in log if e.kind in ("variant", "escalated")]
        assert case.variant == (chosen or [log[0].data["variant"]])[-1]
        assert case.assignee_id == ([e.data["to"] for e in log if e.kind == "reassigned"] or
                                    [log[0].data["assignee"]])[-1]
        if case.state == "done":
            assert kinds[-2:] == ["milestone", "done"] and log[-1].at == case.closed_at
        elif case.state == "cancelled":
            assert kinds[-1] == "cancelled" and log[-1].at == case.closed_at and not case.open_pause
        elif case.state == "waiting":
            assert [k for k in kinds if k in ("waiting", "documents_arrived")][-1] == "waiting"
        else:
            assert case.closed_at is None and "done" not in kinds and not case.open_pause


def test_the_report_case_tables_have_the_demo_period(history_ctx):
    figures = case_figures(parse_period("2026-11-17..2026-11-26"), default_office().id, today=TODAY)
    assert {row.service.slug for row in figures.services} == \
        {"helpdesk-lpse", "pemilihan-penyedia", "bimtek-pendampingan-konsultasi-hukum"}
    assert sum(row.received for row in figures.services) == len(_cases())
    assert all(row.received for row in figures.services)
    for name in ("completed", "on_time", "cancelled", "open"):
        assert sum(getattr(row, name) for row in figures.services), name
    assert sum(row.completed for row in figures.milestones) and any(row.days_taken for row in figures.milestones)
    assert sum(row.total for row in figures.ages) and sum(row.overdue for row in figures.ages)
    assert sum(row.waiting for row in figures.ages)


def test_the_tracking_page_of_a_demo_case_answers(history):
    app, _ = history
    with app.app_context():
        case = next(c for c in _cases() if c.state == "waiting")
        token, code = case.token, case.code
        db.session.remove()
    response = app.test_client().get(f"/b/{token}")
    assert response.status_code == 200 and code in response.get_data(as_text=True)


def test_the_same_seed_gives_the_same_history(history, tmp_path):
    def numbers(app):
        with app.app_context():
            rows = [(t.number, t.day, t.state, t.service_id, t.issued_at, t.called_at, t.finished_at, t.call_count)
                    for t in _tickets()]
            counts = (_count(TicketEvent), _count(SurveyResponse), _count(QuickRating), _count(Complaint),
                      sorted(db.session.scalars(select(SurveyResponse.u3))), _count(CaseEvent),
                      [(c.service_id, c.ticket_id, c.channel, c.received_on, c.state, c.variant, c.next_due,
                        c.activity_day, c.created_at, c.closed_at) for c in _cases()])
            db.session.remove()
            return rows, counts

    again = _fresh_app(tmp_path)
    with again.app_context():
        summary = demo.generate(days=10, seed=SEED, today=TODAY)
        db.session.remove()
    first_app, first = history
    assert numbers(again) == numbers(first_app)
    assert (summary.tickets, summary.surveys, summary.ratings, summary.complaints, summary.cases) == \
        (first.tickets, first.surveys, first.ratings, first.complaints, first.cases)
    with again.app_context():
        db.engine.dispose()


# --- the demo writes what the core writes ----------------------------------------------------------

def _shape(row, columns) -> frozenset:
    return frozenset(name for name in columns if getattr(row, name) is not None)


def _ticket_shape(ticket: Ticket) -> frozenset:
    return _shape(ticket, [c.key for c in Ticket.__table__.columns])


def _event_shapes(ticket: Ticket) -> list[tuple]:
    columns = [c.key for c in TicketEvent.__table__.columns]
    return [(e.kind, _shape(e, columns), frozenset(e.data or {}))
            for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                        .order_by(TicketEvent.id))]


def _demo_ticket_like(kinds: list[str]) -> Ticket:
    events = _events_by_ticket()
    for ticket in _tickets():
        if ticket.day < local_day() and not ticket.priority and [e.kind for e in events[ticket.id]] == kinds:
            return ticket
    raise AssertionError(f"no demo ticket went {kinds}")


def _case_event_shapes(case_ids) -> set[tuple]:
    columns = [c.key for c in CaseEvent.__table__.columns]
    return {(e.kind, _shape(e, columns), frozenset(e.data or {}))
            for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))}


def _case_shape(case: Case) -> frozenset:
    return _shape(case, [c.key for c in Case.__table__.columns]) - {"contact_email"}  # given or not, by consent


def _core_cases(officers) -> list[Case]:
    """Every action of loket.cases.core once, on the demo's days (Nov 17-26, 2026)."""
    services = {s.slug: s for s in db.session.scalars(select(Service))}
    supervisor, selection = officers["supervisor"], services["pemilihan-penyedia"]
    used = select(Case.ticket_id).where(Case.ticket_id.is_not(None))
    ticket = db.session.scalar(select(Ticket).where(Ticket.service_id == services["helpdesk-lpse"].id,
                                                    Ticket.state == DONE, Ticket.id.not_in(used)).order_by(Ticket.id))
    officer = db.session.get(User, ticket.officer_id)
    helpdesk = cases.open_from_ticket(ticket, officer, requester="CV Contoh Karya", contact_name=demo.FAKE_NAME)
    cases.escalate(helpdesk, officer)
    cases.complete_milestone(helpdesk, "penyelesaian", officer, note="Diteruskan ke LKPP.", day=ticket.day)

    letter = cases.register_letter(selection, supervisor, "in_person", "BPKPD", demo.FAKE_NAME, date(2026, 11, 17),
                                   documents_received=[1], contact_email=demo.FAKE_CONTACT, consent=True)
    petugas = officers["petugas4"]
    cases.reassign(letter, petugas, supervisor)
    cases.check_document(letter, 2, True, petugas, day=date(2026, 11, 18))
    cases.documents_arrived(letter, petugas, day=date(2026, 11, 18))
    cases.complete_milestone(letter, "disposisi", petugas, day=date(2026, 11, 19))
    cases.wait_for_documents(letter, "Revisi HPS dan spesifikasi teknis.", petugas, day=date(2026, 11, 19))
    cases.documents_arrived(letter, petugas, day=date(2026, 11, 20))
    cases.complete_milestone(letter, "reviu_dpp", petugas, day=date(2026, 11, 20))
    cases.choose_variant(letter, "tender", petugas)
    cases.cancel(letter, petugas, demo.CANCEL_REASONS[0])

    bimtek = cases.register_letter(services["bimtek-pendampingan-konsultasi-hukum"], supervisor, "e_surat",
                                   "Dinas Kesehatan", demo.FAKE_NAME, date(2026, 11, 23),
                                   activity_day=date(2026, 11, 25), assignee=officers["petugas6"])
    method = cases.register_letter(selection, supervisor, "in_person", "Dinas PUPR", demo.FAKE_NAME,
                                   date(2026, 11, 24), variant="tender_cepat", assignee=petugas)
    return [helpdesk, letter, bimtek, method]


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_demo_tickets_and_cases_have_the_rows_and_events_the_core_writes(ctx, app_database):
    demo.generate(days=10, seed=SEED, today=TODAY)
    officers = {u.username: u for u in db.session.scalars(select(User))}
    counters = {c.number: c for c in db.session.scalars(select(Counter))}

    served = core.issue_ticket("A", kiosk="1")
    core.call_next(counters[1], officer=officers["petugas1"])
    core.recall(served, officer=officers["petugas1"])
    core.start_service(served, officer=officers["petugas1"])
    core.close_case(served, officer=officers["petugas1"], checklist=[0])
    assert served.seq == 1  # today's numbering is untouched by the history

    moved = core.issue_ticket("A", kiosk="1")
    core.call_next(counters[1], officer=officers["petugas1"])
    core.start_service(moved, officer=officers["petugas1"])
    core.transfer(moved, "B", note="Masalah akun, diarahkan ke helpdesk.", officer=officers["petugas1"])
    core.call_next(counters[2], officer=officers["petugas2"])
    core.start_service(moved, officer=officers["petugas2"])
    core.close_case(moved, officer=officers["petugas2"], checklist=[])

    for real in (served, moved):
        kinds = [kind for kind, _, _ in _event_shapes(real)]
        twin = _demo_ticket_like(kinds)
        assert _ticket_shape(twin) == _ticket_shape(real)
        assert _event_shapes(twin) == _event_shapes(real)
        assert (twin.state, twin.call_count, twin.kiosk) == (real.state, real.call_count, real.kiosk)
    assert _count(Ticket) == db.session.scalar(select(func.max(Ticket.id)))  # ids from the database's own sequence

    demo_ids = [c.id for c in _cases()]
    real = _core_cases(officers)
    assert _case_event_shapes([c.id for c in real]) == _case_event_shapes(demo_ids)
    twin = next(c for c in _cases() if c.id in demo_ids and c.channel == AT_COUNTER and c.state == "done"
                and c.variant == cases.ESCALATION)
    assert _case_shape(twin) == _case_shape(real[0])
    assert _count(Case) == db.session.scalar(select(func.max(Case.id)))
