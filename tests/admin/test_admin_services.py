"""Services from the browser: an admin closes a service for today (the kiosk and the API refuse it) and
opens it again, sets the checklist the desk shows, and uploads a new Standar Pelayanan file whose
preview lists exactly what changes and writes nothing until it is applied. Bad files are a 400 with
the loader's message; other offices are a 403; supervisors read only."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.catalogue import loader
from loket.extensions import db
from loket.queue.models import Service
from support import login

BUNDLED = loader.BUNDLED.read_bytes()
A_NAME = 'name = "Pelayanan Verifikasi Akun Baru Penyedia Barang/Jasa"'
B_REQUIREMENT = '  "Laporan/pernyataan permasalahan aplikasi SPSE",\n'
NEW_REQUIREMENT = "Tangkapan layar pesan galat SPSE"


def _edited() -> bytes:
    """The bundled standard with service A renamed and one requirement added to service B."""
    text = BUNDLED.decode()
    assert text.count(A_NAME) == 1 and text.count(B_REQUIREMENT) == 1
    text = text.replace(A_NAME, 'name = "Verifikasi Akun Penyedia"')
    return text.replace(B_REQUIREMENT, B_REQUIREMENT + f'  "{NEW_REQUIREMENT}",\n').encode()


def _service(app, code, office_id=None) -> Service:
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = office_id or default_office().id
        service = db.session.scalar(select(Service).where(Service.code == code, Service.office_id == office_id))
        db.session.expunge(service)
        return service


def _names(app) -> dict[str, str]:
    with app.app_context():
        return {s.code: s.name for s in db.session.scalars(select(Service))}


def _audit(app, action=None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _row(response, attribute, code) -> str:
    match = re.search(rf'<tr {attribute}="{code}".*?</tr>', _text(response), re.S)
    assert match, _text(response)[:800]
    return match.group(0)


def _upload(client, raw: bytes, filename="standar-pelayanan.toml", query=""):
    return client.post(f"/admin/layanan/standar{query}", data={"file": (io.BytesIO(raw), filename)},
                       content_type="multipart/form-data")


def _digest(response) -> str:
    match = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', response.get_data(as_text=True))
    assert match, _text(response)[:800]
    return match.group(1)


def _stashed(app) -> list[Path]:
    """The uploaded files kept between a preview and its "apply"."""
    folder = Path(app.instance_path) / "uploads" / "standar-pelayanan"
    return sorted(folder.glob("*")) if folder.exists() else []


# --- open or closed today ---------------------------------------------------------------------

def test_a_service_closed_today_is_refused_at_the_kiosk_and_opens_again(app, admin_client, client, published):
    a = _service(app, "A")
    assert 'data-state="buka"' in _row(admin_client.get("/admin/layanan"), "data-service", "A")

    response = admin_client.post(f"/admin/layanan/{a.id}/hari-ini", data={"buka": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/layanan")
    assert 'data-state="tutup"' in _row(admin_client.get("/admin/layanan"), "data-service", "A")
    tile = re.search(r'data-code="A">(.*?)</li>', client.get("/kiosk/1").get_data(as_text=True), re.S).group(1)
    assert "Tutup hari ini" in tile
    listed = {s["code"]: s["open"] for s in client.get("/api/v1/services").get_json()["services"]}
    assert listed["A"] is False and listed["B"] is True
    refused = client.post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 409 and "sedang tutup hari ini" in refused.get_json()["message"]
    [closed] = _audit(app, "service.closed")
    assert (closed.target_kind, closed.before, closed.after) == ("service", {"buka_hari_ini": True},
                                                                 {"buka_hari_ini": False})
    assert "service.closed" in [e.name for e in published]
    # Closing a closed service again changes nothing and logs nothing.
    assert admin_client.post(f"/admin/layanan/{a.id}/hari-ini", data={"buka": "0"}).status_code == 303
    assert len(_audit(app, "service.closed")) == 1

    assert admin_client.post(f"/admin/layanan/{a.id}/hari-ini", data={"buka": "1"}).status_code == 303
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    assert [e.after for e in _audit(app, "service.opened")] == [{"buka_hari_ini": True}]


@pytest.mark.parametrize("data", [{}, {"buka": "2"}, {"buka": "tutup"}])
def test_open_or_close_needs_a_known_choice(app, admin_client, data):
    a = _service(app, "A")
    response = admin_client.post(f"/admin/layanan/{a.id}/hari-ini", data=data)
    assert response.status_code == 400 and "Pilih buka atau tutup." in _text(response)
    assert _service(app, "A").closed_on is None and _audit(app) == []


# --- the desk checklist -------------------------------------------------------------------------

def test_the_checklist_an_admin_sets_is_what_the_desk_shows(app, admin_client, client, make_user):
    from loket.counter import desk

    a = _service(app, "A")
    standard = desk.requirement_lines(a.standard)
    form = admin_client.get(f"/admin/layanan/{a.id}/checklist")
    assert form.status_code == 200 and standard[0] in _text(form)

    response = admin_client.post(f"/admin/layanan/{a.id}/checklist",
                                 data={"items": "  KTP asli direktur \r\n\r\nNPWP perusahaan\n"})
    assert response.status_code == 303
    assert desk.checklist(_service(app, "A")) == ["KTP asli direktur", "NPWP perusahaan"]
    [entry] = _audit(app, "service.checklist")
    assert entry.before == {"daftar_periksa": standard}
    assert entry.after == {"daftar_periksa": ["KTP asli direktur", "NPWP perusahaan"]}
    assert 'data-state="buka"' in _row(admin_client.get("/admin/layanan"), "data-service", "A")
    assert "Daftar kantor sendiri" in _row(admin_client.get("/admin/layanan"), "data-service", "A")

    # The officer at counter 1 (service A) ticks exactly these lines.
    make_user("officer1", role="officer", counters=(1,))
    officer = login(app.test_client(), "officer1")
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    with app.app_context():
        from loket.queue.models import Counter

        counter_id = db.session.scalar(select(Counter.id).where(Counter.number == 1))
    officer.post(f"/counter/{counter_id}/call")
    desk_page = _text(officer.get(f"/counter/{counter_id}"))
    assert "KTP asli direktur" in desk_page and standard[0] not in desk_page

    # Empty, or the standard's own list unchanged, means the standard's requirements again.
    assert admin_client.post(f"/admin/layanan/{a.id}/checklist", data={"items": ""}).status_code == 303
    assert desk.checklist(_service(app, "A")) == standard and "desk_checklist" not in _service(app, "A").standard
    admin_client.post(f"/admin/layanan/{a.id}/checklist", data={"items": "Satu"})
    admin_client.post(f"/admin/layanan/{a.id}/checklist", data={"items": "\n".join(standard)})
    assert "desk_checklist" not in _service(app, "A").standard
    assert len(_audit(app, "service.checklist")) == 4


@pytest.mark.parametrize("items, message", [
    ("\n".join(f"Berkas {n}" for n in range(31)), "Daftar periksa paling banyak 30 baris."),
    ("KTP\n\n" + "x" * 201, f'Baris yang dimulai dengan "{"x" * 40}…" lebih dari 200 karakter.'),
])
def test_a_bad_checklist_is_a_400_that_keeps_what_was_typed(app, admin_client, items, message):
    a = _service(app, "A")
    response = admin_client.post(f"/admin/layanan/{a.id}/checklist", data={"items": items})
    assert response.status_code == 400
    text = _text(response)
    assert message in text and items.splitlines()[-1] in text and 'aria-invalid="true"' in text
    assert "desk_checklist" not in _service(app, "A").standard and _audit(app) == []


# --- uploading a new Standar Pelayanan ------------------------------------------------------------

@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_preview_lists_exactly_what_changes_and_apply_loads_it(app, admin_client, client, published,
                                                                   app_database):
    c = _service(app, "C")
    admin_client.post(f"/admin/layanan/{c.id}/checklist", data={"items": "Surat permohonan"})
    names_before, events_before = _names(app), len(published)

    preview = _upload(admin_client, _edited())
    assert preview.status_code == 200
    kinds = dict(re.findall(r'<tr data-service="([A-Z]+)" data-kind="(\w+)"', preview.get_data(as_text=True)))
    assert kinds == {"A": "changed", "B": "changed", "C": "unchanged", "D": "unchanged", "E": "unchanged",
                     "F": "unchanged"}
    row_a, row_b = _row(preview, "data-service", "A"), _row(preview, "data-service", "B")
    assert re.findall(r'data-field="(\w+)"', row_a) == ["name"]
    assert "Pelayanan Verifikasi Akun Baru Penyedia Barang/Jasa</span> → <span class=\"after\">Verifikasi Akun " \
           "Penyedia" in row_a
    assert re.findall(r'data-field="(\w+)"', row_b) == ["requirements"]
    assert re.findall(r'<li class="(added|removed)">[+−] (.*?)</li>', row_b) == [("added", NEW_REQUIREMENT)]
    assert 'id="office-changes"' not in preview.get_data(as_text=True)
    # Nothing written: names, audit log, events.
    assert _names(app) == names_before and _audit(app, "catalogue.loaded") == []
    assert len(published) == events_before

    response = admin_client.post("/admin/layanan/standar/terapkan",
                                 data={"digest": _digest(preview), "filename": "standar-pelayanan.toml"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/layanan?dimuat=1&baru=0&diubah=2&nonaktif=0")
    assert "1 layanan baru" not in _text(admin_client.get(response.headers["Location"]))
    assert "0 layanan baru, 2 diubah, 0 dinonaktifkan" in _text(admin_client.get(response.headers["Location"]))
    assert _names(app)["A"] == "Verifikasi Akun Penyedia"
    assert NEW_REQUIREMENT in _text(client.get("/standar-pelayanan/helpdesk-lpse"))
    [entry] = _audit(app, "catalogue.loaded")
    assert (entry.after["diubah"], entry.after["baru"], entry.after["nonaktif"]) == (["A", "B"], [], [])
    assert entry.after["berkas"] == "standar-pelayanan.toml" and entry.after["sha256"] == _digest(preview)
    assert "catalogue.loaded" in [e.name for e in published[events_before:]]
    # The office's own desk checklist survives a new file that has none.
    from loket.counter import desk

    assert desk.checklist(_service(app, "C")) == ["Surat permohonan"]
    # The same file again: nothing left to apply.
    again = _upload(admin_client, _edited())
    assert again.status_code == 200 and 'id="nothing-to-apply"' in again.get_data(as_text=True)
    assert 'id="apply"' not in again.get_data(as_text=True)


def test_a_file_without_a_service_deactivates_it_and_a_new_code_adds_one(app, admin_client):
    text = BUNDLED.decode()
    start = text.rindex("# ----", 0, text.index("# 6."))  # service F's block, the last one
    text = text[:start] + text[start:].replace('code = "F"', 'code = "G"', 1)
    preview = _upload(admin_client, text.encode())
    kinds = dict(re.findall(r'<tr data-service="([A-Z]+)" data-kind="(\w+)"', preview.get_data(as_text=True)))
    assert kinds["G"] == "added" and kinds["F"] == "deactivated"
    response = admin_client.post("/admin/layanan/standar/terapkan", data={"digest": _digest(preview)})
    assert "baru=1&diubah=0&nonaktif=1" in response.headers["Location"]
    assert not _service(app, "F").active and _service(app, "G").active
    listing = admin_client.get("/admin/layanan")
    assert 'data-state="nonaktif"' in _row(listing, "data-service", "F")


def test_the_preview_names_the_changed_keys_of_a_table(app, admin_client):
    raw = BUNDLED.replace(b'text = "Tidak dipungut biaya / Gratis"', b'text = "Gratis"', 1)
    row = _row(_upload(admin_client, raw), "data-service", "A")
    assert re.findall(r'data-field="(\w+)"', row) == ["fee"]
    assert '<li data-part="text">Teks: <span class="before">Tidak dipungut biaya / Gratis</span> → ' \
           '<span class="after">Gratis</span>' in row


TOO_BIG = BUNDLED + b"#" * (1024 * 1024 - len(BUNDLED) + 1)


@pytest.mark.parametrize("filename, raw, message", [
    ("standar.toml", b"[office\nname = 'x'", "not valid TOML"),
    ("standar.toml", b"[office]\nname = 'x'\n", "no [[services]]"),
    ("standar.toml", BUNDLED.replace(b"Penanganan pengaduan", "Penanganan pengaduan é".encode("latin-1"), 1),
     "not UTF-8 text (line "),
    ("standar.toml", BUNDLED.replace(b"schema_version = 1", b"schema_version = 2"), "schema_version must be 1"),
    ("standar.toml", BUNDLED.replace(b"number = 2\n", b'number = "dua"\n', 1),
     "number must be a whole number from 1 to 999, got 'dua'"),
    ("standar.toml", BUNDLED.replace(b"amount = 0", b"amount = -5000", 1),
     "fee amount must be a number of rupiah, 0 or more, got -5000"),
    ("standar.toml", BUNDLED.replace(b'slug = "helpdesk-lpse"', b'slug = "verifikasi-akun-penyedia"'),
     "slug 'verifikasi-akun-penyedia' used twice"),
    ("standar.toml", BUNDLED.replace(b"schema_version = 1", b"schema_version = 1\nissued = 2024-01-31"),
     "dates and times are not supported"),
    ("standar.toml", b"[office]\nname = 'x'\n[[services]]\ncode = 'A'\nx = " + b"[" * 5000 + b"]" * 5000,
     "nested more than 32 levels deep"),
    ("standar.toml", BUNDLED + b"\n[extra]\nx = " + b"[" * 40 + b"]" * 40, "nested more than 32 levels deep"),
    ("standar.toml", TOO_BIG, "Berkas paling besar 1 MB."),
    ("standar.txt", BUNDLED, "Hanya berkas .toml yang diterima."),
    ("", b"", "Pilih berkas .toml yang akan diunggah."),
])
def test_a_bad_file_is_a_400_with_the_reason_and_writes_nothing(app, admin_client, published, filename, raw, message):
    names_before = _names(app)
    response = _upload(admin_client, raw, filename)
    assert response.status_code == 400
    text = _text(response)
    assert message in text and 'id="file-error"' in text and 'id="preview"' not in text
    if "not " in message or "must" in message or "used twice" in message:  # the loader's technical words
        assert "Perbaiki berkasnya di tempat yang disebut keterangan teknis ini" in text
    assert _names(app) == names_before and _audit(app) == [] and _stashed(app) == []
    assert not [e for e in published if e.name == "catalogue.loaded"]


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(app, admin_client):
    response = _upload(admin_client, b"#" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "Data yang dikirim terlalu besar." in _text(response)
    assert _stashed(app) == []


def test_apply_reads_the_servers_copy_and_validates_it_again(app, admin_client):
    from loket.catalogue import admin as catalogue_admin

    names_before = _names(app)
    unknown = admin_client.post("/admin/layanan/standar/terapkan", data={"digest": "0" * 64})
    assert unknown.status_code == 400 and "Pratinjau ini sudah kedaluwarsa" in _text(unknown)
    assert admin_client.post("/admin/layanan/standar/terapkan", data={"digest": "../../x"}).status_code == 400
    # A copy that no longer matches its digest is not applied.
    preview = _upload(admin_client, _edited())
    digest = _digest(preview)
    [stashed] = _stashed(app)
    stashed.write_bytes(BUNDLED)
    assert admin_client.post("/admin/layanan/standar/terapkan", data={"digest": digest}).status_code == 400
    # A stashed file that is not a valid standard (however it got there) is refused with the loader's reason.
    bad = catalogue_admin.stash(b"[office]\nname = 'x'\n", stashed.parent)
    refused = admin_client.post("/admin/layanan/standar/terapkan", data={"digest": bad, "filename": "lama.toml"})
    assert refused.status_code == 400 and "lama.toml: no [[services]]" in _text(refused)
    assert _names(app) == names_before and _audit(app) == []


def test_the_cli_reads_a_file_that_is_not_utf8_as_an_error(runner, tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(BUNDLED.replace(b"Penanganan pengaduan", "Penanganan é".encode("latin-1"), 1))
    result = runner.invoke(args=["loket", "catalogue", "load", str(bad)],
                           env={"LOKET_INSTANCE": str(tmp_path / "cli")})
    assert result.exit_code == 2 and "not UTF-8 text" in result.output


def test_two_services_may_swap_their_slugs(ctx):
    import tomllib

    from loket.offices.scope import default_office

    data = tomllib.loads(BUNDLED.decode())
    data["services"][0]["slug"], data["services"][1]["slug"] = data["services"][1]["slug"], data["services"][0]["slug"]
    plan = loader.plan(data, default_office())
    assert [c.fields for c in plan.services[:2]] == [{"slug": ("verifikasi-akun-penyedia", "helpdesk-lpse")},
                                                     {"slug": ("helpdesk-lpse", "verifikasi-akun-penyedia")}]
    assert loader.load(data) == {"created": 0, "updated": 6, "deactivated": 0}
    db.session.expire_all()
    assert db.session.scalar(select(Service.slug).where(Service.code == "A")) == "helpdesk-lpse"


# --- who may do what ------------------------------------------------------------------------------

def test_another_offices_services_are_a_403(app, make_user, second_office):
    make_user("kepala", role="admin", counters=(), office="utama")
    admin = login(app.test_client(), "kepala")
    theirs = second_office["services"]["A"]
    assert admin.get("/admin/layanan?kantor=dukcapil").status_code == 403
    assert admin.post(f"/admin/layanan/{theirs}/hari-ini", data={"buka": "0"}).status_code == 403
    assert admin.get(f"/admin/layanan/{theirs}/checklist").status_code == 403
    assert admin.post(f"/admin/layanan/{theirs}/checklist", data={"items": "Diambil"}).status_code == 403
    assert _upload(admin, BUNDLED, query="?kantor=dukcapil").status_code == 403
    preview = _upload(admin, _edited())
    assert preview.status_code == 200
    assert admin.post("/admin/layanan/standar/terapkan?kantor=dukcapil",
                      data={"digest": _digest(preview)}).status_code == 403
    theirs_now = _service(app, "A", office_id=second_office["id"])
    assert theirs_now.closed_on is None and "desk_checklist" not in theirs_now.standard
    assert theirs_now.name == "Penerbitan Kartu Keluarga" and _audit(app) == []
    # Their own list shows their own office only.
    assert 'data-service="A"' in admin.get("/admin/layanan").get_data(as_text=True)


def test_the_installation_admin_previews_another_office(app, admin_client, second_office):
    listing = admin_client.get("/admin/layanan?kantor=dukcapil")
    assert listing.status_code == 200 and "Penerbitan Kartu Keluarga" in listing.get_data(as_text=True)
    preview = _upload(admin_client, _edited(), query="?kantor=dukcapil")
    kinds = dict(re.findall(r'<tr data-service="([A-Z]+)" data-kind="(\w+)"', preview.get_data(as_text=True)))
    assert kinds == {"A": "changed", "B": "changed", "C": "added", "D": "added", "E": "added", "F": "added"}
    assert 'id="office-changes"' in preview.get_data(as_text=True)
    assert "/admin/layanan/standar/terapkan?kantor=dukcapil" in preview.get_data(as_text=True)


def test_supervisors_read_but_change_nothing(app, make_user):
    make_user("sri", role="supervisor", counters=())
    make_user("officer1", role="officer", counters=(1,))
    supervisor = login(app.test_client(), "sri")
    a = _service(app, "A")
    listing = supervisor.get("/admin/layanan")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert 'data-service="A"' in text and "/hari-ini" not in text and "/admin/layanan/standar" not in text
    form = supervisor.get(f"/admin/layanan/{a.id}/checklist")
    assert form.status_code == 200 and "disabled" in form.get_data(as_text=True)
    assert 'type="submit"' not in form.get_data(as_text=True).split('class="record-form"')[1].split("</form>")[0]
    assert supervisor.post(f"/admin/layanan/{a.id}/checklist", data={"items": "X"}).status_code == 403
    assert supervisor.post(f"/admin/layanan/{a.id}/hari-ini", data={"buka": "0"}).status_code == 403
    assert supervisor.get("/admin/layanan/standar").status_code == 403
    assert _upload(supervisor, BUNDLED).status_code == 403
    assert supervisor.post("/admin/layanan/standar/terapkan", data={"digest": "0" * 64}).status_code == 403
    officer = login(app.test_client(), "officer1")
    assert officer.get("/admin/layanan").status_code == 403
    assert _service(app, "A").closed_on is None and _audit(app) == []


def test_the_pages_read_in_english(admin_client, app):
    a = _service(app, "A")
    listing = admin_client.get("/admin/layanan?lang=en").get_data(as_text=True)
    assert "Close for today" in listing and "<h1>Services</h1>" in listing
    assert "Desk checklist" in admin_client.get(f"/admin/layanan/{a.id}/checklist").get_data(as_text=True)
    preview = _text(_upload(admin_client, _edited()))
    assert "Requirements" in preview and "2 changed" in preview
    bad = _text(_upload(admin_client, b"[office]\nname = 'x'\n"))
    assert ("This file cannot be used. Fix the file where this technical note says, then upload it again: "
            "standar-pelayanan.toml: no [[services]]") in bad
