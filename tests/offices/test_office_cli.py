"""`loket office …`, `loket catalogue load --office`, `loket officer add --office`, `loket day report
--office`, and the public Standar Pelayanan pages of several offices: a second office is set up from
the command line alone and numbers, lists and shows its own services."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from loket.extensions import db

SECOND = Path(__file__).parent.parent / "fixtures" / "standar-kantor-kedua.toml"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Runs `loket …` on its own instance folder, as an administrator would."""
    from loket.cli import main

    monkeypatch.setenv("LOKET_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setenv("LOKET_OFFICE_HOURS", "24/7")
    runner = CliRunner()

    def run(*args, ok=True, **kwargs):
        result = runner.invoke(main, list(args), catch_exceptions=False, **kwargs)
        if ok is not None:
            assert (result.exit_code == 0) is ok, result.output
        return result

    run("db", "upgrade")
    run("officer", "add", "first", "--password", "rahasia-123")  # the first start: office "utama" and its counters
    return run


@pytest.fixture
def open_app(tmp_path, cli):
    from loket import create_app

    def make():
        return create_app({"INSTANCE_PATH": str(tmp_path / "cli"), "LOKET_OFFICE_HOURS": "24/7"})

    return make


def test_a_second_office_from_the_command_line(cli, open_app):
    out = cli("catalogue", "load", str(SECOND), "--office", "dukcapil", "--prefix", "dk").output
    assert "Created office 'dukcapil' (numbers DK-…)" in out and "Created counters 1, 2 for 'dukcapil'" in out
    assert "2 created, 0 updated, 0 deactivated" in out
    listing = cli("office", "list").output.splitlines()
    assert listing[0].startswith("utama") and "6 services" in listing[0]
    assert listing[1].startswith("dukcapil") and " DK " in listing[1] and "2 services   2 counters" in listing[1]
    # reloading updates the office's services in place, the first office's are untouched
    assert "0 created, 2 updated, 0 deactivated" in cli("catalogue", "load", str(SECOND), "--office", "dukcapil").output

    cli("officer", "add", "made", "--office", "dukcapil", "--counter", "2", "--password", "rahasia-123")
    cli("office", "kiosk", "mall", "--office", "utama", "--office", "dukcapil", "--name", "Pintu masuk")
    cli("office", "display", "tv", "--office", "dukcapil")

    from loket.auth.models import User
    from loket.display.models import Display
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office
    from loket.queue import core
    from loket.queue.models import Counter, Service

    app = open_app()
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "dukcapil"))
        assert office.name == "Dinas Contoh Kependudukan dan Pencatatan Sipil" and office.prefix == "DK"
        services = db.session.scalars(select(Service).where(Service.office_id == office.id)).all()
        assert sorted(s.code for s in services) == ["A", "B"]
        made = db.session.scalar(select(User).where(User.username == "made"))
        assert made.office_id == office.id and [(c.office_id, c.number) for c in made.counters] == [(office.id, 2)]
        first = db.session.scalar(select(User).where(User.username == "first"))
        assert first.office_id == db.session.scalar(select(Office.id).where(Office.code == "utama"))
        assert [o.code for o in db.session.get(Kiosk, "mall").offices] == ["utama", "dukcapil"]
        assert [o.code for o in db.session.get(Display, "tv").offices] == ["dukcapil"]
        # numbers: the first office as before, the new one with its prefix, each its own sequence
        assert core.issue_ticket("A").number == "A-001"
        assert core.issue_ticket("A", office_id=office.id).number == "DK-A-001"
        assert core.issue_ticket("A", office_id=office.id).number == "DK-A-002"


def test_a_service_of_another_office_is_not_found(cli, open_app):
    cli("catalogue", "load", str(SECOND), "--office", "dukcapil", "--prefix", "DK")
    from loket.offices.models import Office
    from loket.queue import core
    from loket.queue.errors import NotFound

    app = open_app()
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "dukcapil"))
        with pytest.raises(NotFound):
            core.issue_ticket("C", office_id=office.id)  # the first office has C, this one not


def test_day_report_per_office(cli, open_app):
    cli("catalogue", "load", str(SECOND), "--office", "dukcapil", "--prefix", "DK")
    from loket.offices.models import Office
    from loket.queue import core

    with open_app().app_context():
        office = db.session.scalar(select(Office).where(Office.code == "dukcapil"))
        core.issue_ticket("A")
        core.issue_ticket("A", office_id=office.id)
        db.session.remove()
    every = cli("day", "report").output
    assert "\nA " in every and "\nDK-A " in every
    one = cli("day", "report", "--office", "dukcapil").output
    assert "\nDK-A " in one and "\nA " not in one
    assert "Kantor 'nowhere' tidak ditemukan." in cli("day", "report", "--office", "nowhere", ok=False).output


