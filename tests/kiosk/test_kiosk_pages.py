"""Kiosk pages without JavaScript (plain links and form posts) and the visitor's ticket page /t/<token>."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.extensions import db


@pytest.fixture
def app_config():
    # The kiosk's printer writes to nothing real: the preview printer accepts every slip.
    return {"LOKET_PUBLIC_BASE_URL": "https://antrean.example.go.id"}


def take(client, code="A", kiosk="1", **extra):
    return client.post(f"/kiosk/{kiosk}/tiket", data={"service": code, **extra})


def token_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def ticket_for(app, token):
    from loket.queue.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        db.session.expunge(ticket)
        return ticket


def counter_serving(code):
    from loket.queue.models import Counter

    return next(c for c in db.session.scalars(select(Counter)) if any(s.code == code for s in c.services))


def test_home_lists_services_with_waiting_count_and_estimate(app, client):
    take(client, "A")
    take(client, "A")
    html = client.get("/kiosk/1").get_data(as_text=True)
    tile = re.search(r'<li class="service-tile" data-code="A">(.*?)</li>', html, re.S).group(1)
    assert "Verifikasi Akun Penyedia" in tile and "Pelayanan Verifikasi" not in tile  # the short name
    assert "Menunggu: 2 orang" in tile
    # two people ahead of a new visitor, 30 minutes each (the standard's promise), one counter
    assert "± 60 menit" in tile
    assert len(re.findall(r'<li class="service-tile[" ]', html)) == 6


def test_kiosk_index_redirects_to_first_kiosk_and_unknown_kiosk_is_404(client):
    assert client.get("/kiosk/").headers["Location"].endswith("/kiosk/1")
    response = client.get("/kiosk/nope")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)


def test_service_page_shows_requirements_time_fee_and_both_ticket_buttons(client):
    html = client.get("/kiosk/1/layanan/A").get_data(as_text=True)
    assert "Yang perlu dibawa" in html
    assert "NPWP (Asli dan Fotokopi 1 lembar)" in html
    assert re.search(r'id="waktu"[^>]*>30 menit\.', html)
    assert "Tidak dipungut biaya / Gratis" in html
    # a plain form that works without JavaScript, with the CSRF field and both kinds of ticket
    form = re.search(r'<form class="take-ticket" method="post" action="/kiosk/1/tiket">(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1)
    assert 'id="take-ticket"' in form.group(1)
    assert {"lansia", "disabilitas", "ibu_hamil"} <= set(re.findall(r'name="priority_reason" value="(\w+)"', html))


def test_unknown_service_page_is_a_readable_404(client):
    response = client.get("/kiosk/1/layanan/ZZ")
    assert response.status_code == 404
    assert "Layanan &#39;ZZ&#39; tidak dikenal." in response.get_data(as_text=True)


def test_form_post_issues_a_ticket_and_shows_the_confirmation(app, client):
    token = token_of(take(client, "A"))
    assert len(token) >= 22  # token_urlsafe(18): 144 bits, at least the 128 the issue asks for
    html = client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">A-001<', html)
    assert "Pelayanan Verifikasi Akun Baru Penyedia Barang/Jasa" in html
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d\.\d\d WITA", html)  # "1 Des 2026 07.30 WITA"
    assert re.search(r'id="ticket-ahead">0 orang<', html)
    assert re.search(r'id="ticket-wait">± 0 menit<', html)
    # the QR is drawn on screen and holds the ticket page's absolute URL from the public base URL
    assert f'data-url="https://antrean.example.go.id/t/{token}"' in html
    assert "<svg" in html and "<?xml" not in html
    ticket = ticket_for(app, token)
    assert ticket.kiosk == "1" and not ticket.priority


def test_second_ticket_has_one_person_ahead(client):
    take(client, "B")
    html = client.get(f"/kiosk/1/tiket/{token_of(take(client, 'B'))}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">B-002<', html)
    assert re.search(r'id="ticket-ahead">1 orang<', html)


def test_priority_button_issues_a_priority_ticket(app, client):
    token = token_of(take(client, "A", priority_reason="ibu_hamil"))
    ticket = ticket_for(app, token)
    assert ticket.priority and ticket.priority_reason == "ibu_hamil"
    assert "PRIORITAS" in client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)


@pytest.mark.parametrize("data, status, message", [
    ({"service": "ZZ"}, 404, "Layanan &#39;ZZ&#39; tidak dikenal."),
    ({"service": ""}, 400, "Pilih layanan terlebih dahulu."),
    ({"service": "A" * 500}, 400, "Pilih layanan terlebih dahulu."),
    ({"service": "A", "priority_reason": "vip"}, 400, "Alasan prioritas tidak dikenal."),
    ({}, 400, "Pilih layanan terlebih dahulu."),
])
def test_bad_form_input_answers_4xx_on_the_kiosk_home(app, client, data, status, message):
    from loket.queue.models import Ticket

    response = client.post("/kiosk/1/tiket", data=data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and 'class="service-tiles"' in html  # back on the home screen, with the notice
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 0


def test_closed_service_says_so_and_issues_nothing(app, client):
    from loket.queue import core
    from loket.queue.models import Ticket

    with app.app_context():
        core.set_service_closed(core.get_service("C"), True)
    home = client.get("/kiosk/1").get_data(as_text=True)
    tile = re.search(r'data-code="C">(.*?)</li>', home, re.S).group(1)
    assert "Tutup hari ini" in tile
    page = client.get("/kiosk/1/layanan/C").get_data(as_text=True)
    assert "Layanan ini tutup hari ini" in page and 'id="take-ticket"' not in page
    response = take(client, "C")
    assert response.status_code == 409
    assert "sedang tutup hari ini" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 0


def test_english_switch_translates_and_idle_home_link_returns_to_indonesian(client):
    html = client.get("/kiosk/1?lang=en").get_data(as_text=True)
    assert "Please choose a service" in html
    assert 'data-home="/kiosk/1?lang=id"' in html  # where the idle timer goes: Indonesian again
    assert "Please choose a service" in client.get("/kiosk/1").get_data(as_text=True)  # sticks meanwhile
    service = client.get("/kiosk/1/layanan/A").get_data(as_text=True)
    assert "What to bring" in service and "Take a ticket" in service
    # without JavaScript, the service and confirmation screens fall back to home in Indonesian
    assert re.search(r'http-equiv="refresh" content="60;url=/kiosk/1\?lang=id"', service)
    assert "Silakan pilih layanan" in client.get("/kiosk/1?lang=id").get_data(as_text=True)
    assert "Silakan pilih layanan" in client.get("/kiosk/1").get_data(as_text=True)


def test_kiosk_pages_are_not_cached(client):
    assert client.get("/kiosk/1").headers["Cache-Control"] == "no-store"


def test_services_fragment_for_htmx_refresh(client):
    take(client, "D")
    response = client.get("/kiosk/1/layanan", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="services"')
    assert "<html" not in html
    assert re.search(r'data-code="D">.*?Menunggu: 1 orang', html, re.S)


def test_confirmation_of_a_ticket_from_another_kiosk_is_404(app, client):
    from loket.kiosk.models import Kiosk

    with app.app_context():
        db.session.add(Kiosk(id="2", name="Kios 2", printer={"kind": "preview"}))
        db.session.commit()
    token = token_of(take(client, "A", kiosk="1"))
    assert client.get(f"/kiosk/2/tiket/{token}").status_code == 404


# --- the visitor's ticket page --------------------------------------------------------------------

def test_ticket_page_shows_position_and_wait(app, client):
    take(client, "A")
    token = token_of(take(client, "A"))
    response = client.get(f"/t/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert 'data-state="waiting"' in html
    assert re.search(r'id="ahead">1 orang<', html)
    assert re.search(r'id="wait">± 30 menit<', html)
    service_id = ticket_for(app, token).service_id  # rooms are named by id (service codes repeat across offices)
    assert f'data-rooms="ticket:{token} service:{service_id}"' in html
    assert '<meta http-equiv="refresh" content="20">' in html  # plain refresh without JavaScript


def test_ticket_page_says_go_to_counter_when_called_and_offers_survey_when_done(app, client):
    from loket.queue import core

    token = token_of(take(client, "A"))
    with app.app_context():
        counter = counter_serving("A")
        ticket = core.call_next(counter)
        name = counter.name
    html = client.get(f"/t/{token}").get_data(as_text=True)
    assert 'data-state="called"' in html
    assert f"Silakan menuju {name}" in html
    with app.app_context():
        ticket = core.ticket_by_token(token)
        core.start_service(ticket)
        core.close_case(ticket)
    html = client.get(f"/t/{token}").get_data(as_text=True)
    assert 'data-state="done"' in html
    assert f'href="/t/{token}/survei"' in html
    assert 'http-equiv="refresh"' not in html  # nothing left to follow


def test_ticket_page_fragment_for_htmx(client):
    token = token_of(take(client, "A"))
    html = client.get(f"/t/{token}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="ticket-status"') and "<html" not in html


@pytest.mark.parametrize("token", ["unknown-token", "x" * 300, "' OR 1=1 --"])
def test_unknown_ticket_is_a_friendly_404(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Tiket tidak ditemukan atau sudah kedaluwarsa." in html
    assert "Traceback" not in html


def test_a_ticket_address_with_nul_is_refused_readably(client):
    """NUL never reaches the database (PostgreSQL raises on it): every request is checked (loket.web)."""
    response = client.get("/t/%00")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Permintaan berisi karakter yang tidak dapat diproses." in html and "Traceback" not in html


def test_expired_ticket_is_a_friendly_404(app, client):
    from loket.queue.models import Ticket

    token = token_of(take(client, "A"))
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        ticket.issued_at -= timedelta(days=app.config["LOKET_TICKET_PAGE_DAYS"] + 1)
        db.session.commit()
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "sudah kedaluwarsa" in response.get_data(as_text=True)


def test_ticket_page_in_english(client):
    token = token_of(take(client, "A"))
    assert "Waiting for your turn" in client.get(f"/t/{token}?lang=en").get_data(as_text=True)


def test_ticket_page_says_not_served_when_the_office_closed(app, client):
    from loket.queue import closing

    token = token_of(take(client, "A"))
    with app.app_context():
        closing.close_day(force=True)
    html = client.get(f"/t/{token}").get_data(as_text=True)
    assert 'data-state="cancelled"' in html
    assert "Tidak dilayani: kantor sudah tutup." in html
    assert "Tiket ini dibatalkan." not in html


def test_the_screen_qr_mask_decodes_for_many_ticket_addresses():
    """The on-screen QR uses one fixed mask pattern (cheaper than scoring all eight); codes drawn
    with it for many random ticket addresses all read back."""
    import io
    import secrets

    import segno
    import zxingcpp
    from PIL import Image

    from loket.kiosk.links import SCREEN_QR_MASK, qr_svg

    for _ in range(40):
        url = f"https://antrean.example.go.id/t/{secrets.token_urlsafe(18)}"
        png = io.BytesIO()
        segno.make(url, error="m", boost_error=False, micro=False, mask=SCREEN_QR_MASK).save(png, kind="png", scale=4)
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [url]
    svg = qr_svg("https://antrean.example.go.id/t/abc")
    assert svg.startswith("<svg viewBox=\"0 0 ") and "<path" in svg and "width=" not in svg  # sized by CSS
