"""`loket doctor` on real parts: a fresh instance, printers on real 127.0.0.1 sockets, real backups,
a scheduled job that really failed, databases whose schema is missing or behind."""
from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from click.testing import CliRunner

from loket.extensions import db
from loket.ops import doctor
from support import free_port


def run_checks(app) -> list[doctor.Check]:
    with app.app_context():
        found = doctor.checks()
        db.session.remove()
        return found


def named(found, name) -> doctor.Check:
    matches = [c for c in found if c.name == name]
    assert len(matches) == 1, [c.line() for c in found]
    return matches[0]


def invoke(app):
    with app.app_context():
        result = CliRunner().invoke(doctor.command, [])
        db.session.remove()
    return result


def set_printer(app, printer: dict, kiosk: str = "1") -> None:
    from loket.kiosk.models import Kiosk

    with app.app_context():
        db.session.get(Kiosk, kiosk).printer = printer
        db.session.commit()
        db.session.remove()


def make_backup(app):
    from loket.ops.backup import make_backup

    with app.app_context():
        return make_backup()


def test_doctor_names_the_public_base_url_when_it_is_unset(app):
    app.config["LOKET_PUBLIC_BASE_URL"] = ""

    check = named(run_checks(app), "public URL")

    assert check.status == "fail"
    assert "LOKET_PUBLIC_BASE_URL is not set" in check.message and "https://" in check.message


@pytest.mark.parametrize("url, status", [
    ("http://127.0.0.1:5000", "fail"),
    ("http://localhost", "fail"),
    ("https://antrean.klungkungkab.go.id", "warn"),  # https, LOKET_SECURE_COOKIES and proxies off
    ("http://loket.test", "ok"),
])
def test_doctor_judges_the_public_base_url(app, url, status):
    app.config["LOKET_PUBLIC_BASE_URL"] = url

    found = {c.status for c in run_checks(app) if c.name == "public URL"}

    assert found == {status}


def test_an_https_address_behind_nginx_set_up_as_documented_is_ok(app):
    app.config.update(LOKET_PUBLIC_BASE_URL="https://antrean.klungkungkab.go.id", SESSION_COOKIE_SECURE=True,
                      LOKET_TRUSTED_PROXIES=1)

    assert named(run_checks(app), "public URL").status == "ok"


def test_doctor_warns_of_http_links_while_cookies_are_secure(app):
    app.config["LOKET_PUBLIC_BASE_URL"] = "http://antrean.klungkungkab.go.id"
    app.config["SESSION_COOKIE_SECURE"] = True

    check = named(run_checks(app), "public URL")

    assert check.status == "warn" and "LOKET_SECURE_COOKIES" in check.message


def test_a_network_printer_on_a_closed_port_is_unreachable(app):
    port = free_port()  # bound and released: nothing listens there now
    set_printer(app, {"kind": "network", "host": "127.0.0.1", "port": port})

    check = named(run_checks(app), "printer kiosk 1")

    assert check.status == "fail"
    assert f"127.0.0.1:{port} is unreachable" in check.message and "/kiosk/1/printer" in check.message


def test_a_network_printer_that_listens_is_ok(app):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)
        port = listener.getsockname()[1]
        set_printer(app, {"kind": "network", "host": "127.0.0.1", "port": port})

        check = named(run_checks(app), "printer kiosk 1")

        connection, _ = listener.accept()  # the doctor really connected
        connection.close()
    assert check.status == "ok", check.line()
    assert f"127.0.0.1:{port}" in check.message


def test_the_preview_printer_is_reported_as_no_printer(app):
    check = named(run_checks(app), "printer kiosk 1")  # the first start configures preview only

    assert check.status == "warn" and "no printer configured" in check.message


def test_a_file_printer_must_exist_and_be_writable(app, tmp_path):
    folder = tmp_path / "devices"
    folder.mkdir()
    app.config["LOKET_PRINTER_FILE_DIRS"] = [str(folder)]
    set_printer(app, {"kind": "file", "devfile": str(folder / "lp0")})

    missing = named(run_checks(app), "printer kiosk 1")
    (folder / "lp0").write_bytes(b"")
    present = named(run_checks(app), "printer kiosk 1")

    assert missing.status == "fail" and "does not exist" in missing.message
    assert present.status == "ok", present.line()


