"""With CSRF protection on (as in production), the counter's htmx actions and the rating screen's tap
carry the token (base.html sends X-CSRFToken); a request without it is refused with a readable 400."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from loket.counter.models import QuickRating
from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_htmx_actions_and_the_rating_tap_carry_the_csrf_token(browser, live_server, ctx, make_user):
    make_user("officer1", counters=(1,))
    cid = db.session.scalar(select(Counter).where(Counter.number == 1)).id
    core.issue_ticket("A")
    db.session.remove()
    context = browser.new_context()
    desk = context.new_page()
    desk.goto(f"{live_server.url}/login?next=/counter/{cid}")
    desk.fill("input[name=username]", "officer1")
    desk.fill("input[name=password]", "rahasia-123")
    desk.click("button[type=submit]")
    desk.wait_for_url(re.compile(rf"/counter/{cid}$"))
    desk.wait_for_selector("body[data-live=connected]")
    rate_url = desk.get_attribute("#rate-screen-link", "href")
    desk.click(".act-call")
    desk.wait_for_selector('#workspace[data-number="A-001"]')

    screen_context = browser.new_context()
    screen = screen_context.new_page()
    screen.goto(live_server.url + rate_url)
    screen.wait_for_selector("body[data-live=connected]")
    desk.click(".act-close")
    desk.wait_for_selector("#current .visitor.empty")
    screen.wait_for_selector('#rating[data-state="open"]', timeout=5_000)
    screen.click(".rate-btn.rate-3")
    screen.wait_for_selector('#rating[data-state="thanks"]')
    db.session.expire_all()
    assert [r.score for r in db.session.scalars(select(QuickRating))] == [3]

    # The same session without the token: refused, readably, and nothing happens.
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    response = requests.post(f"{live_server.url}/counter/{cid}/call", cookies=cookies,
                             headers={"HX-Request": "true"}, timeout=30)
    assert response.status_code == 400 and "notice-error" in response.text
    context.close()
    screen_context.close()
