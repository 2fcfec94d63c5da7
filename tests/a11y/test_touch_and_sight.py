"""Touch and sight on the public pages, measured in Chromium: target sizes (64 px on the kiosk and the
rating screen, 44 px on the visitor's own pages), text contrast, 200 % zoom, and no status told by colour alone.

200 % is Chromium's page zoom (Ctrl + +, or the zoom a low-vision visitor sets on a phone): every CSS px
takes two device pixels, so the page lays out in half the CSS px width. Playwright emulates it with the
viewport halved and device_scale_factor=2; the screenshots are then the size of the real screen.
"""
from __future__ import annotations

import re

import pytest

import axe

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}

# Every clickable target: links, buttons, inputs and selects; a radio or checkbox counts by its label,
# which is what a finger taps. Links inside running text are exempt, as WCAG 2.5.8 says ("Inline: the
# target is in a sentence or its size is otherwise constrained by the line-height of non-target text").
TARGETS = """(minimum) => {
  const shown = e => { const r = e.getBoundingClientRect();
                       return r.width > 1 && r.height > 1 && e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true}); };
  // In running text: an inline link with other inline text beside it in its block (separators aside).
  const inSentence = e => {
    if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    let inner = e, block = e.parentElement;
    while (block && getComputedStyle(block).display === 'inline') { inner = block; block = block.parentElement; }
    const text = n => n.nodeType === 3 ? n.textContent
      : (n.nodeType === 1 && getComputedStyle(n).display === 'inline' ? n.textContent : '');
    return [...block.childNodes].some(n => n !== inner && text(n).replace(/[\\s·|•]/g, ''));
  };
  const targets = new Set();
  for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select')) {
    const choice = e.matches('input[type=radio], input[type=checkbox]');
    targets.add(choice ? (e.closest('label') || (e.labels && e.labels[0]) || e) : e);
  }
  const list = [...targets].filter(e => shown(e) && !inSentence(e));
  return list.map(e => {
    const r = e.getBoundingClientRect();
    return {what: e.outerHTML.slice(0, 90), width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10,
            left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            within: list.findIndex(o => o !== e && o.contains(e))};  // a target inside another (-1: none)
  });
}"""

# Colours as drawn: the text's colour with every ancestor's opacity, over the first background below it
# (a gradient gives each of its colour stops).
COLOURS = """(e) => {
  const rgba = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  let opacity = 1;
  for (let a = e; a; a = a.parentElement) opacity *= Number(getComputedStyle(a).opacity);
  const fg = rgba(getComputedStyle(e).color); fg[3] *= opacity;
  for (let a = e; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    const stops = s.backgroundImage.match(/rgba?\\([^)]*\\)/g);
    if (stops) return {fg, bgs: stops.map(rgba)};
    const bg = rgba(s.backgroundColor);
    if (bg[3] > 0) return {fg, bgs: [bg]};
  }
  return {fg, bgs: [[255, 255, 255, 1]]};
}"""

NON_TEXT = re.compile(r"only non-text characters")
WHITE = (255, 255, 255)


def luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def over(fg, bg):
    """`fg` (r, g, b, alpha) drawn over the opaque `bg`."""
    alpha = fg[3]
    return [fg[i] * alpha + bg[i] * (1 - alpha) for i in range(3)]


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def contexts(browser):
    made = {}

    def context(viewport, zoom: int = 1, **kwargs):
        key = (viewport["width"], viewport["height"], zoom)
        if key not in made:
            made[key] = axe.context(browser, viewport={k: v // zoom for k, v in viewport.items()},
                                    device_scale_factor=zoom, **kwargs)
        return made[key]

    yield context
    for context in made.values():
        context.close()


def visit(contexts, site, path, viewport, zoom=1):
    page = contexts(viewport, zoom).new_page()
    page.goto(site.url + path.format(**vars(site)))
    return page


def small_targets(page, minimum: int) -> list[str]:
    return [f"{t['width']}×{t['height']}: {t['what']}" for t in page.evaluate(TARGETS, minimum)
            if t["width"] < minimum - .01 or t["height"] < minimum - .01]


def low_contrast(page, minimum: float = 4.5) -> list[str]:
    """axe's color-contrast must have run and passed; what it could not decide (text over a gradient or
    under another element) is measured here. Characters that are not text (★, arrows; aria-hidden) are
    icons, not text, and have no text contrast to meet."""
    results = axe.run(page, rules=["color-contrast"])
    assert results["passes"] and results["passes"][0]["id"] == "color-contrast", "axe's color-contrast did not run"
    problems = [f"{n['target']}: {n.get('failureSummary', '').strip()}" for v in results["violations"] for n in v["nodes"]]
    for item in results["incomplete"]:
        for node in item["nodes"]:
            why = " ".join(c["message"] for kind in ("any", "all", "none") for c in node[kind])
            if NON_TEXT.search(why):
                continue
            colours = page.locator(" ".join(node["target"])).first.evaluate(COLOURS)
            grounds = [over(bg, WHITE) for bg in colours["bgs"]]
            worst = min(contrast(over(colours["fg"], ground), ground) for ground in grounds)
            if worst < minimum:
                problems.append(f"{node['target']}: {worst:.2f}:1 measured here ({why})")
    return problems


KIOSK_PAGES = ["/kiosk/1", "/kiosk/1/layanan/A", "/kiosk/mal", "/kiosk/1/hasil-skm", "/pengaduan/baru?kiosk=1",
               "/survei?kiosk=1", "/survei/terima-kasih?kiosk=1"]
OWN_DEVICE_PAGES = ["/t/{waiting}", "/t/{called}", "/t/{done}/survei", "/survei?kantor=utama", "/survei",
                    "/survei/terima-kasih", "/pengaduan/baru?kantor=utama", "/pengaduan", "/pengaduan/{complaint}",
                    "/standar-pelayanan", "/kantor/utama/standar-pelayanan", "/kantor/utama/standar-pelayanan/{slug}",
                    "/hasil-skm", "/kantor/utama/hasil-skm", "/t/tiket-yang-tidak-ada", "/halaman-yang-tidak-ada"]


def test_rating_screen_targets_are_64_px_and_its_text_has_contrast(contexts, public_site):
    # first in the module: the rating request is open until a tap answers it
    page = visit(contexts, public_site, "/counter/{counter}/rate?key={rate_key}", LANDSCAPE)
    page.locator("#rating[data-state=open]").wait_for()
    assert page.locator(".rate-btn").count() == 4
    assert not small_targets(page, 64)
    assert not low_contrast(page)
    page.close()


def kiosk_targets(page) -> list[str]:
    """Targets under 64 px in landscape, then in portrait (the same page turned: the layout follows)."""
    small = []
    for viewport in (LANDSCAPE, PORTRAIT):
        page.set_viewport_size(viewport)
        assert page.evaluate(TARGETS, 64), "no target found"
        small += [f"{viewport['width']}×{viewport['height']}: {t}" for t in small_targets(page, 64)]
    return small


@pytest.mark.parametrize("path", KIOSK_PAGES)
def test_kiosk_targets_are_64_px_and_text_has_contrast(contexts, public_site, path):
    page = visit(contexts, public_site, path, LANDSCAPE)
    assert not kiosk_targets(page)
    assert not low_contrast(page)
    page.close()


def test_kiosk_confirmation_targets_are_64_px_and_text_has_contrast(contexts, public_site):
    page = visit(contexts, public_site, "/kiosk/1/layanan/B", LANDSCAPE)
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert not kiosk_targets(page)
    assert not low_contrast(page)
    page.close()


@pytest.mark.parametrize("path", OWN_DEVICE_PAGES)
def test_own_device_targets_are_44_px_and_text_has_contrast(contexts, public_site, path):
    page = visit(contexts, public_site, path, PHONE)
    assert page.evaluate(TARGETS, 44), "no target found"
    assert not small_targets(page, 44)
    assert not low_contrast(page)
    page.close()


# --- 200 % -------------------------------------------------------------------------------------

LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const shown = e => e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})
    && !e.closest('.visually-hidden');
  const all = [...document.querySelectorAll('body *')].filter(shown);
  // Content wider than its own box spills over the box's border or is cut off (or scrolls in the box).
  const overflowing = all.filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.outerHTML.slice(0, 80)} (${e.scrollWidth} > ${e.clientWidth})`);
  const outside = all.filter(e => { const r = e.getBoundingClientRect(); return r.width && (r.left < -1 || r.right > width + 1); })
    .map(e => e.outerHTML.slice(0, 80));
  return {scroll: document.documentElement.scrollWidth - width, overflowing, outside};
}"""


def overlapping(targets: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(targets):
        for j, b in enumerate(targets[i + 1:], start=i + 1):
            width = min(a["right"], b["right"]) - max(a["left"], b["left"])
            height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            nested = a["within"] == j or b["within"] == i
            if width > 1 and height > 1 and not nested:
                pairs.append((a["what"], b["what"]))
    return pairs


def assert_readable_at_200(page):
    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= 0 and not layout["outside"], (f"scrolls {layout['scroll']} px sideways", layout["outside"])
    assert not layout["overflowing"]
    targets = page.evaluate(TARGETS, 0)
    assert targets
    width = page.evaluate("document.documentElement.clientWidth")
    assert not [t["what"] for t in targets if t["left"] < -1 or t["right"] > width + 1]
    assert not overlapping(targets)


def test_kiosk_at_200_percent_shows_everything_and_takes_a_ticket(contexts, public_site, artifacts):
    page = visit(contexts, public_site, "/kiosk/1", PORTRAIT, zoom=2)
    assert_readable_at_200(page)
    page.screenshot(path=str(artifacts / "kiosk-200pct.png"), full_page=True)
    page.locator(".service-tile[data-code='A'] a").click()
    page.wait_for_url(re.compile(r"/kiosk/1/layanan/A$"))
    assert_readable_at_200(page)
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/1/tiket/[\w-]+$"))
    assert re.fullmatch(r"A-\d{3}", page.locator("#ticket-number").inner_text())
    assert_readable_at_200(page)
    page.locator("#done").click()
    page.wait_for_url(re.compile(r"/kiosk/1\?lang=id$"))
    page.close()


@pytest.mark.parametrize("path", ["/kiosk/1", "/kiosk/1/layanan/A", "/pengaduan/baru?kiosk=1", "/survei?kiosk=1"])
def test_kiosk_pages_at_200_percent_in_landscape(contexts, public_site, path):
    page = visit(contexts, public_site, path, LANDSCAPE, zoom=2)
    assert_readable_at_200(page)
    page.close()


@pytest.mark.parametrize("token", ["waiting", "called", "no_show"])
def test_ticket_page_at_200_percent_shows_everything(contexts, public_site, artifacts, token):
    page = visit(contexts, public_site, f"/t/{{{token}}}", PHONE, zoom=2)
    assert_readable_at_200(page)
    if token == "waiting":
        page.screenshot(path=str(artifacts / "ticket-200pct.png"), full_page=True)
    page.close()


# --- nothing by colour alone -------------------------------------------------------------------

def test_ticket_states_are_told_in_words(contexts, public_site):
    said = {}
    for state, token in (("waiting", "waiting"), ("called", "called"), ("no_show", "no_show"), ("done", "done")):
        page = visit(contexts, public_site, f"/t/{{{token}}}", PHONE)
        status = page.locator(f"#ticket-status[data-state={state}]")
        said[state] = status.locator("#headline").inner_text().strip()
        page.close()
    assert all(said.values()) and len(set(said.values())) == len(said), said


def test_tv_marks_carry_text_not_only_colour(contexts, public_site):
    page = visit(contexts, public_site, "/display/1", LANDSCAPE)
    board = page.locator("#board")
    assert "silakan menuju" in board.locator(".now-counter").inner_text().lower()  # the call
    assert board.locator(".counter.paused .c-number").first.inner_text().strip() == "Istirahat"
    priority = board.locator(".next-number.priority")
    assert priority.count() == 1
    mark = priority.locator(".p-mark")
    assert mark.locator("[aria-hidden=true]").inner_text() == "★"  # seen
    assert mark.locator(".visually-hidden").inner_text() == "prioritas"  # heard
    plain = board.locator(".next-number:not(.priority)")
    assert plain.count() and not plain.locator(".p-mark").count()
    page.close()
