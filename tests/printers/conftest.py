"""Fixtures for the printer tests: a TCP printer on 127.0.0.1, sample slips, and ESC/POS byte parsers
(tests/escpos_tools.py) that turn GS ( k and GS v 0 commands back into QR text / Pillow images."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from escpos_tools import parsers
from loket.printers import ComplaintSlip, TicketSlip

TICKET_URL = "https://loket.example.go.id/t/8f3a1c2d9e"
COMPLAINT_URL = "https://loket.example.go.id/pengaduan/ADU-7F3K9Q"


@pytest.fixture
def fake_printer(tcp_printer):
    return tcp_printer


@pytest.fixture
def printer_file_dirs(tmp_path):
    """An app context whose LOKET_PRINTER_FILE_DIRS lets file printers write under tmp_path."""
    from flask import Flask

    app = Flask(__name__)
    app.config["LOKET_PRINTER_FILE_DIRS"] = [str(tmp_path)]
    with app.app_context():
        yield tmp_path


@pytest.fixture
def ticket():
    return TicketSlip(
        office_name="Kantor Pelayanan Terpadu Kota Makassar",
        number="A-001",
        service_name="Perekaman KTP Elektronik",
        issued_at=datetime(2026, 11, 25, 9, 15, tzinfo=ZoneInfo("Asia/Makassar")),
        ahead=4,
        url=TICKET_URL,
    )


@pytest.fixture
def complaint():
    return ComplaintSlip(
        office_name="Kantor Pelayanan Terpadu Kota Makassar",
        code="ADU-7F3K9Q",
        url=COMPLAINT_URL,
        submitted_at=datetime(2026, 11, 25, 10, 5, tzinfo=ZoneInfo("Asia/Jakarta")),
        category="Waktu pelayanan",
    )


@pytest.fixture
def escpos_parse():
    """Helpers namespace: native_qr_payloads, raster_images, decode_qr."""
    return parsers()
