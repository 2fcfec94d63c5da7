"""Login lockout: wrong passwords are limited per account and address (and, five times looser, per
address alone); a right password uses up nothing; the locked-out answer is the login page itself,
with the form and how long to wait, in Indonesian and English."""
from __future__ import annotations

import pytest

ADDRESS = {"REMOTE_ADDR": "10.1.2.3"}


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOKET_LOGIN_RATE_LIMIT": "3/minute"}


def _login(client, username="petugas", password="rahasia-123", address=ADDRESS):
    return client.post("/login", data={"username": username, "password": password}, environ_base=address)


def _lock_out(client, username="petugas"):
    for _ in range(3):
        assert _login(client, username, "tebakan").status_code == 401


@pytest.fixture
def staff(make_user):
    make_user("petugas", counters=(1,))
    make_user("kedua", counters=(2,))


def test_the_right_password_still_waits_on_the_locked_account(client, staff):
    _lock_out(client)
    assert _login(client).status_code == 429  # the guesser cannot go on, not even with a lucky guess


def test_another_account_from_the_same_address_is_not_locked_out(app, staff):
    _lock_out(app.test_client())
    assert _login(app.test_client(), "kedua").status_code == 302


def test_the_same_account_from_another_address_is_not_locked_out(app, staff):
    _lock_out(app.test_client())
    assert _login(app.test_client(), address={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_right_passwords_use_up_nothing(app, staff):
    for _ in range(6):  # a shared desk PC where staff log in all day
        assert _login(app.test_client()).status_code == 302


def test_one_address_trying_many_accounts_meets_the_looser_limit(app, staff):
    client = app.test_client()
    for n in range(15):  # 5 × 3: one guess each for fifteen names
        assert _login(client, f"orang{n}", "tebakan").status_code == 401, n
    assert _login(client, "orang-lain", "tebakan").status_code == 429
    assert _login(client, "kedua").status_code == 429  # spraying locks the whole address for a while
    assert _login(client, "kedua", address={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


@pytest.mark.parametrize("lang, message, absent", [
    ("id", "Terlalu banyak percobaan masuk. Coba lagi dalam 1 menit.", "Too many login attempts"),
    ("en", "Too many login attempts. Try again in 1 min.", "Terlalu banyak percobaan masuk"),
])
def test_the_locked_out_answer_is_the_login_form_with_the_wait(client, staff, lang, message, absent):
    client.get(f"/login?lang={lang}")
    _lock_out(client)
    response = _login(client, password="rahasia-123")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and message in html and absent not in html
    assert 'role="alert"' in html and '<form method="post"' in html
    assert 'name="username"' in html and 'value="petugas"' in html  # the name stays typed in ...
    assert 'name="password"' in html and "rahasia-123" not in html  # ... the password does not
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200


def test_the_password_page_keeps_its_plain_limit(client, staff):
    from support import login

    login(client, "petugas")
    for _ in range(3):
        client.post("/akun/kata-sandi", data={"current": "salah", "new": "baru-sekali-1", "repeat": "baru-sekali-1"})
    response = client.post("/akun/kata-sandi", data={"current": "salah", "new": "x", "repeat": "x"})
    assert response.status_code == 429 and "Terlalu banyak permintaan" in response.get_data(as_text=True)
