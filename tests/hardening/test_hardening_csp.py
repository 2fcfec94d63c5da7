"""Content-Security-Policy: every answer carries it, and no template or page needs anything it forbids
(inline <script>, on*= handlers, htmx's hx-on (eval), javascript: URLs, inline styles)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from loket.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "loket" / "templates"
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self'",
    "font-src": "'self'",
}


def _policy(response) -> dict:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/standar-pelayanan", "/kiosk/1", "/display/1", "/login", "/api/v1/services",
                                  "/static/css/loket.css", "/tidak-ada", "/api/v1/tickets/x"])
def test_every_answer_carries_the_policy(client, path):
    response = client.get(path)
    assert _policy(response) == REQUIRED, (path, response.headers.get("Content-Security-Policy"))
    assert response.headers["X-Frame-Options"] == "DENY"


def test_fragments_and_errors_carry_it_too(officer):
    response = officer.post("/counter/1/call", headers={"HX-Request": "true"})
    assert _policy(response) == REQUIRED


TEMPLATE_FINDINGS = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on*= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "hx-on": re.compile(r"\b(?:data-)?hx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "style= attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "js: in hx-vals (eval)": re.compile(r"hx-vals\s*=\s*['\"]\s*(?:js|javascript):", re.I),
}


def test_no_template_needs_what_the_policy_forbids():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    sources = {path: re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S) for path in templates}  # no comments
    found = [f"{path.relative_to(TEMPLATES)}: {what}" for path, source in sources.items()
             for what, pattern in TEMPLATE_FINDINGS.items() if pattern.search(source)]
    assert not found, found


class _Inline(HTMLParser):
    """Collects what a rendered page has that the policy would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            self._script = "src" not in names
        if tag == "style":
            self.found.append("<style>")
        for name, value in names.items():
            if name.startswith("on") or name.startswith("hx-on") or name.startswith("data-hx-on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f"<{tag} style>")
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append("inline <script>")


def _fill(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), values[name], url)
    return url


def _case_and_ticket() -> tuple[int, int]:
    """A case (berkas) and a helpdesk ticket called to counter 2: the case pages render with every form."""
    from loket.cases import core as cases
    from loket.queue import core
    from loket.queue.models import Counter, Service
    from loket.timeutil import local_day

    letter = db.session.scalar(db.select(Service).where(Service.code == "D"))
    case = cases.register_letter(letter, None, "in_person", "Dinas PUPR", "Sari", local_day())
    core.issue_ticket("B")
    return case.id, core.call_next(db.session.scalar(db.select(Counter).where(Counter.number == 2))).id


def test_no_rendered_page_needs_what_the_policy_forbids(app, client, admin_client):
    from loket.counter import rating
    from loket.feedback import complaints
    from loket.queue import core
    from loket.queue.models import Counter

    with app.app_context():
        token = core.issue_ticket("A").token
        core.issue_ticket("A")
        counter = db.session.get(Counter, 1)
        served = core.close_case(core.start_service(core.call_next(counter)))
        rating.request_rating(served, counter)  # the rating screen shows its buttons
        core.call_next(counter)  # the desk shows a called ticket with all its buttons
        complaint = complaints.submit(category="pengaduan", message="Petugas loket tidak ada di tempat.")
        case_id, ticket_id = _case_and_ticket()
        valid = {"counter_id": "1", "complaint_id": str(complaint.id), "display_id": "1", "kiosk_id": "1", "office_code": "utama",
                 "job_id": "1", "token": token, "code": complaint.code, "slug": "x", "filename": "x",
                 "service_id": "1", "user_id": "1", "kind": "csv",
                 "case_id": str(case_id), "ticket_id": str(ticket_id), "position": "1"}
        db.session.remove()
    pages, found = 0, []
    for who, http in (("visitor", client), ("admin", admin_client)):
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            for headers in ({}, {"HX-Request": "true"}):
                response = http.get(_fill(rule, valid), headers=headers)
                if not response.mimetype == "text/html":
                    continue
                pages += 1
                parser = _Inline()
                parser.feed(response.get_data(as_text=True))
                found += [f"{who} {rule.rule} {headers}: {what}" for what in parser.found]
    assert pages > 40  # the walk really rendered pages and fragments
    assert not found, found
