"""The JSON API (/api/v1): services, issuing, ticket status, validation errors, OpenAPI, rate limits."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from loket.extensions import db


@pytest.fixture
def app_config():
    return {"LOKET_PUBLIC_BASE_URL": "https://antrean.example.go.id/"}


def kiosk_headers(app, kiosk_id="1") -> dict:
    """The header that lets an API client issue as a kiosk (its key, as its printer page shows)."""
    from loket.kiosk.keys import api_key

    with app.app_context():
        return {"X-Kiosk-Key": api_key(kiosk_id)}


def ticket_count(app) -> int:
    from loket.queue.models import Ticket

    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(Ticket))


def test_services_lists_code_name_open_waiting_and_estimate(client):
    client.post("/api/v1/tickets", json={"service": "B"})
    body = client.get("/api/v1/services").get_json()
    assert body["office_open"] is True
    assert [s["code"] for s in body["services"]] == ["A", "B", "C", "D", "E", "F"]
    b = body["services"][1]
    assert b["name"] == "Pelayanan Helpdesk LPSE"
    assert b["open"] is True and b["waiting"] == 1
    assert isinstance(b["estimated_wait_minutes"], int) and b["estimated_wait_minutes"] > 0


def test_services_show_a_closed_service_as_closed(ctx, client):
    from loket.queue import core

    core.set_service_closed(core.get_service("C"), True)
    services = {s["code"]: s for s in client.get("/api/v1/services").get_json()["services"]}
    assert services["C"]["open"] is False and services["A"]["open"] is True


def test_issue_returns_201_with_number_token_url_and_wait(app, client):
    headers = kiosk_headers(app)
    first = client.post("/api/v1/tickets", json={"service": "A", "priority": False, "kiosk": "1"}, headers=headers)
    assert first.status_code == 201
    second = client.post("/api/v1/tickets", json={"service": "a", "priority": False, "kiosk": "1"},
                         headers=headers)
    body = second.get_json()
    assert body["number"] == "A-002"
    assert len(body["token"]) >= 22
    assert body["url"] == f"https://antrean.example.go.id/t/{body['token']}"
    assert body["service"] == "A"
    assert body["ahead"] == 1
    assert body["estimated_wait_minutes"] == 30
    assert body["print_job"]["id"] and body["print_job"]["status"] in ("pending", "sending", "sent")
    assert second.headers["Location"] == f"/api/v1/tickets/{body['token']}"
    # the kiosk's preview printer got the slip, recorded as a print job of that ticket
    from loket.printers import jobs
    from loket.printers.models import PrintJob

    jobs.wait_for_sends()
    with app.app_context():
        job = db.session.get(PrintJob, body["print_job"]["id"])
        assert job.kiosk_id == "1" and job.ticket_id is not None and job.status == "sent"


def test_issue_without_kiosk_prints_nothing_and_priority_goes_first(app, client):
    client.post("/api/v1/tickets", json={"service": "A"})
    body = client.post("/api/v1/tickets", json={"service": "A", "priority": True}).get_json()
    assert body["print_job"] is None
    assert body["priority"] is True and body["ahead"] == 0
    reason = client.post("/api/v1/tickets", json={"service": "A", "priority_reason": "korban_bencana"}).get_json()
    assert reason["priority"] is True and reason["ahead"] == 1


def test_ticket_status_follows_the_ticket(ctx, client):
    from loket.queue import core
    from loket.queue.models import Counter

    token = client.post("/api/v1/tickets", json={"service": "A"}).get_json()["token"]
    status = client.get(f"/api/v1/tickets/{token}").get_json()
    assert status["state"] == "waiting" and status["ahead"] == 0 and status["counter"] is None
    assert status["url"].endswith(f"/t/{token}")
    counter = next(c for c in db.session.scalars(select(Counter)) if any(s.code == "A" for s in c.services))
    core.call_next(counter)
    status = client.get(f"/api/v1/tickets/{token}").get_json()
    assert status["state"] == "called" and status["counter"] == counter.number
    assert status["counter_name"] == counter.name


def test_unknown_ticket_token_is_json_404(client):
    response = client.get("/api/v1/tickets/not-a-token")
    assert response.status_code == 404
    assert response.get_json()["message"] == "Tiket tidak ditemukan."


@pytest.mark.parametrize("body, status, message", [
    ({"service": "ZZ"}, 404, "Layanan 'ZZ' tidak dikenal."),
    ({"service": "A", "kiosk": "99"}, 403, "kunci API kios"),
    ({}, 400, "service: Wajib diisi."),
    ({"service": ""}, 400, "service: Tidak boleh kosong."),
    ({"service": None}, 400, "service: Tidak boleh kosong (null)."),
    ({"service": 7}, 400, "service: Harus berupa teks."),
    ({"service": ["A"]}, 400, "service: Harus berupa teks."),
    ({"service": "A" * 5000}, 400, "service: Terlalu panjang (paling banyak 10 karakter)."),
    ({"service": "A", "kiosk": "k" * 41}, 400, "kiosk: Terlalu panjang (paling banyak 40 karakter)."),
    ({"service": "A", "priority": "false"}, 400, "priority: Harus true atau false."),
    ({"service": "A", "priority": 1}, 400, "priority: Harus true atau false."),
    ({"service": "A", "priority_reason": "vip"}, 400, "priority_reason: Alasan prioritas tidak dikenal."),
    ({"service": "A", "nik": "5105..."}, 400, "nik: Kolom tidak dikenal."),
    (["A"], 400, "Data harus berupa objek JSON."),
    ("A", 400, "Data harus berupa objek JSON."),
])
def test_bad_ticket_requests_get_4xx_json_with_a_message(app, client, caplog, body, status, message):
    with caplog.at_level(logging.ERROR):
        response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == status
    assert response.is_json
    assert message in response.get_json()["message"]
    assert ticket_count(app) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no 500 logged


def test_field_errors_are_listed_per_field(client):
    body = client.post("/api/v1/tickets", json={"service": 1, "priority": "x"}).get_json()
    assert set(body["errors"]) == {"service", "priority"}


def test_malformed_json_wrong_content_type_and_oversized_body(app, client):
    response = client.post("/api/v1/tickets", data='{"service": "A"', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "Data JSON tidak dapat dibaca (JSON tidak valid)."
    response = client.post("/api/v1/tickets", data={"service": "A"})  # a form post, not JSON
    assert response.status_code == 415
    assert "application/json" in response.get_json()["message"]
    response = client.post("/api/v1/tickets", data='{"service": "' + "A" * 300_000 + '"}',
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["message"] == "Data yang dikirim terlalu besar."
    response = client.get("/api/v1/tickets")
    assert response.status_code == 405 and response.get_json()["message"]
    assert ticket_count(app) == 0


def test_closed_service_is_409_and_issues_nothing(app, client):
    from loket.queue import core

    with app.app_context():
        core.set_service_closed(core.get_service("D"), True)
    response = client.post("/api/v1/tickets", json={"service": "D"})
    assert response.status_code == 409
    assert "sedang tutup hari ini" in response.get_json()["message"]
    assert ticket_count(app) == 0


def test_closed_office_is_409(app, client):
    app.config["LOKET_OFFICE_HOURS"] = "mon 00:00-00:01"
    response = client.post("/api/v1/tickets", json={"service": "A"})
    assert response.status_code == 409
    assert "tutup" in response.get_json()["message"]


def test_messages_in_english_on_request(client):
    body = client.post("/api/v1/tickets?lang=en", json={"service": "A" * 11}).get_json()
    assert body["message"] == "Invalid data: service: Too long (at most 10 characters)."


def test_openapi_document_is_generated_from_the_views(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/services", "/api/v1/tickets", "/api/v1/tickets/{token}"} <= set(spec["paths"])
    post = spec["paths"]["/api/v1/tickets"]["post"]
    assert {"201", "400", "403", "404", "409", "415", "429"} <= set(post["responses"])
    # naming a kiosk needs its key: documented as an optional apiKey security scheme
    assert spec["components"]["securitySchemes"]["kioskKey"] == {
        "type": "apiKey", "in": "header", "name": "X-Kiosk-Key",
        "description": spec["components"]["securitySchemes"]["kioskKey"]["description"]}
    assert post["security"] == [{}, {"kioskKey": []}]
    assert "X-Kiosk-Key" in spec["components"]["schemas"]["TicketRequest"]["properties"]["kiosk"]["description"]
    request_schema = spec["components"]["schemas"]["TicketRequest"]
    assert request_schema["required"] == ["service"]
    assert request_schema["properties"]["service"]["type"] == "string"
    assert set(request_schema["properties"]) == {"service", "office", "priority", "priority_reason", "kiosk", "print"}
    created = spec["components"]["schemas"]["TicketCreated"]["properties"]
    assert {"number", "token", "url", "service", "office", "ahead", "estimated_wait_minutes"} <= set(created)
    # services and tickets name their office (code, name, prefix); the listing filters by office
    assert created["office"] == {"$ref": "#/components/schemas/Office"}
    assert set(spec["components"]["schemas"]["Office"]["properties"]) == {"code", "name", "prefix"}
    assert "#/components/schemas/Office" in str(spec["components"]["schemas"]["Service"]["properties"]["office"])
    listing = spec["paths"]["/api/v1/services"]["get"]
    assert [p["name"] for p in listing["parameters"]] == ["office"] and "404" in listing["responses"]
    from openapi_spec_validator import validate  # a test dependency (pyproject's `test` extra)

    validate(spec)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_api_needs_no_csrf_token_while_the_kiosk_form_does(app, client):
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    response = client.post("/kiosk/1/tiket", data={"service": "A"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # the kiosk is not stranded on a bare error page: its home screen, with the idle timer, says why
    assert "Formulir sudah kedaluwarsa" in html and 'id="kiosk"' in html
    assert ticket_count(app) == 1


# --- rate limits ----------------------------------------------------------------------------------

LIMITED = {"RATELIMIT_ENABLED": True, "LOKET_ISSUE_RATE_LIMIT": "3/minute"}


@pytest.mark.parametrize("app_config", [LIMITED])
def test_issuing_is_limited_per_client_address(app, client):
    codes = [client.post("/api/v1/tickets", json={"service": "A"}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    response = client.post("/api/v1/tickets", json={"service": "B"})
    assert response.status_code == 429
    assert response.get_json()["message"] == "Terlalu banyak permintaan. Mohon tunggu sebentar lalu coba lagi."
    # the kiosk form shares the limit: switching routes does not dodge it
    html = client.post("/kiosk/1/tiket", data={"service": "A"})
    assert html.status_code == 429
    assert "Terlalu banyak permintaan" in html.get_data(as_text=True)
    # reading is not limited
    assert client.get("/api/v1/services").status_code == 200
    assert ticket_count(app) == 3


@pytest.mark.parametrize("app_config", [LIMITED])
def test_issuing_is_limited_per_kiosk_across_addresses(app, client):
    statuses = []
    for n in range(4):
        statuses.append(client.post("/api/v1/tickets", json={"service": "A", "kiosk": "1", "print": False},
                                    headers=kiosk_headers(app),
                                    environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"}).status_code)
    assert statuses == [201, 201, 201, 429]
    # another address without that kiosk is still served
    other = client.post("/api/v1/tickets", json={"service": "A"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOKET_ISSUE_RATE_LIMIT": "0"}])
def test_limit_zero_turns_limiting_off(app, client):
    codes = {client.post("/api/v1/tickets", json={"service": "A"}).status_code for _ in range(30)}
    assert codes == {201}


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOKET_ISSUE_RATE_LIMIT": "twenty a minute"}])
def test_a_malformed_limit_setting_falls_back_to_the_default_instead_of_failing(app, client):
    codes = [client.post("/api/v1/tickets", json={"service": "A"}).status_code for _ in range(21)]
    assert codes == [201] * 20 + [429]
