"""Malformed input never reaches a 500: JSON nested thousands of levels deep (RecursionError in the
parser), text with lone surrogates such as "\\ud800" (no database or HMAC can encode them) or NUL
(PostgreSQL refuses it) is answered 400 with a readable message, and nothing is stored.
Every JSON endpoint is found in the URL map; every other POST route gets the same bodies too."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from loket.extensions import db

BAD_JSON = {
    "arrays 100000 deep": "[" * 100_000 + "]" * 100_000,
    "objects 5000 deep": '{"service":' * 5000 + '"A"' + "}" * 5000,
    "65 levels (parsable, too deep)": '{"service": "A", "kiosk": ' + "[" * 64 + "]" * 64 + "}",
    "lone high surrogate": '{"service": "\\ud800"}',
    "lone low surrogate": '{"service": "A\\udfff"}',
    "surrogate kiosk": '{"service": "A", "kiosk": "\\ud800"}',
    "surrogate key": '{"service": "A", "\\udbff": 1}',
    "reversed pair": '{"service": "\\udc00\\ud800"}',
    "NUL": '{"service": "A\\u0000"}',
    "NUL kiosk": '{"service": "A", "kiosk": "1\\u0000"}',
}
STAFF_ONLY = {"auth.logout", "auth.login"}  # would end the admin's session: posted by the visitor only


@pytest.fixture
def app_config():
    # Errors must surface as 500 answers; the rate limits are on so the kiosk-key check reads the body too.
    return {"PROPAGATE_EXCEPTIONS": False, "RATELIMIT_ENABLED": True, "LOKET_ISSUE_RATE_LIMIT": "1000/minute"}


def _json_endpoints(app):
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("api.") and rule.methods & {"POST", "PUT", "PATCH"}]
    assert rules, "no JSON endpoint found"
    return rules


def _post_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]


def _url(rule) -> str:
    values = {"counter_id": "1", "complaint_id": "1", "display_id": "1", "kiosk_id": "1", "office_code": "utama", "token": "x",
              "job_id": "1", "code": "x", "slug": "x", "filename": "css/loket.css", "service_id": "1", "user_id": "1",
              "kind": "csv", "case_id": "1", "ticket_id": "1", "position": "1"}
    return rule.build(values, append_unknown=False)[1]


def _row_counts(app) -> dict:
    with app.app_context():
        counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
                  for table in db.metadata.sorted_tables if table.name != "staff_sessions"}
        db.session.remove()
    return counts


def _message(response) -> str:
    if response.is_json:
        return response.json["message"]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("body", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_malformed_json_is_a_400_with_a_message_and_stores_nothing(app, client, body):
    from loket.kiosk.keys import api_key

    with app.app_context():
        key = api_key("1")
    before = _row_counts(app)
    for rule in _json_endpoints(app):
        for headers in ({}, {"X-Kiosk-Key": key}):
            response = client.post(_url(rule), data=body, content_type="application/json", headers=headers)
            assert response.status_code == 400, (rule.rule, response.status_code, response.get_data(as_text=True)[:200])
            assert response.json["message"] == "Data JSON tidak dapat dibaca (JSON tidak valid)."
    assert _row_counts(app) == before


def test_the_message_is_translated(client):
    response = client.post("/api/v1/tickets?lang=en", data=BAD_JSON["lone high surrogate"],
                           content_type="application/json")
    assert response.status_code == 400 and response.json["message"] == "The JSON data cannot be read (invalid JSON)."


def test_no_post_route_gives_a_500_for_malformed_json(app, client, admin_client):
    """Form routes do not read JSON: for them the body is an empty form (what they make of that, e.g. a
    test print, is theirs); what matters here is that none of them crashes."""
    failures = []
    for who, http in (("visitor", client), ("admin", admin_client)):
        for rule in _post_rules(app):
            if who == "admin" and rule.endpoint in STAFF_ONLY:
                continue
            for name, body in BAD_JSON.items():
                response = http.post(_url(rule), data=body, content_type="application/json")
                if response.status_code >= 500:
                    failures.append((who, rule.rule, name, response.status_code))
    assert not failures, failures


def test_json_as_deep_as_allowed_still_parses(app):
    deepest = []
    for _ in range(63):
        deepest = [deepest]
    with app.app_context():
        assert app.json.loads("[" * 64 + "]" * 64) == deepest  # 64 levels
        # Non-ASCII text and a proper surrogate pair (an emoji written as JSON escapes) are fine.
        assert app.json.loads('{"a": "Ésta ✓ 😀 \\ud83d\\ude00"}') == {"a": "Ésta ✓ 😀 😀"}
        for body in BAD_JSON.values():
            with pytest.raises(ValueError):
                app.json.loads(body)


# --- forms, query strings and paths ---------------------------------------------------------------

MULTIPART = (b"--XX\r\nContent-Disposition: form-data; name=\"service\"\r\n\r\n\xed\xa0\x80\r\n"
             b"--XX\r\nContent-Disposition: form-data; name*=UTF-8''%ED%A0%80\r\n\r\nA\r\n"
             b"--XX\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%ED%A0%80.txt\r\n"
             b"Content-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n")


def _texts(request) -> list[str]:
    texts = [request.path]
    for fields in (request.args, request.form):
        for key, values in fields.lists():
            texts += [key, *values]
    texts += [f.filename for f in request.files.values()]
    return texts


@pytest.mark.parametrize("path, body, content_type", [
    ("/x/%ED%A0%80/%80?a=%ED%A0%80&%ED%B0%80=1&b=%80", b"c=%ED%A0%80&%ED%A0%80=2",
     "application/x-www-form-urlencoded"),
    ("/x", b"c=\xed\xa0\x80", "application/x-www-form-urlencoded"),  # raw bad bytes: the form is dropped
    ("/x", MULTIPART, "multipart/form-data; boundary=XX"),
])
def test_werkzeug_never_decodes_form_query_or_path_to_lone_surrogates(app, path, body, content_type):
    """Werkzeug turns bad UTF-8 into U+FFFD or leaves it %-escaped: surrogates only come from JSON."""
    from flask import request

    with app.test_request_context(path, method="POST", data=body, content_type=content_type):
        texts = _texts(request)
    assert len(texts) > 1 or content_type.endswith("urlencoded")
    for text in texts:
        text.encode("utf-8")  # no UnicodeEncodeError


def test_nul_in_forms_query_strings_and_paths_is_a_readable_400(app, client, admin_client):
    """%00 does decode to NUL, which PostgreSQL refuses with an error: refused before any view runs."""
    before = _row_counts(app)
    failures = []
    for who, http in (("visitor", client), ("admin", admin_client)):
        for rule in app.url_map.iter_rules():
            if who == "admin" and rule.endpoint in STAFF_ONLY:
                continue
            url = _url(rule)
            attempts = [("GET", url + "?lang=en&q=a%00b", {})]
            if "<" in rule.rule:
                attempts.append(("GET", url.rstrip("/") + "%00", {}))
            if "POST" in rule.methods:
                attempts += [("POST", url + "?lang=en", {"data": {"service": "A\x00", "message": "x"}}),
                             ("POST", url + "?lang=en", {"data": {"service\x00": "A"}}),
                             ("POST", url + "?lang=en", {"data": {"f": (io.BytesIO(b"x"), "a\x00.txt")},
                                                         "content_type": "multipart/form-data"})]
            for method, target, kwargs in attempts:
                if method == "GET" and "GET" not in rule.methods:
                    continue
                response = http.open(target, method=method, **kwargs)
                text = _message(response)
                if response.status_code != 400 or "characters that cannot be processed" not in text:
                    failures.append((who, method, target, response.status_code))
    assert not failures, failures
    assert _row_counts(app) == before


def test_text_that_is_fine_still_gets_through(client):
    assert client.get("/standar-pelayanan?layanan=A&x=Ésta ✓ 😀&y=%ED%A0%80").status_code == 200
    response = client.post("/login", data={"username": "Ésta ✓ 😀", "password": "kata sandi ✓"})
    assert response.status_code == 401 and "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    response = client.post("/api/v1/tickets", json={"service": "A", "priority_reason": None})
    assert response.status_code == 201


def test_sockets_refuse_rooms_with_lone_surrogates_or_nul(app):
    from loket.extensions import socketio

    sio = socketio.test_client(app)
    rooms = ["service:\ud800", "ticket:\udfff", "display:1\x00", "counter:\ud800", "office:1"]
    assert sio.emit("subscribe", {"rooms": rooms}, callback=True) == {"ok": True, "rooms": ["office:1"]}
