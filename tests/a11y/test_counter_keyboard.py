"""The counter by keyboard alone (issue 14, item 6): every focused control shows a 3:1 ring in the viewport,
focus never falls to <body> after a swap, and each action's result is spoken through the live region.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from loket.extensions import db
from loket.queue import core

pytestmark = pytest.mark.browser

# The focused element's indicator as the browser draws it: an outline (or an outer box-shadow ring) of at
# least 2 px, its colour against the background it is drawn on (the parent's, for a ring outside the box).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {problem: "focus is on <body>"};
  const rgba = (text) => { const m = text.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const luminance = ([r, g, b]) => { const c = [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (node) => { for (; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor); if (c && c[3] > 0.5) return c; }
    return [255, 255, 255, 1]; };
  const style = getComputedStyle(el);
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "")
    + " '" + (el.innerText || el.value || "").trim().slice(0, 30) + "'";
  let ring = null;
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    ring = {color: rgba(style.outlineColor), outside: parseFloat(style.outlineOffset) >= 0, width: parseFloat(style.outlineWidth)};
  } else if (style.boxShadow && style.boxShadow !== "none") {
    for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
      const lengths = shadow.replace(/rgba?\\([^)]*\\)/, "").trim().split(/\\s+/).map(parseFloat);
      if (!shadow.includes("inset") && lengths.length >= 4 && lengths[3] >= 2) {
        ring = {color: rgba(shadow), outside: true, width: lengths[3]}; break; }
    }
  }
  if (!ring || !ring.color) return {problem: "no focus indicator of 2 px or more", name};
  const behind = background(ring.outside ? el.parentElement : el);
  const ratio = contrast(ring.color, behind);
  if (ratio < 3) return {problem: "focus ring contrast " + ratio.toFixed(2) + ":1", name};
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth)
    return {problem: "focused element outside the viewport", name};
  return {name, ratio};
}"""


def focus_is_visible(page, step: str) -> str:
    seen = page.evaluate(FOCUS)
    assert "problem" not in seen, f"{step}: {seen}"
    return seen["name"]


def tab_to(page, selector: str, step: str, *, back: bool = False, limit: int = 40) -> None:
    """Press Tab (Shift+Tab) until `selector` has focus, checking every control it passes on the way."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            focus_is_visible(page, step)
            return
        if page.evaluate("() => document.activeElement !== document.body"):
            focus_is_visible(page, f"{step} (passing by)")
    raise AssertionError(f"{step}: {selector} never got the focus")


def act(page, key: str, note: str, step: str, *, focused: str) -> None:
    """Press `key`, wait for the desk to settle with `note` in the live region; the focus then sits on `focused`."""
    page.keyboard.press(key)
    # the note comes with the swap; the swapped parts stay "settling" until htmx has finished with them
    page.wait_for_function("(note) => document.getElementById('messages').textContent.includes(note)", arg=note)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    focus_is_visible(page, step)
    assert page.evaluate("(sel) => document.activeElement.matches(sel)", focused), \
        f"{step}: focus on {page.evaluate('() => document.activeElement.outerHTML.slice(0, 120)')}, wanted {focused}"


def test_an_officer_works_visits_by_keyboard_alone(app, live_server, make_user, browser, artifacts):
    base = live_server.url
    make_user("wayan", counters=(1,))
    with app.app_context():
        numbers = [core.issue_ticket("A").number for _ in range(3)]
        db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()

    # log in: the user name field has the focus; Tab to the password, Enter sends
    page.goto(f"{base}/login?next=/counter/")
    focus_is_visible(page, "login: user name")
    page.keyboard.type("wayan")
    page.keyboard.press("Tab")
    focus_is_visible(page, "login: password")
    page.keyboard.type("rahasia-123")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/counter/\d+$"))
    page.wait_for_selector("body[data-live=connected]")
    assert page.get_attribute("#messages", "aria-live") == "assertive"

    # the visitor's rating screen (the desk links to it) on its own device
    rating = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    rating.goto(base + page.get_attribute("#rate-screen-link", "href"))

    tab_to(page, ".act-call", "to 'Panggil berikutnya'")
    act(page, "Enter", f"{numbers[0]} dipanggil.", "call next", focused=".act-start")
    act(page, "u", f"{numbers[0]} dipanggil ulang.", "recall", focused=".act-start")
    act(page, "Enter", f"Mulai melayani {numbers[0]}.", "start", focused=".act-close")

    # transfer: A focuses the target list, arrows choose, Tab to the note and the button
    page.keyboard.press("a")
    assert page.evaluate("() => document.activeElement.name") == "service"
    focus_is_visible(page, "transfer: target list")
    page.keyboard.press("ArrowDown")
    target = page.evaluate("() => document.activeElement.value")
    assert target, "the arrow key chose no service"
    page.keyboard.press("Tab")
    focus_is_visible(page, "transfer: note")
    page.keyboard.type("Berkas lengkap, lanjut verifikasi.")
    tab_to(page, ".act-transfer", "to 'Alihkan'")
    act(page, "Enter", f"{numbers[0]} dialihkan ke", "transfer", focused=".act-call")

    act(page, "Space", f"{numbers[1]} dipanggil.", "call the next", focused=".act-start")
    act(page, "h", f"{numbers[1]} tidak hadir.", "no-show", focused=".act-call")
    act(page, "j", "Loket dijeda.", "pause", focused=".act-pause")
    assert page.inner_text(".act-pause").startswith("Lanjutkan loket")
    act(page, "Enter", "Loket dilanjutkan.", "resume", focused=".act-call")

    act(page, "n", f"{numbers[2]} dipanggil.", "call the last", focused=".act-start")
    act(page, "m", f"Mulai melayani {numbers[2]}.", "serve the last", focused=".act-close")
    tab_to(page, "#checklist input[type=checkbox]", "to the requirements")
    page.keyboard.press("Space")
    assert page.is_checked("#checklist input[type=checkbox] >> nth=0")
    act(page, "s", f"{numbers[2]} selesai.", "close", focused=".act-call")

    # the visitor rates on the screen facing them, by keyboard too
    rating.wait_for_selector("#rating[data-state=open]")
    tab_to(rating, ".rate-btn.rate-4", "rating: 'Sangat puas'")
    rating.keyboard.press("Enter")
    rating.wait_for_selector("#rating[data-state=thanks]")
    page.wait_for_function("() => document.querySelector('[data-count=ratings]').textContent.trim().startsWith('1')")
    page.screenshot(path=str(artifacts / "counter-keyboard.png"))

    # log out from the header, backwards from the main action
    tab_to(page, ".logout button", "to 'Keluar'", back=True)
    page.keyboard.press("Enter")
    # A refresh of the counter in flight when the session ends is answered with HX-Redirect to the
    # login page too, and may supersede the logout's own redirect: wait for where the page lands,
    # not for one particular navigation.
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("main")).to_contain_text("Masuk")
    rating.context.close()
    context.close()
