"""ESC/POS test tools shared by the printer, kiosk and fault tests: a TCP "printer" on 127.0.0.1 that can be
stopped (unplugged) and restarted on the same port, readers for GS ( k payloads and GS v 0 raster images, a QR decoder.
"""
from __future__ import annotations

import queue
import socket
import threading
from types import SimpleNamespace

from PIL import Image, ImageOps


class TcpPrinter:
    """Listens like a network receipt printer (raw TCP, one job per connection) and keeps the bytes."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.jobs: queue.Queue[bytes] = queue.Queue()
        self.server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> "TcpPrinter":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self.server = server
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._take(conn)
        # Unplugged: connections the kernel already accepted (their sender saw success) are still
        # read, so a stop never loses a slip the server believes printed; then the port closes.
        self.server.setblocking(False)
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # BlockingIOError: the backlog is empty
                return
            conn.setblocking(True)
            self._take(conn)

    def _take(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            chunks = []
            try:
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            except OSError:
                pass
            self.jobs.put(b"".join(chunks))

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(15)
        if self.server:
            self.server.close()
            self.server = None

    def next_job(self, timeout: float = 10) -> bytes:
        return self.jobs.get(timeout=timeout)

    def received(self) -> list[bytes]:
        out = []
        while True:
            try:
                out.append(self.jobs.get_nowait())
            except queue.Empty:
                return out

    @property
    def config(self) -> dict:
        return {"kind": "network", "host": "127.0.0.1", "port": self.port, "timeout": 2, "paper": "80mm"}


def native_qr_payloads(data: bytes) -> list[bytes]:
    """The data of every GS ( k "store QR symbol data" command (cn=49, fn=80)."""
    found, pos = [], 0
    while (pos := data.find(b"\x1d(k", pos)) != -1:
        length = data[pos + 3] | (data[pos + 4] << 8)
        body = data[pos + 5: pos + 5 + length]
        if body[:3] == b"1P0":
            found.append(body[3:])
        pos += 5 + length
    return found


def raster_images(data: bytes) -> list[Image.Image]:
    """Every GS v 0 raster image as a white-background Pillow image."""
    images, pos = [], 0
    while (pos := data.find(b"\x1dv0", pos)) != -1:
        width_bytes = data[pos + 4] | (data[pos + 5] << 8)
        height = data[pos + 6] | (data[pos + 7] << 8)
        start = pos + 8
        bits = data[start: start + width_bytes * height]
        assert len(bits) == width_bytes * height, "truncated raster image"
        image = Image.frombytes("1", (width_bytes * 8, height), bits)
        images.append(ImageOps.invert(image.convert("L")))  # ESC/POS: 1 bit = black dot
        pos = start + len(bits)
    return images


def decode_qr(image: Image.Image) -> list[str]:
    import zxingcpp

    padded = ImageOps.expand(image.convert("L"), border=40, fill=255)
    return [result.text for result in zxingcpp.read_barcodes(padded)]


def parsers() -> SimpleNamespace:
    """The readers as one namespace (the `escpos` / `escpos_parse` fixtures)."""
    return SimpleNamespace(native_qr_payloads=native_qr_payloads, raster_images=raster_images, decode_qr=decode_qr)
