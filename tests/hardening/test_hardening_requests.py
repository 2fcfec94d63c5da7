"""Review findings on the web layer: nothing a visitor types into a URL, a query string or a form
gives a 500; every answer forbids framing and MIME sniffing."""
from __future__ import annotations

import re

import pytest

from loket.extensions import db

HUGE = "99999999999999999999999"


@pytest.fixture
def app_config():
    # Errors must surface as 500 responses (as in production), not as exceptions in the test.
    return {"PROPAGATE_EXCEPTIONS": False}


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__.endswith("IntegerConverter")]
        if ints:
            yield rule, ints


def _url(rule, values: dict) -> str:
    url = rule.rule
    for name, conv in rule._converters.items():
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), values.get(name, "1"), url)
    return url


def test_huge_ids_are_404_on_every_int_route(app, admin_client):
    rules = list(_int_rules(app))
    assert len(rules) > 5  # the walk really covers the id routes
    for rule, ints in rules:
        for name in ints:
            url = _url(rule, {name: HUGE})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = admin_client.open(url, method=method)
                assert response.status_code < 500, (method, url, response.status_code)
            assert admin_client.get(url).status_code in (404, 405), url


def test_the_largest_32_bit_id_still_reaches_the_view(admin_client):
    assert admin_client.get(f"/counter/{2**31 - 1}").status_code == 404  # unknown counter, answered by the view
    assert admin_client.get(f"/counter/{2**31}").status_code == 404
    assert admin_client.get("/counter/1").status_code == 200


@pytest.mark.parametrize("query", ["endpoint=x", "_method=x", "_external=1", "_anchor=x", "_scheme=http",
                                   "kiosk_id=2", "lang=en&lang=id"])
@pytest.mark.parametrize("path", ["/standar-pelayanan", "/kiosk/1", "/login"])
def test_query_strings_never_break_a_page(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, (path, query, response.status_code)


def test_language_switch_keeps_the_page_and_its_query(client):
    html = client.get("/standar-pelayanan?layanan=A&x=%0aalert(1)//&_scheme=javascript&_external=1")
    links = re.findall(r'href="([^"]*lang=en[^"]*)"', html.get_data(as_text=True))
    assert links, "no language switch on the page"
    link = links[0].replace("&amp;", "&")
    assert link.startswith("/standar-pelayanan?")  # same page, never javascript:/external
    assert "layanan=A" in link and "x=%0Aalert%281%29%2F%2F" in link and link.endswith("lang=en")
    assert client.get(link).status_code == 200


def test_complaint_tracking_redirect_ignores_unknown_args(app, client):
    with app.app_context():
        from loket.feedback import complaints

        code = complaints.submit(category="pengaduan", message="Antrean terlalu lama di loket dua.").code
        db.session.remove()
    response = client.get(f"/pengaduan/{code.lower()}?code=1&_external=1&cetak=1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pengaduan/{code}?cetak=1"
    assert client.get(response.headers["Location"]).status_code == 200


def test_superscript_digits_are_refused_with_400(app, admin_client, make_ticket):
    make_ticket("A")
    assert admin_client.post("/counter/1/recall", data={"ticket": "²"}).status_code == 400
    assert admin_client.post("/counter/1/call").status_code == 303
    for checklist in ("²", "9" * 5000):
        response = admin_client.post("/counter/1/close", data={"checklist": checklist})
        assert response.status_code == 400, checklist
        assert "Daftar persyaratan tidak valid." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/standar-pelayanan", "/login", "/tidak-ada", "/api/v1/services"])
def test_every_answer_forbids_framing_and_sniffing(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
