"""The waiting-room display at every common TV and monitor size, measured in Chromium: the called number
on one line and big enough for 6 m, the counter it goes to above the footer, nothing spilling sideways,
and the counter list keeping each counter and its number apart.
"""
from __future__ import annotations

import pytest

from display_helpers import call_at, open_display, speech_stub

pytestmark = pytest.mark.browser

# 720p, the common cheap-TV/laptop 1366×768, 16:10-ish 1280×900, 900p, 1080p, 4K at one CSS px per
# pixel (a browser that does not scale), and a TV hung in portrait.
SIZES = [(1280, 720), (1366, 768), (1280, 900), (1600, 900), (1920, 1080), (3840, 2160), (1080, 1920)]
# Cap height of the called number ≥ 6 % of the screen's height: 3 cm on a 43-inch 16:9 screen (53.5 cm
# tall), what text read from 6 m needs (see test_display_short_names.CAP_HEIGHT_MIN_PX).
CAP_HEIGHT_MIN = 0.06

MEASURE = """() => {
  const box = e => e.getBoundingClientRect();
  const inside = (r, o) => r.top >= o.top - 1 && r.bottom <= o.bottom + 1 && r.left >= o.left - 1 && r.right <= o.right + 1;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
                            && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  // The lines an element's text is laid out on: the distinct tops of its text fragments.
  const lines = e => {
    const tops = [], range = document.createRange(), walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      if (!walk.currentNode.textContent.trim()) continue;
      range.selectNodeContents(walk.currentNode);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && !tops.some(t => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
      }
    }
    return tops.length;
  };
  const q = s => document.querySelector(s), all = s => [...document.querySelectorAll(s)];
  const view = {top: 0, left: 0, right: document.documentElement.clientWidth, bottom: document.documentElement.clientHeight};
  const footer = box(q('.display-bottom'));

  const number = q('#board .now-number'), style = getComputedStyle(number);
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const lineHeight = style.lineHeight === 'normal' ? 1.2 * parseFloat(style.fontSize) : parseFloat(style.lineHeight);

  const goTo = q('#board .now-counter'), now = box(q('#board .now'));
  const rows = all('#board .counter').map(row => {
    const name = row.querySelector('.c-name'), num = row.querySelector('.c-number');
    return {text: row.innerText.replace(/\\s+/g, ' '), box: box(row), nameLines: lines(name), numberLines: lines(num),
            gap: box(num).left - box(name).right, inPanel: inside(box(row), box(q('#board .counters')))};
  });
  // The running text moves across its bar by design; everything else stays inside its own box.
  const shown = all('#display *').filter(e => e.checkVisibility() && !e.closest('#ticker, .visually-hidden'));
  return {
    number: {text: number.innerText, lines: lines(number), height: box(number).height, lineHeight,
             cap: canvas.measureText(number.innerText).actualBoundingBoxAscent, inView: inside(box(number), view),
             inPanel: inside(box(number), now)},
    goTo: {text: goTo.innerText, inView: inside(box(goTo), view), inPanel: inside(box(goTo), now),
           aboveFooter: box(goTo).bottom <= footer.top + 1},
    rows,
    overlappingRows: rows.flatMap((a, i) => rows.slice(i + 1).filter(b => overlap(a.box, b.box)).map(b => [a.text, b.text])),
    belowFooter: all('#board .now, #board .counters, #board .service-card')
      .filter(e => box(e).bottom > footer.top + 1).map(e => e.className),
    spilling: shown.filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
      .map(e => `${e.outerHTML.slice(0, 70)} (${e.scrollWidth} > ${e.clientWidth})`),
    outside: shown.filter(e => { const r = box(e); return r.width > 0 && (r.left < -1 || r.right > view.right + 1); })
      .map(e => e.outerHTML.slice(0, 70)),
    pageScroll: [document.documentElement.scrollWidth - view.right, document.documentElement.scrollHeight - view.bottom],
  };
}"""


@pytest.fixture
def called_board(ctx, make_ticket):
    """Every counter busy, five earlier calls, and B-001 just called to Loket 1 (the call that broke
    into "B-" / "001" at 1366×768)."""
    for code in "ABCDEF":
        for _ in range(3):
            make_ticket(code)
    for number, code in zip(range(2, 7), "ACDEF"):
        call_at(number, code)
    return call_at(1, "B")


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_call_and_counters_fit_the_screen(browser, live_server, called_board, artifacts, width, height):
    # bypass_csp: Playwright's wait_for_function evals its predicate in the page, which the CSP forbids
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.add_init_script(speech_stub())
    page = open_display(context.new_page(), live_server.url)
    page.wait_for_function(f"document.querySelector('#board .now-number').dataset.number === '{called_board.number}'")
    page.evaluate("document.getAnimations().forEach(a => { if (a.animationName === 'flash') a.finish(); })")
    page.screenshot(path=str(artifacts / f"display-{width}x{height}.png"))
    found = page.evaluate(MEASURE)
    context.close()

    number = found["number"]
    assert number["text"] == "B-001"
    assert number["lines"] == 1 and number["height"] < 1.5 * number["lineHeight"], number
    assert number["inView"] and number["inPanel"], number
    assert number["cap"] >= CAP_HEIGHT_MIN * height, number
    go_to = found["goTo"]
    assert go_to["text"].replace("\n", " ") == "silakan menuju Loket 1"
    assert go_to["inView"] and go_to["inPanel"] and go_to["aboveFooter"], go_to
    assert found["belowFooter"] == []

    rows = found["rows"]
    assert [row["text"] for row in rows] == ["Loket 1 B-001", "Loket 2 A-001", "Loket 3 C-001", "Loket 4 D-001",
                                             "Loket 5 E-001", "Loket 6 F-001"]
    assert all(row["nameLines"] == 1 and row["numberLines"] == 1 for row in rows), rows
    assert all(row["gap"] >= 8 and row["inPanel"] for row in rows), rows
    assert found["overlappingRows"] == []

    assert found["spilling"] == [] and found["outside"] == [], (found["spilling"], found["outside"])
    assert found["pageScroll"][0] <= 0 and found["pageScroll"][1] <= 0, found["pageScroll"]
