"""Form errors tied to their fields (issue 14, item 6): every invalid control of a WTForms form has aria-invalid
and aria-describedby naming its error text, and an error summary links to it (or the first one has autofocus).
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from loket.extensions import db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTROLS = {"input", "select", "textarea"}


class Elements(HTMLParser):
    """Every element with its attributes and its text, in document order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.all, self.open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.open)}
        self.all.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i]["tag"] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def problems_of(html: str, wanted: set[str]) -> list[str]:
    """What keeps the errors of this page from being tied to their fields; `wanted`: names of the
    fields expected to be in error."""
    elements = Elements(html).all
    by_id = {e["attrs"]["id"]: e for e in elements if e["attrs"].get("id")}
    found, invalid = [], []
    for e in elements:
        if e["tag"] in CONTROLS and e["attrs"].get("aria-invalid") == "true":
            invalid.append(e)
            ids = (e["attrs"].get("aria-describedby") or "").split()
            errors = [by_id[i] for i in ids if i in by_id and "field-error" in by_id[i]["attrs"].get("class", "")]
            if not errors or not all(err["text"].strip() for err in errors):
                found.append(f"{e['attrs'].get('name')}: aria-describedby {ids} names no error text")
    names = {e["attrs"].get("name") for e in invalid}
    found += [f"{name}: no control with aria-invalid" for name in sorted(wanted - names)]
    # every error text shown belongs to an invalid control
    described = {i for e in invalid for i in (e["attrs"].get("aria-describedby") or "").split()}
    found += [f"error text #{e['attrs'].get('id')} ({e['text'].strip()[:40]}) is tied to no control"
              for e in elements if "field-error" in e["attrs"].get("class", "").split()
              and e["attrs"].get("id") not in described]
    # the way to the first problem: a summary linking to each invalid field, or autofocus on the first one
    summary_links = _summary_links(elements)
    if invalid and "autofocus" not in invalid[0]["attrs"]:
        unlinked = {control["attrs"].get("name") for control in invalid
                    if not any(link[1:] in {control["attrs"].get("id")} | _group_ids(control)
                               for link in summary_links)}
        found += [f"{name}: no error summary link leads to it" for name in sorted(unlinked)]
    return found


def _summary_links(elements) -> list[str]:
    """The fragment links inside the error summary (#form-problems)."""
    return [e["attrs"]["href"] for e in elements if e["tag"] == "a" and e["attrs"].get("href", "").startswith("#")
            and any(p["attrs"].get("id") == "form-problems" for p in e["parents"])]


def _group_ids(control) -> set[str]:
    """The id of the fieldset a checkbox or radio sits in (a summary may lead to the group)."""
    if control["attrs"].get("type") not in ("checkbox", "radio"):
        return set()
    groups = [p["attrs"]["id"] for p in control["parents"] if p["tag"] == "fieldset" and p["attrs"].get("id")]
    return set(groups[-1:])


def assert_tied(response, wanted: set[str]) -> None:
    assert response.status_code in (200, 400, 401, 422), response.status_code
    found = problems_of(response.get_data(as_text=True), wanted)
    assert not found, "\n".join(found)


@pytest.fixture
def ids(app, make_user):
    """Ids the admin forms act on: the first complaint, counter, officer and service."""
    from loket.auth.models import User
    from loket.feedback import complaints
    from loket.queue.models import Counter, Service

    make_user("budi", counters=(1,))
    with app.app_context():
        complaint = complaints.submit(category="pengaduan", message="Antrean terlalu lama di loket 2.")
        found = {"complaint": complaint.id,
                 "counter": db.session.scalar(select(Counter.id).order_by(Counter.id)),
                 "officer": db.session.scalar(select(User.id).where(User.username == "budi")),
                 "service": db.session.scalar(select(Service.id).order_by(Service.id))}
        db.session.remove()
    return found


