"""Printer connections: build python-escpos printers from plain config dicts and send bytes.
Validation gives readable PrinterConfigError (naming the key at fault); send failures become PrinterUnavailable."""

from __future__ import annotations

import logging
import math
import os
import socket
from typing import Any, Callable, Mapping

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


def N_(message: str) -> str:
    """Marks an Indonesian msgid for extraction; the web layer translates it."""
    return message


class PrinterConfigError(ValueError):
    """The printer configuration dict is invalid or cannot be used here.

    str(exc) is English (the CLI, logs and the print log show it). For an admin form: `key` is the
    config key at fault (None: the configuration as a whole), and `message` % `params` says the
    same as an Indonesian msgid the web layer translates (None: only the English text exists).
    """

    def __init__(self, english: str, message: str | None = None, *, key: str | None = None, **params):
        super().__init__(english)
        self.key = key
        self.message = message
        self.params = params


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


# What the admin form shows beside a field (Indonesian msgids; the English text stays in str(exc)).
REQUIRED = N_("Wajib diisi untuk jenis printer ini.")
WHOLE_NUMBER = N_("Isi dengan bilangan bulat.")
BETWEEN = N_("Harus antara %(lo)s dan %(hi)s.")
NOT_A_DEVICE = N_("Harus perangkat di bawah /dev/ (misalnya %(example)s).")
HEX_ID = N_("Isi dengan angka heksadesimal, misalnya 0x04b8.")


def _require_str(cfg: Mapping[str, Any], key: str, what: str) -> str:
    value = cfg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PrinterConfigError(f"{what} is required (config key {key!r}).", REQUIRED, key=key)
    return value.strip()


def _int(cfg: Mapping[str, Any], key: str, default: int, what: str, lo: int, hi: int) -> int:
    value = cfg.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise PrinterConfigError(f"{what} must be a number, not {value!r}.", WHOLE_NUMBER, key=key)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
            raise PrinterConfigError(f"{what} must be a whole number, not {value!r}.", WHOLE_NUMBER, key=key)
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise PrinterConfigError(f"{what} must be a whole number, not {value!r}.", WHOLE_NUMBER, key=key)
    if not lo <= value <= hi:
        raise PrinterConfigError(f"{what} must be between {lo} and {hi}, not {value}.", BETWEEN, key=key,
                                 lo=lo, hi=hi)
    return value


def _timeout(cfg: Mapping[str, Any], default: float) -> float:
    value = cfg.get("timeout")
    if value is None or value == "":
        return default
    message = N_("Isi dengan jumlah detik: lebih dari 0, paling banyak 600.")
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise PrinterConfigError(f"Timeout must be a number of seconds, not {value!r}.", message,
                                 key="timeout") from None
    if not math.isfinite(number) or number <= 0 or number > 600:
        raise PrinterConfigError(f"Timeout must be between 0 and 600 seconds, not {value!r}.", message,
                                 key="timeout")
    return number


def _usb_id(value: Any, what: str, key: str) -> int:
    if value is None or value == "":
        raise PrinterConfigError(f"{what} is required for a USB printer (config key {key!r}).", REQUIRED, key=key)
    not_hex = PrinterConfigError(f"{what} must be a hex string such as '0x04b8', not {value!r}.", HEX_ID, key=key)
    if isinstance(value, bool):
        raise not_hex
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
            raise not_hex from None
    else:
        raise not_hex
    if not 0 < number <= 0xFFFF:
        raise PrinterConfigError(f"{what} must be between 0x0001 and 0xffff, not {value!r}.", BETWEEN, key=key,
                                 lo="0x0001", hi="0xffff")
    return number


def _device_dirs() -> list[str]:
    """Where file and serial printers may live: /dev, plus LOKET_PRINTER_FILE_DIRS (a list of folders)."""
    dirs = ["/dev"]
    if has_app_context():
        extra = current_app.config.get("LOKET_PRINTER_FILE_DIRS") or ()
        dirs += [extra] if isinstance(extra, (str, os.PathLike)) else list(extra)
    return [os.path.realpath(os.fspath(d)) for d in dirs]


def _device_path(path: str, what: str, example: str) -> str:
    """A device path (config key "devfile"), refused unless it (after following symlinks and "..") is
    under an allowed folder.

    The file printer opens its path for writing and truncates it: pointed at the database or any
    other file the server can write, it would destroy it.
    """
    if "\x00" in path:
        raise PrinterConfigError(f"{what} {path!r} is not a valid path.", NOT_A_DEVICE, key="devfile",
                                 example=example)
    real = os.path.realpath(path)
    if real.startswith("/dev/shm/"):  # plain files in shared memory, not a printer
        raise PrinterConfigError(f"{what} must be a device under /dev/ (e.g. {example}), not {path!r}.",
                                 NOT_A_DEVICE, key="devfile", example=example)
    for folder in _device_dirs() if os.path.isabs(path) else ():
        if real.startswith(folder.rstrip(os.sep) + os.sep):
            return path
    raise PrinterConfigError(f"{what} must be a device under /dev/ (e.g. {example}), not {path!r}.",
                             NOT_A_DEVICE, key="devfile", example=example)


def _choice(cfg: Mapping[str, Any], key: str, default: str | None, choices, what: str, message: str) -> str:
    """One of `choices` (a blank value is `default`; None: required)."""
    value = cfg.get(key) or default
    if not value:
        raise PrinterConfigError(f"{what[:1].upper()}{what[1:]} is missing; choose one of: {', '.join(choices)}.",
                                 N_("Pilih salah satu: %(choices)s."), key=key, choices=", ".join(choices))
    if value not in choices:
        raise PrinterConfigError(f"Unknown {what} {value!r}; choose one of: {', '.join(choices)}.",
                                 message, key=key, choices=", ".join(choices))
    return value