@pytest.mark.parametrize("args, message", [
    (("--office", "dukcapil"), "Hanya satu kantor boleh tanpa awalan nomor"),   # "utama" numbers without one
    (("--office", "dukcapil", "--prefix", "D1"), "Awalan nomor harus 1–3 huruf."),
    (("--office", "Duk Capil", "--prefix", "DK"), "Kode kantor harus 1–20 huruf kecil"),
])
def test_bad_offices_are_refused_with_a_message(cli, open_app, args, message):
    result = cli("catalogue", "load", str(SECOND), *args, ok=False)
    assert result.exit_code == 2 and message in result.output
    from loket.offices.models import Office

    with open_app().app_context():
        assert db.session.scalars(select(Office.code)).all() == ["utama"]  # nothing half-made


def test_office_add_refuses_a_taken_code_or_prefix(cli):
    cli("office", "add", "dukcapil", "--prefix", "DK", "--name", "Disdukcapil")
    assert "Kode kantor 'dukcapil' sudah dipakai." in cli("office", "add", "dukcapil", "--prefix", "DC", ok=False).output
    assert "Awalan nomor 'DK' sudah dipakai kantor lain." in cli("office", "add", "imigrasi", "--prefix", "dk",
                                                                 ok=False).output
    assert "Kantor 'imigrasi' tidak ditemukan." in cli("office", "kiosk", "1", "--office", "imigrasi", ok=False).output
    assert "no counter 9 in office 'dukcapil'" in cli("officer", "add", "x", "--office", "dukcapil", "--counter", "9",
                                                      "--password", "rahasia-123", ok=False).output


def test_public_standard_pages_of_several_offices(app, client, second_office):
    page = client.get("/standar-pelayanan")  # one office alone: tests/test_standard_browser.py
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Penerbitan Kartu Keluarga" not in html  # offices first
    assert 'href="/kantor/dukcapil/standar-pelayanan"' in html and 'href="/kantor/utama/standar-pelayanan"' in html
    office = client.get("/kantor/dukcapil/standar-pelayanan").get_data(as_text=True)
    assert "Penerbitan Kartu Keluarga" in office and "Verifikasi Akun" not in office
    assert 'href="/kantor/dukcapil/standar-pelayanan/kartu-keluarga"' in office
    service = client.get("/kantor/dukcapil/standar-pelayanan/helpdesk-lpse")
    assert service.status_code == 200 and "Legalisir Akta" in service.get_data(as_text=True)
    # the old address of a slug both offices use goes to the first office's service
    old = client.get("/standar-pelayanan/helpdesk-lpse")
    assert old.status_code == 302 and old.headers["Location"] == "/kantor/utama/standar-pelayanan/helpdesk-lpse"
    only = client.get("/standar-pelayanan/kartu-keluarga")
    assert only.headers["Location"] == "/kantor/dukcapil/standar-pelayanan/kartu-keluarga"
    for path in ("/kantor/nowhere/standar-pelayanan", "/kantor/dukcapil/standar-pelayanan/ruang-lpse",
                 "/standar-pelayanan/nothing-like-this"):
        missing = client.get(path)
        assert missing.status_code == 404 and "tidak ditemukan" in missing.get_data(as_text=True), path


def test_with_several_offices_commands_name_the_office(cli, open_app):
    cli("catalogue", "load", str(SECOND), "--office", "dukcapil", "--prefix", "DK")
    reload = cli("catalogue", "load", str(SECOND), ok=False)
    assert reload.exit_code == 2 and "name one with --office CODE" in reload.output
    officer = cli("officer", "add", "made", "--password", "rahasia-123", ok=False)
    assert officer.exit_code == 2 and "--office CODE" in officer.output
    assert cli("officer", "add", "root", "--role", "admin", "--password", "rahasia-123").exit_code == 0

    from loket.offices.models import Office
    from loket.queue import core
    from loket.queue.models import Ticket

    with open_app().app_context():
        office = db.session.scalar(select(Office).where(Office.code == "dukcapil"))
        core.issue_ticket("A")
        core.issue_ticket("A", office_id=office.id)
        db.session.remove()
    # one agency closes early: only its queue is closed
    out = cli("day", "close", "--force", "--office", "dukcapil").output
    assert "Closed 1 ticket(s)" in out and "DK-A-001" in out
    with open_app().app_context():
        states = dict(db.session.execute(select(Ticket.number, Ticket.state)).all())
    assert states == {"A-001": "waiting", "DK-A-001": "cancelled"}


def test_closing_tells_each_office_only_of_its_own_tickets(app, ctx, second_office, published):
    from loket.queue import core
    from loket.queue.closing import close_day

    first = core.issue_ticket("A")
    other = core.issue_ticket("A", office_id=second_office["id"])
    published.clear()
    assert close_day(force=True)["numbers"] == ["A-001", "DK-A-001"]
    events = {e.public["offices"][0]: e for e in published if e.name == "queue.closed"}
    assert set(events) == {first.office_id, other.office_id}
    mine, theirs = events[first.office_id], events[other.office_id]
    assert mine.public["numbers"] == ["A-001"] and theirs.public["numbers"] == ["DK-A-001"]
    assert mine.rooms == (f"office:{first.office_id}", f"service:{first.service_id}")
    assert theirs.rooms == (f"office:{other.office_id}", f"service:{other.service_id}")
    assert list(theirs.private) == [f"ticket:{other.token}"]
