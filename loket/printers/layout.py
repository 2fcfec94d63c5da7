"""Layout of the printed queue ticket, complaint receipt and case (berkas) slips.
Pure rendering onto python-escpos printer objects; no I/O beyond the printer passed in."""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence, Union

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy

__all__ = [
    "PAPER_PROFILES",
    "PAPER_WIDTH_PX",
    "QR_MODES",
    "TicketSlip",
    "ComplaintSlip",
    "CaseSlip",
    "TextBlock",
    "QRBlock",
    "Spacer",
    "Rule",
    "slip_blocks",
    "safe_text",
    "format_timestamp",
    "qr_module_size",
    "make_dummy",
    "render_ticket",
    "render_complaint_slip",
    "render_case_slip",
    "render_slip",
    "render_ticket_bytes",
    "render_complaint_slip_bytes",
    "render_case_slip_bytes",
    "render_slip_bytes",
]

# python-escpos only centres images (and knows the line width) when the
# capability profile carries a pixel width; the "default" profile does not.
PAPER_PROFILES = {"80mm": "TM-T20II", "58mm": "POS-5890"}
PAPER_WIDTH_PX = {"80mm": 576, "58mm": 384}
# Characters per line for Font A / Font B, as in the profiles above.
PAPER_COLUMNS = {"80mm": (48, 64), "58mm": (32, 42)}

QR_MODES = ("native", "raster", "auto")

# The text we send is pure ASCII, which is identical in every code page a
# receipt printer may be left in, so no code page switch is ever needed.
_ENCODING = "CP437"


@dataclass(frozen=True)
class TicketSlip:
    """Everything printed on a queue ticket."""

    office_name: str
    number: str
    service_name: str
    issued_at: datetime
    ahead: int
    url: str
    priority: bool = False
    hint: str = "Pindai untuk status antrean dan menilai layanan kami"
    hint_en: str = "Scan for live status and to rate our service"


@dataclass(frozen=True)
class ComplaintSlip:
    """Everything printed on a complaint receipt."""

    office_name: str
    code: str
    url: str
    submitted_at: datetime
    category: str


@dataclass(frozen=True)
class CaseSlip:
    """Everything printed on a case's (berkas) slip: its code and the QR of its tracking page.
    `first_due` is None while the office waits for documents (the clock stands still)."""

    office_name: str
    code: str
    service_name: str
    url: str
    received_on: date
    first_due: date | None
    late: bool = False  # the running milestone is past `first_due` already (a slip printed again later)


Slip = Union[TicketSlip, ComplaintSlip, CaseSlip]


# --------------------------------------------------------------------------
# Layout blocks, shared by the ESC/POS renderer and the PNG preview.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """A paragraph of centred text; wrapped to the paper width when rendered."""

    text: str
    bold: bool = False
    big: bool = False  # double width + double height
    small: bool = False  # Font B


@dataclass(frozen=True)
class QRBlock:
    """A centred QR code."""

    data: str


@dataclass(frozen=True)
class Spacer:
    """Empty lines."""

    lines: int = 1


@dataclass(frozen=True)
class Rule:
    """A dashed separator across the full width."""


Block = Union[TextBlock, QRBlock, Spacer, Rule]


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------

# Characters NFKD does not decompose into something ASCII.
_REPLACEMENTS = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u00b7": "-",
        "\u00d7": "x",
        "\u00f7": ":",
        "\u00df": "ss",
        "\u00e6": "ae",
        "\u00c6": "AE",
        "\u0153": "oe",
        "\u0152": "OE",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u0131": "i",
        "\u0142": "l",
        "\u0141": "L",
        "\u0111": "d",
        "\u0110": "D",
        "\u00f0": "d",
        "\u00d0": "D",
        "\u00fe": "th",
        "\u00de": "Th",
        "\u20ac": "EUR",
        "\u00a9": "(c)",
        "\u00ae": "(R)",
        "\u00b0": "o",
    }
)


def safe_text(value: object) -> str:
    """Return ``value`` as single-line printable ASCII.

    Accents are dropped (NFKD), typographic punctuation is mapped to ASCII,
    anything else outside ASCII and all control characters (which could
    otherwise inject ESC/POS commands) are removed, whitespace is collapsed.
    """
    text = str(value).translate(_REPLACEMENTS)
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii")
    text = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in text)
    return " ".join(text.split())


_ZONE_NAMES = {
    timedelta(hours=7): "WIB",
    timedelta(hours=8): "WITA",
    timedelta(hours=9): "WIT",
}


def format_timestamp(moment: datetime) -> str:
    """Format as ``25-11-2026 09:15 WITA`` (Indonesian zone names by offset).

    The datetime is printed as given (it should already be office-local). A
    naive datetime is printed without a zone suffix.
    """
    base = moment.strftime("%d-%m-%Y %H:%M")
    offset = moment.utcoffset()
    if offset is None:
        return base
    zone = _ZONE_NAMES.get(offset)
    if zone is None:
        name = moment.tzname() or ""
        if name.isalpha():
            zone = name
        else:
            sign = "-" if offset < timedelta(0) else "+"
            minutes = abs(int(offset.total_seconds())) // 60
            zone = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{base} {zone}"


