"""Staff sessions live on the server: a copy of a session cookie stops working after logout, a
disabled account or a new password, and a made-up session id is anonymous."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from loket.extensions import db, socketio
from loket.offices.scope import default_office


def _login(client, username, password="rahasia-123"):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _copy(app, client):
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _opens(client, path) -> bool:
    response = client.get(path)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]
        return False
    assert response.status_code == 200, (path, response.status_code)
    return True


def _user(username):
    from loket.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def _sessions(app, username) -> int:
    from loket.auth.models import StaffSession

    with app.app_context():
        count = len(db.session.scalars(select(StaffSession).where(StaffSession.user_id == _user(username).id)).all())
        db.session.remove()
    return count


@pytest.fixture
def boss(app, make_user):
    """An admin assigned to counter 1: both /counter/1 and /admin/ open for them."""
    make_user("kepala", role="admin", counters=(1,))
    return _login(app.test_client(), "kepala")


def test_a_copied_cookie_dies_with_logout(app, boss):
    thief = _copy(app, boss)
    assert _opens(thief, "/counter/1") and _opens(thief, "/admin/")
    assert boss.post("/logout").status_code == 302
    assert not _opens(thief, "/counter/1")
    assert not _opens(thief, "/admin/")
    assert not _opens(thief, "/akun/kata-sandi")
    assert _sessions(app, "kepala") == 0


def test_logout_ends_only_this_browsers_session(app, make_user):
    make_user("petugas")
    desk, phone = _login(app.test_client(), "petugas"), _login(app.test_client(), "petugas")
    desk.post("/logout")
    assert not _opens(desk, "/counter/1")
    assert _opens(phone, "/counter/1")


def test_signing_in_again_drops_the_earlier_session(app, make_user):
    make_user("petugas")
    desk = _login(app.test_client(), "petugas")
    old = _copy(app, desk)
    _login(desk, "petugas")
    assert _opens(desk, "/counter/1") and not _opens(old, "/counter/1")
    assert _sessions(app, "petugas") == 1


def test_disabling_the_account_ends_its_sessions_for_good(app, boss):
    thief = _copy(app, boss)
    with app.app_context():
        _user("kepala").active = False
        db.session.commit()
        db.session.remove()
    assert not _opens(boss, "/admin/") and not _opens(thief, "/counter/1")
    assert _sessions(app, "kepala") == 0
    with app.app_context():
        _user("kepala").active = True  # enabling it again does not bring the old sessions back
        db.session.commit()
        db.session.remove()
    assert not _opens(boss, "/admin/") and not _opens(thief, "/counter/1")


def test_a_new_password_ends_every_other_session(app, boss):
    thief = _copy(app, boss)
    phone = _login(app.test_client(), "kepala")
    response = boss.post("/akun/kata-sandi", data={"current": "rahasia-123", "new": "baru-sekali-1",
                                                   "repeat": "baru-sekali-1"})
    assert response.status_code == 200 and "Kata sandi sudah diganti." in response.get_data(as_text=True)
    assert _opens(boss, "/counter/1") and _opens(boss, "/admin/")  # this browser goes on, in a fresh session
    assert not _opens(thief, "/admin/")  # the copy of its old cookie does not
    assert not _opens(phone, "/counter/1")
    assert _sessions(app, "kepala") == 1


def test_a_password_set_from_the_command_line_ends_the_sessions(app, boss):
    with app.app_context():  # what `loket officer password` does
        _user("kepala").set_password("baru-sekali-1")
        db.session.commit()
        db.session.remove()
    assert not _opens(boss, "/admin/")
    assert _sessions(app, "kepala") == 0


def test_deleting_an_account_deletes_its_sessions(app, boss):
    with app.app_context():
        db.session.delete(_user("kepala"))
        db.session.commit()
        from loket.auth.models import StaffSession

        assert db.session.scalars(select(StaffSession)).all() == []
        db.session.remove()
    assert not _opens(boss, "/admin/")


@pytest.mark.parametrize("forged", [
    "{id}:{other}",           # another account's token under this id
    "{id}:x",                 # an unknown token
    "{id}:{digest}",          # the stored digest is not the token
    "{id}:" + "a" * 5000,     # a huge one
    "{id}:é",                 # not ASCII
    "{id}:",                  # none at all
    "{id}",                   # no separator
    "²:{own}",                # not a plain number
    "99999999999:{own}",
])
def test_a_made_up_session_id_is_anonymous(app, make_user, forged):
    from loket.auth.models import StaffSession

    make_user("petugas")
    make_user("lain")
    own_client, other_client = _login(app.test_client(), "petugas"), _login(app.test_client(), "lain")
    with own_client.session_transaction() as sess:
        own = sess["_user_id"].partition(":")[2]
    with other_client.session_transaction() as sess:
        other = sess["_user_id"].partition(":")[2]
    with app.app_context():
        user_id = _user("petugas").id
        digest = db.session.scalars(select(StaffSession.token_digest).where(StaffSession.user_id == user_id)).one()
        db.session.remove()
    assert len(own) >= 40 and own not in digest  # an unguessable token; only its digest is stored
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = forged.format(id=user_id, own=own, other=other, digest=digest)
    assert not _opens(client, "/counter/1")


def test_the_old_cookie_format_is_anonymous(app, make_user):
    """Cookies from before server-side sessions (`<id>:<digest of the password hash>`) open nothing."""
    import hashlib

    make_user("petugas")
    with app.app_context():
        user = _user("petugas")
        old_id = f"{user.id}:{hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]}"
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = old_id
    assert not _opens(client, "/counter/1")


def test_live_connections_lose_staff_rooms_after_logout(app, boss):
    thief = _copy(app, boss)
    with app.app_context():
        office = default_office().id  # rooms are per office now: office:<id>, complaints:<id>
    sio = socketio.test_client(app, flask_test_client=thief)
    assert sio.emit("subscribe", {"rooms": ["counter:1", f"complaints:{office}"]}, callback=True)["rooms"] == [
        "counter:1", f"complaints:{office}"]
    boss.post("/logout")
    assert sio.emit("subscribe", {"rooms": ["counter:1", f"complaints:{office}", f"office:{office}"]},
                    callback=True)["rooms"] == [f"office:{office}"]
    sio.disconnect()


def test_the_migration_adds_the_sessions_table(app):
    """0003 creates staff_sessions (token digest, user with ON DELETE CASCADE); down again removes it."""
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        tables = inspect(db.engine)
        assert "staff_sessions" in tables.get_table_names()
        (fk,) = tables.get_foreign_keys("staff_sessions")
        assert fk["referred_table"] == "users" and fk["constrained_columns"] == ["user_id"]
        assert fk["options"].get("ondelete") == "CASCADE"
        assert {c["name"] for c in tables.get_columns("staff_sessions")} == {"token_digest", "user_id", "created_at"}
        assert [i["column_names"] for i in tables.get_indexes("staff_sessions")] == [["user_id"]]
        downgrade(revision="0002")
        assert "staff_sessions" not in inspect(db.engine).get_table_names()
        upgrade(revision="0003")
        assert "staff_sessions" in inspect(db.engine).get_table_names()
        db.session.remove()


def test_a_login_ends_after_its_lifetime_and_the_scheduler_prunes_it(app, make_user):
    from datetime import timedelta

    from loket.auth import sessions
    from loket.auth.models import StaffSession, User
    from loket.extensions import db
    from loket.ops import scheduler
    from loket.timeutil import utcnow

    make_user("lama", role="officer", counters=(1,))
    make_user("baru", role="officer", counters=(1,))
    old = app.test_client()
    old.post("/login", data={"username": "lama", "password": "rahasia-123"})
    fresh = app.test_client()
    fresh.post("/login", data={"username": "baru", "password": "rahasia-123"})
    assert old.get("/counter/1").status_code == 200
    with app.app_context():
        lama = db.session.scalar(db.select(User).where(User.username == "lama"))
        row = db.session.scalar(db.select(StaffSession).where(StaffSession.user_id == lama.id))
        row.created_at = utcnow() - sessions.lifetime() - timedelta(minutes=1)
        db.session.commit()
    assert old.get("/counter/1").status_code == 302  # to the login page
    assert fresh.get("/counter/1").status_code == 200
    with app.app_context():
        assert scheduler.JOBS["staff_session_prune"].fn is sessions.prune
        assert sessions.prune() == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(StaffSession)) == 1
