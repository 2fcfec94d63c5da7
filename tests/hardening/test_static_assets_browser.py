"""A warm reload in headless Debian Chromium asks the server for no static file: the kiosk and the display
link fingerprinted names cached for a year (loket/assets.py), the display's voice manifest included."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def server_log(live_server):
    """The path of every request that reached the server."""
    paths: list[str] = []
    inner = live_server.app.wsgi_app

    def recording(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    live_server.app.wsgi_app = recording
    yield paths
    live_server.app.wsgi_app = inner


def static_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith("/static/")]


MANIFEST = re.compile(r"/static/audio/id\.[0-9a-f]{10}/manifest\.json$")


def load(page, navigate, *, display: bool) -> list[str]:
    """Open (or reload) the page until it is live, the display's voice manifest fetched; return the
    static files the browser asked for on the way (from the server or from its cache)."""
    asked: list[str] = []

    def note(request):
        asked.append(request.url)

    page.on("request", note)
    try:
        if display:
            with page.expect_request(MANIFEST):
                navigate()
        else:
            navigate()
        page.wait_for_selector("body[data-live=connected]", timeout=10_000)
    finally:
        page.remove_listener("request", note)
    return [u for u in asked if "/static/" in u]


@pytest.mark.parametrize("path,expected", [("/kiosk/1", 6), ("/display/1", 7)])
def test_a_warm_reload_asks_the_server_for_no_static_file(browser, live_server, server_log, path, expected):
    context = browser.new_context()
    url = live_server.url + path
    display = path.startswith("/display/")
    try:
        page, tab = context.new_page(), context.new_page()
        first = load(page, lambda: page.goto(url), display=display)
        assert len(static_paths(server_log)) == expected and len(set(first)) == expected, (server_log, first)

        # The same address again, a reload, and a new tab (Chromium's HTTP cache, not the tab's memory cache).
        for where, again in ((page, lambda: page.goto(url)), (page, page.reload), (tab, lambda: tab.goto(url))):
            server_log.clear()
            asked = load(where, again, display=display)
            assert len(set(asked)) == expected  # the page still uses every file ...
            assert static_paths(server_log) == []  # ... none of which reached the server
            assert path in server_log  # the page itself is asked for again
    finally:
        context.close()
