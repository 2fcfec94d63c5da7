"""The printed reports' letterhead and signature block on the office settings page: saved and audited,
read back by `settings.letterhead()`, a bad NIP or header refused beside its field, supervisors read only."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.extensions import db
from loket.offices import settings
from loket.offices.scope import default_office
from loket.queue import hours
from support import login

HEADER = "PEMERINTAH KABUPATEN KLUNGKUNG\nSEKRETARIAT DAERAH"
LETTERHEAD = {"report_header": HEADER, "head_title": "Kepala Bagian Pengadaan Barang/Jasa",
              "head_name": "I Made Contoh, S.T.", "head_nip": "19700101 199503 1 001"}


@pytest.fixture
def office_form(app):
    """A complete settings form as the page posts it, with the office's current (default) values."""
    with app.app_context():
        office = default_office()
        name, short_name = office.name, office.short_name

    def make(**changes) -> dict:
        data = {"name": name, "short_name": short_name, "public_base_url": "http://loket.test",
                "complaint_response_days": "5", "contact_retention_days": "90",
                **{f"hours_{day}": "00:00-24:00" for day in hours.DAYS}, **LETTERHEAD}
        data.update(changes)
        return data

    return make


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', _text(response))
    return match[1] if match else ""


def _field_value(response, name: str) -> str | None:
    page = response.get_data(as_text=True)
    match = (re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
             or re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*([^<]*)</textarea>', page))
    return html.unescape(match[1]) if match else None


def _audit(app) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "office.settings")
                                       .order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def _letterhead(app) -> dict:
    with app.app_context():
        return settings.letterhead(default_office().id)


def test_an_office_without_a_letterhead_gets_empty_texts_never_none(app):
    with app.app_context():
        office = default_office()
        for key in settings.LETTERHEAD:
            assert settings.get(office.id, key) == ""
        assert settings.letterhead(None) == {
            "header_lines": [], "name": office.name, "address": office.address, "phone": office.phone,
            "head_title": "", "head_name": "", "head_nip": ""}
        assert office.name and office.address  # from the bundled standard


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_letterhead_is_saved_audited_and_read_back(app, admin_client, office_form):
    response = admin_client.post("/admin/kantor", data=office_form(report_header=" PEMERINTAH KABUPATEN KLUNGKUNG\r\n"
                                                                                 "\r\nSEKRETARIAT DAERAH "))
    assert response.status_code == 303, _text(response)[:2000]

    letterhead = _letterhead(app)
    assert letterhead["header_lines"] == ["PEMERINTAH KABUPATEN KLUNGKUNG", "SEKRETARIAT DAERAH"]
    assert (letterhead["head_title"], letterhead["head_name"]) == ("Kepala Bagian Pengadaan Barang/Jasa",
                                                                   "I Made Contoh, S.T.")
    assert letterhead["head_nip"] == "19700101 199503 1 001"  # as typed, spaces kept
    with app.app_context():
        assert settings.stored(default_office().id)["report_header"] == HEADER

    page = admin_client.get("/admin/kantor")
    assert 'id="letterhead"' in _text(page) and "Kop dan tanda tangan laporan" in _text(page)
    assert _field_value(page, "report_header") == HEADER
    assert _field_value(page, "head_nip") == "19700101 199503 1 001"

    entry, = _audit(app)
    assert entry.before == {"kop_laporan": "", "jabatan_penanda_tangan": "", "nama_penanda_tangan": "",
                            "nip_penanda_tangan": ""}
    assert entry.after == {"kop_laporan": "PEMERINTAH KABUPATEN KLUNGKUNG / SEKRETARIAT DAERAH",
                           "jabatan_penanda_tangan": "Kepala Bagian Pengadaan Barang/Jasa",
                           "nama_penanda_tangan": "I Made Contoh, S.T.", "nip_penanda_tangan": "19700101 199503 1 001"}
    log = _text(admin_client.get("/admin/audit"))
    assert "NIP penanda tangan: 19700101 199503 1 001" in log
    assert "Kop laporan: PEMERINTAH KABUPATEN KLUNGKUNG / SEKRETARIAT DAERAH" in log
    assert "Jabatan penanda tangan: Kepala Bagian Pengadaan Barang/Jasa" in log

    # Emptied again: back to "" (nothing stored), and that change is audited too.
    cleared = admin_client.post("/admin/kantor", data=office_form(report_header="", head_title="", head_name="",
                                                                  head_nip=""))
    assert cleared.status_code == 303
    assert _letterhead(app)["header_lines"] == [] and _letterhead(app)["head_nip"] == ""
    with app.app_context():
        assert not set(settings.LETTERHEAD) & set(settings.stored(default_office().id))
    assert len(_audit(app)) == 2


