"""Case milestones as data: the bundled standard's milestones as transcribed from the seed, the
loader's errors for bad ones, and another office's milestones loading without code changes."""

from pathlib import Path

import pytest
from sqlalchemy import select

from loket.cases.milestones import CALENDAR, WORKING, Intake, LeadTime, Milestone, Variant
from loket.catalogue import loader
from loket.extensions import db
from loket.queue.models import Service
from test_catalogue_data import normalise, seed_services

OTHER_STANDARD = Path(__file__).parents[1] / "fixtures" / "standar-milestones-lain.toml"
DISPOSISI = ("Penerimaan surat permohonan dan Dokumen Persiapan Pengadaan (DPP Hardcopy) sampai dengan disposisi "
             "dan surat tugas dari Kepala Bagian PBJ Setda Kab. Klungkung selaku Kepala Unit Kerja Pengadaan "
             "Barang/Jasa (Ka UKPBJ)")
REVIU = "Reviu Dokumen Persiapan Pengadaan antara Pokja Pemilihan dengan PPK/KPA (OPD Pemohon)"
PEMILIHAN = ("Proses Pemilihan Penyedia Barang/Jasa Pemerintah dari Pengumuman sampai dengan penyampaian hasil "
             "pemilihan (BAHP)")
BIMTEK = "Bimbingan Teknis, Pendampingan, Konsultasi Hukum Di Bidang Pengadaan Barang/Jasa Pemerintah"

BUNDLED_MILESTONES = {
    "A": (),
    "B": (Milestone("penyelesaian", "Penyelesaian di Helpdesk LPSE", 2, WORKING,
                    (Variant("lkpp", "Penyelesaian ditindaklanjuti ke helpdesk LKPP", 7),)),),
    "C": (),
    "D": (Milestone("disposisi", DISPOSISI, 1, WORKING),
          Milestone("reviu_dpp", REVIU, 1, WORKING),
          Milestone("pemilihan", PEMILIHAN, None, CALENDAR,
                    (Variant("tender", "Tender", 30), Variant("seleksi", "Seleksi", 50),
                     Variant("tender_cepat", "Tender Cepat", 10)))),
    "E": (),
    "F": (Milestone("penyelesaian", BIMTEK, 5, WORKING),),
}


def bundled_services() -> dict[str, Service]:
    return {s.code: s for s in db.session.scalars(select(Service))}


def test_bundled_milestones_are_transcribed_from_the_seed(ctx):
    services = bundled_services()
    assert {code: service.milestones for code, service in services.items()} == BUNDLED_MILESTONES


@pytest.mark.parametrize("code", ["B", "D", "F"])
def test_milestone_and_variant_names_are_the_seeds_own_words(ctx, code):
    service = bundled_services()[code]
    seed = normalise(seed_services()[service.standard["number"]][1])
    names = [m.name for m in service.milestones] + [v.name for m in service.milestones for v in m.variants]
    for name in names:
        assert normalise(name).casefold() in seed.casefold(), name


def test_bimtek_lead_time_and_the_intake_channels(ctx):
    services = bundled_services()
    assert services["F"].lead_time == LeadTime(5, WORKING)
    assert services["F"].intake == (Intake("e_surat", "e-Surat"), Intake("courier", "Jasa pengiriman"))
    assert services["D"].intake == (Intake("in_person", "Datang langsung ke kantor"),)
    assert services["D"].lead_time is None and services["B"].intake == ()
    for code in "ACE":  # the 30-minute and 1-hour services stay visit-only
        assert services[code].lead_time is None and services[code].intake == ()


def test_milestones_agree_with_the_completion_text(ctx):
    # The completion table (shown on the public standard) and the milestones say the same days.
    services = bundled_services()
    steps = services["D"].standard["completion"]["steps"]
    assert [(m.days, m.unit) for m in services["D"].milestones[:2]] == [(s["amount"], s["unit"]) for s in steps]
    variants = services["D"].standard["completion"]["variants"]
    assert [(v.name, v.days) for v in services["D"].milestones[2].variants] == [
        (v["label"], v["amount"]) for v in variants]
    helpdesk = services["B"].standard["completion"]["variants"]
    milestone = services["B"].milestones[0]
    assert [milestone.days, milestone.variants[0].days] == [v["amount"] for v in helpdesk]


