"""Short service names in a Standar Pelayanan file: the bundled standard's, their validation by the
loader and `loket catalogue load`, and the fallback for a standard without them.
"""
from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import select

from loket.catalogue import loader
from loket.extensions import db
from loket.queue.models import Service

BUNDLED_SHORT_NAMES = {
    "A": "Verifikasi Akun Penyedia",
    "B": "Helpdesk LPSE",
    "C": "Penggunaan Ruang LPSE",
    "D": "Pemilihan Penyedia",
    "E": "Konsultasi Tatap Muka PBJ",
    "F": "Bimtek & Konsultasi Hukum",
}


def bundled() -> dict:
    return tomllib.loads(loader.BUNDLED.read_text(encoding="utf-8"))


def services_by_code(office_id=None) -> dict[str, Service]:
    from loket.offices.scope import default_office

    office_id = office_id if office_id is not None else default_office().id
    return {s.code: s for s in db.session.scalars(select(Service).where(Service.office_id == office_id))}


def test_bundled_standard_gives_every_service_a_short_name_that_the_services_show(ctx):
    data = bundled()
    assert {s["code"]: s["short_name"] for s in data["services"]} == BUNDLED_SHORT_NAMES
    loader.validate(data)
    assert {code: s.short_name for code, s in services_by_code().items()} == BUNDLED_SHORT_NAMES
    # the full name is kept as it was: the standard's pages and the ticket still show it
    assert services_by_code()["A"].name == "Pelayanan Verifikasi Akun Baru Penyedia Barang/Jasa"


@pytest.mark.parametrize("short_name", ["x" * 41, "", "   ", 42, ["Helpdesk"]],
                         ids=["41-characters", "empty", "blank", "number", "list"])
def test_a_bad_short_name_is_refused_naming_the_service_and_the_rule(short_name):
    data = bundled()
    data["services"][1]["short_name"] = short_name
    with pytest.raises(loader.CatalogueError) as refused:
        loader.validate(data, "standar.toml")
    assert str(refused.value).startswith("standar.toml: service B: short_name must be text of 1 to 40 characters")


def test_short_name_is_optional_and_forty_characters_are_accepted():
    data = bundled()
    del data["services"][0]["short_name"]
    data["services"][1]["short_name"] = "x" * 40
    loader.validate(data)


def test_the_cli_refuses_a_too_long_short_name_and_loads_a_good_one(runner, tmp_path):
    text = loader.BUNDLED.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    too_long = "Helpdesk " * 5  # 45 characters
    bad.write_text(text.replace('short_name = "Helpdesk LPSE"', f'short_name = "{too_long}"', 1), encoding="utf-8")
    env = {"LOKET_INSTANCE": str(tmp_path / "cli")}
    result = runner.invoke(args=["loket", "catalogue", "load", str(bad)], env=env)
    assert result.exit_code == 2
    assert "service B: short_name must be text of 1 to 40 characters" in result.output
    good = tmp_path / "good.toml"
    good.write_text(text.replace('short_name = "Helpdesk LPSE"', 'short_name = "Bantuan LPSE"', 1), encoding="utf-8")
    result = runner.invoke(args=["loket", "catalogue", "load", str(good)], env=env)
    assert result.exit_code == 0, result.output

    from loket import create_app

    with create_app({"INSTANCE_PATH": str(tmp_path / "cli")}).app_context():
        assert services_by_code()["B"].short_name == "Bantuan LPSE"


def test_without_short_names_the_name_is_used_without_its_leading_pelayanan(ctx):
    data = bundled()
    for service in data["services"]:
        del service["short_name"]
    data["services"][1]["name"] = "PELAYANAN Helpdesk LPSE"   # the prefix in any case
    data["services"][2]["name"] = "Pelayanan"                 # nothing after it: the name stays
    data["services"][3]["name"] = "Pemilihan Penyedia Terpadu"  # no prefix: the name as it is
    loader.load(data)
    services = services_by_code()
    assert services["A"].short_name == "Verifikasi Akun Baru Penyedia Barang/Jasa"
    assert services["B"].short_name == "Helpdesk LPSE"
    assert services["C"].short_name == "Pelayanan"
    assert services["D"].short_name == "Pemilihan Penyedia Terpadu"


def test_another_offices_standard_without_short_names_gets_the_fallback(app, second_office):
    with app.app_context():
        services = services_by_code(second_office["id"])
        assert {code: s.short_name for code, s in services.items()} == {
            "A": "Penerbitan Kartu Keluarga", "B": "Legalisir Akta"}
        assert all("short_name" not in s.standard for s in services.values())


def test_reloading_shows_a_changed_short_name_in_the_plan(ctx):
    from loket.offices.scope import default_office

    data = bundled()
    data["services"][4]["short_name"] = "Konsultasi PBJ"
    todo = loader.plan(data, default_office())
    changed = {c.code: c.fields for c in todo.of_kind("changed")}
    assert changed == {"E": {"short_name": ("Konsultasi Tatap Muka PBJ", "Konsultasi PBJ")}}
