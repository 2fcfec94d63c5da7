"""Kiosk API keys: only a client with a kiosk's key (X-Kiosk-Key) may issue as that kiosk, print on its
printer and spend its rate limit; the admin sees the key on the printer page and `loket kiosk key` prints it.
Also: the printer form refuses device paths outside /dev/ and odd digits with a 400, never a 500.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from loket.extensions import db


def key_of(app, kiosk_id="1") -> str:
    from loket.kiosk.keys import api_key

    with app.app_context():
        return api_key(kiosk_id)


def counts(app) -> tuple[int, int]:
    """(tickets, print jobs) in the database."""
    from loket.printers.models import PrintJob
    from loket.queue.models import Ticket

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Ticket)),
                db.session.scalar(select(func.count()).select_from(PrintJob)))


@pytest.mark.parametrize("headers", [{}, {"X-Kiosk-Key": ""}, {"X-Kiosk-Key": "0" * 40}, "kiosk 2's key",
                                     "kiosk 1's key, one character off", {"X-Kiosk-Key": "kunci\u00b2"}])
def test_naming_a_kiosk_without_its_key_is_403_and_issues_and_prints_nothing(app, client, caplog, headers):
    if headers == "kiosk 2's key":
        headers = {"X-Kiosk-Key": key_of(app, "2")}
    elif isinstance(headers, str):
        key = key_of(app)
        headers = {"X-Kiosk-Key": key[:-1] + ("0" if key[-1] != "0" else "1")}
    with caplog.at_level(logging.ERROR):
        response = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1"}, headers=headers)
    assert response.status_code == 403
    assert response.is_json
    assert response.get_json()["message"] == (
        'Tiket untuk kios hanya dapat diambil dengan kunci API kios tersebut (header X-Kiosk-Key). '
        'Tanpa kunci, kirim permintaan tanpa kolom "kiosk".')
    assert counts(app) == (0, 0)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_kiosk_key_issues_and_prints_at_that_kiosk(app, client):
    response = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1"},
                           headers={"X-Kiosk-Key": key_of(app)})
    assert response.status_code == 201
    assert response.get_json()["print_job"] is not None
    assert counts(app) == (1, 1)
    # a key for a kiosk that does not exist still finds no kiosk
    unknown = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "99"},
                          headers={"X-Kiosk-Key": key_of(app, "99")})
    assert unknown.status_code == 404 and unknown.get_json()["message"] == "Kios '99' tidak ditemukan."


def test_the_403_message_in_english(client):
    response = client.post("/api/v1/tickets?lang=en", json={"service": "A", "kiosk": "1"})
    assert response.status_code == 403
    assert response.get_json()["message"] == (
        "Tickets for a kiosk can only be taken with that kiosk's API key (header X-Kiosk-Key). "
        'Without a key, send the request without the "kiosk" field.')


def test_the_key_depends_on_the_kiosk_and_the_secret_key(app):
    from loket.kiosk.keys import api_key, api_key_valid

    with app.app_context():
        one, two = api_key("1"), api_key("2")
        assert one != two and len(one) >= 32
        assert api_key_valid("1", one) and not api_key_valid("2", one)
        assert not api_key_valid("1", None) and not api_key_valid(None, one)
        app.config["SECRET_KEY"] = "a new secret"  # rotating the secret key gives new kiosk keys
        assert api_key("1") != one and not api_key_valid("1", one)


# --- rate limits -----------------------------------------------------------------------------------

LIMITED = {"RATELIMIT_ENABLED": True, "LOKET_ISSUE_RATE_LIMIT": "3/minute", "WTF_CSRF_ENABLED": True}


def csrf_token(client) -> str:
    import re

    html = client.get("/kiosk/1/layanan/A").get_data(as_text=True)  # the page with the ticket buttons
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("app_config", [LIMITED])
def test_anonymous_api_clients_cannot_use_up_a_kiosks_limit(app, client):
    """The reviewer's attack: many addresses name kiosk 1 without its key; the kiosk keeps issuing."""
    statuses = {client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1", "print": False},
                            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}).status_code for n in range(1, 21)}
    assert statuses == {403}
    # the kiosk's own (CSRF-protected, same-origin) form still issues
    kiosk = app.test_client()
    token = csrf_token(kiosk)
    for _ in range(3):
        response = kiosk.post("/kiosk/1/tiket", data={"service": "A", "csrf_token": token},
                              headers={"Referer": "http://loket.test/kiosk/1"})
        assert response.status_code == 303


