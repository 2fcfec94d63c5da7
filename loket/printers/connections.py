"""Printer connections: build python-escpos printers from plain config dicts and send bytes.
Validation gives human readable PrinterConfigError; send failures become PrinterUnavailable."""

from __future__ import annotations

import logging
import math
import os
import socket
from typing import Any, Mapping

from escpos.escpos import Escpos
from flask import current_app, has_app_context
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import CupsPrinter, Dummy, File, Network, Serial, Usb

from .layout import (
    PAPER_PROFILES,
    QR_MODES,
    _ENCODING,
    render_complaint_slip_bytes,
    render_slip_bytes,
    render_ticket_bytes,
)

__all__ = [
    "KINDS",
    "PrinterConfigError",
    "PrinterUnavailable",
    "validate_config",
    "make_printer",
    "describe",
    "print_bytes",
    "render_ticket_bytes",
    "render_complaint_slip_bytes",
    "render_slip_bytes",
]

KINDS = ("network", "usb", "serial", "file", "cups", "preview", "dummy")

DEFAULT_PAPER = "80mm"
# "auto" = native GS ( k when the capability profile lists QR support
# (TM-T20II does, POS-5890 does not), a raster image otherwise.
DEFAULT_QR = "auto"


class PrinterConfigError(ValueError):
    """The printer configuration dict is invalid or cannot be used here."""


class PrinterUnavailable(Exception):
    """The printer could not be reached or refused the data; worth retrying later."""


# Errors raised while opening / writing / closing a device. Usb and serial
# errors derive from OSError; python-escpos wraps open failures in
# DeviceNotFoundError; missing optional dependencies raise RuntimeError.
_SEND_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EscposError,
    RuntimeError,
    AssertionError,
)
try:  # pycups raises its own exception types when the job is submitted
    import cups as _cups  # type: ignore[import-not-found]

    _SEND_ERRORS += (_cups.IPPError, _cups.HTTPError)
except Exception:  # pragma: no cover - pycups not installed
    pass


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _require_str(cfg: Mapping[str, Any], key: str, what: str) -> str:
    value = cfg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PrinterConfigError(f"{what} is required (config key {key!r}).")
    return value.strip()


