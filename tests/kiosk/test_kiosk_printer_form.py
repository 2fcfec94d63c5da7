"""The printer settings form (/kiosk/<id>/printer): each refusal of `validate_config` is shown beside the
field it names, in the page's language, with what was typed kept and nothing saved; good settings are saved.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from loket.extensions import db
from loket.printers import PrinterConfigError, validate_config

SELECTS = ("kind", "paper", "qr")


def control(html: str, field: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\sid="{field}"[^>]*>', html)
    assert match, f"no control for {field}"
    return match.group(0)


def error_of(html: str, field: str) -> str:
    """The error shown for `field`, checking that its control points at it (aria-describedby)."""
    described = re.search(r'aria-describedby="([^"]*)"', control(html, field))
    assert described and f"{field}-error" in described.group(1).split()
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert error, f"no error for {field}"
    return unescape(error.group(1))


def value_of(html: str, field: str) -> str:
    return unescape(re.search(r'\svalue="([^"]*)"', control(html, field)).group(1))


def stored(app, kiosk_id="1"):
    from loket.kiosk.models import Kiosk

    with app.app_context():
        return db.session.get(Kiosk, kiosk_id).printer


BAD = [
    ({"kind": "network", "host": ""}, "host",
     "Wajib diisi untuk jenis printer ini.", "Required for this kind of printer."),
    ({"kind": "network", "host": "h" * 201}, "host", "Paling banyak 200 karakter.", "At most 200 characters."),
    ({"kind": "network", "host": "192.0.2.10", "port": "70000"}, "port",
     "Harus antara 1 dan 65535.", "Must be between 1 and 65535."),
    ({"kind": "network", "host": "192.0.2.10", "port": "\u0669\u0661\u0660\u0660"}, "port",
     "Isi dengan bilangan bulat.", "Enter a whole number."),
    ({"kind": "network", "host": "192.0.2.10", "timeout": "soon"}, "timeout",
     "Isi dengan jumlah detik: lebih dari 0, paling banyak 600.", "Enter a number of seconds: more than 0, at most 600."),
    ({"kind": "serial", "devfile": "/etc/passwd"}, "devfile",
     "Harus perangkat di bawah /dev/ (misalnya /dev/ttyUSB0).", "Must be a device under /dev/ (e.g. /dev/ttyUSB0)."),
    ({"kind": "serial", "devfile": "/dev/ttyUSB0", "baudrate": "\u00b2"}, "baudrate",
     "Isi dengan bilangan bulat.", "Enter a whole number."),
    ({"kind": "file", "devfile": "instance/loket.db"}, "devfile",
     "Harus perangkat di bawah /dev/ (misalnya /dev/usb/lp0).", "Must be a device under /dev/ (e.g. /dev/usb/lp0)."),
    ({"kind": "usb", "idProduct": "0x0e15"}, "idVendor",
     "Wajib diisi untuk jenis printer ini.", "Required for this kind of printer."),
    ({"kind": "usb", "idVendor": "zz", "idProduct": "0x0e15"}, "idVendor",
     "Isi dengan angka heksadesimal, misalnya 0x04b8.", "Enter a hexadecimal number such as 0x04b8."),
    ({"kind": "usb", "idVendor": "0x04b8", "idProduct": "0x0"}, "idProduct",
     "Harus antara 0x0001 dan 0xffff.", "Must be between 0x0001 and 0xffff."),
    ({"kind": "bluetooth"}, "kind",
     "Jenis printer tidak dikenal. Pilih salah satu: network, usb, serial, file, cups, preview, dummy.",
     "Unknown printer kind. Choose one of: network, usb, serial, file, cups, preview, dummy."),
    ({"kind": "network", "host": "h", "paper": "110mm"}, "paper",
     "Lebar kertas tidak dikenal. Pilih salah satu: 80mm, 58mm.", "Unknown paper width. Choose one of: 80mm, 58mm."),
    ({"kind": "network", "host": "h", "qr": "hologram"}, "qr",
     "Mode kode QR tidak dikenal. Pilih salah satu: native, raster, auto.",
     "Unknown QR mode. Choose one of: native, raster, auto."),
]


@pytest.mark.parametrize("data, field, indonesian, english", BAD)
def test_a_bad_value_is_refused_beside_its_field_in_the_pages_language(app, admin_client, data, field,
                                                                      indonesian, english):
    before = stored(app)
    for lang, message, other in (("id", indonesian, english), ("en", english, indonesian)):
        response = admin_client.post(f"/kiosk/1/printer?lang={lang}", data=data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert error_of(html, field) == message
        assert other not in html
        for key, typed in data.items():
            if key not in SELECTS:
                assert value_of(html, key) == typed  # what was typed stays in the form
    assert stored(app) == before


def test_only_the_field_at_fault_shows_an_error(admin_client):
    html = admin_client.post("/kiosk/1/printer", data={"kind": "network", "host": "192.0.2.10",
                                                       "port": "70000"}).get_data(as_text=True)
    assert re.findall(r'id="([a-zA-Z_]+)-error"', html) == ["port"]
    assert 'aria-invalid="true"' in control(html, "port") and "aria-invalid" not in control(html, "host")


def test_good_settings_are_saved_and_described_in_the_pages_language(app, admin_client):
    response = admin_client.post("/kiosk/1/printer", data={
        "kind": "network", "host": " printer.lan ", "port": "9101", "paper": "58mm", "qr": "raster",
        "timeout": "", "devfile": "", "baudrate": "", "idVendor": "", "idProduct": "", "printer_name": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/1/printer?saved=1")
    assert stored(app) == {"kind": "network", "host": "printer.lan", "port": 9101, "timeout": 5.0,
                           "paper": "58mm", "qr": "raster"}
    indonesian = admin_client.get("/kiosk/1/printer?saved=1&lang=id").get_data(as_text=True)
    assert "Printer jaringan di printer.lan:9101 - kertas 58mm, QR raster" in indonesian
    assert "Pengaturan printer disimpan." in indonesian and "Network printer" not in indonesian
    assert value_of(indonesian, "host") == "printer.lan" and value_of(indonesian, "port") == "9101"
    english = admin_client.get("/kiosk/1/printer?lang=en").get_data(as_text=True)
    assert "Network printer at printer.lan:9101 - 58mm paper, raster QR" in english
    assert "Printer jaringan" not in english and "Network printers only" in english


def test_usb_ids_are_shown_in_hex_so_saving_the_page_again_keeps_them(app, admin_client):
    assert admin_client.post("/kiosk/1/printer", data={"kind": "usb", "idVendor": "0x04B8",
                                                       "idProduct": "0e15"}).status_code == 303
    assert (stored(app)["idVendor"], stored(app)["idProduct"]) == (0x04B8, 0x0E15)
    html = admin_client.get("/kiosk/1/printer").get_data(as_text=True)
    shown = {key: value_of(html, key) for key in ("idVendor", "idProduct", "timeout")}
    assert shown == {"idVendor": "0x04b8", "idProduct": "0x0e15", "timeout": "5.0"}
    assert admin_client.post("/kiosk/1/printer", data={"kind": "usb", **shown}).status_code == 303
    assert (stored(app)["idVendor"], stored(app)["idProduct"]) == (0x04B8, 0x0E15)


def test_print_jobs_are_listed_in_the_pages_language(admin_client):
    assert admin_client.post("/kiosk/1/printer/test").status_code == 303
    indonesian = admin_client.get("/kiosk/1/printer?lang=id").get_data(as_text=True)
    assert re.search(r'<tr data-status="sent"><td>\d+</td><td>percobaan</td><td>tercetak</td>', indonesian)
    english = admin_client.get("/kiosk/1/printer?lang=en").get_data(as_text=True)
    assert re.search(r'<tr data-status="sent"><td>\d+</td><td>test</td><td>printed</td>', english)


@pytest.mark.parametrize("config, key", [
    ({"kind": "network"}, "host"),
    ({"kind": "network", "host": "h", "port": "0"}, "port"),
    ({"kind": "usb", "idVendor": "0x04b8", "idProduct": "0x0e15", "in_ep": "x"}, "in_ep"),
    ({"kind": "cups", "printer_name": 5}, "printer_name"),
    ({}, "kind"),
    ("network", None),
])
def test_validate_config_names_the_key_at_fault_and_stays_english_outside_the_page(config, key):
    with pytest.raises(PrinterConfigError) as info:
        validate_config(config)
    assert info.value.key == key and info.value.message  # an Indonesian msgid for the form ...
    assert str(info.value).isascii() and info.value.message not in str(info.value)  # ... English for the CLI


def test_a_refusal_about_no_field_of_the_form_is_shown_above_it(app):
    from loket.kiosk.forms import PrinterForm

    with app.test_request_context("/kiosk/1/printer?lang=en"):
        form = PrinterForm(formdata=None)
        form.validate()
        form.refuse(PrinterConfigError("USB endpoint in_ep must be ...", "Isi dengan bilangan bulat.", key="in_ep"))
        form.refuse(PrinterConfigError("No printer is configured for this kiosk."))
        assert form.form_errors == ["Enter a whole number.", "No printer is configured for this kiosk."]
        assert not any(field.errors for field in form)
