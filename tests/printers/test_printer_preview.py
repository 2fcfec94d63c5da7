"""Tests for the PNG slip preview: size per paper width and a decodable QR code.
The preview must show the same transliterated text as the printer gets."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from loket.printers import render_preview_image, render_preview_png


@pytest.mark.parametrize("paper,width", [("80mm", 576), ("58mm", 384)])
def test_ticket_preview_png(ticket, escpos_parse, paper, width):
    png = render_preview_png(ticket, paper=paper)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.width == width
    assert 300 < image.height < 2000
    assert escpos_parse.decode_qr(image) == [ticket.url]


def test_complaint_preview_png(complaint, escpos_parse):
    image = Image.open(io.BytesIO(render_preview_png(complaint, paper="58mm")))
    assert image.width == 384
    assert escpos_parse.decode_qr(image) == [complaint.url]


def test_preview_priority_and_non_ascii(ticket, escpos_parse):
    slip = dataclasses.replace(ticket, priority=True, service_name="Pelayanan Konsultasi – Tatap Muka é")
    plain = render_preview_image(ticket)
    image = render_preview_image(slip)
    assert image.height > plain.height  # the PRIORITAS line
    assert escpos_parse.decode_qr(image) == [ticket.url]


def test_preview_very_long_text_grows_canvas(ticket, escpos_parse):
    slip = dataclasses.replace(ticket, service_name="Layanan " * 600)
    image = render_preview_image(slip, paper="58mm")
    assert image.height > 2000
    assert escpos_parse.decode_qr(image) == [ticket.url]


def test_preview_bad_paper(ticket):
    with pytest.raises(ValueError):
        render_preview_png(ticket, paper="A4")
