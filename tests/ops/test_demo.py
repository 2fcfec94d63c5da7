"""`loket demo`: a fresh database gets a realistic history written exactly as the queue core writes it
(working days and hours, per-service volumes, no-shows, transfers, surveys, ratings, complaints);
a database that already holds tickets is refused, and `--if-fresh` leaves it alone."""
from __future__ import annotations

import re
from collections import Counter as Tally
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loket.auth.models import User
from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db
from loket.feedback import complaints as complaint_domain
from loket.feedback.models import COMPLAINT_STATUSES, Complaint, ComplaintStep, SurveyResponse, SurveyTicketUse
from loket.feedback.survey import PROFILE_CHOICES
from loket.ops import demo
from loket.queue import core, hours
from loket.queue.models import DONE, NO_SHOW, Counter, DailySequence, Service, Ticket, TicketEvent
from loket.timeutil import local_day, to_local
from support import migrated_app

TODAY = date(2026, 11, 27)  # a Friday: ten days of history, Nov 17-26, with one weekend inside
SEED = 7


def _fresh_app(folder):
    from loket.bootstrap import ensure_ready

    app = migrated_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
                        "LOKET_OFFICE_HOURS": "24/7", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
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


def _tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def _events_by_ticket() -> dict[int, list[TicketEvent]]:
    events: dict[int, list[TicketEvent]] = {}
    for event in db.session.scalars(select(TicketEvent).order_by(TicketEvent.at, TicketEvent.id)):
        events.setdefault(event.ticket_id, []).append(event)
    return events


def _row_counts() -> dict[str, int]:
    return {model.__name__: _count(model) for model in (Ticket, TicketEvent, DailySequence, User, SurveyResponse,
                                                          RatingRequest, Complaint)}


# --- refusing ---------------------------------------------------------------------------------

def test_a_database_with_a_ticket_is_refused_and_nothing_is_written(ctx, runner, make_ticket):
    make_ticket("A")
    before = _row_counts()
    result = runner.invoke(args=["loket", "demo", "--days", "5"])
    assert result.exit_code == 1, result.output
    assert "already holds 1 ticket" in result.output and "fresh database" in result.output
    db.session.rollback()
    assert _row_counts() == before


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


def test_the_same_seed_gives_the_same_history(history, tmp_path):
    def numbers(app):
        with app.app_context():
            rows = [(t.number, t.day, t.state, t.service_id, t.issued_at, t.called_at, t.finished_at, t.call_count)
                    for t in _tickets()]
            counts = (_count(TicketEvent), _count(SurveyResponse), _count(QuickRating), _count(Complaint),
                      sorted(db.session.scalars(select(SurveyResponse.u3))))
            db.session.remove()
            return rows, counts

    again = _fresh_app(tmp_path)
    with again.app_context():
        summary = demo.generate(days=10, seed=SEED, today=TODAY)
        db.session.remove()
    first_app, first = history
    assert numbers(again) == numbers(first_app)
    assert (summary.tickets, summary.surveys, summary.ratings, summary.complaints) == \
        (first.tickets, first.surveys, first.ratings, first.complaints)
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


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_demo_tickets_have_the_rows_and_events_the_core_writes(ctx, app_database):
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
