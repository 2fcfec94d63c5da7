"""Fixtures for the printer tests: a fake TCP printer and ESC/POS byte parsers.
The parsers turn GS ( k and GS v 0 commands back into QR text / Pillow images."""

from __future__ import annotations

import queue
import socket
import threading
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageOps

from loket.printers import ComplaintSlip, TicketSlip

TICKET_URL = "https://loket.example.go.id/t/8f3a1c2d9e"
COMPLAINT_URL = "https://loket.example.go.id/pengaduan/ADU-7F3K9Q"


class FakeNetworkPrinter:
    """TCP listener on 127.0.0.1 that records every connection's bytes."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.jobs: queue.Queue[bytes] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                chunks = []
                try:
                    while True:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        chunks.append(chunk)
                except OSError:
                    pass
                self.jobs.put(b"".join(chunks))

    def next_job(self, timeout: float = 5) -> bytes:
        return self.jobs.get(timeout=timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def fake_printer():
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


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


def native_qr_payloads(data: bytes) -> list[bytes]:
    """Contents of every GS ( k <cn=1 QR> <fn=P store> command."""
    found = []
    pos = 0
    while (pos := data.find(b"\x1d(k", pos)) != -1:
        length = data[pos + 3] | (data[pos + 4] << 8)
        body = data[pos + 5 : pos + 5 + length]
        if body[:3] == b"1P0":
            found.append(body[3:])
        pos += 5 + length
    return found


def raster_images(data: bytes) -> list[Image.Image]:
    """Every GS v 0 raster bit image, as a white-background Pillow image."""
    images = []
    pos = 0
    while (pos := data.find(b"\x1dv0", pos)) != -1:
        width_bytes = data[pos + 4] | (data[pos + 5] << 8)
        height = data[pos + 6] | (data[pos + 7] << 8)
        start = pos + 8
        bits = data[start : start + width_bytes * height]
        assert len(bits) == width_bytes * height, "truncated raster image"
        # ESC/POS: 1 bit = black dot; Pillow mode "1": 1 = white, so invert.
        img = Image.frombytes("1", (width_bytes * 8, height), bits)
        images.append(ImageOps.invert(img.convert("L")))
        pos = start + len(bits)
    return images


def decode_qr(img: Image.Image) -> list[str]:
    import zxingcpp

    # Paper around the code is white; give the decoder a proper quiet zone.
    padded = ImageOps.expand(img.convert("L"), border=40, fill=255)
    return [r.text for r in zxingcpp.read_barcodes(padded)]


@pytest.fixture
def escpos_parse():
    """Helpers namespace: native_qr_payloads, raster_images, decode_qr."""

    return SimpleNamespace(
        native_qr_payloads=native_qr_payloads,
        raster_images=raster_images,
        decode_qr=decode_qr,
    )
