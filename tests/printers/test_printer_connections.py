"""Tests for printer config validation, construction and raw sending.
Network sending uses a local TCP listener; failures must surface as PrinterUnavailable."""

from __future__ import annotations

import socket
import time

import pytest
from escpos.printer import Dummy, File, Network

from loket.printers import (
    PrinterConfigError,
    PrinterUnavailable,
    describe,
    make_printer,
    print_bytes,
    render_ticket_bytes,
    validate_config,
)


def closed_port() -> int:
    """A localhost port with (almost certainly) nobody listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.mark.parametrize(
    "config,message",
    [
        ({}, "kind is missing"),
        ({"kind": "bluetooth"}, "Unknown printer kind 'bluetooth'"),
        ({"kind": "network"}, "host"),
        ({"kind": "network", "host": "  "}, "host"),
        ({"kind": "network", "host": "10.0.0.5", "port": "abc"}, "Port must be a whole number"),
        ({"kind": "network", "host": "10.0.0.5", "port": 0}, "Port must be between 1 and 65535"),
        ({"kind": "network", "host": "10.0.0.5", "port": 70000}, "between 1 and 65535"),
        ({"kind": "network", "host": "10.0.0.5", "port": True}, "Port must be a number"),
        ({"kind": "network", "host": "10.0.0.5", "timeout": -1}, "Timeout"),
        ({"kind": "network", "host": "10.0.0.5", "timeout": "soon"}, "Timeout"),
        ({"kind": "network", "host": "10.0.0.5", "paper": "110mm"}, "Unknown paper width '110mm'"),
        ({"kind": "network", "host": "10.0.0.5", "qr": "hologram"}, "Unknown QR mode"),
        ({"kind": "usb", "idProduct": "0x0e15"}, "USB vendor id is required"),
        ({"kind": "usb", "idVendor": "0x04b8"}, "USB product id is required"),
        ({"kind": "usb", "idVendor": "zz", "idProduct": "0x0e15"}, "hex string"),
        ({"kind": "usb", "idVendor": "0x123456", "idProduct": "0x0e15"}, "hex string"),
        ({"kind": "serial"}, "Serial device"),
        ({"kind": "serial", "devfile": "/dev/ttyUSB0", "baudrate": "fast"}, "Baud rate"),
        ({"kind": "serial", "devfile": "/dev/ttyUSB0", "baudrate": "\u00b2"}, "Baud rate must be a whole number"),
        ({"kind": "network", "host": "10.0.0.5", "port": "\u0669\u0661"}, "Port must be a whole number"),
        ({"kind": "file"}, "Device file"),
        ({"kind": "cups", "printer_name": 5}, "CUPS printer name"),
        ("network", "must be a dictionary"),
    ],
)
def test_invalid_configs(config, message):
    with pytest.raises(PrinterConfigError, match=message):
        make_printer(config)
    # it is a ValueError, so generic form handling can catch it
    with pytest.raises(ValueError):
        validate_config(config)
    assert describe(config).startswith("Invalid printer configuration:")


def test_validate_defaults_and_coercion():
    cfg = validate_config({"kind": "network", "host": " printer.local ", "port": "9101", "name": "Kiosk 1"})
    assert cfg == {
        "kind": "network",
        "host": "printer.local",
        "port": 9101,
        "timeout": 5.0,
        "paper": "80mm",
        "qr": "auto",
        "name": "Kiosk 1",
    }
    usb = validate_config({"kind": "usb", "idVendor": "0x04B8", "idProduct": "0e15"})
    assert (usb["idVendor"], usb["idProduct"]) == (0x04B8, 0x0E15)
    assert validate_config({"kind": "serial", "devfile": "/dev/ttyS0"})["baudrate"] == 9600
    # blank form fields fall back to the defaults
    blank = validate_config({"kind": "network", "host": "h", "port": "", "timeout": None, "paper": "", "qr": ""})
    assert (blank["port"], blank["timeout"], blank["paper"], blank["qr"]) == (9100, 5.0, "80mm", "auto")


def test_make_network_printer_is_lazy():
    printer = make_printer(
        {"kind": "network", "host": "127.0.0.1", "port": closed_port(), "timeout": 2, "paper": "58mm"}
    )
    assert isinstance(printer, Network)
    assert printer._device is False  # nothing opened yet
    assert (printer.host, printer.timeout) == ("127.0.0.1", 2.0)
    assert printer.profile.profile_data["media"]["width"]["pixels"] == 384


@pytest.mark.parametrize("kind", ["preview", "dummy"])
def test_make_in_memory_printers(kind):
    printer = make_printer({"kind": kind, "paper": "80mm"})
    assert isinstance(printer, Dummy)
    assert printer.profile.profile_data["media"]["width"]["pixels"] == 576


def test_make_file_printer_is_lazy(printer_file_dirs, tmp_path):
    target = tmp_path / "lp0"
    printer = make_printer({"kind": "file", "devfile": str(target)})
    assert isinstance(printer, File)
    assert not target.exists()


@pytest.mark.parametrize(
    "config,module",
    [
        ({"kind": "usb", "idVendor": "0x04b8", "idProduct": "0x0e15"}, "usb"),
        ({"kind": "serial", "devfile": "/dev/ttyUSB0"}, "serial"),
        ({"kind": "cups", "printer_name": "TM-T20II"}, "cups"),
    ],
)
def test_optional_backends(config, module):
    try:
        __import__(module)
    except ImportError:
        with pytest.raises(PrinterConfigError, match="not installed"):
            make_printer(config)
    else:  # pragma: no cover - depends on the environment
        assert make_printer(config) is not None


def test_describe():
    assert describe({"kind": "network", "host": "10.0.0.5", "port": 9100, "paper": "58mm", "qr": "raster"}) == (
        "Network printer at 10.0.0.5:9100 - 58mm paper, raster QR"
    )
    assert "USB printer 04b8:0e15" in describe({"kind": "usb", "idVendor": "0x04b8", "idProduct": "0x0e15"})
    assert "/dev/ttyUSB0" in describe({"kind": "serial", "devfile": "/dev/ttyUSB0"})
    assert "/dev/usb/lp0" in describe({"kind": "file", "devfile": "/dev/usb/lp0"})
    assert describe({"kind": "cups"}).startswith("Default CUPS printer")
    assert "Preview" in describe({"kind": "preview"})


def test_print_bytes_over_network(fake_printer, ticket):
    payload = render_ticket_bytes(ticket)
    print_bytes({"kind": "network", "host": "127.0.0.1", "port": fake_printer.port}, payload)
    assert fake_printer.next_job() == payload


def test_print_bytes_to_file(printer_file_dirs, tmp_path, ticket):
    payload = render_ticket_bytes(ticket, paper="58mm", qr_mode="raster")
    target = tmp_path / "lp0"
    print_bytes({"kind": "file", "devfile": str(target), "paper": "58mm"}, payload)
    assert target.read_bytes() == payload


def test_print_bytes_to_dummy_is_a_no_op(ticket):
    print_bytes({"kind": "dummy"}, render_ticket_bytes(ticket))


def test_print_bytes_closed_port_raises_quickly(ticket):
    config = {"kind": "network", "host": "127.0.0.1", "port": closed_port(), "timeout": 5}
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as info:
        print_bytes(config, render_ticket_bytes(ticket))
    assert time.monotonic() - started < 2
    assert "127.0.0.1" in str(info.value)
    assert not isinstance(info.value, PrinterConfigError)


def test_print_bytes_missing_device_file(printer_file_dirs, tmp_path):
    with pytest.raises(PrinterUnavailable):
        print_bytes({"kind": "file", "devfile": str(tmp_path / "no" / "such" / "lp0")}, b"\x1b@")


@pytest.mark.parametrize("kind", ["file", "serial"])
@pytest.mark.parametrize("devfile", [
    "instance/loket.db", "/tmp/lp0", "/etc/passwd", "/dev/../tmp/lp0", "/dev/shm/lp0", "/dev", "lp0",
])
def test_file_and_serial_printers_must_be_devices(kind, devfile):
    with pytest.raises(PrinterConfigError, match="must be a device under /dev/"):
        validate_config({"kind": kind, "devfile": devfile})


def test_device_path_symlinked_out_of_an_allowed_folder_is_refused(tmp_path):
    # The check follows symlinks: a link that looks like a device but points at a file is refused.
    from flask import Flask

    devices = tmp_path / "devices"
    devices.mkdir()
    target = tmp_path / "loket.db"
    target.write_bytes(b"keep me")
    (devices / "lp0").symlink_to(target)
    app = Flask(__name__)
    app.config["LOKET_PRINTER_FILE_DIRS"] = [str(devices)]
    with app.app_context():
        with pytest.raises(PrinterConfigError, match="must be a device under /dev/"):
            print_bytes({"kind": "file", "devfile": str(devices / "lp0")}, b"\x1b@")
        with pytest.raises(PrinterConfigError, match="must be a device under /dev/"):
            print_bytes({"kind": "file", "devfile": str(target)}, b"\x1b@")
    assert target.read_bytes() == b"keep me"


def test_extra_device_folders_come_from_the_setting(printer_file_dirs):
    assert validate_config({"kind": "file", "devfile": str(printer_file_dirs / "lp0")})["devfile"]
    assert validate_config({"kind": "file", "devfile": "/dev/usb/lp0"})["devfile"] == "/dev/usb/lp0"
    with pytest.raises(PrinterConfigError):
        validate_config({"kind": "file", "devfile": str(printer_file_dirs.parent / "elsewhere")})


def test_print_bytes_bad_config_is_not_unavailable():
    with pytest.raises(PrinterConfigError):
        print_bytes({"kind": "network"}, b"\x1b@")


def test_print_bytes_requires_bytes():
    with pytest.raises(TypeError):
        print_bytes({"kind": "dummy"}, "text")
