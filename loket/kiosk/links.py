"""Ticket links and on-screen QR codes: the one place that builds a ticket page's absolute URL.

Used by the kiosk, the JSON API, the printed slip and the QR drawn on screen, so they always agree.
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
import segno
from flask import has_request_context, request

FALLBACK_BASE_URL = "http://127.0.0.1:5000/"
SCREEN_QR_MASK = 2  # see qr_svg


def public_base_url(office_id: int | None = None) -> str:
    """The public address an office (default: the first) set on its settings page, else
    LOKET_PUBLIC_BASE_URL, else the request's host (else localhost for the command line)."""
    from loket.offices import settings

    base = settings.get(office_id, "public_base_url") or ""
    if not base:
        base = request.host_url if has_request_context() else FALLBACK_BASE_URL
    return base.rstrip("/")


def ticket_path(token: str) -> str:
    return f"/t/{token}"


def ticket_url(token: str, office_id: int | None = None) -> str:
    """The absolute address of a ticket's page, as printed in its QR code."""
    return public_base_url(office_id) + ticket_path(token)


@lru_cache(maxsize=256)
def qr_svg(data: str) -> str:
    """An inline SVG QR code (black on white, with its quiet zone) for showing on a screen; sized by CSS.

    Drawn once per ticket and kept for the last few hundred addresses: a confirmation screen
    reloaded (language switch, a double tap) does not draw the same code again. Drawn with segno and
    one fixed mask pattern: every mask is a valid code that any reader decodes, and scoring all eight
    (the libraries' default) made it three times slower, inside the kiosk's request (qrcode, which
    python-escpos uses for the slip, took 6.5 ms here; this takes about 1 ms)."""
    code = segno.make(data, error="m", boost_error=False, micro=False, mask=SCREEN_QR_MASK)
    return code.svg_inline(scale=1, border=4, omitsize=True, light="#fff", dark="#000")


def qr_png_data_uri(data: str) -> str:
    """The same QR as a PNG data URI (for places where inline SVG does not fit)."""
    buffer = io.BytesIO()
    qrcode.make(data, box_size=8, border=4).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
