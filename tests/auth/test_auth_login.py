"""Staff login: hashed passwords, readable errors, safe redirects, POST-only logout, cookie flags,
rate limit, and what anonymous htmx requests get."""
from __future__ import annotations

import pytest


def _login(client, username="petugas", password="rahasia-123", **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


@pytest.fixture
def staff(make_user):
    make_user("petugas", role="officer", counters=(1,))
    return "petugas"


def test_passwords_are_stored_hashed(ctx, staff):
    from loket.auth.models import User
    from loket.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == staff))
    assert "rahasia-123" not in user.password_hash
    assert user.password_hash.split(":")[0] in {"scrypt", "pbkdf2"}
    assert user.check_password("rahasia-123") and not user.check_password("rahasia-124")


def test_login_goes_to_a_local_next_page(client, staff):
    response = client.post("/login?next=/admin/pengaduan%3Fstatus%3Dopen",
                           data={"username": staff, "password": "rahasia-123"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/pengaduan?status=open"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "http:/evil.example", "counter",
])
def test_next_never_leaves_the_site(client, staff, target):
    response = client.post("/login", query_string={"next": target}, data={"username": staff, "password": "rahasia-123"})
    assert response.status_code == 302 and response.headers["Location"] == "/counter/"


@pytest.mark.parametrize("username, password", [("petugas", "salah-sandi"), ("tidak-ada", "rahasia-123")])
def test_wrong_credentials_get_one_readable_message(client, staff, username, password):
    response = _login(client, username, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in html
    assert f'value="{username}"' in html  # the name stays typed in, the password does not
    assert client.get("/counter/").status_code == 302  # still anonymous


def test_login_messages_in_english(client, staff):
    client.get("/login?lang=en")
    assert "Wrong username or password." in _login(client, password="x").get_data(as_text=True)
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 401 and "Enter your username and password." in response.get_data(as_text=True)


def test_disabled_accounts_cannot_log_in(app, client, staff):
    from loket.auth.models import User
    from loket.extensions import db

    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == staff)).active = False
        db.session.commit()
    assert _login(client).status_code == 401


def test_logout_is_post_only(client, staff):
    _login(client)
    response = client.get("/logout")
    assert response.status_code == 405 and "Metode tidak diizinkan" in response.get_data(as_text=True)
    assert not client.get("/counter/").headers.get("Location", "").startswith("/login")  # still logged in
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/counter/").headers["Location"].startswith("/login")


def test_language_choice_survives_login_and_logout(client, staff):
    client.get("/login?lang=en")
    _login(client)
    client.post("/logout")
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client, staff):
    response = _login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_can_be_switched_on(tmp_path, monkeypatch):
    from support import migrated_app as create_app
    from loket.bootstrap import ensure_ready

    monkeypatch.setenv("LOKET_SECURE_COOKIES", "1")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/i.db"})
    with app.app_context():
        password = ensure_ready()["admin_password"]
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().post("/login", data={"username": "admin", "password": password},
                                      base_url="https://loket.test")
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


@pytest.fixture
def app_config(request):
    if "rate_limited" in request.node.name:
        return {"RATELIMIT_ENABLED": True, "LOKET_LOGIN_RATE_LIMIT": "3/minute"}
    return {}


def test_login_is_rate_limited(client, staff):
    for _ in range(3):
        assert _login(client, password="tebakan").status_code == 401
    response = _login(client)  # even the right password waits now
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # the form itself still opens


def test_anonymous_htmx_request_is_redirected_by_htmx(client):
    response = client.post("/counter/1/call", headers={"HX-Request": "true",
                                                        "HX-Current-URL": "http://loket.test/counter/1?x=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/counter/1?x%3D1"
    assert "Silakan masuk terlebih dahulu." in response.get_data(as_text=True)


def test_anonymous_page_request_keeps_where_it_was_going(client):
    response = client.get("/admin/pengaduan?status=open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/pengaduan?status%3Dopen"


def test_staff_change_their_own_password(client, staff):
    _login(client)
    assert "Ganti kata sandi" in client.get("/akun/kata-sandi").get_data(as_text=True)
    cases = [
        ({"current": "salah", "new": "baru-sekali-1", "repeat": "baru-sekali-1"}, "Kata sandi saat ini salah."),
        ({"current": "rahasia-123", "new": "pendek", "repeat": "pendek"}, "Kata sandi baru minimal 8 karakter."),
        ({"current": "rahasia-123", "new": "baru-sekali-1", "repeat": "baru-sekali-2"},
         "Kedua isian kata sandi baru tidak sama."),
        ({"current": "rahasia-123", "new": "rahasia-123", "repeat": "rahasia-123"},
         "Kata sandi baru harus berbeda dari yang lama."),
    ]
    for form, message in cases:
        response = client.post("/akun/kata-sandi", data=form)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    response = client.post("/akun/kata-sandi", data={"current": "rahasia-123", "new": "baru-sekali-1",
                                                     "repeat": "baru-sekali-1"})
    assert response.status_code == 200 and "Kata sandi sudah diganti." in response.get_data(as_text=True)
    client.post("/logout")
    assert _login(client).status_code == 401
    assert _login(client, password="baru-sekali-1").status_code == 302


def test_disabling_an_account_ends_its_open_sessions(app, client, staff):
    from loket.auth.models import User
    from loket.extensions import db

    _login(client)
    assert client.get("/counter/1").status_code == 200
    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == staff)).active = False
        db.session.commit()
    assert client.get("/counter/1").headers["Location"].startswith("/login")


def test_a_new_password_ends_the_other_sessions(app, staff):
    desk, phone = app.test_client(), app.test_client()
    _login(desk)
    _login(phone)
    response = desk.post("/akun/kata-sandi", data={"current": "rahasia-123", "new": "baru-sekali-1",
                                                   "repeat": "baru-sekali-1"})
    assert response.status_code == 200
    assert desk.get("/counter/1").status_code == 200  # the session that changed it goes on
    assert phone.get("/counter/1").headers["Location"].startswith("/login")


@pytest.mark.parametrize("role, start", [("officer", "/counter/"), ("supervisor", "/admin/"), ("admin", "/admin/")])
def test_each_role_lands_on_its_start_page(client, make_user, role, start):
    make_user("orang", role=role, counters=(1,))
    response = _login(client, "orang")
    assert response.status_code == 302 and response.headers["Location"] == start
    assert client.get(start).status_code in (200, 302)  # allowed (the counter may forward to the desk)
    assert client.get("/login").headers["Location"] == start  # already logged in
