"""The kiosk as a shared device, without a browser: every kiosk page (survey and complaint included) has a
way home and an idle timer back to the home screen in Bahasa Indonesia, the confirmation clears sooner,
printing is described honestly, and all five priority groups are offered.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db

HOME = "/kiosk/1?lang=id"


def take(client, code="A", **extra):
    response = client.post("/kiosk/1/tiket", data={"service": code, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def complaint_receipt(client) -> str:
    response = client.post("/pengaduan/baru", data={"kiosk": "1", "category": "pengaduan",
                                                    "message": "Antrean loket A terlalu lama."})
    assert response.status_code == 303
    return response.headers["Location"]


def idle_of(html: str) -> int:
    return int(re.search(r'id="kiosk"[^>]*?data-idle="(\d+)"', html, re.S).group(1))


def kiosk_pages(client) -> dict:
    return {
        "service": "/kiosk/1/layanan/A",
        "skm results": "/kiosk/1/hasil-skm",
        "complaint": "/pengaduan/baru?kiosk=1",
        "survey": "/survei?kiosk=1",
        "survey thanks": "/survei/terima-kasih?kiosk=1",
        "ticket": take(client),
        "complaint receipt": complaint_receipt(client),
    }


def test_every_kiosk_page_has_a_way_home_in_indonesian_and_an_idle_timer(client):
    for name, url in kiosk_pages(client).items():
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert f'data-home="{HOME}"' in html and idle_of(html) > 0, name  # kiosk.js goes home after idle
        assert re.search(rf'<a class="kiosk-btn[^"]*" id="(kiosk-home|kiosk-cancel|done)" href="{re.escape(HOME)}"', html), name
        assert 'class="kiosk-brand" href="/kiosk/1"' in html and 'class="brand"' not in html, name  # header: kiosk home
        assert response.headers["Cache-Control"] == "no-store", name


@pytest.mark.parametrize("url", ["/pengaduan/baru?kiosk=1", "/survei?kiosk=1"])
def test_kiosk_forms_keep_nothing_typed_and_have_a_cancel_button(client, url):
    html = client.get(url).get_data(as_text=True)
    form = re.search(r"<form [^>]*method=\"post\"[^>]*>", html).group(0)
    assert 'autocomplete="off"' in form
    assert not re.search(r'autocomplete="(name|email|tel)"', html)
    assert f'id="kiosk-cancel" href="{HOME}"' in html
    # no meta refresh without JavaScript here: it would wipe a complaint while it is being typed
    assert 'http-equiv="refresh"' not in html


def test_the_phone_and_web_forms_stay_as_they_were(client):
    html = client.get("/pengaduan/baru").get_data(as_text=True)
    assert 'id="kiosk"' not in html and 'kiosk-cancel' not in html and 'class="brand"' in html
    assert 'autocomplete="name"' in html and "/pengaduan?" not in html and 'href="/pengaduan"' in html
    survey = client.get("/survei").get_data(as_text=True)
    assert 'id="kiosk"' not in survey and 'kiosk-cancel' not in survey


def test_the_confirmations_clear_sooner_than_any_other_page(app, client):
    pages = {name: client.get(url).get_data(as_text=True) for name, url in kiosk_pages(client).items()}
    idle = {name: idle_of(html) for name, html in pages.items()}
    assert idle["ticket"] == idle["complaint receipt"] == 20  # LOKET_KIOSK_DONE_SECONDS' default
    assert min(v for k, v in idle.items() if k not in ("ticket", "complaint receipt", "survey thanks")) == 60
    # without JavaScript too
    assert f'<noscript><meta http-equiv="refresh" content="20;url={HOME}"></noscript>' in pages["ticket"]
    assert f'<noscript><meta http-equiv="refresh" content="20;url={HOME}"></noscript>' in pages["complaint receipt"]
    assert re.search(rf'<a class="kiosk-btn kiosk-primary" id="done" href="{re.escape(HOME)}">Selesai</a>', pages["ticket"])


def test_idle_and_done_seconds_come_from_the_environment(tmp_path, monkeypatch):
    from loket import config
    from support import migrated_app

    monkeypatch.setenv("LOKET_KIOSK_IDLE_SECONDS", "90")
    monkeypatch.setenv("LOKET_KIOSK_DONE_SECONDS", "15")
    settings = config.from_environment(tmp_path)
    assert (settings["LOKET_KIOSK_IDLE_SECONDS"], settings["LOKET_KIOSK_DONE_SECONDS"]) == (90, 15)
    app = migrated_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "WTF_CSRF_ENABLED": False,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'i' / 'k.db'}",
                        "LOKET_OFFICE_HOURS": "24/7", "RATELIMIT_ENABLED": False})
    from loket.bootstrap import ensure_ready

    with app.app_context():
        ensure_ready()
        db.session.remove()
    client = app.test_client()
    assert idle_of(client.get("/kiosk/1/layanan/A").get_data(as_text=True)) == 90
    assert idle_of(client.get(take(client)).get_data(as_text=True)) == 15
    monkeypatch.setenv("LOKET_KIOSK_DONE_SECONDS", "soon")
    with pytest.raises(config.ConfigError, match="LOKET_KIOSK_DONE_SECONDS"):
        config.from_environment(tmp_path)
    monkeypatch.delenv("LOKET_KIOSK_IDLE_SECONDS")
    monkeypatch.delenv("LOKET_KIOSK_DONE_SECONDS")
    settings = config.from_environment(tmp_path)
    assert (settings["LOKET_KIOSK_IDLE_SECONDS"], settings["LOKET_KIOSK_DONE_SECONDS"]) == (60, 20)
    with app.app_context():
        db.engine.dispose()


def test_every_way_home_resets_english_to_indonesian(client):
    client.get("/kiosk/1?lang=en")
    for name, url in kiosk_pages(client).items():
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en">' in html, name
        assert f'data-home="{HOME}"' in html, name
    home = client.get(HOME).get_data(as_text=True)
    assert '<html lang="id">' in home and "Silakan pilih layanan" in home
    assert '<html lang="id">' in client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True)  # it stays so


def test_the_preview_printer_never_tells_the_visitor_to_take_a_ticket(app, client):
    from loket.printers import jobs

    url = take(client)
    jobs.wait_for_sends()
    html = client.get(url).get_data(as_text=True)
    assert 'data-status="sent"' in html  # the preview printer took the slip (in memory)
    assert "ambil tiket Anda di bawah layar" not in html
    assert "Kios ini tidak mencetak tiket." in html and "Pindai kode QR di layar" in html
    from loket.printers.models import PrintJob

    with app.app_context():
        job_id = db.session.scalar(select(PrintJob.id).where(PrintJob.ticket_id.is_not(None)))
    fragment = client.get(f"/kiosk/1/cetak/{job_id}").get_data(as_text=True)  # what htmx polls
    assert "Kios ini tidak mencetak tiket." in fragment and "di bawah layar" not in fragment


def test_a_ticket_taken_without_javascript_blames_no_printer_for_an_earlier_failure(app, client, tcp_printer,
                                                                                    monkeypatch):
    """The plain form post's confirmation is drawn once (no polling without JavaScript): while its own
    slip is still on its way it must not say the printer has a problem because an earlier slip failed."""
    from loket.kiosk import core as kiosk_core
    from loket.printers import jobs
    from loket.printers.models import FAILED, PrintJob
    from loket.timeutil import utcnow

    with app.app_context():
        kiosk_core.set_printer_config(kiosk_core.get_kiosk("1"), tcp_printer.config)
        db.session.add(PrintJob(kiosk_id="1", kind="test", payload=b"x", status=FAILED, attempts=1,
                                last_error="Connection refused", created_at=utcnow(), claimed_at=utcnow()))
        db.session.commit()
        assert jobs.printer_status(kiosk_core.get_kiosk("1"))["state"] == "offline"
        db.session.remove()
    monkeypatch.setattr(jobs, "start", lambda job_id, status: None)  # the slip is not sent yet
    url = take(client)
    html = client.get(url).get_data(as_text=True)
    assert 'data-status="pending"' in html
    assert "bermasalah" not in html and "tidak bisa dicetak" not in html
    assert "Tiket sedang dicetak" in html and "pindai kode QR" in html
    with app.app_context():
        job = db.session.scalar(select(PrintJob).where(PrintJob.ticket_id.is_not(None)))
        assert jobs.send(job.id) == "sent"
        db.session.remove()
    assert tcp_printer.next_job()
    assert "Silakan ambil tiket Anda di bawah layar." in client.get(url).get_data(as_text=True)


def test_the_kiosk_offers_all_five_priority_groups(app, client):
    from loket.queue.core import PRIORITY_REASONS
    from loket.queue.models import Ticket

    html = client.get("/kiosk/1/layanan/A").get_data(as_text=True)
    offered = re.findall(r'name="priority_reason" value="(\w+)">([^<]+)<', html)
    assert {value for value, _label in offered} == set(PRIORITY_REASONS) == {
        "lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana"}
    assert dict(offered)["korban_bencana"] == "Korban bencana"
    english = client.get("/kiosk/1/layanan/A?lang=en").get_data(as_text=True)
    labels = dict(re.findall(r'name="priority_reason" value="(\w+)">([^<]+)<', english))
    assert labels == {"lansia": "Elderly", "disabilitas": "Disability", "ibu_hamil": "Pregnant",
                      "anak": "Child", "korban_bencana": "Disaster victim"}
    assert "children and disaster victims" in english
    client.get("/kiosk/1?lang=id")
    token = take(client, "A", priority_reason="korban_bencana").rsplit("/", 1)[1]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        assert ticket.priority and ticket.priority_reason == "korban_bencana"
    assert "PRIORITAS · Korban bencana" in client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)