@pytest.mark.parametrize("app_config", [LIMITED])
def test_an_anonymous_client_counts_against_its_own_address(app, client):
    codes = [client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1"},
                         environ_base={"REMOTE_ADDR": "10.0.2.1"}).status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]
    assert client.post("/api/v1/tickets", json={"service": "A"},
                       environ_base={"REMOTE_ADDR": "10.0.2.2"}).status_code == 201


@pytest.mark.parametrize("app_config", [LIMITED])
def test_keyed_api_clients_share_the_kiosks_limit_with_its_form(app, client):
    headers = {"X-Kiosk-Key": key_of(app)}
    codes = [client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1", "print": False}, headers=headers,
                         environ_base={"REMOTE_ADDR": f"10.0.3.{n}"}).status_code for n in range(1, 4)]
    assert codes == [201, 201, 201]
    kiosk = app.test_client()
    response = kiosk.post("/kiosk/1/tiket", data={"service": "A", "csrf_token": csrf_token(kiosk)},
                          headers={"Referer": "http://loket.test/kiosk/1"})
    assert response.status_code == 429


# --- where the admin finds the key --------------------------------------------------------------------

def test_printer_page_shows_the_kiosk_key_to_admins(app, admin_client, client):
    html = admin_client.get("/kiosk/1/printer").get_data(as_text=True)
    assert f'<code id="kiosk-api-key">{key_of(app)}</code>' in html and "X-Kiosk-Key" in html
    assert key_of(app) not in client.get("/kiosk/1").get_data(as_text=True)


def test_kiosk_key_command_prints_the_key(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["loket", "kiosk", "key", "1"])
    assert result.exit_code == 0 and result.output.strip() == key_of(app)
    unknown = runner.invoke(args=["loket", "kiosk", "key", "nope"])
    assert unknown.exit_code == 2 and "tidak ditemukan" in unknown.output


# --- the printer form ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"kind": "file", "devfile": "instance/loket.db"}, "Must be a device under /dev/"),
    ({"kind": "file", "devfile": "/dev/../tmp/lp0"}, "Must be a device under /dev/"),
    ({"kind": "serial", "devfile": "/etc/passwd"}, "Must be a device under /dev/"),
    ({"kind": "serial", "devfile": "/dev/ttyUSB0", "baudrate": "\u00b2"}, "Enter a whole number."),
    ({"kind": "network", "host": "192.0.2.10", "port": "\u0669\u0661\u0660\u0660"}, "Enter a whole number."),
])
def test_printer_form_refuses_non_devices_and_odd_digits_with_400(app, admin_client, caplog, data, message):
    from loket.kiosk.models import Kiosk

    with app.app_context():
        before = db.session.get(Kiosk, "1").printer
    with caplog.at_level(logging.ERROR):
        response = admin_client.post("/kiosk/1/printer?lang=en", data={"paper": "80mm", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Kiosk, "1").printer == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_printer_form_accepts_a_device_under_dev(app, admin_client):
    from loket.kiosk.models import Kiosk

    response = admin_client.post("/kiosk/1/printer", data={"kind": "file", "devfile": "/dev/usb/lp0"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Kiosk, "1").printer["devfile"] == "/dev/usb/lp0"


@pytest.mark.parametrize("app_config", [{"LOKET_PRINTER_FILE_DIRS": []}])
def test_a_stored_file_printer_outside_dev_never_opens_its_file(app, client, tmp_path):
    """A config saved before the check (straight into the database) fails the job, the file is untouched."""
    from loket.kiosk.models import Kiosk
    from loket.printers import jobs
    from loket.printers.models import PrintJob

    victim = tmp_path / "precious.db"
    victim.write_bytes(b"keep me")
    with app.app_context():
        db.session.get(Kiosk, "1").printer = {"kind": "file", "devfile": str(victim)}
        db.session.commit()
    assert client.post("/kiosk/1/tiket", data={"service": "A"}).status_code == 303
    jobs.wait_for_sends()
    with app.app_context():
        job = db.session.scalars(select(PrintJob)).one()
        assert job.status == "failed" and "must be a device under /dev/" in job.last_error
    assert victim.read_bytes() == b"keep me"
