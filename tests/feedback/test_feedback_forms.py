"""The complaint, record and SKM survey forms (WTForms): every refusal is a 400 that keeps what was typed
and names the problem beside its field (aria-describedby → the error's id); good input is stored.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback.models import Complaint, SurveyResponse
from loket.queue import core
from loket.queue.models import Counter

VOID = {"input", "br", "meta", "link", "img", "hr", "source", "wbr"}
CONTROLS = ("input", "select", "textarea")


class Page(HTMLParser):
    """A page's elements: tag, attributes and the text inside each."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements, self._open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"_tag": tag, "_text": "", **{key: value or "" for key, value in attrs}}
        if tag == "option":
            element["_select"] = next((e for e in reversed(self._open) if e["_tag"] == "select"), None)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"_tag": tag, "_text": "", **{key: value or "" for key, value in attrs}})

    def handle_endtag(self, tag):
        while self._open and self._open.pop()["_tag"] != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element["_text"] += data

    def by_id(self, element_id: str) -> dict:
        [element] = [e for e in self.elements if e.get("id") == element_id]
        return element

    def controls(self, name: str) -> list[dict]:
        return [e for e in self.elements if e.get("name") == name and e["_tag"] in CONTROLS
                and e.get("type") != "hidden"]

    def value(self, name: str) -> str:
        """What a text field, textarea or select shows."""
        [control] = self.controls(name)
        if control["_tag"] == "textarea":
            return control["_text"].removeprefix("\r\n").removeprefix("\n")
        if control["_tag"] == "select":
            chosen = [e["value"] for e in self.elements
                      if e["_tag"] == "option" and e["_select"] is control and "selected" in e]
            return chosen[0] if chosen else ""
        return control.get("value", "")

    def checked(self, name: str) -> list[str]:
        return [e["value"] for e in self.controls(name) if "checked" in e]


def text(s: str) -> str:
    return " ".join(s.split())


