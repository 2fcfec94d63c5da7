"""Kiosks and the JSON API with several offices: a kiosk serving one office is unchanged (only scoped to
it); a mall's entrance kiosk lists its offices first, then one office's services; numbers carry the
office's prefix on screen, on the slip and in the API; an office or service the kiosk does not have is
a readable 404, an ambiguous service code without its office a 400.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loket.extensions import db
from loket.printers import jobs


@pytest.fixture
def app_config():
    return {"LOKET_PUBLIC_BASE_URL": "https://antrean.example.go.id"}


@pytest.fixture
def mall(app, runner, second_office):
    """Kiosk "mal" serving both offices, set up as an admin would: `loket office kiosk`."""
    result = runner.invoke(args=["loket", "office", "kiosk", "mal", "--office", "utama", "--office", "dukcapil"])
    assert result.exit_code == 0, result.output
    assert "Kiosk mal lists: utama, dukcapil" in result.output
    return second_office


def take(client, code="A", kiosk="mal", office=None, **extra):
    data = {"service": code, **extra}
    if office is not None:
        data["office"] = office
    return client.post(f"/kiosk/{kiosk}/tiket", data=data)


def token_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response.headers["Location"].rsplit("/", 1)[1]


def ticket_row(app, token):
    """(number, office code, service office code, service code, kiosk) of a ticket."""
    from loket.offices.models import Office
    from loket.queue.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        return (ticket.number, db.session.get(Office, ticket.office_id).code, ticket.service.office.code,
                ticket.service.code, ticket.kiosk)


def ticket_count(app) -> int:
    from loket.queue.models import Ticket

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


def tiles(html: str, kind: str = "service") -> list[str]:
    return re.findall(rf'<li class="{kind}-tile[^"]*" data-(?:code|office)="([\w-]+)">', html)


def rooms(html: str) -> set[str]:
    return set(re.search(r'<header class="kiosk-header" id="kiosk".*?data-rooms="([^"]*)"', html, re.S)
               .group(1).split())


def login(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "rahasia-123"})
    assert response.status_code == 302
    return client


# --- a kiosk serving one office: the same screens and addresses, scoped to its office -------------

def test_single_office_kiosk_is_unchanged_and_shows_only_its_office(app, client, second_office):
    first, second = second_office["first"], second_office["id"]
    html = client.get("/kiosk/1").get_data(as_text=True)
    assert tiles(html) == ["A", "B", "C", "D", "E", "F"]  # the second office's A and B are not here
    assert "Penerbitan Kartu Keluarga" not in html
    assert "<h1>Silakan pilih layanan</h1>" in html and 'class="office-tiles"' not in html
    assert 'href="/kiosk/1/layanan/A"' in html and 'hx-get="/kiosk/1/layanan"' in html
    assert 'id="back-to-offices"' not in html
    assert rooms(html) == {f"office:{first}"}
    # the old addresses, the form and the numbering are as before
    page = client.get("/kiosk/1/layanan/A").get_data(as_text=True)
    assert "NPWP (Asli dan Fotokopi 1 lembar)" in page
    assert re.search(r'<form class="take-ticket" method="post" action="/kiosk/1/tiket">', page)
    assert rooms(page) == {f"office:{first}"}
    token = token_of(take(client, "A", kiosk="1"))
    assert ticket_row(app, token) == ("A-001", "utama", "utama", "A", "1")
    confirmation = client.get(f"/kiosk/1/tiket/{token}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">A-001<', confirmation)
    assert re.search(r'id="ticket-office">Bagian Pengadaan Barang/Jasa', confirmation)
    assert 'id="ticket-office-label"' not in confirmation  # one office: its name is in the header already
    assert rooms(confirmation) == {f"office:{first}"}
    # the fragment htmx refreshes counts only this office's queue
    with app.app_context():
        from loket.queue import core

        core.issue_ticket("A", office_id=second)
    fragment = client.get("/kiosk/1/layanan", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'data-code="A">.*?Menunggu: 1 orang', fragment, re.S)
    # its own office named explicitly works too; another office is a readable 404 on its home screen
    assert tiles(client.get("/kiosk/1/kantor/utama").get_data(as_text=True)) == ["A", "B", "C", "D", "E", "F"]
    response = client.get("/kiosk/1/kantor/dukcapil")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Kios ini tidak melayani kantor &#39;dukcapil&#39;." in html and 'class="service-tiles"' in html


def test_single_office_kiosk_refuses_a_ticket_for_another_office(app, client, second_office):
    response = take(client, "A", kiosk="1", office="dukcapil")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Kios ini tidak melayani kantor &#39;dukcapil&#39;." in html and 'class="service-tiles"' in html
    assert ticket_count(app) == 0


# --- a kiosk serving several offices ---------------------------------------------------------------

def test_multi_office_home_lists_the_offices_with_their_waiting_totals(app, client, mall):
    from loket.queue import core

    with app.app_context():
        core.issue_ticket("A", office_id=mall["id"])
        core.issue_ticket("B", office_id=mall["id"])
        core.issue_ticket("C", office_id=mall["first"])
    response = client.get("/kiosk/mal")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<h1>Silakan pilih kantor</h1>" in html
    assert tiles(html, "office") == ["utama", "dukcapil"]
    assert tiles(html) == []  # no services before an office is picked
    utama = re.search(r'data-office="utama">(.*?)</li>', html, re.S).group(1)
    dukcapil = re.search(r'data-office="dukcapil">(.*?)</li>', html, re.S).group(1)
    assert 'href="/kiosk/mal/kantor/utama"' in utama and "Bagian PBJ Setda Kab. Klungkung" in utama
    assert "Menunggu: 1 orang" in utama and "6 layanan" in utama
    assert 'href="/kiosk/mal/kantor/dukcapil"' in dukcapil and "Disdukcapil Contoh" in dukcapil
    assert "Menunggu: 2 orang" in dukcapil and "2 layanan" in dukcapil
    # live refresh: the page follows both offices' rooms; the idle timer goes to this office list
    assert rooms(html) == {f"office:{mall['first']}", f"office:{mall['id']}"}
    assert 'data-home="/kiosk/mal?lang=id"' in html
    fragment = client.get("/kiosk/mal/kantor", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="offices"') and "<html" not in fragment
    assert 'hx-get="/kiosk/mal/kantor"' in fragment
    assert "Please choose an office" in client.get("/kiosk/mal?lang=en").get_data(as_text=True)


def test_multi_office_services_page_per_office_with_a_way_back(app, client, mall):
    html = client.get("/kiosk/mal/kantor/dukcapil").get_data(as_text=True)
    assert tiles(html) == ["A", "B"]
    assert "Penerbitan Kartu Keluarga" in html and "Legalisir Akta" in html
    assert 'href="/kiosk/mal/kantor/dukcapil/layanan/A"' in html
    assert 'hx-get="/kiosk/mal/kantor/dukcapil/layanan"' in html
    assert re.search(r'id="back-to-offices" href="/kiosk/mal"', html)
    assert re.search(r'id="office-name">Dinas Contoh Kependudukan dan Pencatatan Sipil<', html)
    assert rooms(html) == {f"office:{mall['first']}", f"office:{mall['id']}"}
    utama = client.get("/kiosk/mal/kantor/utama").get_data(as_text=True)
    assert tiles(utama) == ["A", "B", "C", "D", "E", "F"]
    assert "Verifikasi Akun Penyedia" in utama and "Penerbitan Kartu Keluarga" not in utama
    # the htmx fragment of one office's services
    token_of(take(client, "B", office="dukcapil"))
    fragment = client.get("/kiosk/mal/kantor/dukcapil/layanan", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="services"')
    assert re.search(r'data-code="B">.*?Menunggu: 1 orang', fragment, re.S)
    # the requirements page of that office's service, with its office in the ticket form
    page = client.get("/kiosk/mal/kantor/dukcapil/layanan/A").get_data(as_text=True)
    assert "Kartu Keluarga lama" in page and re.search(r'id="waktu"[^>]*>20 menit\.', page)
    form = re.search(r'<form class="take-ticket" method="post" action="/kiosk/mal/tiket">(.*?)</form>', page, re.S)
    assert form and '<input type="hidden" name="office" value="dukcapil">' in form.group(1)
    assert '<input type="hidden" name="service" value="A">' in form.group(1)
    assert re.search(r'id="back" href="/kiosk/mal/kantor/dukcapil"', page)
    assert re.search(r'id="back-to-offices" href="/kiosk/mal"', page)
    assert rooms(page) == {f"office:{mall['first']}", f"office:{mall['id']}"}


def test_service_a_in_each_office_gives_distinct_tickets_and_queues(app, client, mall):
    from loket.queue import core

    first = token_of(take(client, "A", office="utama"))
    second = token_of(take(client, "A", office="dukcapil"))
    again = token_of(take(client, "A", office="dukcapil", priority_reason="lansia"))
    assert ticket_row(app, first) == ("A-001", "utama", "utama", "A", "mal")
    assert ticket_row(app, second) == ("DK-A-001", "dukcapil", "dukcapil", "A", "mal")
    assert ticket_row(app, again)[:2] == ("DK-A-002", "dukcapil")
    with app.app_context():
        counts = core.waiting_counts(office_ids=[mall["id"]])
        assert counts == {mall["services"]["A"]: 2}
        assert core.waiting_counts(office_ids=[mall["first"]]) == {core.get_service("A", mall["first"]).id: 1}
    # the confirmation names the ticket's office and shows the prefixed number
    html = client.get(f"/kiosk/mal/tiket/{second}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">DK-A-001<', html)
    assert re.search(r'id="ticket-office">Dinas Contoh Kependudukan dan Pencatatan Sipil<', html)
    assert re.search(r'id="ticket-office-label">Disdukcapil Contoh<', html)  # which queue, at a glance
    assert re.search(r'id="ticket-service">Penerbitan Kartu Keluarga<', html)
    assert re.search(r'id="ticket-ahead">1 orang<', html)  # the priority ticket went before it
    assert 'href="/kiosk/mal?lang=id"' in html  # "Selesai" goes back to the office list
    assert rooms(html) == {f"office:{mall['first']}", f"office:{mall['id']}"}
    html = client.get(f"/kiosk/mal/tiket/{first}").get_data(as_text=True)
    assert re.search(r'id="ticket-number">A-001<', html)
    assert re.search(r'id="ticket-office">Bagian Pengadaan Barang/Jasa', html)


def test_a_code_only_one_office_has_needs_no_office(app, client, mall):
    """The old service address and a form without `office` still work where the code is unambiguous."""
    page = client.get("/kiosk/mal/layanan/C")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<input type="hidden" name="office" value="utama">' in html
    assert ticket_row(app, token_of(take(client, "C")))[:2] == ("C-001", "utama")
    # an ambiguous one is not guessed
    response = take(client, "A")
    assert response.status_code == 400
    assert "Layanan &#39;A&#39; ada di beberapa kantor (utama, dukcapil): sebutkan kantornya." in \
        response.get_data(as_text=True)
    assert client.get("/kiosk/mal/layanan/A").status_code == 400
    assert ticket_count(app) == 1


@pytest.mark.parametrize("url, message", [
    ("/kiosk/mal/kantor/nope", "Kantor &#39;nope&#39; tidak ditemukan."),
    ("/kiosk/mal/kantor/pajak", "Kios ini tidak melayani kantor &#39;pajak&#39;."),
    ("/kiosk/mal/kantor/pajak/layanan/A", "Kios ini tidak melayani kantor &#39;pajak&#39;."),
    ("/kiosk/mal/kantor/nope/layanan", "Kantor &#39;nope&#39; tidak ditemukan."),
])
def test_an_office_the_kiosk_does_not_serve_is_a_readable_404_on_its_home(app, client, mall, url, message):
    from loket.offices.scope import create_office

    with app.app_context():
        create_office("pajak", name="Kantor Pajak Contoh", prefix="PJ")
        db.session.commit()
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert message in html
    assert tiles(html, "office") == ["utama", "dukcapil"] and 'id="kiosk"' in html  # home, idle timer and all
    assert "Traceback" not in html


def test_a_service_of_another_office_is_a_readable_404(app, client, mall):
    response = client.get("/kiosk/mal/kantor/dukcapil/layanan/C")  # C exists, but at the first office only
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Layanan &#39;C&#39; tidak dikenal." in html
    assert tiles(html) == ["A", "B"]  # still among that office's services
    response = take(client, "C", office="dukcapil")
    assert response.status_code == 404
    assert "Layanan &#39;C&#39; tidak dikenal." in response.get_data(as_text=True)
    for office in ("nope", "x" * 300):
        response = take(client, "A", office=office)
        assert response.status_code == 404
        assert tiles(response.get_data(as_text=True), "office") == ["utama", "dukcapil"]
    assert ticket_count(app) == 0


def test_the_slip_shows_the_office_name_and_the_prefixed_number(app, client, mall):
    from loket.printers import render_slip_bytes
    from loket.printers.models import PrintJob
    from loket.queue import core

    token = token_of(take(client, "B", office="dukcapil"))
    jobs.wait_for_sends()
    with app.app_context():
        ticket = core.ticket_by_token(token)
        job = db.session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id))
        sent = bytes(job.payload)
        assert job.kiosk_id == "mal"
        assert job.status == "sent"  # the preview printer of a kiosk made by `loket office kiosk`
        dummy = render_slip_bytes(jobs.ticket_slip(ticket))  # python-escpos Dummy
    for data in (sent, dummy):
        assert b"DK-B-001" in data
        assert b"Legalisir Akta" in data
        assert b"Dinas Contoh" in data and b"Pencatatan Sipil" in data  # the name may wrap over two lines
        assert b"Bagian Pengadaan" not in data


def test_a_kiosk_without_offices_serves_the_first_office(app, client, second_office):
    """A kiosk made before offices existed (none assigned) keeps serving the installation's first office."""
    from loket.kiosk.models import Kiosk

    with app.app_context():
        db.session.add(Kiosk(id="lama", name="Kios lama", printer={"kind": "preview"}))
        db.session.commit()
    assert tiles(client.get("/kiosk/lama").get_data(as_text=True)) == ["A", "B", "C", "D", "E", "F"]
    assert ticket_row(app, token_of(take(client, "A", kiosk="lama")))[:2] == ("A-001", "utama")


