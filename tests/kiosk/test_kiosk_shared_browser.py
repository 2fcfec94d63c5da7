"""The kiosk as a shared device in headless Debian Chromium: a half-typed complaint is gone after the idle
time (home again, in Indonesian, also through the back button), "Selesai" ends a visit at once, and the
portrait screen is filled with touch-sized text. Screenshots: tests/artifacts/kiosk-portrait.png and
kiosk-landscape.png.
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


@pytest.fixture
def app_config():
    return {"LOKET_KIOSK_IDLE_SECONDS": 3, "LOKET_KIOSK_DONE_SECONDS": 3}


def fields_of(page) -> tuple[str, str]:
    return page.locator("textarea[name=message]").input_value(), page.locator("input[name=contact]").input_value()


def test_a_half_typed_complaint_is_gone_after_the_idle_time(live_server, browser):
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/1?lang=en")
    page.locator(".kiosk-feedback a").first.click()
    page.wait_for_url(re.compile(r"/pengaduan/baru\?kiosk=1$"))
    page.fill("textarea[name=message]", "Petugas loket 2 membentak saya")
    page.fill("input[name=contact]", "0812 3456 7890")
    # LOKET_KIOSK_IDLE_SECONDS=3: nobody touches the screen, so the kiosk goes home, in Indonesian
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"), timeout=20_000)
    assert page.locator("h1").inner_text() == "Silakan pilih layanan"
    assert page.locator("html").get_attribute("lang") == "id"

    page.go_back()
    page.wait_for_url(re.compile(r"/pengaduan/baru\?kiosk=1$"))
    assert fields_of(page) == ("", "")
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"), timeout=20_000)  # and home again by itself

    page.get_by_role("link", name="Pengaduan & saran").click()
    page.wait_for_url(re.compile(r"/pengaduan/baru\?kiosk=1$"))
    assert fields_of(page) == ("", "")
    page.fill("textarea[name=message]", "Setengah jadi")
    page.locator("#kiosk-cancel").click()  # "Batal": home at once
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/pengaduan/baru\?kiosk=1$"))
    assert fields_of(page) == ("", "")
    context.close()


def test_selesai_ends_an_english_visit_at_once(live_server, browser):
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/1/layanan/B?lang=en")
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert "Scan the QR code" in page.locator("#print-status").inner_text()  # the preview printer prints nothing
    page.locator("#done").click()
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"))
    assert page.locator("h1").inner_text() == "Silakan pilih layanan"
    context.close()


def _font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def _assert_touch(locator):
    box = locator.bounding_box()
    assert box and box["height"] >= 64 and box["width"] >= 64, box


def test_portrait_kiosk_fills_the_screen_with_touch_sized_text(live_server, browser, artifacts):
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/1")
    last = page.locator(".kiosk-feedback").bounding_box()
    assert last["y"] + last["height"] >= 0.85 * PORTRAIT["height"]  # no empty lower half
    for tile in page.locator(".service-tile a").all():
        _assert_touch(tile)
        assert tile.bounding_box()["height"] >= 160
    for text in (".tile-name", ".tile-stats .waiting", ".tile-stats .estimate"):
        assert _font_px(page.locator(text).first) >= 24, text
    for button in page.locator(".kiosk-feedback a, .kiosk-lang a").all():
        _assert_touch(button)
    page.screenshot(path=str(artifacts / "kiosk-portrait.png"))

    page.goto(f"{live_server.url}/kiosk/1/layanan/B")
    priority = page.locator(".priority").bounding_box()
    assert priority["y"] + priority["height"] >= 0.75 * PORTRAIT["height"]
    for text in ("#persyaratan .checklist > li", "#waktu", ".priority p"):
        assert _font_px(page.locator(text).first) >= 24, text
    for button in [page.locator("#take-ticket"), page.locator("#kiosk-home"), *page.locator(".kiosk-priority").all()]:
        _assert_touch(button)
    context.close()

    landscape = browser.new_context(viewport=LANDSCAPE).new_page()
    landscape.goto(f"{live_server.url}/kiosk/1")
    for tile in landscape.locator(".service-tile a").all():
        _assert_touch(tile)
    landscape.screenshot(path=str(artifacts / "kiosk-landscape.png"))
    landscape.context.close()
