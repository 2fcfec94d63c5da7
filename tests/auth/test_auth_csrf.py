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
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


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


# The JSON API is exempt (anonymous kiosks and integrations, no cookie login); nothing guarded may be.
CSRF_EXEMPT_PREFIXES = ("/api/",)
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_state_changing_route_needs_the_token(app, make_user):
    """Walk the route map as a logged-in admin (passes every role): no token, no change."""
    make_user("chef", role="admin", counters=())
    client = _logged_in(app.test_client(), "chef")
    adapter = app.url_map.bind("loket.test")
    checked = []
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods) & STATE_CHANGING)
        if not methods:
            continue
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith(CSRF_EXEMPT_PREFIXES):
            assert getattr(view, "loket_roles", None) is None, f"{rule.rule} needs a login but skips CSRF"
            continue
        values = {name: (1 if type(conv).__name__ == "IntegerConverter" else "1")
                  for name, conv in rule._converters.items()}
        path = adapter.build(rule.endpoint, values, method=methods[0])
        for method in methods:
            response = client.open(path, method=method, data={"x": "1"})
            assert response.status_code == 400, (method, path, response.status_code)
            # our message, or an area's own (the kiosk goes back to its home screen): both say "expired"
            assert "kedaluwarsa" in response.get_data(as_text=True), (method, path)
            checked.append(path)
    assert len(checked) >= 10
    assert not client.get("/counter/").headers.get("Location", "").startswith("/login")  # still logged in


def test_every_post_form_carries_the_token():
    """Static check of the templates: a POST form without csrf_token would always fail with 400."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "loket" / "templates"
    missing = []
    for template in sorted(root.rglob("*.html")):
        text = template.read_text()
        for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S | re.I):
            if re.search(r"method=[\"']?post", match.group(1), re.I) and "csrf_token" not in match.group(2):
                missing.append(f"{template.relative_to(root)}: <form{match.group(1)[:60]}>")
    assert missing == []
    base = (root / "base.html").read_text()
    assert "hx-headers='{\"X-CSRFToken\": \"{{ csrf_token() }}\"}'" in base  # htmx requests send it


def test_login_rotates_the_token(client, staff):
    before = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": staff, "password": "rahasia-123", "csrf_token": before})
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    after = _token(client.get("/counter/1").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_browser_follows_the_login_redirect_of_an_htmx_request(live_server, page, staff):
    """A desk whose session ended (cookies gone): the next htmx refresh takes the page to /login,
    with the desk as `next`, instead of swapping a login form into a fragment."""
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", staff)
    page.fill("input[name=password]", "rahasia-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/counter/1$"))
    page.context.clear_cookies()
    page.evaluate("htmx.ajax('GET', '/counter/1/workspace', {target: '#main', swap: 'innerHTML'})")
    page.wait_for_url(re.compile(r"/login\?next=/counter/1$"))
    assert page.locator("input[name=username]").count() == 1