def test_a_kiosks_printer_page_is_for_admins_of_all_its_offices(app, mall, make_user):
    """The printer page shows the kiosk's API key, which issues in every office the kiosk serves."""
    make_user("admin-utama", role="admin", counters=(), office="utama")
    make_user("root", role="admin", counters=())
    office_admin = login(app, "admin-utama")
    assert office_admin.get("/kiosk/1/printer").status_code == 200  # kiosk 1 serves only their office
    for path in ("/kiosk/mal/printer", "/kiosk/mal/printer/preview.png"):
        response = office_admin.get(path)
        assert response.status_code == 403, path
        assert "Anda tidak berhak membuka data kantor lain." in response.get_data(as_text=True)
    assert office_admin.post("/kiosk/mal/printer/test").status_code == 403
    root = login(app, "root")
    assert root.get("/kiosk/mal/printer").status_code == 200


# --- the JSON API ------------------------------------------------------------------------------------

def kiosk_headers(app, kiosk_id) -> dict:
    from loket.kiosk.keys import api_key

    with app.app_context():
        return {"X-Kiosk-Key": api_key(kiosk_id)}


def test_api_lists_services_with_their_office_and_filters_by_office(app, client, mall):
    client.post("/api/v1/tickets", json={"service": "B", "office": "dukcapil"})
    services = client.get("/api/v1/services").get_json()["services"]
    assert [(s["office"]["code"], s["code"]) for s in services] == [
        ("utama", "A"), ("utama", "B"), ("utama", "C"), ("utama", "D"), ("utama", "E"), ("utama", "F"),
        ("dukcapil", "A"), ("dukcapil", "B")]
    assert services[0]["office"] == {"code": "utama", "prefix": "",
                                     "name": "Bagian Pengadaan Barang/Jasa Sekretariat Daerah Kabupaten Klungkung"}
    body = client.get("/api/v1/services?office=dukcapil").get_json()
    assert body["office_open"] is True
    assert [(s["code"], s["name"], s["waiting"]) for s in body["services"]] == [
        ("A", "Penerbitan Kartu Keluarga", 0), ("B", "Legalisir Akta", 1)]
    assert body["services"][0]["office"] == {"code": "dukcapil", "prefix": "DK",
                                             "name": "Dinas Contoh Kependudukan dan Pencatatan Sipil"}
    response = client.get("/api/v1/services?office=nope")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["message"] == "Kantor 'nope' tidak ditemukan."
    english = app.test_client().get("/api/v1/services?office=nope&lang=en").get_json()
    assert english["message"] == "Office 'nope' not found."