# --- the loader's errors ---------------------------------------------------------------------

BASE = """schema_version = 1
[office]
name = "Kantor Uji"

[[services]]
code = "K"
slug = "uji"
name = "Pelayanan Uji"
requirements = []
procedure = []
product = []
completion = {}
fee = {}
"""

GOOD_MILESTONE = """
[[services.milestones]]
key = "periksa"
name = "Pemeriksaan berkas"
days = 2
unit = "working_days"
"""


def load_text(extra: str) -> dict:
    return loader.parse((BASE + extra).encode(), "uji.toml")


@pytest.mark.parametrize(("extra", "message"), [
    (GOOD_MILESTONE.replace('"working_days"', '"hari_kerja"'),
     "uji.toml: service K: milestone 'periksa': unknown unit 'hari_kerja'; use 'working_days' or 'calendar_days'"),
    (GOOD_MILESTONE.replace("days = 2", "days = 0"),
     "uji.toml: service K: milestone 'periksa': days must be a whole number from 1 to 3650, got 0"),
    (GOOD_MILESTONE.replace("days = 2", "days = -3"), "milestone 'periksa': days must be a whole number"),
    (GOOD_MILESTONE.replace("days = 2", "days = 1.5"), "milestone 'periksa': days must be a whole number"),
    (GOOD_MILESTONE.replace("days = 2", 'days = "2"'), "milestone 'periksa': days must be a whole number"),
    (GOOD_MILESTONE.replace("days = 2", "days = true"), "milestone 'periksa': days must be a whole number"),
    (GOOD_MILESTONE.replace("days = 2\n", ""), "milestone 'periksa' needs days (or variants that give them)"),
    (GOOD_MILESTONE.replace('name = "Pemeriksaan berkas"\n', ""),
     "service K: milestone 'periksa' needs a name of 1 to 300 characters"),
    (GOOD_MILESTONE.replace('key = "periksa"\n', ""), "service K: milestone #1 needs a key"),
    (GOOD_MILESTONE.replace('key = "periksa"', 'key = "Periksa Berkas"'), "service K: milestone #1 needs a key"),
    (GOOD_MILESTONE + GOOD_MILESTONE, "service K: milestone 'periksa' is listed twice"),
    (GOOD_MILESTONE.replace("days = 2", "dayz = 2"), "service K: milestone 'periksa': unknown key 'dayz'"),
    (GOOD_MILESTONE + 'variants = [{ key = "cepat", days = 1 }]\n',
     "service K: milestone 'periksa': variant 'cepat' needs a name"),
    (GOOD_MILESTONE + 'variants = [{ key = "cepat", name = "Cepat" }]\n',
     "service K: milestone 'periksa': variant 'cepat': days must be a whole number from 1 to 3650, got None"),
    (GOOD_MILESTONE + 'variants = [{ key = "cepat", name = "Cepat", days = 0 }]\n',
     "variant 'cepat': days must be a whole number"),
    (GOOD_MILESTONE + 'variants = [{ key = "a", name = "A", days = 1 }, { key = "a", name = "B", days = 2 }]\n',
     "service K: milestone 'periksa': variant 'a' is listed twice"),
    (GOOD_MILESTONE + 'variants = [{ name = "Cepat", days = 1 }]\n', "milestone 'periksa': variant #1 needs a key"),
    (GOOD_MILESTONE + 'variants = []\n', "milestone 'periksa': variants must list 1 to 10 tables"),
    ('milestones = "dua hari"\n', "service K: milestones must be one or more [[services.milestones]] tables"),
    ("[services.lead_time]\ndays = 5\nunit = 'working_days'\n",
     "uji.toml: service K: lead_time needs milestones"),
    ("intake = [{ kind = 'e_surat', label = 'e-Surat' }]\n", "uji.toml: service K: intake needs milestones"),
    ("[services.lead_time]\ndays = 0\nunit = 'working_days'\n" + GOOD_MILESTONE,
     "service K: lead_time days must be a whole number from 1 to 3650, got 0"),
    ("[services.lead_time]\ndays = 5\nunit = 'weeks'\n" + GOOD_MILESTONE,
     "service K: lead_time has unknown unit 'weeks'"),
    ("intake = [{ kind = 'e_surat' }]\n" + GOOD_MILESTONE, "service K: intake channel #1 needs a kind"),
    ("intake = [{ kind = 'pos', label = 'Pos' }, { kind = 'pos', label = 'Kurir' }]\n" + GOOD_MILESTONE,
     "service K: intake channel 'pos' is listed twice"),
])
def test_bad_milestones_are_refused_naming_the_service_and_the_milestone(extra, message):
    with pytest.raises(loader.CatalogueError) as raised:
        load_text(extra)
    assert message in str(raised.value)


