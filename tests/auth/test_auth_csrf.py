"""CSRF runs here as in production (enabled): forms carry the token, htmx sends it as X-CSRFToken
from base.html's hx-headers, and a request without it is refused with a readable 400."""
from __future__ import annotations

import re

import pytest

MESSAGE = "Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def staff(make_user):
    make_user("petugas", role="officer", counters=(1,))
    return "petugas"


def test_login_without_token_is_refused_readably(client, staff):
    response = client.post("/login", data={"username": staff, "password": "rahasia-123"})
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert client.get("/counter/").headers["Location"].startswith("/login")


def test_login_with_the_forms_token_works(client, staff):
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": staff, "password": "rahasia-123", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/counter/"


def test_csrf_message_in_english(client):
    client.get("/login?lang=en")
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "This form has expired or is not valid. Reload the page and try again." in response.get_data(as_text=True)


def _logged_in(client, username):
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": "rahasia-123", "csrf_token": token})
    return client


def test_htmx_post_needs_the_header_token(client, staff):
    _logged_in(client, staff)
    page = client.get("/counter/1").get_data(as_text=True)
    header_token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    refused = client.post("/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert MESSAGE in refused.get_data(as_text=True)
    assert refused.headers["HX-Retarget"] == "#messages"  # shown in the page's message area
    assert not client.get("/counter/").headers.get("Location", "").startswith("/login")  # still logged in
    accepted = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert accepted.status_code == 302
    assert client.get("/counter/").headers["Location"].startswith("/login")


def test_a_token_from_another_session_is_refused(app, client, staff):
    other = app.test_client()
    foreign = _token(other.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": staff, "password": "rahasia-123", "csrf_token": foreign})
    assert response.status_code == 400


def test_browser_htmx_requests_carry_the_token(live_server, page, staff):
    """In Chromium: log in through the form, then an htmx POST passes and a bare fetch is refused."""
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", staff)
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/counter/"))
    bare = page.evaluate("""async () => {
        const r = await fetch('/logout', {method: 'POST'});
        return [r.status, await r.text()];
    }""")
    assert bare[0] == 400 and MESSAGE in bare[1]
    page.evaluate("htmx.ajax('POST', '/logout', {target: '#main', swap: 'innerHTML'})")
    page.wait_for_selector("#main input[name=username]")  # htmx followed the redirect to the login form
    page.goto(f"{live_server.url}/counter/")
    page.wait_for_url(re.compile(r"/login\?next="))