def test_api_issues_in_the_named_office_and_refuses_an_ambiguous_code(app, client, mall):
    response = client.post("/api/v1/tickets", json={"service": "A"})
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["message"] == (
        "Layanan 'A' ada di beberapa kantor (utama, dukcapil): sebutkan kantornya.")
    english = app.test_client()  # the language sticks to a client's session
    assert english.post("/api/v1/tickets?lang=en", json={"service": "A"}).get_json()["message"] == (
        "Several offices have a service 'A' (utama, dukcapil): name the office.")
    assert ticket_count(app) == 0
    dk = client.post("/api/v1/tickets", json={"service": "A", "office": "dukcapil"})
    assert dk.status_code == 201
    body = dk.get_json()
    assert body["number"] == "DK-A-001" and body["service"] == "A"
    assert body["office"] == {"code": "dukcapil", "prefix": "DK",
                              "name": "Dinas Contoh Kependudukan dan Pencatatan Sipil"}
    assert body["issued_at"].endswith("Z") and body["print_job"] is None
    status = client.get(f"/api/v1/tickets/{body['token']}").get_json()
    assert status["number"] == "DK-A-001" and status["office"]["code"] == "dukcapil"
    utama = client.post("/api/v1/tickets", json={"service": "A", "office": "utama"}).get_json()
    assert utama["number"] == "A-001" and utama["office"]["prefix"] == ""
    # a code only one office has needs no office
    assert client.post("/api/v1/tickets", json={"service": "C"}).get_json()["number"] == "C-001"
    unknown = client.post("/api/v1/tickets", json={"service": "A", "office": "nope"})
    assert unknown.status_code == 404 and unknown.get_json()["message"] == "Kantor 'nope' tidak ditemukan."
    wrong = client.post("/api/v1/tickets", json={"service": "C", "office": "dukcapil"})
    assert wrong.status_code == 404 and wrong.get_json()["message"] == "Layanan 'C' tidak dikenal."
    bad = client.post("/api/v1/tickets", json={"service": "A", "office": 3})
    assert bad.status_code == 400 and bad.get_json()["errors"] == {"office": ["Harus berupa teks."]}
    assert ticket_count(app) == 3


