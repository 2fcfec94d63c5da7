"""The low-JS promise (issue 14, item 7): in headless Debian Chromium with JavaScript switched off, the
kiosk issues a ticket, the ticket page shows it, the survey and the complaint form submit, errors come back.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter

pytestmark = pytest.mark.browser

KIOSK_VIEWPORT = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # the real forms, tokens and all


@pytest.fixture
def no_js(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False,
                                  locale="id-ID")
    yield context
    context.close()


def test_kiosk_ticket_and_ticket_page_without_javascript(app, live_server, browser):
    context = browser.new_context(viewport=KIOSK_VIEWPORT, java_script_enabled=False,
                                  locale="id-ID")
    kiosk = context.new_page()
    kiosk.goto(f"{live_server.url}/kiosk/1")
    kiosk.locator(".service-tile[data-code='A'] a").click()
    kiosk.wait_for_url(re.compile(r"/kiosk/1/layanan/A$"))
    kiosk.locator("#take-ticket").click()
    kiosk.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert kiosk.locator("#ticket-number").inner_text() == "A-001"
    assert kiosk.locator("#ticket-qr svg").count() == 1
    token = kiosk.url.rsplit("/", 1)[1]
    context.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False,
                                  locale="id-ID").new_page()
    phone.goto(f"{live_server.url}/t/{token}")
    assert phone.locator(".ticket-number").inner_text() == "A-001"
    assert phone.locator("#ticket-status").get_attribute("data-state") == "waiting"
    assert phone.locator("#headline").inner_text() == "Menunggu giliran"
    with app.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.services.any(code="A")))
        core.call_next(counter)
        name = counter.name
        db.session.remove()
    phone.reload()  # without JavaScript the page refreshes itself (a <noscript> meta refresh)
    assert phone.locator("#ticket-status").get_attribute("data-state") == "called"
    assert phone.locator("#headline").inner_text() == f"Silakan menuju {name}"
    phone.context.close()


def test_survey_of_a_finished_ticket_without_javascript(app, live_server, no_js):
    with app.app_context():
        ticket = core.issue_ticket("B")
        counter = db.session.scalar(select(Counter).where(Counter.services.any(code="B")))
        core.close_case(core.call_next(counter))
        token = ticket.token
        db.session.remove()
    page = no_js.new_page()
    page.goto(f"{live_server.url}/t/{token}")
    assert page.locator("#ticket-status").get_attribute("data-state") == "done"
    page.get_by_role("link", name="Nilai layanan kami (SKM)").click()
    page.wait_for_url(f"**/t/{token}/survei")
    for question in page.locator("fieldset.question").all():
        question.locator("label.choice").last.click()
    page.get_by_role("button", name="Kirim survei").click()
    page.wait_for_url("**/survei/terima-kasih*")
    assert "Terima kasih" in page.locator("h1").inner_text()


def test_complaint_form_without_javascript(live_server, no_js):
    page = no_js.new_page()
    page.goto(f"{live_server.url}/pengaduan/baru")
    # only spaces: the browser's own `required` check lets it through, the server must not
    page.fill("textarea[name=message]", "   ")
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Kirim").click()
    assert sent.value.status == 400
    message = page.locator("textarea[name=message]")
    assert message.get_attribute("aria-invalid") == "true"
    assert "message-error" in message.get_attribute("aria-describedby").split()
    error = page.locator("#message-error")
    assert error.is_visible() and error.inner_text().strip()
    # the error sits beside its field, inside the field's own block
    assert page.locator(".field.has-error textarea[name=message]").count() == 1

    page.fill("textarea[name=message]", "Antrean loket 2 terlalu lama tanpa penjelasan.")
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_url("**/pengaduan/*?baru=1*")
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", page.locator("#tracking-code").inner_text())
