"""Fuzz walk of the whole URL map: as a visitor and as an admin, junk in every path converter, junk
query strings and junk form/JSON bodies never give a 500 (every answer is a 2xx/3xx/4xx)."""
from __future__ import annotations

import re

import pytest

from loket.extensions import db

JUNK_PATH = ["99999999999999999999999", "0", "-1", "x" * 300, "%00", "²", "..%2f..%2fetc", "%C3%A9<b>"]
JUNK_QUERY = ("?lang=en&status=x&periode=xx&kode=abc&key=zz&kiosk=zz&pick=1&jenis=x&layanan=zz&saved=1"
              "&endpoint=x&_method=x&_external=1&code=1&page=99999999999999999999&cetak=%C2%B2")
JUNK_VALUES = ["", "x" * 5000, "\x00", "99999999999999999999999", "-1", "1.5", "²", "<script>", "nan"]
FORM_KEYS = ["service", "services", "priority_reason", "ticket", "note", "paused", "checklist", "request", "score",
             "username", "password", "current", "new", "repeat", "category", "message", "name", "contact",
             "channel", "received_on", "status", "response", "counters", "running_text", "kind", "paper", "qr",
             "host", "port", "timeout", "baudrate", "idVendor", "idProduct", "printer_name", "nonce", "suggestion",
             "u1", "u5", "u9", "gender", "age_band", "education", "occupation", "kiosk", "service_codes",
             "counter_numbers", "display_id", "kiosk_id", "office", "kantor", "endpoint", "_method"]
LAST = {"auth.logout", "auth.login"}  # would end the admin's session: walked at the end


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}  # a crash must show up as a 500 answer


def _fill(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), values[name], url)
    return url


def _case_and_ticket() -> tuple[int, int]:
    """A case (berkas) registered from a letter, and a helpdesk ticket called to counter 2 (a case may be
    opened from it): the case pages and the counter's "Buka berkas" form get walked with real ids."""
    from loket.cases import core as cases
    from loket.queue import core
    from loket.queue.models import Counter, Service
    from loket.timeutil import local_day

    letter = db.session.scalar(db.select(Service).where(Service.code == "D"))
    case = cases.register_letter(letter, None, "in_person", "Dinas PUPR", "Sari", local_day())
    core.issue_ticket("B")
    return case.id, core.call_next(db.session.scalar(db.select(Counter).where(Counter.number == 2))).id


def test_no_request_gives_a_500(app, admin_client):
    from loket.feedback import complaints
    from loket.queue import core

    # Requests must not share this app context (Flask-Login caches the user in `g`).
    with app.app_context():
        token = core.issue_ticket("A").token
        complaint = complaints.submit(category="pengaduan", message="Petugas loket tidak ada di tempat.")
        case_id, ticket_id = _case_and_ticket()
        valid = {"counter_id": "1", "complaint_id": str(complaint.id), "display_id": "1", "kiosk_id": "1", "office_code": "utama",
                 "job_id": "1", "token": token, "code": complaint.code, "slug": "x", "filename": "missing.css",
                 "service_id": "1", "user_id": "1", "kind": "csv",
                 "case_id": str(case_id), "ticket_id": str(ticket_id), "position": "1"}
        db.session.remove()
    anonymous = app.test_client()
    failures, count = [], 0

    def hit(client, method, url, **kwargs):
        nonlocal count
        count += 1
        response = client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            failures.append((response.status_code, method, url, sorted(kwargs)))

    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.rule))
    for client in (anonymous, admin_client):
        for rule in rules:
            if rule.endpoint in LAST and client is admin_client:
                assert client.get("/admin/").status_code == 200  # the walk above really ran logged in
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            urls = [_fill(rule, valid)]
            for name in rule.arguments:
                urls += [_fill(rule, {**valid, name: junk}) for junk in JUNK_PATH]
            for url in urls:
                if "GET" in methods:
                    hit(client, "GET", url)
            url = urls[0]
            if "GET" in methods:
                hit(client, "GET", url + JUNK_QUERY)
            if "POST" in methods:
                hit(client, "POST", url, data={})
                for junk in JUNK_VALUES:
                    hit(client, "POST", url, data={key: [junk, junk] for key in FORM_KEYS})
                hit(client, "POST", url + JUNK_QUERY, data={"service": "A"})
                hit(client, "POST", url, json=[1, 2])
                hit(client, "POST", url, json={"service": 5, "kiosk": {"a": 1}, "priority": "yes", "nonce": [1]})
                hit(client, "POST", url, data="{bad", content_type="application/json")
    assert count > 1000  # the walk covered the map
    assert not failures, failures
