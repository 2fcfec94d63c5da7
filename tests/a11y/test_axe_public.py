"""axe-core on every public page and state (kiosk steps, ticket page, survey, complaints, TV, standard
pages, SKM results, rating screen, 404): no serious or critical violation; results in tests/artifacts/axe/.
"""
from __future__ import annotations

import re

import pytest

import axe

pytestmark = pytest.mark.browser

KIOSK = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
TV = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def open_page(browser, public_site):
    """open_page(path, device="phone", lang="id") → a page of the (device, lang) context, loaded.
    The kiosk's language is the visitor's choice (`?lang=`, kept in the session); a phone's follows
    the browser."""
    contexts = {}

    def open_(path: str, device: str = "phone", lang: str = "id"):
        key = (device, lang)
        if key not in contexts:
            viewport = {"phone": PHONE, "kiosk": KIOSK, "tv": TV}[device]
            contexts[key] = axe.context(browser, viewport=viewport, locale="en-GB" if lang == "en" else "id-ID")
            if device == "kiosk":
                contexts[key].new_page().goto(f"{public_site.url}/kiosk/1?lang={lang}")
        page = contexts[key].new_page()
        page.goto(public_site.url + path)
        return page

    yield open_
    for context in contexts.values():
        context.close()


def submit_empty(page):
    """Send the form with nothing filled in, past the browser's own checks: the server's error state."""
    page.evaluate("document.querySelectorAll('form[method=post]').forEach(f => f.noValidate = true)")
    page.locator("form[method=post] button[type=submit]").last.click()
    page.locator(".error-summary, .field-error").first.wait_for()


def take_ticket(page):
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    page.locator("#print-status[data-status]").wait_for()


def send_complaint(page):
    page.fill("textarea[name=message]", "Kursi ruang tunggu kurang.")
    page.locator("form[method=post] button[type=submit]").click()
    page.locator("#tracking-code").wait_for()


def rate_three(page):
    page.locator(".rate-btn.rate-3").click()
    page.locator("#rating[data-state=thanks]").wait_for()


def called_on_the_tv(page):
    page.locator("#board .now-number[data-number]").wait_for()


# (artifact name, path with {placeholders} from `public_site`, device, action after loading)
CASES = [
    ("kiosk-home", "/kiosk/1", "kiosk", None),
    ("kiosk-service", "/kiosk/1/layanan/A", "kiosk", None),
    ("kiosk-confirmation", "/kiosk/1/layanan/B", "kiosk", take_ticket),
    ("kiosk-offices", "/kiosk/mal", "kiosk", None),
    ("kiosk-complaint", "/pengaduan/baru?kiosk=1", "kiosk", None),
    ("kiosk-complaint-error", "/pengaduan/baru?kiosk=1", "kiosk", submit_empty),
    ("kiosk-complaint-sent", "/pengaduan/baru?kiosk=1", "kiosk", send_complaint),
    ("kiosk-survey", "/survei?kiosk=1", "kiosk", None),
    ("kiosk-survey-error", "/survei?kiosk=1", "kiosk", submit_empty),
    ("kiosk-survey-thanks", "/survei/terima-kasih?kiosk=1", "kiosk", None),
    ("kiosk-skm", "/kiosk/1/hasil-skm", "kiosk", None),
    ("ticket-waiting", "/t/{waiting}", "phone", None),
    ("ticket-called", "/t/{called}", "phone", None),
    ("survey-ticket", "/t/{done}/survei", "phone", None),
    ("survey-offices", "/survei", "phone", None),
    ("survey", "/survei?kantor=utama", "phone", None),
    ("survey-error", "/survei?kantor=utama", "phone", submit_empty),
    ("survey-thanks", "/survei/terima-kasih", "phone", None),
    ("complaint", "/pengaduan/baru?kantor=utama", "phone", None),
    ("complaint-error", "/pengaduan/baru?kantor=utama", "phone", submit_empty),
    ("complaint-lookup", "/pengaduan", "phone", None),
    ("complaint-track", "/pengaduan/{complaint}", "phone", None),
    ("complaint-track-new", "/pengaduan/{complaint}?baru=1", "phone", None),
    ("display", "/display/1", "tv", called_on_the_tv),
    ("standard-offices", "/standar-pelayanan", "phone", None),
    ("standard", "/kantor/utama/standar-pelayanan", "phone", None),
    ("standard-service", "/standar-pelayanan/{slug}", "phone", None),
    ("skm-results-offices", "/hasil-skm", "phone", None),
    ("skm-results", "/kantor/utama/hasil-skm", "phone", None),
    ("rating-open", "/counter/{counter}/rate?key={rate_key}", "kiosk", None),
    ("rating-thanks", "/counter/{counter}/rate?key={rate_key}", "kiosk", rate_three),
    ("not-found", "/tidak-ada", "phone", None),
]
ENGLISH = {name for name, *_ in CASES if name.startswith(("kiosk-", "ticket-"))}
# Moderate rules each public page passes too (cheap to keep: e.g. the TV's visually hidden h1).
ALSO = ("page-has-heading-one", "landmark-one-main", "heading-order", "region")
RUNS = [(*case, "id") for case in CASES] + [(*case, "en") for case in CASES if case[0] in ENGLISH]


@pytest.mark.parametrize("name, path, device, action, lang", RUNS, ids=[f"{r[0]}-{r[4]}" for r in RUNS])
def test_no_serious_or_critical_violation(open_page, public_site, name, path, device, action, lang):
    page = open_page(path.format(**vars(public_site)), device, lang)
    assert page.locator("html").get_attribute("lang") == lang
    if action:
        action(page)
    assert not axe.check(page, f"{name}-{lang}", also=ALSO)
    page.close()
