"""Behind a reverse proxy (LOKET_TRUSTED_PROXIES=n): rate limits, logs and ticket links see the visitor's
address, scheme and host from X-Forwarded-*; without it those headers are ignored (anyone can send them)."""
from __future__ import annotations

import pytest

PROXY = "10.0.0.2"  # where every request comes from: the proxy


BASE = {"RATELIMIT_ENABLED": True, "LOKET_LOGIN_RATE_LIMIT": "2/minute", "LOKET_PUBLIC_BASE_URL": ""}
behind_one_proxy = pytest.mark.parametrize("app_config", [{**BASE, "LOKET_TRUSTED_PROXIES": 1}], ids=["1 proxy"])


@pytest.fixture
def app_config():
    return {**BASE, "LOKET_TRUSTED_PROXIES": 0}


def _attempt(client, forwarded_for: str | None, **headers):
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post("/login", data={"username": "admin", "password": "salah-sandi"},
                       environ_base={"REMOTE_ADDR": PROXY}, headers=headers).status_code


@behind_one_proxy
def test_each_visitor_behind_the_proxy_has_its_own_login_budget(client):
    assert [_attempt(client, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
    assert _attempt(client, "203.0.113.9") == 401  # another visitor is not locked out with the first
    # A visitor who adds their own X-Forwarded-For entries still counts as the address the proxy saw.
    assert _attempt(client, "1.2.3.4, 203.0.113.5") == 429
    assert [_attempt(client, f"198.51.100.{n}, 203.0.113.9") for n in (1, 2)] == [401, 429]


def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    assert [_attempt(client, "203.0.113.5"), _attempt(client, "203.0.113.9")] == [401, 401]
    assert _attempt(client, "203.0.113.10") == 429  # one budget: the address that really connected
    assert _attempt(client, None) == 429


@behind_one_proxy
def test_ticket_links_follow_the_forwarded_scheme_and_host(client):
    response = client.post("/api/v1/tickets", json={"service": "A"}, environ_base={"REMOTE_ADDR": PROXY},
                           headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https",
                                    "X-Forwarded-Host": "antrean.klungkungkab.go.id"})
    assert response.status_code == 201
    assert response.json["url"].startswith("https://antrean.klungkungkab.go.id/t/")


def test_forwarded_scheme_and_host_are_ignored_without_trusted_proxies(client):
    response = client.post("/api/v1/tickets", json={"service": "A"}, environ_base={"REMOTE_ADDR": PROXY},
                           headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 201 and response.json["url"].startswith("http://localhost/t/")


@pytest.mark.parametrize("raw, expected", [("", 0), ("0", 0), ("2", 2)])
def test_trusted_proxies_setting(monkeypatch, tmp_path, raw, expected):
    from loket import config

    monkeypatch.setenv("LOKET_TRUSTED_PROXIES", raw)
    assert config.from_environment(tmp_path)["LOKET_TRUSTED_PROXIES"] == expected


@pytest.mark.parametrize("raw", ["satu", "-1", "1.5"])
def test_a_bad_trusted_proxies_setting_names_itself(monkeypatch, tmp_path, raw):
    from loket import config

    monkeypatch.setenv("LOKET_TRUSTED_PROXIES", raw)
    with pytest.raises(config.ConfigError, match="LOKET_TRUSTED_PROXIES"):
        config.from_environment(tmp_path)