def test_api_with_a_kiosk_key_issues_only_in_the_kiosks_offices(app, client, mall):
    one = kiosk_headers(app, "1")
    # kiosk 1 serves the first office only: "A" is not ambiguous for it, and the second office is not its own
    body = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1", "print": False}, headers=one).get_json()
    assert body["number"] == "A-001" and body["office"]["code"] == "utama"
    refused = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1", "office": "dukcapil"}, headers=one)
    assert refused.status_code == 404 and refused.is_json
    assert refused.get_json()["message"] == "Kios ini tidak melayani kantor 'dukcapil'."
    # the mall's kiosk serves both: the office is needed for "A", and its printer prints the slip
    headers = kiosk_headers(app, "mal")
    ambiguous = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "mal"}, headers=headers)
    assert ambiguous.status_code == 400 and "sebutkan kantornya" in ambiguous.get_json()["message"]
    created = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "mal", "office": "dukcapil"},
                          headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["number"] == "DK-A-001" and body["print_job"] is not None
    assert ticket_row(app, body["token"]) == ("DK-A-001", "dukcapil", "dukcapil", "A", "mal")
    # another kiosk's key does not let a client issue as the mall's kiosk
    stolen = client.post("/api/v1/tickets", json={"service": "A", "kiosk": "mal", "office": "dukcapil"}, headers=one)
    assert stolen.status_code == 403
    assert ticket_count(app) == 2