def error_of(page: Page, name: str) -> str:
    """The error every control of a field points at (aria-describedby), marked invalid."""
    controls = page.controls(name)
    assert controls, f"no field {name!r}"
    described = {c.get("aria-describedby", "") for c in controls}
    assert len(described) == 1, described
    errors = [i for i in described.pop().split() if i.endswith("-error")]
    assert len(errors) == 1, f"{name!r} points at no error"
    assert all(c.get("aria-invalid") == "true" for c in controls)
    return text(page.by_id(errors[0])["_text"])


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def nonce_of(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


# --- the public complaint form ----------------------------------------------------------------

GOOD = {"category": "pengaduan", "message": "Antrean loket A terlalu lama.", "service": "A",
        "name": "Ni Made Sari", "contact": "0812-3456-7890"}


@pytest.mark.parametrize("field, typed, message", [
    ("message", "   ", "Tuliskan isi pengaduan, saran atau masukan Anda."),
    ("message", "x" * 2001, "Isi terlalu panjang (maksimal 2000 karakter)."),
    ("category", "spam", "Pilih jenis: pengaduan, saran atau masukan."),
    ("service", "Z", "Layanan tidak dikenal."),
    ("name", "n" * 121, "Nama terlalu panjang (maksimal 120 karakter)."),
    ("contact", "c" * 121, "Kontak terlalu panjang (maksimal 120 karakter)."),
])
def test_a_bad_complaint_is_refused_beside_its_field_and_keeps_what_was_typed(ctx, client, field, typed, message):
    response = client.post("/pengaduan/baru", data={**GOOD, field: typed})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = Page(html)
    assert error_of(page, field) == message
    # the summary above the form names the field and links to it, instead of a bare "check your input"
    summary = page.by_id("form-problems")
    assert message in text(summary["_text"]) and "Periksa kembali isian Anda." not in html
    assert any(e["_tag"] == "a" and e.get("href") == f"#{field}" for e in page.elements)
    for other in ("message", "name", "contact", "service"):
        if other != field:
            assert page.value(other) == GOOD[other]
    if field in ("message", "name", "contact"):
        assert page.value(field) == typed.strip()
    assert count(Complaint) == 0


def test_a_message_over_the_limit_is_refused_never_cut(ctx, client):
    form = Page(client.get("/pengaduan/baru").get_data(as_text=True))
    [textarea] = form.controls("message")
    assert "maxlength" not in textarea  # a browser would cut a pasted text without a word
    assert text(form.by_id("message-help")["_text"]) == "Paling banyak 2000 karakter."
    assert "message-help" in textarea["aria-describedby"]
    long = ("Antrean lama. " * 143).strip()  # 2001 characters
    refused = Page(client.post("/pengaduan/baru", data={**GOOD, "message": long}).get_data(as_text=True))
    assert "maksimal 2000 karakter" in error_of(refused, "message")
    assert refused.value("message") == long  # all of it, to shorten
    assert count(Complaint) == 0
    exact = "y" * 2000
    assert client.post("/pengaduan/baru", data={**GOOD, "message": exact}).status_code == 303
    assert db.session.scalars(select(Complaint)).one().message == exact


def test_a_good_complaint_is_stored_as_typed(ctx, client):
    nonce = nonce_of(client.get("/pengaduan/baru?jenis=saran").get_data(as_text=True))
    response = client.post("/pengaduan/baru", data={**GOOD, "category": "saran", "message": "  Kursi kurang.  ",
                                                     "nonce": nonce})
    assert response.status_code == 303
    stored = db.session.scalars(select(Complaint)).one()
    assert (stored.category, stored.message, stored.service.code, stored.name, stored.contact, stored.channel) == (
        "saran", "Kursi kurang.", "A", "Ni Made Sari", "0812-3456-7890", "web")


def test_the_category_in_the_link_is_chosen_and_its_group_is_labelled(ctx, client):
    page = Page(client.get("/pengaduan/baru?jenis=masukan").get_data(as_text=True))
    assert page.checked("category") == ["masukan"]
    assert text(page.by_id("category")["_text"]).startswith("Jenis")  # the fieldset's legend
    assert Page(client.get("/pengaduan/baru?jenis=spam").get_data(as_text=True)).checked("category") == ["pengaduan"]


def test_a_refused_kiosk_complaint_keeps_its_kiosk_and_form_key(ctx, client):
    nonce = nonce_of(client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True))
    refused = client.post("/pengaduan/baru", data={**GOOD, "message": " ", "kiosk": "1", "nonce": nonce})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'name="kiosk" value="1"' in html and nonce_of(html) == nonce
    first = client.post("/pengaduan/baru", data={**GOOD, "kiosk": "1", "nonce": nonce})
    again = client.post("/pengaduan/baru", data={**GOOD, "kiosk": "1", "nonce": nonce})
    assert first.status_code == again.status_code == 303 and "ulang=1" in again.headers["Location"]
    stored = db.session.scalars(select(Complaint)).one()
    assert (stored.channel, stored.kiosk_id) == ("kiosk", "1")


def test_a_complaint_without_an_office_asks_for_it_beside_the_choice(app, second_office, client):
    response = client.post("/pengaduan/baru", data={"category": "saran", "message": "AC mati."})
    assert response.status_code == 400
    page = Page(response.get_data(as_text=True))
    assert error_of(page, "office") == "Pilih kantor yang dituju."
    assert [e["value"] for e in page.elements if e["_tag"] == "option"] == ["", "utama", "dukcapil"]
    assert page.value("message") == "AC mati." and page.checked("category") == ["saran"]
    with app.app_context():
        assert count(Complaint) == 0


def test_a_json_body_is_a_readable_400(ctx, client):
    response = client.post("/pengaduan/baru", json={"message": ["x"], "category": {"a": 1}})
    assert response.status_code == 400
    assert "Tuliskan isi pengaduan" in response.get_data(as_text=True)
    assert count(Complaint) == 0


