"""Thermal printer support for Loket: ticket/complaint slip layout, ESC/POS output, previews.
Pure code: callers pass slips and plain config dicts in; no Flask or database access here."""

from .connections import (
    KINDS,
    PrinterConfigError,
    PrinterUnavailable,
    describe,
    make_printer,
    print_bytes,
    validate_config,
)
from .layout import (
    PAPER_PROFILES,
    PAPER_WIDTH_PX,
    QR_MODES,
    ComplaintSlip,
    TicketSlip,
    format_timestamp,
    make_dummy,
    render_complaint_slip,
    render_complaint_slip_bytes,
    render_slip,
    render_slip_bytes,
    render_ticket,
    render_ticket_bytes,
    safe_text,
)
from .preview import render_preview_image, render_preview_png

__all__ = [
    "KINDS",
    "PAPER_PROFILES",
    "PAPER_WIDTH_PX",
    "QR_MODES",
    "ComplaintSlip",
    "PrinterConfigError",
    "PrinterUnavailable",
    "TicketSlip",
    "describe",
    "format_timestamp",
    "make_dummy",
    "make_printer",
    "print_bytes",
    "render_complaint_slip",
    "render_complaint_slip_bytes",
    "render_preview_image",
    "render_preview_png",
    "render_slip",
    "render_slip_bytes",
    "render_ticket",
    "render_ticket_bytes",
    "safe_text",
    "validate_config",
]
