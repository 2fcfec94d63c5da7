"""PNG preview of a printed slip, drawn with Pillow at the printer's dot width.
Used by the admin pages and tests; mirrors the layout blocks sent to the printer."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import (
    PAPER_COLUMNS,
    PAPER_WIDTH_PX,
    QRBlock,
    Rule,
    Slip,
    Spacer,
    TextBlock,
    qr_module_size,
    slip_blocks,
)

__all__ = ["render_preview_png", "render_preview_image"]

# Printer Font A is 12x24 dots, Font B 9x17 (TM-T20II); line heights follow.
_LINE_A = 24
_LINE_B = 18
_MARGIN = 16

_MONO = ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "FreeMono.ttf")
_MONO_BOLD = ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "FreeMonoBold.ttf")


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    """A monospace font if the system has one, else Pillow's bundled font.

    Returns (font, has_real_bold); without a bold face bold is faked with a
    stroke.
    """
    for name in _MONO_BOLD if bold else _MONO:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size), False
    except TypeError:  # very old Pillow without sized default font
        return ImageFont.load_default(), False


def _fit_font(size: int, bold: bool, columns: int, width: int):
    """Largest font not above ``size`` that fits ``columns`` characters in ``width``."""
    while True:
        font, real_bold = _font(size, bold)
        if size <= 8 or font.getlength("M" * columns) <= width:
            return font, real_bold
        size -= 1


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=max(1, width), break_long_words=True) or [""]


def render_preview_image(slip: Slip, *, paper: str = "80mm") -> Image.Image:
    """The slip as a greyscale Pillow image, ``PAPER_WIDTH_PX[paper]`` wide."""
    if paper not in PAPER_WIDTH_PX:
        raise ValueError(f"paper must be one of {', '.join(PAPER_WIDTH_PX)}, not {paper!r}")
    width = PAPER_WIDTH_PX[paper]
    cols_a, cols_b = PAPER_COLUMNS[paper]

    # Draw on a generous canvas, crop to the used height at the end.
    canvas = Image.new("L", (width, 2000), 255)
    draw = ImageDraw.Draw(canvas)
    y = _MARGIN

    def reserve(height: int) -> None:
        # Grow the canvas when a (very long) slip does not fit.
        nonlocal canvas, draw
        if y + height + _MARGIN + 4 > canvas.height:
            bigger = Image.new("L", (width, canvas.height + max(2000, height)), 255)
            bigger.paste(canvas, (0, 0))
            canvas, draw = bigger, ImageDraw.Draw(bigger)

    def text_line(line: str, font, real_bold: bool, bold: bool, height: int) -> None:
        nonlocal y
        reserve(height)
        stroke = 1 if bold and not real_bold else 0
        length = font.getlength(line)
        x = max(0, (width - length) / 2)
        draw.text((x, y + height / 2), line, font=font, fill=0, anchor="lm", stroke_width=stroke)
        y += height

    for block in slip_blocks(slip):
        if isinstance(block, TextBlock):
            if block.big:
                cols, height = cols_a // 2, _LINE_A * 2
            elif block.small:
                cols, height = cols_b, _LINE_B
            else:
                cols, height = cols_a, _LINE_A
            font, real_bold = _fit_font(int(height * 0.8), block.bold or block.big, cols, width)
            for line in _wrap(block.text, cols):
                text_line(line, font, real_bold, block.bold, height)
        elif isinstance(block, Rule):
            reserve(_LINE_A)
            mid = y + _LINE_A // 2
            for x in range(0, width, 12):
                draw.line((x, mid, x + 6, mid), fill=0, width=2)
            y += _LINE_A
        elif isinstance(block, Spacer):
            reserve(_LINE_A * block.lines)
            y += _LINE_A * block.lines
        elif isinstance(block, QRBlock):
            size = qr_module_size(block.data, width)
            code = qrcode.QRCode(
                error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=size, border=4
            )
            code.add_data(block.data)
            code.make(fit=True)
            img = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
            reserve(img.height)
            canvas.paste(img, ((width - img.width) // 2, y))
            y += img.height
    y += _MARGIN
    # Dashed cut line at the bottom.
    for x in range(0, width, 16):
        draw.line((x, y, x + 8, y), fill=128, width=1)
    return canvas.crop((0, 0, width, min(canvas.height, y + 2)))


def render_preview_png(slip: Slip, *, paper: str = "80mm") -> bytes:
    """PNG bytes of the slip preview (576 px wide for 80 mm, 384 px for 58 mm)."""
    buffer = io.BytesIO()
    render_preview_image(slip, paper=paper).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
