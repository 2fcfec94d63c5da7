"""Charts for the report pages, drawn on the server as inline SVG: no JavaScript, no chart library.
They print on A4 (black and white printers too): every value is also written as text, never shown by colour alone.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Collection, Sequence

from flask import has_request_context
from flask_babel import gettext
from markupsafe import Markup, escape

WIDTH = 640  # viewBox width; the page scales it to 100 % of its column
FONT = 12  # px in the 640-wide viewBox: about 9 pt across A4's text width
INK = "#1a1a1a"  # text and axes: 17:1 on white
MUTED = "#595959"  # scale labels: 7:1 on white
BAR = "#1f4e79"  # bars and the line: 8.7:1 on white, a dark grey on a black and white printer
GRID = "#c4c4c4"  # gridlines only, never text
_ID = "<id>"  # placeholder for the id prefix; escaped text can never contain a raw "<"
_ID_PREFIX = re.compile(r"[A-Za-z][\w-]*\Z")

Format = Callable[[float], str]


def N_(message: str) -> str:
    return message


NO_DATA = N_("Tidak ada data")


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, desc: str = "", unit: str = "",
              fmt: Format = str, highlight: Collection[int] | None = None,
              id_prefix: str | None = None) -> Markup:
    """Vertical bars from 0 to a nice top, the label under each bar and its value above it.

    `highlight` holds bar indexes drawn hatched with an outline (not told by colour alone).
    """
    values = [_checked(v, 0.0, math.inf) for _, v in bars]
    height, left, right, top = 300, 56, WIDTH - 12, 32
    bottom = height - 36
    parts = [_text(8, 16, unit, anchor="start", fill=MUTED)] if unit else []
    if not any(values):
        return _svg("bar", height, parts + _no_data(left, top, right, bottom), title, desc, id_prefix)
    scale_top = _nice_top(max(values))
    plot = bottom - top
    parts += _y_scale(_ticks(0, scale_top), lambda v: bottom - v / scale_top * plot, left, right, fmt)
    marked = set(highlight or ())
    if marked:
        parts.append(f'<defs><pattern id="{_ID}-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
                     f' patternTransform="rotate(45)"><rect width="6" height="6" fill="{BAR}"/>'
                     f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>')
    slot = (right - left) / len(values)
    bar_width = min(slot * 0.7, 64)
    for i, ((label, _), value) in enumerate(zip(bars, values)):
        centre = left + slot * (i + 0.5)
        bar_height = value / scale_top * plot
        look = (f'class="bar highlight" fill="url(#{_ID}-hatch)" stroke="{INK}" stroke-width="2"'
                if i in marked else f'class="bar" fill="{BAR}"')
        parts.append(f'<rect {look} data-value="{float(value)!r}" x="{_n(centre - bar_width / 2)}"'
                     f' y="{_n(bottom - bar_height)}" width="{_n(bar_width)}" height="{_n(bar_height)}"/>')
        parts.append(_text(centre, bottom - bar_height - 5, fmt(value), cls="value"))
        parts.append(_text(centre, bottom + 18, label, cls="label"))
    parts.append(_line(left, bottom, right, bottom, INK))
    return _svg("bar", height, parts, title, desc, id_prefix)


def hbar_chart(items: Sequence[tuple[str, float | None]], *, title: str, desc: str = "",
               minimum: float = 1.0, maximum: float = 4.0, fmt: Format = str,
               marks: Sequence[tuple[float, str]] = (), id_prefix: str | None = None) -> Markup:
    """Horizontal bars from `minimum`, each label above its bar; None is no bar and the text "–".

    `marks` are labelled dashed reference lines (grade bounds such as 3.0644 "B").
    """
    if not maximum > minimum:
        raise ValueError("maximum must be greater than minimum")
    values = [None if v is None else _checked(v, minimum, maximum) for _, v in items]
    left, right, top, row = 24, WIDTH - 64, 30, 40
    if all(v is None for v in values):
        return _svg("hbar", 160, _no_data(left, top, right, 160 - 20), title, desc, id_prefix)
    bottom = top + row * len(values)
    height = bottom + 30

    def x(v: float) -> float:
        return left + (v - minimum) / (maximum - minimum) * (right - left)

    parts = []
    for tick in _ticks(minimum, maximum):
        parts.append(_line(x(tick), top, x(tick), bottom, GRID))
        parts.append(_text(x(tick), bottom + 18, fmt(tick), fill=MUTED, cls="tick"))
    for value, label in marks:
        at = x(_checked(value, minimum, maximum))
        parts.append(f'<line class="mark" x1="{_n(at)}" y1="{top - 6}" x2="{_n(at)}" y2="{bottom}"'
                     f' stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>')
        parts.append(_text(at, top - 10, label, cls="mark-label", bold=True))
    for i, ((label, _), value) in enumerate(zip(items, values)):
        y0 = top + i * row
        parts.append(_text(left, y0 + 14, label, anchor="start", cls="label"))
        if value is None:
            parts.append(_text(left + 4, y0 + 31, "–", anchor="start", fill=MUTED, cls="value"))
            continue
        parts.append(f'<rect class="bar" fill="{BAR}" data-value="{float(value)!r}" x="{left}" y="{y0 + 20}"'
                     f' width="{_n(x(value) - left)}" height="14"/>')
        parts.append(_text(x(value) + 6, y0 + 31, fmt(value), anchor="start", cls="value"))
    parts.append(_line(left, top, left, bottom, INK))
    return _svg("hbar", height, parts, title, desc, id_prefix)


def line_chart(points: Sequence[tuple[str, float | None]], *, title: str, desc: str = "",
               minimum: float, maximum: float, fmt: Format = str, unit: str = "",
               id_prefix: str | None = None) -> Markup:
    """A trend over periods on a fixed scale; None breaks the line, each point has its value as text."""
    if not maximum > minimum:
        raise ValueError("maximum must be greater than minimum")
    values = [None if v is None else _checked(v, minimum, maximum) for _, v in points]
    height, left, right, top = 300, 56, WIDTH - 24, 32
    bottom = height - 36
    parts = [_text(8, 16, unit, anchor="start", fill=MUTED)] if unit else []
    if all(v is None for v in values):
        return _svg("line", height, parts + _no_data(left, top, right, bottom), title, desc, id_prefix)

    def y(v: float) -> float:
        return bottom - (v - minimum) / (maximum - minimum) * (bottom - top)

    parts += _y_scale(_ticks(minimum, maximum), y, left, right, fmt)
    slot = (right - left) / len(values)
    xs = [left + slot * (i + 0.5) for i in range(len(values))]
    run: list[str] = []
    for i, value in enumerate([*values, None]):  # the trailing None closes the last run
        if value is not None:
            run.append(f"{_n(xs[i])},{_n(y(value))}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline class="line" fill="none" stroke="{BAR}" stroke-width="2.5"'
                         f' points="{" ".join(run)}"/>')
        run = []
    for (label, _), value, cx in zip(points, values, xs):
        if value is None:
            parts.append(_text(cx, bottom - 8, "–", fill=MUTED, cls="value"))
        else:
            parts.append(f'<circle class="point" fill="{BAR}" stroke="#ffffff" stroke-width="1.5"'
                         f' data-value="{float(value)!r}" cx="{_n(cx)}" cy="{_n(y(value))}" r="4.5"/>')
            parts.append(_text(cx, y(value) - 10, fmt(value), cls="value"))
        parts.append(_text(cx, bottom + 18, label, cls="label"))
    parts.append(_line(left, bottom, right, bottom, INK))
    return _svg("line", height, parts, title, desc, id_prefix)


def _svg(kind: str, height: int, parts: list[str], title: str, desc: str, id_prefix: str | None) -> Markup:
    # Ids come from the content, not a counter, so the same input gives the same bytes; two identical
    # charts on one page need their own `id_prefix`.
    body = "".join(parts)
    if id_prefix is None:
        id_prefix = "chart-" + hashlib.sha1("\n".join((kind, title, desc, body)).encode()).hexdigest()[:10]
    elif not _ID_PREFIX.match(id_prefix):
        raise ValueError(f"id_prefix must be a plain identifier: {id_prefix!r}")
    labelled = f"{_ID}-title {_ID}-desc" if desc else f"{_ID}-title"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img"'
            f' aria-labelledby="{labelled}" viewBox="0 0 {WIDTH} {height}" width="100%"'
            f' preserveAspectRatio="xMidYMid meet" font-family="inherit" font-size="{FONT}">'
            f'<title id="{_ID}-title">{escape(title)}</title>')
    if desc:
        head += f'<desc id="{_ID}-desc">{escape(desc)}</desc>'
    return Markup((head + body + "</svg>").replace(_ID, id_prefix))


def _y_scale(ticks: list[float], y: Callable[[float], float], left: float, right: float,
             fmt: Format) -> list[str]:
    parts = []
    for tick in ticks:
        parts.append(_line(left, y(tick), right, y(tick), GRID))
        parts.append(_text(left - 6, y(tick) + 4, fmt(tick), anchor="end", fill=MUTED, cls="tick"))
    return parts


def _no_data(left: float, top: float, right: float, bottom: float) -> list[str]:
    message = gettext(NO_DATA) if has_request_context() else NO_DATA
    return [f'<rect class="frame" fill="none" stroke="{GRID}" x="{_n(left)}" y="{_n(top)}"'
            f' width="{_n(right - left)}" height="{_n(bottom - top)}"/>',
            _text((left + right) / 2, (top + bottom) / 2 + 5, message, fill=MUTED, cls="no-data", size=14)]


def _text(x: float, y: float, content: str, *, anchor: str = "middle", fill: str = INK, cls: str = "",
          size: int = FONT, bold: bool = False) -> str:
    extra = (f' class="{cls}"' if cls else "") + (f' font-size="{size}"' if size != FONT else "")
    extra += ' font-weight="bold"' if bold else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(content)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" stroke-width="1"/>'


def _checked(value: float, low: float, high: float) -> float:
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(f"chart value {value!r} outside {low}..{high}")
    return value if isinstance(value, int) else number  # ints stay ints for `fmt` ("5", not "5.0")


def _nice_top(largest: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above `largest` (> 0)."""
    power = 10.0 ** math.floor(math.log10(largest))
    return next(top for top in (_tidy(m * power) for m in (1, 2, 5, 10)) if top >= largest)


def _ticks(low: float, high: float) -> list[float]:
    """3 to 5 equal steps from `low` to `high`, each a nice number (1, 2, 2.5 or 5 × 10^k) if one fits."""
    span = high - low
    power = math.floor(math.log10(span))
    steps = [m * 10.0 ** k for k in (power - 1, power) for m in (1, 2, 2.5, 5)]
    fitting = [(round(span / step), step) for step in steps
               if abs(span / step - round(span / step)) < 1e-9 and 3 <= round(span / step) <= 5]
    count, step = max(fitting, default=(4, span / 4))  # no nice step fits: quarters
    return [_tidy(low + i * step) for i in range(count + 1)]


def _tidy(number: float) -> float:
    """Drops float noise (0.30000000000000004) and shows whole numbers as ints ("5", not "5.0")."""
    rounded = float(f"{number:.12g}")
    return int(rounded) if rounded.is_integer() else rounded


def _n(coordinate: float) -> str:
    text = f"{coordinate:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