def _wrap(text: str, width: int) -> list[str]:
    width = max(1, width)
    return textwrap.wrap(text, width=width, break_long_words=True) or [""]


def qr_module_size(data: str, width_px: int) -> int:
    """Dots per QR module so that the code spans at most ~60 % of the paper.

    Capped at 8 dots (a 33-module code is then 33 mm wide at 203 dpi), which
    scans well from a phone while leaving room on 58 mm paper. The extra two
    modules account for the 1-module border python-escpos adds to raster QRs.

    Only the code's version is needed (``best_fit``: a bit count), not its matrix: building the
    matrix (``make``, eight mask patterns tried) cost ~4 ms of every ticket's request.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    modules = code.best_fit() * 4 + 17 + 2  # a version-v code is 4v + 17 modules wide
    return max(1, min(8, int(width_px * 0.6) // modules))


# --------------------------------------------------------------------------
# Slip contents
# --------------------------------------------------------------------------


def _ticket_blocks(slip: TicketSlip) -> list[Block]:
    blocks: list[Block] = [
        TextBlock(safe_text(slip.office_name), bold=True),
        Rule(),
        TextBlock("Nomor Antrean"),
        TextBlock(safe_text(slip.number), bold=True, big=True),
    ]
    if slip.priority:
        blocks.append(TextBlock("PRIORITAS", bold=True))
    blocks += [
        TextBlock(safe_text(slip.service_name), bold=True),
        TextBlock(format_timestamp(slip.issued_at)),
        TextBlock(f"Di depan Anda: {max(0, int(slip.ahead))} orang"),
        QRBlock(slip.url),
    ]
    if slip.hint:
        blocks.append(TextBlock(safe_text(slip.hint)))
    if slip.hint_en:
        blocks.append(TextBlock(safe_text(slip.hint_en), small=True))
    return blocks


def _complaint_blocks(slip: ComplaintSlip) -> list[Block]:
    return [
        TextBlock(safe_text(slip.office_name), bold=True),
        Rule(),
        TextBlock("BUKTI PENGADUAN", bold=True),
        TextBlock("Kode pelacakan"),
        TextBlock(safe_text(slip.code), bold=True, big=True),
        TextBlock(f"Kategori: {safe_text(slip.category)}"),
        TextBlock(format_timestamp(slip.submitted_at)),
        QRBlock(slip.url),
        TextBlock("Pindai untuk memantau status pengaduan Anda"),
        TextBlock("Scan to track the status of your complaint", small=True),
    ]


def _case_blocks(slip: CaseSlip) -> list[Block]:
    # Each line fits 58 mm paper (32 columns).
    due = f"Target selesai: {slip.first_due:%d-%m-%Y}" if slip.first_due is not None else "Menunggu kelengkapan berkas"
    return [
        TextBlock(safe_text(slip.office_name), bold=True),
        Rule(),
        TextBlock("BUKTI BERKAS", bold=True),
        TextBlock("Kode pelacakan"),
        TextBlock(safe_text(slip.code), bold=True, big=True),
        TextBlock(safe_text(slip.service_name), bold=True),
        TextBlock(f"Diterima: {slip.received_on:%d-%m-%Y}"),
        TextBlock(due),
        *([TextBlock("Sudah lewat target; sedang diproses", small=True)] if slip.first_due and slip.late else []),
        QRBlock(slip.url),
        TextBlock("Lacak berkas Anda"),
        TextBlock("Scan to track your case", small=True),
    ]


def slip_blocks(slip: Slip) -> list[Block]:
    """The layout of a slip as a list of blocks (used by printer and preview)."""
    if isinstance(slip, TicketSlip):
        return _ticket_blocks(slip)
    if isinstance(slip, ComplaintSlip):
        return _complaint_blocks(slip)
    if isinstance(slip, CaseSlip):
        return _case_blocks(slip)
    raise TypeError(f"Cannot lay out {type(slip).__name__}")


# --------------------------------------------------------------------------
# ESC/POS rendering
# --------------------------------------------------------------------------


def _columns(printer: Escpos, font: str) -> int:
    try:
        return int(printer.profile.get_columns(font))
    except Exception:  # profile without font data: a safe narrow guess
        return 32 if font == "a" else 42


def _width_px(printer: Escpos) -> int | None:
    try:
        return int(printer.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return None


def _resolve_qr_mode(printer: Escpos, qr_mode: str) -> str:
    if qr_mode not in QR_MODES:
        raise ValueError(f"qr_mode must be one of {', '.join(QR_MODES)}, not {qr_mode!r}")
    if qr_mode == "auto":
        return "native" if printer.profile.supports("qrCode") else "raster"
    return qr_mode


def _print_qr(printer: Escpos, data: str, mode: str) -> None:
    width = _width_px(printer) or 384
    size = qr_module_size(data, width)
    # Alignment applies to native codes; qr(native=True, center=True) raises
    # NotImplementedError, so centring is done with ESC a 1 instead.
    printer.set(align="center")
    if mode == "native":
        printer.qr(data, ec=QR_ECLEVEL_M, size=size, native=True)
        printer.ln()
    else:
        # Raster: python-escpos pads the image to the profile's pixel width.
        printer.qr(data, ec=QR_ECLEVEL_M, size=size, native=False, center=True)


def _render_blocks(printer: Escpos, blocks: Sequence[Block], qr_mode: str) -> None:
    mode = _resolve_qr_mode(printer, qr_mode)
    cols_a = _columns(printer, "a")
    cols_b = _columns(printer, "b")
    printer.hw("INIT")  # ESC @: known state whatever the previous job left
    printer.set(align="center")
    bold = False
    for block in blocks:
        if isinstance(block, TextBlock):
            width = cols_a
            if block.big:
                # ESC ! n: also clears bold and selects Font A.
                printer.set(double_width=True, double_height=True)
                bold = False
                width = cols_a // 2
            elif block.small:
                printer.set(font="b")
                width = cols_b
            if block.bold != bold:
                printer.set(bold=block.bold)
                bold = block.bold
            for line in _wrap(block.text, width):
                printer.textln(line)
            if block.big:
                printer.set(normal_textsize=True)  # ESC ! 0: bold off too
                bold = False
            elif block.small:
                printer.set(font="a")
        elif isinstance(block, QRBlock):
            _print_qr(printer, block.data, mode)
        elif isinstance(block, Spacer):
            printer.ln(block.lines)
        elif isinstance(block, Rule):
            printer.textln("-" * cols_a)
    printer.set(align="left", normal_textsize=True, bold=False)
    printer.cut()


def render_ticket(printer: Escpos, slip: TicketSlip, *, qr_mode: str = "native") -> None:
    """Write a queue ticket onto ``printer`` and cut.

    ``qr_mode``: "native" (GS ( k, the printer draws the code), "raster"
    (GS v 0 bitmap, works on printers without QR support) or "auto" (native
    when the printer's capability profile lists QR support).
    """
    _render_blocks(printer, _ticket_blocks(slip), qr_mode)


def render_complaint_slip(
    printer: Escpos, slip: ComplaintSlip, *, qr_mode: str = "native"
) -> None:
    """Write a complaint receipt onto ``printer`` and cut (see render_ticket)."""
    _render_blocks(printer, _complaint_blocks(slip), qr_mode)


def render_case_slip(printer: Escpos, slip: CaseSlip, *, qr_mode: str = "native") -> None:
    """Write a case's slip onto ``printer`` and cut (see render_ticket)."""
    _render_blocks(printer, _case_blocks(slip), qr_mode)


def render_slip(printer: Escpos, slip: Slip, *, qr_mode: str = "native") -> None:
    """Render either kind of slip."""
    _render_blocks(printer, slip_blocks(slip), qr_mode)


def make_dummy(paper: str = "80mm") -> Dummy:
    """A python-escpos Dummy (collects bytes in ``.output``) for the paper width."""
    if paper not in PAPER_PROFILES:
        raise ValueError(f"paper must be one of {', '.join(PAPER_PROFILES)}, not {paper!r}")
    return Dummy(profile=PAPER_PROFILES[paper], magic_encode_args={"encoding": _ENCODING})


def render_slip_bytes(slip: Slip, *, paper: str = "80mm", qr_mode: str = "native") -> bytes:
    """Render a slip to ESC/POS bytes without touching any printer."""
    dummy = make_dummy(paper)
    render_slip(dummy, slip, qr_mode=qr_mode)
    return dummy.output


def render_ticket_bytes(
    slip: TicketSlip, *, paper: str = "80mm", qr_mode: str = "native"
) -> bytes:
    """ESC/POS bytes of a ticket, to be stored in a print job and sent later."""
    dummy = make_dummy(paper)
    render_ticket(dummy, slip, qr_mode=qr_mode)
    return dummy.output


def render_complaint_slip_bytes(
    slip: ComplaintSlip, *, paper: str = "80mm", qr_mode: str = "native"
) -> bytes:
    """ESC/POS bytes of a complaint receipt."""
    dummy = make_dummy(paper)
    render_complaint_slip(dummy, slip, qr_mode=qr_mode)
    return dummy.output


def render_case_slip_bytes(slip: CaseSlip, *, paper: str = "80mm", qr_mode: str = "native") -> bytes:
    """ESC/POS bytes of a case's slip."""
    dummy = make_dummy(paper)
    render_case_slip(dummy, slip, qr_mode=qr_mode)
    return dummy.output
