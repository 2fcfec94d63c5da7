"""The kiosk switched to English shows no Indonesian UI text (issue 14, item 3), in headless Debian
Chromium: home, a service's requirements, the confirmation, the complaint and survey forms (with their
errors), the SKM results. Data from the standard stays Indonesian and is marked `lang="id"`, which screen
readers need anyway to pronounce it; a count of people reads "1 person", "2 people"."""
from __future__ import annotations

import re

import pytest

from tests.i18n.scan import PACKAGE

pytestmark = pytest.mark.browser

VISIBLE_TEXT = """() => {
  const out = [];
  // Marked as Indonesian data: a part of the page with lang="id" (the page's own <html lang> aside)
  const indonesian = (el) => {
    const part = el && el.closest('[lang]');
    return Boolean(part && part !== document.documentElement && part.lang.startsWith('id'));
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script,style,template,noscript') || indonesian(el)) continue;
    const style = getComputedStyle(el);
    const hidden = style.display === 'none' || style.visibility === 'hidden' || el.closest('[hidden]');
    const text = node.textContent.trim();
    if (text && (!hidden || el.closest('[aria-live]'))) out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],img[alt],input[type=submit]')) {
    if (indonesian(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt', 'value']) {
      const value = el.getAttribute(name);
      if (value && (name !== 'value' || el.type === 'submit')) out.push(value);
    }
  }
  out.push(document.title);
  return out;
}"""


def _indonesian_phrases() -> list[re.Pattern]:
    """Each UI message's Indonesian words (the parts between placeholders) whose English differs."""
    from babel.messages.pofile import read_po

    phrases = set()
    for po in PACKAGE.glob("**/translations/en/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            for message in read_po(fh):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for msgid, string in zip(ids, strings):
                    if not msgid or not string:
                        continue
                    for part in re.split(r"%\(\w+\)\w|<[^>]*>", msgid):
                        part = part.strip(" .,:;!?()–-±·")
                        # A part that English shares (a name, "SKM", "Loket") is not a sign of Indonesian.
                        if len(re.findall(r"[A-Za-z]+", part)) >= 2 and part not in string:
                            phrases.add(part)
    return [re.compile(r"(?<![\w])" + re.escape(p) + r"(?![\w])") for p in sorted(phrases)]


def indonesian_in(page, phrases) -> list[str]:
    texts = page.evaluate(VISIBLE_TEXT)
    return sorted({f"{p.pattern!s} in {t!r}" for t in texts for p in phrases if p.search(t)})


@pytest.fixture(scope="module")
def phrases():
    return _indonesian_phrases()


def where(page) -> str:
    """The page and its session cookie (Flask's is readable JSON): what to look at when the language is wrong."""
    import base64
    import json
    import zlib

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    data = cookies.get("session", "").lstrip(".").split(".")[0]
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        session = json.loads(zlib.decompress(raw) if cookies["session"].startswith(".") else raw)
    except (KeyError, ValueError, zlib.error):
        session = cookies.get("session")
    return f"{page.url} session={session}"


def test_the_kiosk_in_english_shows_no_indonesian_ui_text(live_server, browser, phrases, artifacts):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/1?lang=id")
    found = indonesian_in(page, phrases)  # the detector itself: the Indonesian kiosk is full of it
    assert any("Silakan pilih layanan" in line for line in found) and len(found) >= 4, found

    seen = {}
    page.goto(f"{live_server.url}/kiosk/1?lang=en")
    assert page.locator("html").get_attribute("lang") == "en", where(page)
    seen["home"] = indonesian_in(page, phrases)
    data_marked = page.locator("[data-code='A'] [lang='id']").count()

    page.locator(".service-tile[data-code='A'] a").click()
    page.wait_for_url(re.compile(r"/kiosk/1/layanan/A"))
    seen["service"] = indonesian_in(page, phrases)

    page.locator("#take-ticket").click()
    page.wait_for_selector("#ticket-number")
    seen["confirmation"] = indonesian_in(page, phrases)
    assert page.locator("html").get_attribute("lang") == "en", where(page)

    page.goto(f"{live_server.url}/pengaduan/baru?kiosk=1&lang=en")
    seen["complaint"] = indonesian_in(page, phrases)
    page.fill("textarea[name=message]", "   ")  # only spaces: the server names the field
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    seen["complaint errors"] = indonesian_in(page, phrases)

    page.goto(f"{live_server.url}/survei?kiosk=1&lang=en")
    seen["survey"] = indonesian_in(page, phrases)

    page.goto(f"{live_server.url}/kiosk/1/hasil-skm?lang=en")
    seen["skm results"] = indonesian_in(page, phrases)
    context.close()
    assert data_marked, "the service's name is data from the standard: lang=id"
    assert not any(seen.values()), "\n".join(f"{where}: {found}" for where, found in seen.items() if found)


def test_counts_of_people_agree_with_their_number_in_english(app, client):
    from loket.queue import core

    def take():  # in an app context of its own: the client's requests each get theirs
        with app.app_context():
            core.issue_ticket("A")

    home = client.get("/kiosk/1?lang=en").get_data(as_text=True)
    assert "Waiting: 0 people" in home
    take()
    home = client.get("/kiosk/1?lang=en").get_data(as_text=True)
    assert "Waiting: 1 person" in home and "1 people" not in home
    take()
    assert "Waiting: 2 people" in client.get("/kiosk/1?lang=en").get_data(as_text=True)
    assert "Menunggu: 2 orang" in client.get("/kiosk/1?lang=id").get_data(as_text=True)
