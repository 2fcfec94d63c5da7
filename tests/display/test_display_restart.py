"""A display survives a server restart: offline mark while down, reconnects by itself, re-syncs.

A real `loket serve` process on a fixed port with its own instance folder (SQLite); the test kills
it while Chromium shows display 1, changes the queue while it is down, starts it again and
watches the open page catch up, then checks live events flow again.
"""
from __future__ import annotations

import re
import subprocess
import time

import pytest

from display_helpers import speech_stub
from support import free_port, start_loket_serve, stop_loket_serve, wait_until_serving

pytestmark = pytest.mark.browser


def start_server(port: int, instance) -> subprocess.Popen:
    server = start_loket_serve(instance, port, LOKET_ISSUE_RATE_LIMIT="0")
    wait_until_serving(server, port, path="/display/1")
    return server


def stop_server(proc: subprocess.Popen) -> None:
    stop_loket_serve(proc, kill=True)  # like a crash or a power cut: master and worker, no clean shutdown


def kiosk_issue(context, base: str, code: str) -> str:
    """Take a ticket the way the kiosk does (form post with its CSRF token); returns its number."""
    html = context.request.get(f"{base}/kiosk/1").text()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = context.request.post(f"{base}/kiosk/1/tiket", form={"service": code, "csrf_token": token})
    assert response.ok, response.text()[:300]
    number = re.search(r"\b" + code + r"-\d{3}\b", response.text())
    assert number, response.text()[:500]
    return number.group(0)


def board_state(page) -> dict:
    return page.evaluate("""() => ({
        now: document.querySelector('#board .now-number').dataset.number || null,
        waitingA: document.querySelector('#board .service-card[data-service="A"] strong').dataset.waiting,
        counter2: document.querySelector('#board .counter[data-counter="2"] .c-number').innerText,
    })""")


def test_display_resyncs_after_server_is_killed_and_restarted(browser, tmp_path):
    from loket import create_app
    from loket.extensions import db

    from display_helpers import call_at

    instance = tmp_path / "instance"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, instance)
    # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    context.add_init_script(speech_stub())
    try:
        page = context.new_page()
        page.goto(f"{base}/display/1")
        page.wait_for_function("document.body.dataset.live === 'connected'", timeout=10_000)
        assert not page.locator(".offline-mark").is_visible()

        first = kiosk_issue(context, base, "A")  # live while up
        page.wait_for_function("document.querySelector('#board .service-card[data-service=\"A\"] strong')"
                               ".dataset.waiting === '1'", timeout=5_000)

        stop_server(server)
        page.wait_for_function("document.body.classList.contains('offline')", timeout=30_000)
        assert page.locator(".offline-mark").is_visible()
        assert board_state(page)["waitingA"] == "1"  # the last board stays readable

        # While the server is down: two more tickets, and Loket 2 calls the first one.
        app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'loket.db'}",
                          "LOKET_OFFICE_HOURS": "24/7"})
        with app.app_context():
            from loket.queue import core

            core.issue_ticket("A")
            core.issue_ticket("A")
            called = call_at(2, "A")
            assert called.number == first
            db.session.remove()
            db.engine.dispose()
        time.sleep(1)
        assert board_state(page) == {"now": None, "waitingA": "1", "counter2": "—"}  # nothing pushed yet

        server = start_server(port, instance)
        restarted = time.monotonic()
        page.wait_for_function("document.body.dataset.live === 'connected' && "
                               "!document.body.classList.contains('offline')", timeout=30_000)
        page.wait_for_function(f"document.querySelector('#board .now-number').dataset.number === '{first}'",
                               timeout=10_000)
        print(f"server answering → display re-synced: {(time.monotonic() - restarted) * 1000:.0f} ms")
        assert board_state(page) == {"now": first, "waitingA": "2", "counter2": first}
        assert not page.locator(".offline-mark").is_visible()

        # Rejoined its room on the new server: live events arrive again.
        kiosk_issue(context, base, "A")
        page.wait_for_function("document.querySelector('#board .service-card[data-service=\"A\"] strong')"
                               ".dataset.waiting === '3'", timeout=5_000)
    finally:
        context.close()
        if server.poll() is None:
            stop_server(server)
