"""Tests for the ESC/POS slip layout: bytes sent over a real TCP socket, QR round trips.
Covers both paper widths, native and raster QR, and code-page-safe text."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import pytest

from loket.printers import (
    PAPER_PROFILES,
    TicketSlip,
    format_timestamp,
    make_printer,
    render_complaint_slip,
    render_complaint_slip_bytes,
    render_slip_bytes,
    render_ticket,
    render_ticket_bytes,
    safe_text,
)

ESC_CENTER = b"\x1ba\x01"
GS_QR = b"\x1d(k"
GS_RASTER = b"\x1dv0"
BIG_TEXT = b"\x1b!\x30"  # ESC ! n with double width + double height


def network_config(port: int, paper: str = "80mm", qr: str = "native") -> dict:
    return {"kind": "network", "host": "127.0.0.1", "port": port, "timeout": 5,
            "paper": paper, "qr": qr}


def test_native_ticket_over_network(fake_printer, ticket, escpos_parse):
    printer = make_printer(network_config(fake_printer.port))
    render_ticket(printer, ticket, qr_mode="native")
    printer.close()
    data = fake_printer.next_job()

    assert data.startswith(b"\x1b@")  # ESC @ initialise
    assert b"A-001" in data
    assert BIG_TEXT + b"\x1bE\x01A-001" in data  # big bold number
    assert b"Perekaman KTP Elektronik" in data
    assert b"Kantor Pelayanan Terpadu Kota Makassar" in data
    assert b"25-11-2026 09:15 WITA" in data
    assert b"Di depan Anda: 4 orang" in data
    assert b"Pindai untuk status antrean dan menilai layanan kami" in data.replace(b"\n", b" ")
    assert b"PRIORITAS" not in data
    assert GS_QR in data
    assert escpos_parse.native_qr_payloads(data) == [ticket.url.encode()]
    # the QR is centred with ESC a 1 issued before the GS ( k commands
    qr_at = data.index(GS_QR)
    assert data.rfind(ESC_CENTER, 0, qr_at) != -1
    assert GS_RASTER not in data
    assert data.endswith(b"\x1dV\x00")  # full cut (TM-T20II profile)


def test_network_bytes_equal_dummy_bytes(fake_printer, ticket):
    printer = make_printer(network_config(fake_printer.port))
    render_ticket(printer, ticket)
    printer.close()
    assert fake_printer.next_job() == render_ticket_bytes(ticket)


def test_priority_line(ticket):
    data = render_ticket_bytes(dataclasses.replace(ticket, priority=True))
    assert b"PRIORITAS" in data
    assert data.index(b"A-001") < data.index(b"PRIORITAS") < data.index(b"Perekaman")


@pytest.mark.parametrize("paper,width", [("80mm", 576), ("58mm", 384)])
def test_raster_ticket_over_network_decodes(fake_printer, ticket, escpos_parse, paper, width):
    printer = make_printer(network_config(fake_printer.port, paper=paper, qr="raster"))
    render_ticket(printer, ticket, qr_mode="raster")
    printer.close()
    data = fake_printer.next_job()

    assert b"A-001" in data
    assert b"Perekaman KTP" in data
    assert ESC_CENTER in data
    assert GS_QR not in data
    assert GS_RASTER in data
    images = escpos_parse.raster_images(data)
    assert len(images) == 1
    assert images[0].width <= width
    assert images[0].width == width  # python-escpos pads to the profile width to centre
    assert escpos_parse.decode_qr(images[0]) == [ticket.url]


@pytest.mark.parametrize("paper,width,columns", [("80mm", 576, 48), ("58mm", 384, 32)])
@pytest.mark.parametrize("qr_mode", ["native", "raster"])
def test_both_paper_widths(ticket, escpos_parse, paper, width, columns, qr_mode):
    data = render_ticket_bytes(ticket, paper=paper, qr_mode=qr_mode)
    assert ESC_CENTER in data
    for image in escpos_parse.raster_images(data):
        assert image.width <= width
    # separator line uses the full Font A width of the paper
    assert b"\n" + b"-" * columns + b"\n" in data
    assert b"-" * (columns + 1) not in data


@pytest.mark.parametrize("paper,columns", [("80mm", 48), ("58mm", 32)])
def test_text_is_wrapped_to_paper_width(ticket, paper, columns):
    slip = dataclasses.replace(
        ticket,
        service_name="Pelayanan Administrasi Kependudukan dan Pencatatan Sipil Terpadu Satu Pintu",
    )
    data = render_ticket_bytes(slip, paper=paper)
    text = data.split(GS_QR)[0]
    text = re.sub(rb"\x1b(?:[!EMadt].|@)", b"", text)
    lines = text.split(b"\n")
    assert max(len(line) for line in lines) <= columns
    assert b"Pelayanan Administrasi" in lines[lines.index(b"-" * columns) + 3]
    big = data.index(BIG_TEXT)
    number_line = data[big:].split(b"\n")[0]
    assert len(number_line.split(b"\x01")[-1]) <= columns // 2


def test_58mm_has_no_cut_command(ticket):
    # The POS-5890 profile declares no cutter: python-escpos only feeds.
    data = render_ticket_bytes(ticket, paper="58mm")
    assert b"\x1dV" not in data
    assert data.endswith(b"\x1bd\x06")


def test_auto_qr_mode_follows_profile(ticket):
    assert GS_QR in render_ticket_bytes(ticket, paper="80mm", qr_mode="auto")
    data_58 = render_ticket_bytes(ticket, paper="58mm", qr_mode="auto")
    assert GS_QR not in data_58 and GS_RASTER in data_58


def test_bad_qr_mode(ticket):
    with pytest.raises(ValueError):
        render_ticket_bytes(ticket, qr_mode="hologram")


def test_non_ascii_text_is_transliterated(ticket):
    slip = dataclasses.replace(
        ticket,
        office_name="Dinas Kependudukan “Sipil” – Kota Bau‑Bau",
        service_name="Pelayanan Konsultasi – Tatap Muka é",
        url="https://loket.example.go.id/t/abc",
    )
    for paper in ("80mm", "58mm"):
        data = render_ticket_bytes(slip, paper=paper)
        assert b"?" not in data
        flat = data.replace(b"\n", b" ")
        assert b"Pelayanan Konsultasi - Tatap Muka e" in flat
        assert b'Dinas Kependudukan "Sipil" - Kota Bau-Bau' in flat
        # no code page switch (ESC t) is needed for pure ASCII text
        assert b"\x1bt" not in data
        text = data.split(GS_QR)[0]
        assert all(b < 128 for b in text)


def test_control_characters_cannot_inject_commands(ticket):
    slip = dataclasses.replace(ticket, service_name="Loket\x1b@\x1dV\x00 Umum\nBaru")
    data = render_ticket_bytes(slip)
    assert b"Loket @ V Umum Baru" in data
    assert data.count(b"\x1dV") == 1  # only our own cut


def test_safe_text():
    assert safe_text("Pelayanan Konsultasi – Tatap Muka é") == "Pelayanan Konsultasi - Tatap Muka e"
    assert safe_text("Ñoño  “quoted”…\t ok") == 'Nono "quoted"... ok'
    assert safe_text("Straße Ærø") == "Strasse AEro"
    assert safe_text("日本") == ""
    assert safe_text(12) == "12"


def test_format_timestamp_zones():
    base = datetime(2026, 11, 25, 9, 15)
    assert format_timestamp(base.replace(tzinfo=timezone(timedelta(hours=7)))) == "25-11-2026 09:15 WIB"
    assert format_timestamp(base.replace(tzinfo=timezone(timedelta(hours=8)))) == "25-11-2026 09:15 WITA"
    assert format_timestamp(base.replace(tzinfo=timezone(timedelta(hours=9)))) == "25-11-2026 09:15 WIT"
    assert format_timestamp(base.replace(tzinfo=timezone.utc)) == "25-11-2026 09:15 UTC"
    assert format_timestamp(base.replace(tzinfo=timezone(timedelta(hours=5, minutes=30)))) == "25-11-2026 09:15 UTC+05:30"
    assert format_timestamp(base) == "25-11-2026 09:15"


def test_long_url_qr_still_fits(ticket, escpos_parse):
    url = "https://loket.example.go.id/t/" + "x" * 300
    slip = dataclasses.replace(ticket, url=url)
    for paper, width in (("58mm", 384), ("80mm", 576)):
        data = render_ticket_bytes(slip, paper=paper, qr_mode="raster")
        (image,) = escpos_parse.raster_images(data)
        assert image.width <= width
        assert escpos_parse.decode_qr(image) == [url]
        assert escpos_parse.native_qr_payloads(render_ticket_bytes(slip, paper=paper)) == [url.encode()]


def test_complaint_slip_over_network(fake_printer, complaint, escpos_parse):
    printer = make_printer(network_config(fake_printer.port))
    render_complaint_slip(printer, complaint)
    printer.close()
    data = fake_printer.next_job()
    assert BIG_TEXT + b"\x1bE\x01ADU-7F3K9Q" in data
    assert b"BUKTI PENGADUAN" in data
    assert b"Kategori: Waktu pelayanan" in data
    assert b"25-11-2026 10:05 WIB" in data
    assert escpos_parse.native_qr_payloads(data) == [complaint.url.encode()]
    assert data == render_complaint_slip_bytes(complaint)


def test_complaint_slip_raster_decodes(complaint, escpos_parse):
    data = render_complaint_slip_bytes(complaint, paper="58mm", qr_mode="raster")
    (image,) = escpos_parse.raster_images(data)
    assert image.width == 384
    assert escpos_parse.decode_qr(image) == [complaint.url]


def test_render_slip_bytes_dispatches(ticket, complaint):
    assert render_slip_bytes(ticket) == render_ticket_bytes(ticket)
    assert render_slip_bytes(complaint) == render_complaint_slip_bytes(complaint)
    with pytest.raises(TypeError):
        render_slip_bytes("not a slip")


def test_slips_are_frozen(ticket):
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.number = "B-002"
    assert isinstance(ticket, TicketSlip)
    assert PAPER_PROFILES == {"80mm": "TM-T20II", "58mm": "POS-5890"}