def validate_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check a printer config dict and return a normalised copy with defaults.

    Unknown keys are kept untouched (the app may store its own, e.g. a name).
    Raises PrinterConfigError naming the key at fault (see the class), for an admin form.
    """
    if not isinstance(config, Mapping):
        raise PrinterConfigError("Printer configuration must be a dictionary.",
                                 N_("Pengaturan printer tidak valid."))
    cfg: dict[str, Any] = dict(config)

    kind = _choice(cfg, "kind", None, KINDS, "printer kind",
                   N_("Jenis printer tidak dikenal. Pilih salah satu: %(choices)s."))
    cfg["paper"] = _choice(cfg, "paper", DEFAULT_PAPER, tuple(PAPER_PROFILES), "paper width",
                           N_("Lebar kertas tidak dikenal. Pilih salah satu: %(choices)s."))
    cfg["qr"] = _choice(cfg, "qr", DEFAULT_QR, QR_MODES, "QR mode",
                        N_("Mode kode QR tidak dikenal. Pilih salah satu: %(choices)s."))

    if kind == "network":
        cfg["host"] = _require_str(cfg, "host", "Printer host name or IP address")
        cfg["port"] = _int(cfg, "port", 9100, "Port", 1, 65535)
        cfg["timeout"] = _timeout(cfg, 5.0)
    elif kind == "usb":
        cfg["idVendor"] = _usb_id(cfg.get("idVendor"), "USB vendor id", "idVendor")
        cfg["idProduct"] = _usb_id(cfg.get("idProduct"), "USB product id", "idProduct")
        cfg["timeout"] = _timeout(cfg, 5.0)
        for key, default in (("in_ep", 0x82), ("out_ep", 0x01)):
            value = cfg.get(key)
            cfg[key] = default if value in (None, "") else _usb_id(value, f"USB endpoint {key}", key)
    elif kind == "serial":
        cfg["devfile"] = _device_path(_require_str(cfg, "devfile", "Serial device (e.g. /dev/ttyUSB0)"),
                                      "Serial device", "/dev/ttyUSB0")
        cfg["baudrate"] = _int(cfg, "baudrate", 9600, "Baud rate", 300, 4_000_000)
        cfg["timeout"] = _timeout(cfg, 5.0)
    elif kind == "file":
        cfg["devfile"] = _device_path(_require_str(cfg, "devfile", "Device file (e.g. /dev/usb/lp0)"),
                                      "Device file", "/dev/usb/lp0")
    elif kind == "cups":
        name = cfg.get("printer_name")
        if name is not None and not isinstance(name, str):
            raise PrinterConfigError(f"CUPS printer name must be text, not {name!r}.",
                                     N_("Isi dengan teks."), key="printer_name")
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
        f"{kind} printers need the Python package {package!r}, which is not installed.",
        N_("Printer %(kind)s memerlukan paket Python %(package)s, yang belum terpasang."),
        key="kind", kind=kind, package=package,
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


def describe(config: Mapping[str, Any], gettext: Callable[..., str] | None = None) -> str:
    """One-line human description of a printer config; never raises.

    In English (the CLI's and the logs' language), or, given Flask-Babel's `gettext`, in the page's.
    """

    def say(english: str, message: str, **params: Any) -> str:
        return gettext(message, **params) if gettext else english % params

    try:
        cfg = validate_config(config)
    except PrinterConfigError as exc:
        error = str(exc)
        if gettext and exc.message:
            error = gettext(exc.message, **exc.params)
        return say("Invalid printer configuration: %(error)s", N_("Pengaturan printer tidak valid: %(error)s"),
                   error=error)
    kind = cfg["kind"]
    if kind == "network":
        where = say("Network printer at %(host)s:%(port)s", N_("Printer jaringan di %(host)s:%(port)s"),
                    host=cfg["host"], port=cfg["port"])
    elif kind == "usb":
        where = say("USB printer %(vendor)s:%(product)s", N_("Printer USB %(vendor)s:%(product)s"),
                    vendor=f"{cfg['idVendor']:04x}", product=f"{cfg['idProduct']:04x}")
    elif kind == "serial":
        where = say("Serial printer on %(device)s at %(baud)s baud", N_("Printer serial di %(device)s, %(baud)s baud"),
                    device=cfg["devfile"], baud=cfg["baudrate"])
    elif kind == "file":
        where = say("Printer device file %(device)s", N_("File perangkat printer %(device)s"), device=cfg["devfile"])
    elif kind == "cups" and cfg["printer_name"]:
        where = say("CUPS printer '%(name)s'", N_("Printer CUPS '%(name)s'"), name=cfg["printer_name"])
    elif kind == "cups":
        where = say("Default CUPS printer", N_("Printer CUPS bawaan"))
    elif kind == "preview":
        where = say("Preview only (nothing is printed)", N_("Hanya pratinjau (tidak ada yang dicetak)"))
    else:
        where = say("Dummy printer (output discarded)", N_("Printer dummy (hasil cetak dibuang)"))
    return say("%(where)s - %(paper)s paper, %(qr)s QR", N_("%(where)s - kertas %(paper)s, QR %(qr)s"),
               where=where, paper=cfg["paper"], qr=cfg["qr"])


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
