"""Printed tickets end to end: issuing at the kiosk sends ESC/POS through python-escpos's network printer
to a TCP listener on 127.0.0.1; a dead printer never stops issuing and the retry prints exactly once.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from loket.extensions import db
from loket.printers import jobs
from loket.printers.models import PrintJob


@pytest.fixture
def app_config():
    return {"LOKET_PUBLIC_BASE_URL": "https://antrean.example.go.id"}


def use_printer(app, config):
    from loket.kiosk import core as kiosk_core

    with app.app_context():
        kiosk_core.set_printer_config(kiosk_core.get_kiosk("1"), config)


def issue(client, code="B"):
    response = client.post("/kiosk/1/tiket", data={"service": code})
    assert response.status_code == 303
    jobs.wait_for_sends()
    return response.headers["Location"].rsplit("/", 1)[1]


def job_of(app, token) -> PrintJob:
    from loket.queue.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        job = db.session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id))
        db.session.expunge(job)
        return job


def test_ticket_prints_on_a_network_printer_with_number_service_and_native_qr(app, client, tcp_printer, escpos):
    use_printer(app, {**tcp_printer.config, "qr": "native"})
    token = issue(client, "B")
    data = tcp_printer.next_job()
    url = f"https://antrean.example.go.id/t/{token}"
    assert b"B-001" in data
    assert b"Pelayanan Helpdesk LPSE" in data
    assert b"Bagian PBJ" in data or b"Pengadaan" in data  # the office's name heads the slip
    assert b"Scan for live status and to rate our service" in data
    assert re.search(rb"\d\d-\d\d-\d{4} \d\d:\d\d WITA", data)  # office-local time
    assert escpos.native_qr_payloads(data) == [url.encode()]
    assert b"\x1b!\x30" in data or b"\x1d!\x11" in data  # double width and height for the number
    job = job_of(app, token)
    assert job.status == "sent" and job.attempts == 1 and bytes(job.payload) == data


def test_raster_qr_decodes_back_to_the_ticket_page_url(app, client, tcp_printer, escpos):
    use_printer(app, {**tcp_printer.config, "qr": "raster", "paper": "58mm"})
    token = issue(client, "A")
    data = tcp_printer.next_job()
    assert b"\x1d(k" not in data  # no native QR commands for a printer without QR support
    images = escpos.raster_images(data)
    assert images and images[0].width <= 384
    assert escpos.decode_qr(images[0]) == [f"https://antrean.example.go.id/t/{token}"]
    assert b"A-001" in data


def test_preview_image_of_an_issued_ticket_decodes_to_its_url(app, client, escpos):
    import zxingcpp

    from loket.printers import render_preview_png
    from loket.queue import core

    token = issue(client, "C")
    with app.app_context():
        png = render_preview_png(jobs.ticket_slip(core.ticket_by_token(token)), paper="80mm")
    image = Image.open(io.BytesIO(png))
    assert image.width == 576
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"https://antrean.example.go.id/t/{token}"]


def test_dead_printer_still_issues_and_the_retry_prints_exactly_once(app, client, tcp_printer, admin_client):
    from loket.printers.jobs import retry_pending

    use_printer(app, {**tcp_printer.config, "qr": "native"})
    port = tcp_printer.port
    tcp_printer.stop()

    token = issue(client, "B")  # the visitor still gets a ticket
    job = job_of(app, token)
    assert job.status == "failed" and job.attempts == 1
    assert f"127.0.0.1:{port}" in job.last_error

    # the kiosk shows the on-screen ticket and says the paper did not come out
    html = client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">B-001<', html)
    assert 'data-status="failed"' in html and "Tiket tidak bisa dicetak." in html
    assert "<svg" in html
    # the admin sees the printer as offline, with the failed job listed
    admin = admin_client.get("/kiosk/1/printer").get_data(as_text=True)
    assert 'data-state="offline"' in admin
    assert '<tr data-status="failed">' in admin

    with app.app_context():
        assert retry_pending(app) == 0  # still down: nothing printed, the job stays failed
    assert job_of(app, token).status == "failed"

    tcp_printer.port = port
    tcp_printer.start()
    with app.app_context():
        assert retry_pending(app) == 1
        assert retry_pending(app) == 0  # already sent: never printed twice
    data = tcp_printer.next_job()
    assert b"B-001" in data
    with pytest.raises(Exception):
        tcp_printer.next_job(timeout=0.5)
    job = job_of(app, token)
    assert job.status == "sent" and job.attempts == 3
    admin = admin_client.get("/kiosk/1/printer").get_data(as_text=True)
    assert 'data-state="online"' in admin


def test_concurrent_retries_send_a_job_once(app, client, tcp_printer):
    """Two retry loops (e.g. two server processes) racing for the same failed job print it once."""
    import threading

    use_printer(app, {**tcp_printer.config})
    port = tcp_printer.port
    tcp_printer.stop()
    token = issue(client, "B")
    tcp_printer.port = port
    tcp_printer.start()
    results = []

    def retry():
        with app.app_context():
            results.append(jobs.retry_pending(app))
            db.session.remove()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sum(results) == 1
    tcp_printer.next_job()
    with pytest.raises(Exception):
        tcp_printer.next_job(timeout=0.5)
    assert job_of(app, token).status == "sent"


def test_kiosk_without_a_printer_still_issues(app, client):
    use_printer(app, {"kind": "preview"})
    with app.app_context():
        from loket.kiosk.models import Kiosk

        db.session.get(Kiosk, "1").printer = {}
        db.session.commit()
    token = issue(client, "A")
    job = job_of(app, token)
    assert job.status == "failed" and "No printer" in job.last_error
    assert "Tiket tidak bisa dicetak." in client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)


def test_print_status_fragment_reports_the_job(app, client, tcp_printer):
    use_printer(app, tcp_printer.config)
    token = issue(client, "A")
    job = job_of(app, token)
    html = client.get(f"/kiosk/1/cetak/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="sent"' in html and "Silakan ambil tiket Anda" in html
    assert client.get("/kiosk/1/cetak/99999").status_code == 404


def test_printer_test_command_prints_a_test_ticket(app, tcp_printer):
    use_printer(app, tcp_printer.config)
    result = app.test_cli_runner().invoke(args=["loket", "printer", "test", "1"])
    assert result.exit_code == 0, result.output
    assert "Printed test ticket" in result.output
    data = tcp_printer.next_job()
    assert b"TES-000" in data and b"Scan for live status" in data


def test_printer_test_command_fails_loudly_when_the_printer_is_down(app, tcp_printer):
    use_printer(app, tcp_printer.config)
    tcp_printer.stop()
    result = app.test_cli_runner().invoke(args=["loket", "printer", "test", "1"])
    assert result.exit_code == 1
    assert "not printed" in result.output
    unknown = app.test_cli_runner().invoke(args=["loket", "printer", "test", "nope"])
    assert unknown.exit_code == 2 and "tidak ditemukan" in unknown.output


def test_printer_admin_page_saves_config_and_rejects_bad_input(app, admin_client, client):
    response = admin_client.post("/kiosk/1/printer", data={"kind": "network", "host": "", "paper": "80mm"})
    assert response.status_code == 400
    assert "host" in response.get_data(as_text=True).lower()
    response = admin_client.post("/kiosk/1/printer", data={"kind": "network", "host": "192.0.2.10",
                                                           "port": "9100", "paper": "58mm", "qr": "raster"})
    assert response.status_code == 303
    from loket.kiosk.models import Kiosk

    with app.app_context():
        assert db.session.get(Kiosk, "1").printer["host"] == "192.0.2.10"
    preview = admin_client.get("/kiosk/1/printer/preview.png")
    assert preview.mimetype == "image/png" and Image.open(io.BytesIO(preview.data)).width == 384
    assert client.get("/kiosk/1/printer").status_code in (302, 401)  # not for visitors


def test_issuing_with_a_slip_is_one_write_transaction(app, client, tcp_printer):
    """The ticket, its log entry and its print job are committed together by the request; rendering
    and sending the slip (claim, finish) happen after the response, in the sender."""
    import threading

    from sqlalchemy import event

    from loket.kiosk.keys import api_key

    use_printer(app, {**tcp_printer.config, "qr": "native"})
    request_thread = threading.get_ident()
    commits: list[str] = []

    def on_commit(conn):
        commits.append("request" if threading.get_ident() == request_thread else "sender")

    with app.app_context():
        engine = db.engine
        key = api_key("1")
    event.listen(engine, "commit", on_commit)
    try:
        response = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1"},
                               headers={"X-Kiosk-Key": key})
        assert response.status_code == 201, response.get_data(as_text=True)
        assert commits.count("request") == 1, commits
        jobs.wait_for_sends()
    finally:
        event.remove(engine, "commit", on_commit)
    assert "sender" in commits  # the claim and the finish: outside the request
    assert b"A-001" in tcp_printer.next_job()
    job = job_of(app, response.get_json()["token"])
    assert job.status == "sent" and job.slip["number"] == "A-001"
    assert job.slip["url"] == f"https://antrean.example.go.id/t/{response.get_json()['token']}"


def test_a_slip_is_rendered_once_and_every_retry_prints_the_same_bytes(app, client, tcp_printer):
    """The first attempt renders the slip (people ahead as they were then) and stores it with its claim;
    the retry after the printer came back prints those bytes, even though the queue moved on."""
    from loket.queue import core
    from loket.queue.models import Counter

    use_printer(app, {**tcp_printer.config, "qr": "native"})
    issue(client, "A")
    tcp_printer.next_job()
    port = tcp_printer.port
    tcp_printer.stop()
    token = issue(client, "A")  # A-002, one person ahead, printer down
    failed = job_of(app, token)
    assert failed.status == "failed" and failed.payload is not None
    assert b"A-002" in failed.payload
    with app.app_context():
        counter = db.session.scalars(select(Counter).order_by(Counter.id)).first()
        assert core.call_next(counter).number == "A-001"  # now nobody is ahead of A-002
        assert core.people_ahead(core.ticket_by_token(token)) == 0
    tcp_printer.port = port
    tcp_printer.start()
    with app.app_context():
        assert jobs.retry_pending(app) == 1
    assert tcp_printer.next_job() == bytes(failed.payload)
    assert job_of(app, token).attempts == 2


def test_a_kiosk_without_a_printer_keeps_the_slip_unrendered(app, client):
    with app.app_context():
        from loket.kiosk.models import Kiosk

        db.session.get(Kiosk, "1").printer = {}
        db.session.commit()
    token = issue(client, "A")
    job = job_of(app, token)
    assert job.status == "failed" and job.attempts == 0 and job.payload is None
    assert job.slip["number"] == "A-001" and job.slip["url"].endswith(f"/t/{token}")
