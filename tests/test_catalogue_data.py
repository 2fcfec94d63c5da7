"""Checks that loket/catalogue/standar-pelayanan.toml is a faithful transcription of the office's
published service standard (shared/seed/standar-pelayanan-bagian-pbj-klungkung.txt).

Both texts are normalised the same way (whitespace collapsed, PDF hyphenation re-joined, list
numbers and bullets dropped); then every transcribed string must occur in its service's part of the
seed, and every section, read in order, must reproduce the seed's section word for word and item by
item, so an altered, dropped, added, merged, split or reordered item fails.
"""

import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = REPO_ROOT / "loket" / "catalogue" / "standar-pelayanan.toml"
SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"
SEED = SEED_DIR / "standar-pelayanan-bagian-pbj-klungkung.txt"

CODES = ["A", "B", "C", "D", "E", "F"]
UNITS = {"minutes", "hours", "working_days", "calendar_days"}
CHANNEL_KINDS = ["phone", "email", "suggestion_box", "letter", "sp4n_lapor", "klungkung_mesadu"]
LPSE_EMAIL = "lpse.klungkung@gmail.com"
PBJ_EMAIL = "bagian.pbj.setdaklungkung@gmail.com"

# Counted by hand in the seed: service 6's first requirement has two sub-bullets of its own.
REQUIREMENT_COUNTS = {"A": 7, "B": 1, "C": 1, "D": 2, "E": 2, "F": 2}

# Where the seed's extraction lost a list number's period, the transcription reads it as a list
# number; the correction is applied to the seed before comparing so the decision stays visible.
SEED_CORRECTIONS = {
    # service 3, Jumlah Pelaksana: cf. service 2's "1. Helpdesk 1 orang"; 1 + 1 = "2 Orang"
    "2 Orang 1 Helpdesk 1 orang": "2 Orang 1. Helpdesk 1 orang",
}

# The seed's section labels, in the order they appear in every service (the PDF splits some of
# them across lines, e.g. "Sarana/Pras arana", "Waktu Penyelesai an").
SECTIONS = [
    ("requirements", r"1\. Persyaratan"),
    ("procedure", r"2\. Prosedur"),
    ("completion", r"3\. Waktu Penyelesai ?an"),
    ("fee", r"4\. Biaya/Tarif"),
    ("product", r"5\. Produk"),
    ("complaints", r"6\. Pengelolaan Pengaduan"),
    ("legal_basis", r"PENGELOLAAN PELAYANAN \(MANUFACTURING\) 1\. Dasar Hukum"),
    ("facilities", r"2\. Sarana/ ?Pras ?arana"),
    ("competence", r"3\. Kompetensi Pelaksana"),
    ("supervision", r"4\. Pengawas Internal"),
    ("officers", r"5\. Jumlah Pelaksana"),
    ("service_guarantees", r"6\. Jaminan Pelayanan"),
    ("security_guarantees", r"7\. Jaminan Keamanan dan Keselamatan"),
    ("evaluation", r"8\. Evaluasi Kinerja Pelaksana"),
]
HEADING = re.compile(r"(?:^| )(\d)\. (PELAYANAN .+?) PENYAMPAIAN PELAYANAN \(SERVICE DELIVERY\) ")
LIST_MARKER = re.compile(r"(?:(?<= )|^)(?:\d+\.|•|-)(?= )")


