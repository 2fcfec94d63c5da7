"""`loket officer add|password` and the audit trail: officer actions are logged with who and when."""
from __future__ import annotations

import re

from sqlalchemy import select


def _env(tmp_path):
    return {"LOKET_INSTANCE": str(tmp_path / "cli")}


def _users(tmp_path):
    from loket import create_app
    from loket.auth.models import User
    from loket.extensions import db

    app = create_app({"INSTANCE_PATH": str(tmp_path / "cli")})
    with app.app_context():
        return {u.username: (u.role, [c.number for c in u.counters], u.password_hash)
                for u in db.session.scalars(select(User))}


def test_officer_add_prompts_for_a_hidden_password(runner, tmp_path):
    result = runner.invoke(args=["loket", "officer", "add", "budi", "--counter", "1", "--counter", "2"],
                           input="rahasia-123\nrahasia-123\n", env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Created officer 'budi' at counters 1, 2" in result.output and "rahasia-123" not in result.output
    role, counters, password_hash = _users(tmp_path)["budi"]
    assert (role, counters) == ("officer", [1, 2]) and "rahasia-123" not in password_hash


def test_officer_add_can_generate_a_one_time_password(runner, tmp_path, client):
    from werkzeug.security import check_password_hash

    result = runner.invoke(args=["loket", "officer", "add", "sari", "--role", "supervisor", "--generate-password"],
                           env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password \(shown only now\): (\S+)", result.output).group(1)
    role, counters, password_hash = _users(tmp_path)["sari"]
    assert role == "supervisor" and counters == [] and check_password_hash(password_hash, password)


def test_officer_add_refuses_bad_input_readably(runner, tmp_path):
    env = _env(tmp_path)
    short = runner.invoke(args=["loket", "officer", "add", "a", "--password", "pendek"], env=env)
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    nowhere = runner.invoke(args=["loket", "officer", "add", "a", "--password", "rahasia-123", "--counter", "99"], env=env)
    assert nowhere.exit_code == 2 and "no counter 99" in nowhere.output
    assert runner.invoke(args=["loket", "officer", "add", "a", "--password", "rahasia-123"], env=env).exit_code == 0
    again = runner.invoke(args=["loket", "officer", "add", "a", "--password", "rahasia-123"], env=env)
    assert again.exit_code == 2 and "already exists" in again.output
    role = runner.invoke(args=["loket", "officer", "add", "b", "--role", "boss", "--password", "rahasia-123"], env=env)
    assert role.exit_code == 2 and "boss" in role.output


def test_officer_password_resets_a_password(runner, tmp_path):
    from werkzeug.security import check_password_hash

    env = _env(tmp_path)
    runner.invoke(args=["loket", "officer", "add", "budi", "--password", "rahasia-123"], env=env)
    result = runner.invoke(args=["loket", "officer", "password", "budi", "--generate-password"], env=env)
    assert result.exit_code == 0, result.output
    password = re.search(r"shown only now\): (\S+)", result.output).group(1)
    assert check_password_hash(_users(tmp_path)["budi"][2], password)
    missing = runner.invoke(args=["loket", "officer", "password", "nobody", "--password", "rahasia-123"], env=env)
    assert missing.exit_code == 2 and "no user 'nobody'" in missing.output


def test_officer_actions_are_logged_with_who_and_when(app, make_user):
    """Through the counter page: the event log names the logged-in officer, the counter and the time."""
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Ticket, TicketEvent
    from loket.timeutil import utcnow

    officer_id = make_user("budi", role="officer", counters=(1,))
    client = app.test_client()
    assert client.post("/login", data={"username": "budi", "password": "rahasia-123"}).status_code == 302
    with app.app_context():
        ticket_id = core.issue_ticket("A").id
    before = utcnow()
    counter_id = 1
    for action in ("call", "recall", "start", "close"):
        response = client.post(f"/counter/{counter_id}/{action}", data={"ticket": str(ticket_id)},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200, (action, response.get_data(as_text=True)[:300])
    with app.app_context():
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                    .order_by(TicketEvent.id)).all()
        assert [e.kind for e in events] == ["issued", "called", "recalled", "started", "closed"]
        assert events[0].actor_id is None  # the kiosk is anonymous
        for event in events[1:]:
            assert event.actor_id == officer_id and event.counter_id == counter_id
            assert before <= event.at <= utcnow()
        assert db.session.get(Ticket, ticket_id).officer_id == officer_id
