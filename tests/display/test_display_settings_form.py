"""The display settings form (/display/<id>/settings): each bad value is refused beside its field, in the
page's language, with what was typed kept and nothing saved; good settings are saved and shown again.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from loket.display.models import Display
from loket.extensions import db

from display_helpers import counter, service


def control(html: str, field: str) -> str:
    match = re.search(rf'<(?:input|textarea|fieldset)\b[^>]*\sid="{field}"[^>]*>', html)
    assert match, f"no control for {field}"
    return match.group(0)


def error_of(html: str, field: str) -> str:
    """The error shown for `field`, checking that its control points at it (aria-describedby)."""
    described = re.search(r'aria-describedby="([^"]*)"', control(html, field))
    assert described and f"{field}-error" in described.group(1).split()
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert error, f"no error for {field}"
    return unescape(error.group(1))


def checked(html: str, field: str) -> list[int]:
    """The ids ticked in a checkbox field."""
    return [int(value) for value in re.findall(
        rf'<input [^>]*?\bchecked id="{field}-\d+" name="{field}" type="checkbox" value="(\d+)">', html)]


def snapshot(app):
    # Each look in its own app context: requests made inside a held one would share its cached locale.
    with app.app_context():
        display = db.session.get(Display, "1")
        return display.name, list(display.service_ids), list(display.counter_ids), display.running_text


def ids(app, *items):
    """Database ids of ("service", code) and ("counter", number) pairs of the first office."""
    with app.app_context():
        return [(service if kind == "service" else counter)(key).id for kind, key in items]


BAD = [
    ({"name": "n" * 121}, "name", "Nama layar terlalu panjang (maksimal 120 karakter).",
     "The display name is too long (at most 120 characters)."),
    ({"running_text": "x" * 1001}, "running_text", "Teks berjalan terlalu panjang (maksimal 1000 karakter).",
     "The running text is too long (at most 1000 characters)."),
    ({"services": ["ZZ"]}, "services", "Layanan yang dipilih tidak dikenal.", "The selected service is unknown."),
    ({"services": ["999"]}, "services", "Layanan yang dipilih tidak dikenal.", "The selected service is unknown."),
    ({"services": ["+1"]}, "services", "Layanan yang dipilih tidak dikenal.", "The selected service is unknown."),
    ({"counters": ["\u0662"]}, "counters", "Loket yang dipilih tidak dikenal.", "The selected counter is unknown."),
    ({"counters": ["-1"]}, "counters", "Loket yang dipilih tidak dikenal.", "The selected counter is unknown."),
    ({"counters": ["9" * 400]}, "counters", "Loket yang dipilih tidak dikenal.", "The selected counter is unknown."),
]


@pytest.mark.parametrize("data, field, indonesian, english", BAD)
def test_a_bad_value_is_refused_beside_its_field_in_the_pages_language(app, admin_client, published, data, field,
                                                                      indonesian, english):
    before = snapshot(app)
    for lang, message, other in (("id", indonesian, english), ("en", english, indonesian)):
        response = admin_client.post(f"/display/1/settings?lang={lang}", data=data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert error_of(html, field) == message and other not in html
        assert re.findall(r'id="([a-z_]+)-error"', html) == [field]
    assert snapshot(app) == before
    assert [e for e in published if e.name == "display.updated"] == []


def test_what_was_typed_stays_in_the_form(app, admin_client):
    b, two = ids(app, ("service", "B"), ("counter", 2))
    response = admin_client.post("/display/1/settings", data={
        "name": "n" * 121, "services": [str(b)], "counters": [str(two), "dua"], "running_text": "Selamat datang"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_of(html, "name").startswith("Nama layar terlalu panjang")
    assert error_of(html, "counters") == "Loket yang dipilih tidak dikenal."
    assert f'value="{"n" * 121}"' in control(html, "name")
    assert checked(html, "services") == [b] and checked(html, "counters") == [two]
    assert re.search(r'<textarea[^>]*id="running_text"[^>]*>\s*Selamat datang</textarea>', html)


def test_good_settings_are_saved_and_shown_again(app, admin_client, published):
    b, a, three = ids(app, ("service", "B"), ("service", "A"), ("counter", 3))
    response = admin_client.post("/display/1/settings", data={
        "name": " Lobi ", "services": [str(b), str(a), str(b)], "counters": [str(three)], "running_text": " Halo "})
    assert response.status_code == 302 and "saved=1" in response.headers["Location"]
    assert snapshot(app) == ("Lobi", [b, a], [three], "Halo")
    assert [e.name for e in published][-1] == "display.updated"
    html = admin_client.get("/display/1/settings?saved=1").get_data(as_text=True)
    assert "Pengaturan disimpan." in html and 'value="Lobi"' in control(html, "name")
    assert checked(html, "services") == sorted([a, b]) and checked(html, "counters") == [three]
    assert "field-error" not in html


def test_the_help_is_in_the_pages_language(admin_client):
    indonesian = admin_client.get("/display/1/settings?lang=id").get_data(as_text=True)
    assert 'id="name-help">Kosong: nama yang sekarang tetap dipakai.<' in indonesian
    assert "Empty: the current name is kept." not in indonesian
    english = admin_client.get("/display/1/settings?lang=en").get_data(as_text=True)
    assert 'id="name-help">Empty: the current name is kept.<' in english
    assert 'id="running_text-help">Runs along the bottom of the screen, at most 1000 characters.<' in english
    assert "Kosong: nama" not in english and "Tanpa centang" not in english


def test_the_domain_names_the_setting_it_refuses(ctx):
    from loket.display.settings import DisplayInputError, get_display, update_display

    display = get_display("1")
    with pytest.raises(DisplayInputError) as info:  # ids come from the form as ints, never as text
        update_display(display, name="", service_ids=[str(service("A").id)], counter_ids=[], running_text="")
    assert info.value.field == "services" and info.value.status == 400
    with pytest.raises(DisplayInputError) as info:
        update_display(display, name="", service_ids=[], counter_ids=[12345], running_text="")
    assert info.value.field == "counters"
    with pytest.raises(DisplayInputError) as info:
        update_display(display, name="", service_ids=[], counter_ids=[], running_text="x" * 1001)
    assert info.value.field == "running_text" and info.value.params == {"max": 1000}