def test_a_nip_without_spaces_is_kept_as_typed(app):
    with app.app_context():
        settings.update(default_office(), {"head_nip": "197001011995031001"}, actor=None)
        assert settings.letterhead(None)["head_nip"] == "197001011995031001"


@pytest.mark.parametrize("nip", ["19700101 199503 1 00", "1970010119950310011", "19700101-199503-1-001",
                                 "NIP 197001011995031001", "１９７００１０１１９９５０３１００１"])
def test_a_bad_nip_is_refused_beside_the_field_and_nothing_is_saved(app, admin_client, office_form, nip):
    response = admin_client.post("/admin/kantor", data=office_form(head_nip=nip))
    assert response.status_code == 400
    assert _error(response, "head_nip") == "NIP terdiri dari 18 angka."
    assert _field_value(response, "head_nip") == nip  # what was typed stays
    assert _field_value(response, "head_name") == "I Made Contoh, S.T."
    with app.app_context():
        assert settings.stored(default_office().id) == {}
    assert _audit(app) == []


@pytest.mark.parametrize("header, message", [
    ("BARIS SATU\nBARIS DUA\nBARIS TIGA\nBARIS EMPAT", "Paling banyak 3 baris."),
    ("PEMERINTAH KABUPATEN KLUNGKUNG\n" + "X" * 101, "Baris 2 lebih dari 100 karakter."),
])
def test_a_header_too_long_is_refused_beside_the_field(app, admin_client, office_form, header, message):
    response = admin_client.post("/admin/kantor", data=office_form(report_header=header))
    assert response.status_code == 400
    assert _error(response, "report_header") == message
    assert 'aria-describedby="report_header-help report_header-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert settings.stored(default_office().id) == {}
    assert _audit(app) == []


def test_the_domain_refuses_what_the_form_refuses(app):
    with app.app_context():
        office = default_office()
        with pytest.raises(settings.SettingsInputError) as info:
            settings.update(office, {"head_name": "Pak Kepala", "head_nip": "12345"}, actor=None)
        assert info.value.field == "head_nip"
        with pytest.raises(settings.SettingsInputError) as info:
            settings.update(office, {"head_title": "K" * 151}, actor=None)
        assert info.value.field == "head_title"
        db.session.rollback()
        assert settings.get(office.id, "head_name") == "" and settings.stored(office.id) == {}


def test_the_nip_message_is_translated_to_english(admin_client, office_form):
    response = admin_client.post("/admin/kantor?lang=en", data=office_form(head_nip="123"))
    assert response.status_code == 400
    assert _error(response, "head_nip") == "A NIP has 18 digits."
    assert "Report letterhead and signature" in _text(response)


def test_supervisors_read_the_letterhead_but_do_not_change_it(app, make_user, office_form):
    with app.app_context():
        settings.update(default_office(), {"head_name": "I Made Contoh, S.T.", "report_header": HEADER}, actor=None)
    make_user("kasubag", role="supervisor", counters=())
    supervisor = login(app.test_client(), "kasubag")
    page = supervisor.get("/admin/kantor")
    assert page.status_code == 200
    assert _field_value(page, "head_name") == "I Made Contoh, S.T."
    assert _field_value(page, "report_header") == HEADER
    assert re.search(r'<input(?=[^>]*\bdisabled\b)[^>]*name="head_nip"', page.get_data(as_text=True))
    assert re.search(r'<textarea(?=[^>]*\bdisabled\b)[^>]*name="report_header"', page.get_data(as_text=True))
    refused = supervisor.post("/admin/kantor", data=office_form(head_name="Orang Lain"))
    assert refused.status_code == 403
    assert _letterhead(app)["head_name"] == "I Made Contoh, S.T."
    assert len(_audit(app)) == 1  # only the change made above