def flatten(text):
    """Collapse whitespace and re-join words hyphenated across a line break."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def items(text):
    """Flattened text cut into list items at each list number or bullet."""
    return [part.strip() for part in LIST_MARKER.sub("|", flatten(text)).split("|") if part.strip()]


def normalise(text):
    """The form both sides are compared in: flattened, without list numbers and bullets."""
    return re.sub(r" +", " ", LIST_MARKER.sub("", flatten(text))).strip()


@cache
def catalogue():
    with CATALOGUE.open("rb") as f:
        return tomllib.load(f)


def services():
    return {s["code"]: s for s in catalogue()["services"]}


@cache
def seed_text():
    assert SEED.is_file(), f"seed not found at {SEED}"
    text = flatten(SEED.read_text(encoding="utf-8"))
    for wrong, right in SEED_CORRECTIONS.items():
        assert text.count(wrong) == 1, f"seed correction no longer applies: {wrong!r}"
        text = text.replace(wrong, right)
    return text


@cache
def seed_services():
    """{number: (heading, body)} with the body of each service as flattened seed text."""
    text = seed_text()
    heads = list(HEADING.finditer(text))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out[int(m.group(1))] = (m.group(2), text[m.end():end])
    return out


@cache
def seed_sections(number):
    """{section: flattened seed text} of one service, split on the section labels in order."""
    body = seed_services()[number][1]
    spans, pos = [], 0
    for name, label in SECTIONS:
        m = re.compile(label).search(body, pos)
        assert m, f"service {number}: label {label!r} not found in the seed"
        spans.append((name, m.start(), m.end()))
        pos = m.end()
    return {
        name: body[end:(spans[i + 1][1] if i + 1 < len(spans) else len(body))].strip()
        for i, (name, _start, end) in enumerate(spans)
    }


def requirement_parts(requirement):
    if isinstance(requirement, str):
        return [requirement]
    return [requirement["text"], *requirement["items"]]


def section_parts(service):
    """{section: [strings]} of one service, in the order the seed prints them."""
    s = service
    return {
        "requirements": [p for r in s["requirements"] for p in requirement_parts(r)],
        "procedure": s["procedure"],
        "completion": [s["completion"]["text"]],
        "fee": [s["fee"]["text"]],
        "product": s["product"],
        "complaints": [s["complaints"]["text"], *(c["text"] for c in s["complaints"]["channels"])],
        "legal_basis": s["legal_basis"],
        "facilities": s["facilities"],
        "competence": s["competence"],
        "supervision": [s["supervision"]["text"], *s["supervision"]["items"]],
        "officers": [s["officers"]["text"], *s["officers"]["items"]],
        "service_guarantees": s["service_guarantees"],
        "security_guarantees": s["security_guarantees"],
        "evaluation": [s["evaluation"]["text"]],
    }


def transcribed_strings():
    """(id, number, text) for every transcribed string, including structured labels from the seed."""
    out = []
    for s in catalogue()["services"]:
        for section, parts in section_parts(s).items():
            for i, text in enumerate(parts):
                out.append((f"{s['code']}-{section}-{i}", s["number"], text))
        for i, channel in enumerate(s["complaints"]["channels"]):
            if channel["value"]:
                out.append((f"{s['code']}-channel-value-{i}", s["number"], channel["value"]))
        if s["code"] == "D":
            for i, step in enumerate(s["completion"]["steps"]):
                out.append((f"D-completion-step-{i}", s["number"], step["label"]))
            for i, variant in enumerate(s["completion"]["variants"]):
                out.append((f"D-completion-variant-{i}", s["number"], variant["label"]))
    return out


STRINGS = transcribed_strings()


def test_catalogue_loads_with_schema_version_1():
    data = catalogue()
    assert data["schema_version"] == 1
    office = data["office"]
    assert office["timezone"] == "Asia/Makassar"
    assert normalise(office["address"]) in normalise(seed_text())
    assert normalise(office["phone"]) in normalise(seed_text())


def test_six_services_with_codes_a_to_f_in_seed_order_and_unique_slugs():
    listed = catalogue()["services"]
    assert [s["code"] for s in listed] == CODES
    assert [s["number"] for s in listed] == [1, 2, 3, 4, 5, 6]
    assert sorted(seed_services()) == [1, 2, 3, 4, 5, 6]
    slugs = [s["slug"] for s in listed]
    assert len(set(slugs)) == 6
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug


def test_service_names_are_the_seed_headings_in_title_case():
    for s in catalogue()["services"]:
        heading = seed_services()[s["number"]][0]
        assert s["name"].casefold() == heading.casefold()
        assert s["name"] != s["name"].upper()
        assert s["name"].startswith("Pelayanan ")


@pytest.mark.parametrize(("number", "text"), [(n, t) for _, n, t in STRINGS],
                         ids=[i for i, _, _ in STRINGS])
def test_every_transcribed_string_occurs_in_its_service_in_the_seed(number, text):
    assert isinstance(text, str) and text.strip()
    assert text == text.strip() and "  " not in text
    assert normalise(text) in normalise(seed_services()[number][1])


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("section", [name for name, _ in SECTIONS])
def test_each_section_reproduces_the_seed_word_for_word(code, section):
    service = services()[code]
    transcribed = normalise(" ".join(section_parts(service)[section]))
    assert transcribed == normalise(seed_sections(service["number"])[section])


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("section", [name for name, _ in SECTIONS if name != "officers"])
def test_each_section_has_the_seeds_items_in_order(code, section):
    # Jumlah Pelaksana is left out: the seed numbers its breakdown in some services only.
    service = services()[code]
    transcribed = [item for part in section_parts(service)[section] for item in items(part)]
    assert transcribed == items(seed_sections(service["number"])[section])


@pytest.mark.parametrize("code", CODES)
def test_requirement_count_matches_the_seed(code):
    service = services()[code]
    seed_requirements = seed_sections(service["number"])["requirements"]
    numbered = len(re.findall(r"(?:^| )\d+\. ", seed_requirements))
    assert len(service["requirements"]) == REQUIREMENT_COUNTS[code] == max(numbered, 1)


def test_sub_bulleted_requirement_is_structured():
    first = services()["F"]["requirements"][0]
    assert first == {
        "text": "Surat permohonan yang memuat :",
        "items": ["agenda kegiatan;", "contact person dari OPD Pemohon."],
    }
    for s in catalogue()["services"]:
        for r in s["requirements"]:
            assert isinstance(r, str) or set(r) == {"text", "items"}


@pytest.mark.parametrize("code", CODES)
def test_completion_uses_only_allowed_units(code):
    completion = services()[code]["completion"]
    entries = completion.get("steps", []) + completion.get("variants", [])
    assert entries, "completion needs steps or variants"
    assert set(completion) <= {"text", "steps", "variants", "note"}
    for entry in entries:
        assert set(entry) == {"label", "amount", "unit"}
        assert entry["label"].strip()
        assert isinstance(entry["amount"], int) and entry["amount"] > 0
        assert entry["unit"] in UNITS


def test_pemilihan_penyedia_takes_two_working_days_then_one_selection_method():
    completion = services()["D"]["completion"]
    assert [(s["amount"], s["unit"]) for s in completion["steps"]] == [
        (1, "working_days"),
        (1, "working_days"),
    ]
    assert [(v["label"], v["amount"], v["unit"]) for v in completion["variants"]] == [
        ("Tender", 30, "calendar_days"),
        ("Seleksi", 50, "calendar_days"),
        ("Tender Cepat", 10, "calendar_days"),
    ]


def test_helpdesk_completion_variants_say_the_seed_only_gives_hari():
    completion = services()["B"]["completion"]
    assert "steps" not in completion
    assert [(v["amount"], v["unit"]) for v in completion["variants"]] == [
        (2, "working_days"),
        (7, "working_days"),
    ]
    assert "hari" in completion["note"]


@pytest.mark.parametrize(("code", "amount", "unit"), [
    ("A", 30, "minutes"), ("C", 30, "minutes"), ("E", 1, "hours"), ("F", 5, "working_days"),
])
def test_single_step_completion_times(code, amount, unit):
    completion = services()[code]["completion"]
    assert [(s["amount"], s["unit"]) for s in completion["steps"]] == [(amount, unit)]
    assert "variants" not in completion


@pytest.mark.parametrize("code", CODES)
def test_services_are_free(code):
    fee = services()[code]["fee"]
    assert fee["amount"] == 0
    assert "gratis" in fee["text"].casefold()


def test_pemilihan_penyedia_fee_keeps_the_biaya_pendukung_sentence():
    assert "(Biaya Pendukung) menjadi tanggung jawab OPD Pemohon." in services()["D"]["fee"]["text"]


@pytest.mark.parametrize("code", CODES)
def test_complaint_channels(code):
    complaints = services()[code]["complaints"]
    channels = complaints["channels"]
    assert [c["kind"] for c in channels] == CHANNEL_KINDS
    for c in channels:
        assert set(c) == {"kind", "label", "value", "text"}
        assert c["value"] in c["text"]
    by_kind = {c["kind"]: c for c in channels}
    assert by_kind["phone"]["value"] == catalogue()["office"]["phone"]
    assert by_kind["email"]["value"] == (LPSE_EMAIL if code in "ABC" else PBJ_EMAIL)
    intros = complaints["text"].split("\n")
    assert len(intros) == (2 if code in "EF" else 1)


@pytest.mark.parametrize("code", CODES)
def test_officer_count_agrees_with_its_text_and_breakdown(code):
    officers = services()[code]["officers"]
    assert officers["text"] == f"{officers['count']} Orang"
    per_role = [int(m) for item in officers["items"] for m in re.findall(r"(\d+) orang", item)]
    if per_role:
        assert sum(per_role) == officers["count"]


@pytest.mark.parametrize("code", CODES)
def test_maklumat_pelayanan_stays_with_the_last_service_guarantee(code):
    guarantees = services()[code]["service_guarantees"]
    assert guarantees[-1].endswith("(Maklumat Pelayanan)")
    assert all("Maklumat" not in g for g in guarantees[:-1])


@pytest.mark.parametrize("code", CODES)
def test_evaluation_is_per_semester(code):
    evaluation = services()[code]["evaluation"]
    assert evaluation["period"] == "semester"
    assert "semester" in evaluation["text"]


def test_known_seed_typos_are_kept():
    everything = "\n".join(text for _, _, text in STRINGS)
    for typo in ("mendapatkan penangan permasalahan", "Aplikas lainnya", "( Asli", "masing-masing"):
        assert typo in everything