def test_a_good_milestone_loads():
    data = load_text(GOOD_MILESTONE + 'variants = [{ key = "cepat", name = "Cepat", days = 1 }]\n')
    assert data["services"][0]["milestones"][0]["variants"] == [{"key": "cepat", "name": "Cepat", "days": 1}]


def test_catalogue_load_command_names_the_bad_milestone(runner, tmp_path):
    bad = tmp_path / "standar.toml"
    tender = b'{ key = "tender", name = "Tender", days = 30 }'
    assert loader.BUNDLED.read_bytes().count(tender) == 1
    bad.write_bytes(loader.BUNDLED.read_bytes().replace(tender, tender.replace(b"30", b"0")))
    result = runner.invoke(args=["loket", "catalogue", "load", str(bad)], env={"LOKET_INSTANCE": str(tmp_path / "cli")})
    assert result.exit_code == 2
    assert ("service D: milestone 'pemilihan': variant 'tender': days must be a whole number from 1 to 3650, got 0"
            in result.output)


# --- another office ---------------------------------------------------------------------------

def test_another_offices_milestones_load_without_code_changes(ctx):
    from loket.offices.scope import create_office

    office = create_office("dpmptsp", name="DPMPTSP Contoh", prefix="PT")
    loader.load_file(OTHER_STANDARD, office)
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.office_id == office.id))}
    assert services["P"].milestones == (
        Milestone("verifikasi", "Verifikasi berkas permohonan", 3, WORKING),
        Milestone("survei", "Survei lapangan oleh tim teknis", 14, CALENDAR,
                  (Variant("sederhana", "Bangunan sederhana", 7),)),
        Milestone("penerbitan", "Penerbitan persetujuan", 2, WORKING),
    )
    assert services["P"].lead_time == LeadTime(14, CALENDAR)
    assert [i.kind for i in services["P"].intake] == ["online", "in_person"]
    assert services["Q"].milestones == () and services["Q"].lead_time is None
    # The first office's milestones are its own.
    first = db.session.scalar(select(Service).where(Service.office_id != office.id, Service.code == "D"))
    assert first.milestones == BUNDLED_MILESTONES["D"]


def test_the_upload_preview_shows_a_milestone_as_one_line():
    from loket.catalogue.admin import _text

    assert _text({"key": "disposisi", "name": "Disposisi", "days": 1, "unit": "working_days"}) == \
        "Disposisi: 1 working_days"
    assert _text({"key": "pemilihan", "name": "Pemilihan", "unit": "calendar_days",
                  "variants": [{"key": "tender", "name": "Tender", "days": 30},
                               {"key": "seleksi", "name": "Seleksi", "days": 50}]}) == \
        "Pemilihan: calendar_days (Tender 30, Seleksi 50)"