# --- in the browser ----------------------------------------------------------------------------------

KIOSK_VIEWPORT = {"width": 1080, "height": 1920}


@pytest.mark.browser
@pytest.mark.parametrize("app_config", [{"LOKET_KIOSK_IDLE_SECONDS": 10}])
def test_mall_kiosk_in_the_browser_office_service_ticket_live_counts_and_idle(app, mall, live_server, browser,
                                                                              artifacts):
    from loket.queue import core

    page = browser.new_context(viewport=KIOSK_VIEWPORT).new_page()
    errors, server_errors = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 500 and server_errors.append(r.url))

    page.goto(f"{live_server.url}/kiosk/mal")
    assert page.locator(".office-tile").count() == 2
    box = page.locator(".office-tile[data-office='dukcapil'] a").bounding_box()
    assert box and box["height"] >= 120 and box["width"] >= 200  # big touch tiles
    # live totals: a ticket issued elsewhere shows up on the office list
    page.locator("body[data-live='connected']").wait_for(timeout=15_000)
    assert set(page.locator("body").get_attribute("data-live-rooms").split()) == {
        f"office:{mall['first']}", f"office:{mall['id']}"}
    with app.app_context():
        core.issue_ticket("B", office_id=mall["id"])
        db.session.remove()
    page.locator(".office-tile[data-office='dukcapil'] .waiting[data-waiting='1']").wait_for(timeout=15_000)
    page.screenshot(path=str(artifacts / "kiosk-offices.png"), full_page=True)

    page.locator(".office-tile[data-office='dukcapil'] a").click()
    page.wait_for_url(re.compile(r"/kiosk/mal/kantor/dukcapil$"))
    assert page.locator(".service-tile").count() == 2
    page.locator(".service-tile[data-code='A'] a").click()
    page.wait_for_url(re.compile(r"/kiosk/mal/kantor/dukcapil/layanan/A$"))
    assert "Kartu Keluarga lama" in page.locator("#persyaratan").inner_text()
    page.locator("#take-ticket").click()
    page.wait_for_url(re.compile(r"/kiosk/mal/tiket/[\w-]+$"))
    assert page.locator("#ticket-number").inner_text() == "DK-A-001"
    assert page.locator("#ticket-office").inner_text() == "Dinas Contoh Kependudukan dan Pencatatan Sipil"
    page.locator("#print-status[data-status='sent']").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "kiosk-offices-confirmation.png"), full_page=True)

    # back to the office list by the breadcrumb, and by the idle timer from an office's services
    page.goto(f"{live_server.url}/kiosk/mal/kantor/utama?lang=en")
    page.locator("#back-to-offices").click()
    page.wait_for_url(re.compile(r"/kiosk/mal$"))
    page.goto(f"{live_server.url}/kiosk/mal/kantor/utama/layanan/C")
    page.wait_for_url(re.compile(r"/kiosk/mal\?lang=id$"), timeout=30_000)
    assert page.locator("h1").inner_text() == "Silakan pilih kantor"
    assert errors == [] and server_errors == []