def _int(value: Any, default: int, what: str, lo: int, hi: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise PrinterConfigError(f"{what} must be a number, not {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
            raise PrinterConfigError(f"{what} must be a whole number, not {value!r}.")
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise PrinterConfigError(f"{what} must be a whole number, not {value!r}.")
    if not lo <= value <= hi:
        raise PrinterConfigError(f"{what} must be between {lo} and {hi}, not {value}.")
    return value


def _timeout(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise PrinterConfigError(f"Timeout must be a number of seconds, not {value!r}.") from None
    if not math.isfinite(number) or number <= 0 or number > 600:
        raise PrinterConfigError(f"Timeout must be between 0 and 600 seconds, not {value!r}.")
    return number


def _usb_id(value: Any, what: str, key: str) -> int:
    if value is None or value == "":
        raise PrinterConfigError(f"{what} is required for a USB printer (config key {key!r}).")
    if isinstance(value, bool):
        raise PrinterConfigError(f"{what} must be a hex string such as '0x04b8', not {value!r}.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip().lower()
        if text.startswith("0x"):
            text = text[2:]
        try:
            if not text or len(text) > 4:
                raise ValueError
            number = int(text, 16)
        except ValueError:
            raise PrinterConfigError(
                f"{what} must be a hex string such as '0x04b8', not {value!r}."
            ) from None
    else:
        raise PrinterConfigError(f"{what} must be a hex string such as '0x04b8', not {value!r}.")
    if not 0 < number <= 0xFFFF:
        raise PrinterConfigError(f"{what} must be between 0x0001 and 0xffff, not {value!r}.")
    return number


def _device_dirs() -> list[str]:
    """Where file and serial printers may live: /dev, plus LOKET_PRINTER_FILE_DIRS (a list of folders)."""
    dirs = ["/dev"]
    if has_app_context():
        extra = current_app.config.get("LOKET_PRINTER_FILE_DIRS") or ()
        dirs += [extra] if isinstance(extra, (str, os.PathLike)) else list(extra)
    return [os.path.realpath(os.fspath(d)) for d in dirs]


def _device_path(path: str, what: str, example: str) -> str:
    """A device path, refused unless it (after following symlinks and "..") is under an allowed folder.

    The file printer opens its path for writing and truncates it: pointed at the database or any
    other file the server can write, it would destroy it.
    """
    if "\x00" in path:
        raise PrinterConfigError(f"{what} {path!r} is not a valid path.")
    real = os.path.realpath(path)
    if real.startswith("/dev/shm/"):  # plain files in shared memory, not a printer
        raise PrinterConfigError(f"{what} must be a device under /dev/ (e.g. {example}), not {path!r}.")
    for folder in _device_dirs() if os.path.isabs(path) else ():
        if real.startswith(folder.rstrip(os.sep) + os.sep):
            return path
    raise PrinterConfigError(
        f"{what} must be a device under /dev/ (e.g. {example}), not {path!r}."
    )


def validate_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check a printer config dict and return a normalised copy with defaults.

    Unknown keys are kept untouched (the app may store its own, e.g. a name).
    Raises PrinterConfigError with a message suitable for an admin form.
    """
    if not isinstance(config, Mapping):
        raise PrinterConfigError("Printer configuration must be a dictionary.")
    cfg: dict[str, Any] = dict(config)

    kind = cfg.get("kind")
    if not kind:
        raise PrinterConfigError(
            f"Printer kind is missing; choose one of: {', '.join(KINDS)}."
        )
    if kind not in KINDS:
        raise PrinterConfigError(
            f"Unknown printer kind {kind!r}; choose one of: {', '.join(KINDS)}."
        )

    paper = cfg.get("paper") or DEFAULT_PAPER
    if paper not in PAPER_PROFILES:
        raise PrinterConfigError(
            f"Unknown paper width {paper!r}; choose one of: {', '.join(PAPER_PROFILES)}."
        )
    cfg["paper"] = paper

    qr = cfg.get("qr") or DEFAULT_QR
    if qr not in QR_MODES:
        raise PrinterConfigError(f"Unknown QR mode {qr!r}; choose one of: {', '.join(QR_MODES)}.")
    cfg["qr"] = qr

    if kind == "network":
        cfg["host"] = _require_str(cfg, "host", "Printer host name or IP address")
        cfg["port"] = _int(cfg.get("port"), 9100, "Port", 1, 65535)
        cfg["timeout"] = _timeout(cfg.get("timeout"), 5.0)
    elif kind == "usb":
        cfg["idVendor"] = _usb_id(cfg.get("idVendor"), "USB vendor id", "idVendor")
        cfg["idProduct"] = _usb_id(cfg.get("idProduct"), "USB product id", "idProduct")
        cfg["timeout"] = _timeout(cfg.get("timeout"), 5.0)
        for key, default in (("in_ep", 0x82), ("out_ep", 0x01)):
            value = cfg.get(key)
            cfg[key] = default if value in (None, "") else _usb_id(value, f"USB endpoint {key}", key)
    elif kind == "serial":
        cfg["devfile"] = _device_path(_require_str(cfg, "devfile", "Serial device (e.g. /dev/ttyUSB0)"),
                                      "Serial device", "/dev/ttyUSB0")
        cfg["baudrate"] = _int(
            cfg.get("baudrate"), 9600, "Baud rate", 300, 4_000_000
        )
        cfg["timeout"] = _timeout(cfg.get("timeout"), 5.0)
    elif kind == "file":
        cfg["devfile"] = _device_path(_require_str(cfg, "devfile", "Device file (e.g. /dev/usb/lp0)"),
                                      "Device file", "/dev/usb/lp0")
    elif kind == "cups":
        name = cfg.get("printer_name")
        if name is not None and not isinstance(name, str):
            raise PrinterConfigError(f"CUPS printer name must be text, not {name!r}.")
        cfg["printer_name"] = (name or "").strip()  # empty = CUPS default printer
    return cfg


# --------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------


class _Network(Network):
    """python-escpos Network printer that does not leak its socket.

    Network.open() in python-escpos 3.1 drops the socket without closing it
    when connect() fails (ResourceWarning on every retry of a dead printer).
    socket.create_connection closes it, and also handles IPv6 / DNS names.
    """

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(
                    f"Could not open socket for {self.host}:{self.port}: {exc}"
                ) from exc
            logging.getLogger(__name__).error("Network printer %s not found", self.host)


def _missing(kind: str, package: str) -> PrinterConfigError:
    return PrinterConfigError(
        f"{kind} printers need the Python package {package!r}, which is not installed."
    )


def make_printer(config: Mapping[str, Any]) -> Escpos:
    """Build (but do not connect) a python-escpos printer from a config dict.

    python-escpos 3.x printers connect lazily: on explicit ``open()`` or the
    first write. Only CUPS printers touch anything at construction (a
    temporary spool file). ``preview`` and ``dummy`` are in-memory Dummies.
    """
    cfg = validate_config(config)
    kind = cfg["kind"]
    common: dict[str, Any] = {
        "profile": PAPER_PROFILES[cfg["paper"]],
        # Our text is ASCII only; declaring the current code page stops
        # python-escpos from emitting a code page switch before the first text.
        "magic_encode_args": {"encoding": _ENCODING},
    }
    if kind == "network":
        return _Network(host=cfg["host"], port=cfg["port"], timeout=cfg["timeout"], **common)
    if kind == "usb":
        if not Usb.is_usable():
            raise _missing("USB", "pyusb")
        return Usb(
            idVendor=cfg["idVendor"],
            idProduct=cfg["idProduct"],
            timeout=int(cfg["timeout"] * 1000),  # pyusb wants milliseconds
            in_ep=cfg["in_ep"],
            out_ep=cfg["out_ep"],
            **common,
        )
    if kind == "serial":
        if not Serial.is_usable():
            raise _missing("Serial", "pyserial")
        return Serial(
            devfile=cfg["devfile"], baudrate=cfg["baudrate"], timeout=cfg["timeout"], **common
        )
    if kind == "file":
        return File(devfile=cfg["devfile"], **common)
    if kind == "cups":
        if not CupsPrinter.is_usable():
            raise _missing("CUPS", "pycups")
        return CupsPrinter(printer_name=cfg["printer_name"], **common)
    # preview / dummy
    return Dummy(**common)


def describe(config: Mapping[str, Any]) -> str:
    """One-line human description of a printer config; never raises."""
    try:
        cfg = validate_config(config)
    except PrinterConfigError as exc:
        return f"Invalid printer configuration: {exc}"
    kind = cfg["kind"]
    if kind == "network":
        where = f"Network printer at {cfg['host']}:{cfg['port']}"
    elif kind == "usb":
        where = f"USB printer {cfg['idVendor']:04x}:{cfg['idProduct']:04x}"
    elif kind == "serial":
        where = f"Serial printer on {cfg['devfile']} at {cfg['baudrate']} baud"
    elif kind == "file":
        where = f"Printer device file {cfg['devfile']}"
    elif kind == "cups":
        where = f"CUPS printer {cfg['printer_name']!r}" if cfg["printer_name"] else "Default CUPS printer"
    elif kind == "preview":
        where = "Preview only (nothing is printed)"
    else:
        where = "Dummy printer (output discarded)"
    return f"{where} - {cfg['paper']} paper, {cfg['qr']} QR"


# --------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------


def _close_quietly(printer: Escpos) -> None:
    try:
        printer.close()
    except Exception:  # already failing; keep the original error
        pass


def print_bytes(config: Mapping[str, Any], payload: bytes) -> None:
    """Open the configured printer, send ``payload`` raw, close it.

    Raises PrinterConfigError for an unusable configuration (do not retry)
    and PrinterUnavailable for any connection / device error (retry later).
    For CUPS the job is submitted on close, so close errors count too.
    """
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    printer = make_printer(config)
    try:
        printer.open()
        printer._raw(bytes(payload))
        printer.close()
    except _SEND_ERRORS as exc:
        _close_quietly(printer)
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise PrinterUnavailable(f"{describe(config)}: {detail}") from exc