ADMIN_FORMS = [
    ("counter-new", "/admin/loket/baru", {"number": "abc", "name": "x" * 200}, {"number", "name", "services"}),
    ("counter-edit", "/admin/loket/{counter}", {"name": "x" * 200}, {"name", "services"}),
    ("officer-new", "/admin/petugas/baru", {"username": "", "role": "raja"}, {"username", "role"}),
    ("officer-edit", "/admin/petugas/{officer}", {"role": "raja", "display_name": "x" * 200}, {"role", "display_name"}),
    ("kiosk-new", "/admin/perangkat/kios/baru", {"device_id": "", "name": "x" * 200}, {"device_id", "name", "offices"}),
    ("display-new", "/admin/perangkat/layar/baru", {"device_id": "Ada Spasi"}, {"device_id", "offices"}),
    ("office-settings", "/admin/kantor", {"name": "", "hours_mon": "jam kerja", "complaint_response_days": "0"},
     {"name", "hours_mon", "complaint_response_days"}),
    ("office-exception", "/admin/kantor", {"aksi": "pengecualian", "exc-day": "", "exc-spans": "pagi"},
     {"exc-day", "exc-spans"}),
    ("holiday", "/admin/kantor/libur", {"day": "", "name": ""}, {"day", "name"}),
    ("checklist", "/admin/layanan/{service}/checklist", {"items": "x" * 2000}, {"items"}),
    ("catalogue-upload", "/admin/layanan/standar", {}, {"file"}),
    ("complaint-status", "/admin/pengaduan/{complaint}", {"status": "answered", "response": "x" * 20_000},
     {"response"}),
    ("complaint-assign", "/admin/pengaduan/{complaint}/tugaskan", {"assignee": "99999"}, {"assignee"}),
    ("complaint-note", "/admin/pengaduan/{complaint}/catatan", {"text": "   "}, {"text"}),
    ("complaint-record", "/admin/pengaduan/baru", {"channel": "merpati", "message": " "}, {"channel", "message"}),
    ("skm-follow-up", "/admin/laporan/skm", {"text": "x" * 20_000}, {"text"}),
]


@pytest.mark.parametrize("name, path, data, wanted", ADMIN_FORMS, ids=[case[0] for case in ADMIN_FORMS])
def test_admin_form_errors_are_tied_to_their_fields(admin_client, ids, name, path, data, wanted):
    assert_tied(admin_client.post(path.format(**ids), data=data), wanted)


def test_the_audit_filter_errors_are_tied_to_their_fields(admin_client):
    assert_tied(admin_client.get("/admin/audit?since=2026-11-10&until=2026-11-01"), {"until"})


def test_the_login_errors_are_tied_to_their_fields(client):
    assert_tied(client.post("/login", data={"username": "", "password": ""}), {"username", "password"})


def test_the_password_form_errors_are_tied_to_their_fields(officer):
    response = officer.post("/akun/kata-sandi", data={"current": "", "new": "pendek", "repeat": "lain"})
    assert_tied(response, {"current", "new", "repeat"})


def test_the_public_complaint_form_errors_are_tied_to_their_fields(client):
    response = client.post("/pengaduan/baru", data={"category": "", "message": "   "})
    assert_tied(response, {"category", "message"})


def test_the_public_survey_errors_are_tied_to_their_fields(client):
    response = client.post("/survei", data={"u1": "9"})
    html = response.get_data(as_text=True)
    elements = Elements(html).all
    radios = {e["attrs"]["name"] for e in elements if e["tag"] == "input" and e["attrs"].get("type") == "radio"}
    assert {"u1", "u9"} <= radios
    assert_tied(response, radios | {"service"})


@pytest.mark.parametrize("path, data, wanted", [
    ("/kiosk/1/printer", {"kind": "network", "host": ""}, {"host"}),
    ("/display/1/settings", {"name": "x" * 500}, {"name"}),
], ids=["kiosk-printer", "display-settings"])
def test_the_device_settings_errors_are_tied_to_their_fields(admin_client, path, data, wanted):
    assert_tied(admin_client.post(path, data=data), wanted)
