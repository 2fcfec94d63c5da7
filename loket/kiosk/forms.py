"""The kiosk area's forms: a kiosk's printer settings (admins, /kiosk/<id>/printer).

The form checks the shape of what was typed; what each kind of printer needs is `validate_config`'s rule
(also the CLI's), and its refusal is shown beside the field it names.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext, lazy_gettext as _l
from wtforms import SelectField, StringField

from loket.forms import Form, max_length, strip
from loket.printers import PAPER_PROFILES, PrinterConfigError

TEXT_MAX = 200
KIND_LABELS = {
    "network": _l("Jaringan (LAN/Wi-Fi)"),
    "usb": "USB",
    "serial": "Serial",
    "file": _l("File perangkat"),
    "cups": "CUPS",
    "preview": _l("Pratinjau saja (tidak mencetak)"),
    "dummy": _l("Dummy (hasil cetak dibuang)"),
}
QR_LABELS = {"auto": _l("otomatis"), "native": _l("perintah QR printer"), "raster": _l("gambar")}
USB_IDS = ("idVendor", "idProduct")


def _text(label, description):
    return StringField(label, filters=[strip], validators=[max_length(TEXT_MAX)], description=description)


class PrinterForm(Form):
    """A kiosk's printer. The field names are the printer configuration's keys."""

    # Choices are not checked here: validate_config says which ones exist (one rule, one message).
    kind = SelectField(_l("Jenis"), choices=list(KIND_LABELS.items()), validate_choice=False, description=_l(
        "Isi hanya kolom untuk jenis ini; kolom lain diabaikan. Pratinjau: tiket tampil di layar kios saja."))
    paper = SelectField(_l("Kertas"), choices=[(p, p) for p in PAPER_PROFILES], validate_choice=False,
                        default="80mm", description=_l("Lebar gulungan kertas printer."))
    qr = SelectField(_l("Kode QR"), choices=list(QR_LABELS.items()), validate_choice=False,
                     default="auto", description=_l(
                         "Otomatis: perintah QR printer bila printernya mendukung, selain itu dicetak sebagai gambar."))
    host = _text(_l("Host (jaringan)"), _l("Hanya printer jaringan: nama host atau alamat IP printer."))
    port = _text(_l("Port (jaringan)"), _l("Hanya printer jaringan. Kosong: 9100."))
    timeout = _text(_l("Batas waktu (detik)"), _l("Printer jaringan, USB dan serial. Kosong: 5 detik."))
    devfile = _text(_l("Perangkat (file/serial)"),
                    _l("Printer serial (misalnya /dev/ttyUSB0) dan file (misalnya /dev/usb/lp0)."))
    baudrate = _text(_l("Baud rate (serial)"), _l("Hanya printer serial. Kosong: 9600."))
    idVendor = _text(_l("USB vendor id"), _l("Hanya printer USB: angka heksadesimal, misalnya 0x04b8 (lihat lsusb)."))
    idProduct = _text(_l("USB product id"), _l("Hanya printer USB: angka heksadesimal, misalnya 0x0e15."))
    printer_name = _text(_l("Nama printer CUPS"), _l("Hanya printer CUPS. Kosong: printer bawaan CUPS."))

    KEYS = ("kind", "paper", "qr", "host", "port", "timeout", "devfile", "baudrate", *USB_IDS, "printer_name")

    @classmethod
    def for_config(cls, config: Mapping[str, Any] | None) -> PrinterForm:
        """The form showing a stored configuration (not a submission)."""
        data = {key: value for key, value in (config or {}).items() if key in cls.KEYS and value is not None}
        for key in USB_IDS:  # stored as numbers; shown in hex, as they are typed
            if isinstance(data.get(key), int):
                data[key] = f"0x{data[key]:04x}"
        return cls(formdata=None, data={key: str(value) for key, value in data.items()})

    def config(self) -> dict[str, str]:
        """The configuration typed in: blank fields are left out, so the printer's defaults apply."""
        return {key: self[key].data for key in self.KEYS if self[key].data}

    def refuse(self, exc: PrinterConfigError) -> None:
        """Show `validate_config`'s refusal beside the field it names (above the form otherwise)."""
        message = gettext(exc.message, **exc.params) if exc.message else str(exc)
        if exc.key in self.KEYS:
            self[exc.key].errors = [*self[exc.key].errors, message]
        else:
            self.form_errors.append(message)