def test_the_complaint_form_in_english(ctx, client):
    page = Page(client.get("/pengaduan/baru?lang=en").get_data(as_text=True))
    assert text(page.by_id("message-help")["_text"]) == "At most 2000 characters."
    assert any(e["_tag"] == "label" and e.get("for") == "message"
               and text(e["_text"]) == "Your complaint, suggestion or input" for e in page.elements)
    response = client.post("/pengaduan/baru?lang=en", data={**GOOD, "message": "   "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_of(Page(html), "message") == "Write your complaint, suggestion or input."
    assert "Please correct these fields:" in html and "Tuliskan" not in html


# --- the SKM survey ---------------------------------------------------------------------------

def answers(values=(4, 3, 4, 3, 4, 4, 4, 3, 2), **extra):
    return {**{f"u{i}": str(v) for i, v in enumerate(values, start=1)}, **extra}


def done_ticket(code="A") -> str:
    ticket = core.issue_ticket(code)
    counter = db.session.scalar(select(Counter).where(Counter.services.any(code=code)).order_by(Counter.number))
    core.close_case(core.call_next(counter))
    return ticket.token


def test_a_missing_answer_is_named_in_its_group_and_the_others_are_kept(ctx, client):
    token = done_ticket()
    data = answers(education="S1", suggestion="Ruang tunggu panas")
    del data["u7"]
    response = client.post(f"/t/{token}/survei", data=data)
    assert response.status_code == 400
    page = Page(response.get_data(as_text=True))
    assert error_of(page, "u7") == "Pilih salah satu jawaban."
    assert "has-error" in page.by_id("q-u7")["class"] and "has-error" not in page.by_id("q-u1")["class"]
    assert page.checked("u1") == ["4"] and page.checked("u9") == ["2"] and page.checked("u7") == []
    assert page.value("education") == "S1" and page.value("suggestion") == "Ruang tunggu panas"
    assert count(SurveyResponse) == 0


@pytest.mark.parametrize("field, typed, message", [
    ("u3", "5", "Pilih salah satu jawaban."),
    ("gender", "X", "Pilihan tidak dikenal."),
    ("occupation", "<b>PNS</b>", "Pilihan tidak dikenal."),
    ("suggestion", "s" * 1001, "Saran terlalu panjang (maksimal 1000 karakter)."),
])
def test_a_bad_survey_value_is_refused_beside_its_field(ctx, client, field, typed, message):
    token = done_ticket()
    response = client.post(f"/t/{token}/survei", data=answers(**{"age_band": "30-39", field: typed}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = Page(html)
    assert error_of(page, field) == message
    assert page.checked("u1") == ["4"] and page.value("age_band") == "30-39"
    if field == "suggestion":
        assert page.value("suggestion") == typed and "maxlength" not in page.controls("suggestion")[0]
    if field in ("gender", "occupation"):
        assert re.search(r'<details class="profile" open>', html)  # the wrong answer is not hidden
    assert count(SurveyResponse) == 0


def test_a_survey_without_a_ticket_names_the_missing_or_unknown_service(ctx, client):
    missing = client.post("/survei", data=answers(kiosk="1"))
    assert missing.status_code == 400
    page = Page(missing.get_data(as_text=True))
    assert error_of(page, "service") == "Pilih layanan yang Anda terima."
    assert 'name="kiosk" value="1"' in missing.get_data(as_text=True)
    unknown = Page(client.post("/survei", data=answers(service="Z")).get_data(as_text=True))
    assert error_of(unknown, "service") == "Layanan tidak dikenal."
    assert unknown.checked("u2") == ["3"]
    assert count(SurveyResponse) == 0


def test_a_good_survey_without_a_ticket_is_stored(ctx, client):
    page = Page(client.get("/survei?layanan=b").get_data(as_text=True))
    assert page.value("service") == "B"  # `?layanan=` preselects it
    data = answers((1, 2, 3, 4, 4, 3, 2, 1, 4), service="B", gender="L", age_band="60+", education="SMA",
                   occupation="WIRAUSAHA", suggestion="  Parkir sempit.  ")
    assert client.post("/survei", data=data).status_code == 303
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.answers == (1, 2, 3, 4, 4, 3, 2, 1, 4) and stored.service.code == "B"
    assert (stored.gender, stored.age_band, stored.education, stored.occupation, stored.suggestion) == (
        "L", "60+", "SMA", "WIRAUSAHA", "Parkir sempit.")


def test_a_survey_without_an_office_says_so(app, second_office, client):
    response = client.post("/survei", data=answers(service="A"))
    assert response.status_code == 400
    assert "Pilih kantor yang Anda kunjungi." in response.get_data(as_text=True)
    with app.app_context():
        assert count(SurveyResponse) == 0


def test_the_survey_in_english(ctx, client):
    page = Page(client.get("/survei?lang=en").get_data(as_text=True))
    labels = {e.get("for"): text(e["_text"]) for e in page.elements if e["_tag"] == "label" and e.get("for")}
    assert labels["service"] == "The service you received" and labels["gender"] == "Gender"
    assert labels["suggestion"] == "Suggestion (optional)"
    assert text(page.by_id("suggestion-help")["_text"]) == "At most 1000 characters."
    response = client.post("/survei?lang=en", data={**answers(service="A"), "u1": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and error_of(Page(html), "u1") == "Choose one answer."
    assert "Please complete the survey: every element needs one answer." in html


# --- staff: recording a complaint from another channel ----------------------------------------

RECORD = {"channel": "letter", "category": "saran", "service": "A", "message": "Surat dari penyedia.",
          "name": "CV Maju", "contact": "0361-123456", "received_on": ""}


@pytest.mark.parametrize("field, typed, message", [
    ("channel", "kiosk", "Saluran tidak dikenal."),
    ("received_on", "2999-01-01", "Tanggal diterima tidak boleh di masa depan."),
    ("received_on", "kemarin", "Tanggal diterima tidak valid (contoh: 2026-11-20)."),
    ("message", "  ", "Tuliskan isi pengaduan, saran atau masukan Anda."),
    ("message", "m" * 2001, "Isi terlalu panjang (maksimal 2000 karakter)."),
    ("category", "spam", "Pilih jenis: pengaduan, saran atau masukan."),
    ("service", "Z", "Layanan tidak dikenal."),
])
def test_a_bad_recorded_complaint_is_refused_beside_its_field(ctx, officer, field, typed, message):
    response = officer.post("/admin/pengaduan/baru", data={**RECORD, field: typed})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    page = Page(html)
    assert error_of(page, field) == message
    assert message in text(page.by_id("form-problems")["_text"]) and "Periksa kembali isian Anda." not in html
    for other in ("message", "name", "contact", "channel", "service", "category"):
        if other != field:
            assert page.value(other) == RECORD[other]
    if field in ("message", "received_on"):
        assert page.value(field) == typed.strip()
    assert "maxlength" not in page.controls("message")[0]
    assert count(Complaint) == 0


def test_a_good_recorded_complaint_is_stored(ctx, officer):
    form = Page(officer.get("/admin/pengaduan/baru").get_data(as_text=True))
    assert form.value("channel") == "phone" and form.value("category") == "pengaduan"
    assert form.controls("received_on")[0]["type"] == "date"
    response = officer.post("/admin/pengaduan/baru", data=RECORD)
    assert response.status_code == 303
    stored = db.session.scalars(select(Complaint)).one()
    assert (stored.channel, stored.category, stored.service.code, stored.message, stored.name) == (
        "letter", "saran", "A", "Surat dari penyedia.", "CV Maju")
    assert response.headers["Location"] == f"/admin/pengaduan/{stored.id}"


def test_the_record_form_in_english(ctx, officer):
    response = officer.post("/admin/pengaduan/baru?lang=en", data={**RECORD, "received_on": "2999-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please correct these fields:" in html
    labels = {e.get("for"): text(e["_text"]) for e in Page(html).elements if e["_tag"] == "label" and e.get("for")}
    assert labels["channel"] == "Channel" and labels["message"] == "Message"
    assert "masa depan" not in html