def test_backup_fails_without_one_and_passes_after_make_backup(app):
    before = named(run_checks(app), "backup")
    written = make_backup(app)
    after = named(run_checks(app), "backup")

    assert before.status == "fail" and "loket backup" in before.message
    assert after.status == "ok", after.line()
    assert str(written) in after.message


def test_an_old_backup_warns_then_fails(app):
    written = make_backup(app)
    for age, status in ((timedelta(hours=30), "warn"), (timedelta(days=3), "fail")):
        stamp = written.stat().st_mtime - age.total_seconds()
        os.utime(written, (stamp, stamp))

        assert named(run_checks(app), "backup").status == status


def test_a_failed_scheduled_job_is_flagged_with_its_error(app, tmp_path):
    from loket.ops import scheduler
    from loket.timeutil import utcnow

    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("a file where the backup folder should be")
    app.config["LOKET_BACKUP_DIR"] = str(in_the_way / "backups")
    with app.app_context():
        now = utcnow()
        scheduler.ensure_rows(now)
        ran = scheduler.tick(app, scheduler.holder_id(), now + timedelta(days=2))  # the nightly backup is due
        db.session.remove()
    assert "nightly_backup" in ran

    check = named(run_checks(app), "job nightly_backup")

    assert check.status == "warn"
    assert "failed on its last run" in check.message and "not-a-folder" in check.message


def test_unreachable_redis_fails(app):
    app.config["LOKET_REDIS_URL"] = f"redis://:secret@127.0.0.1:{free_port()}/0"

    check = named(run_checks(app), "redis")

    assert check.status == "fail" and "does not answer" in check.message
    assert "secret" not in check.message


def test_a_secret_key_file_others_can_read_fails(app):
    path = app.instance_path + "/secret_key"
    os.chmod(path, 0o644)

    check = named(run_checks(app), "secret key")

    assert check.status == "fail" and f"chmod 600 {path}" in check.message


def test_office_hours_show_today_and_a_typo_names_the_fix(app):
    from datetime import datetime

    from loket.timeutil import office_zone

    app.config["LOKET_OFFICE_HOURS"] = "mon-sun 07:30-15:30"
    shown = named(run_checks(app), "office hours")
    app.config["LOKET_OFFICE_HOURS"] = "mon-fri 7.30-15.30"
    typo = named(run_checks(app), "office hours")

    assert shown.status == "ok"
    assert datetime.now(office_zone()).strftime("%A") in shown.message and "07:30-15:30" in shown.message
    assert typo.status == "fail" and "LOKET_OFFICE_HOURS=" in typo.message


def test_an_unknown_time_zone_fails(app):
    app.config["LOKET_TIMEZONE"] = "Asia/Klungkung"

    check = named(run_checks(app), "clock")

    assert check.status == "fail" and "Asia/Makassar" in check.message


def test_the_command_exits_1_on_a_failure_and_0_once_it_is_fixed(app):
    failing = invoke(app)
    make_backup(app)
    fixed = invoke(app)

    assert failing.exit_code == 1, failing.output
    assert "[FAIL] backup: no backup in" in failing.output
    assert fixed.exit_code == 0, fixed.output
    assert "[FAIL]" not in fixed.output and "[ok] schema:" in fixed.output


def test_the_command_reports_a_database_without_tables_instead_of_crashing(tmp_path):
    from loket import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})

    result = invoke(app)

    assert result.exit_code == 1, result.output
    assert "[FAIL] schema: the database" in result.output and "run `loket db upgrade`" in result.output
    assert "[FAIL] printer: could not be checked" in result.output  # guarded, not a traceback
    with app.app_context():
        db.engine.dispose()


def test_the_command_names_loket_db_upgrade_when_the_schema_is_behind(tmp_path):
    from flask_migrate import upgrade

    from loket import create_app
    from loket.ops import schema

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision=schema.BASELINE)  # the schema of Loket 0.1.0
        assert schema.status().state == "pending"

    result = invoke(app)

    assert result.exit_code == 1, result.output
    assert "[FAIL] schema: the database schema is behind" in result.output
    assert "run `loket db upgrade`" in result.output
    with app.app_context():
        db.engine.dispose()
