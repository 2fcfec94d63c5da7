"""App factory, configuration, translations, error pages and the public standard pages."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loket.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def test_stdlib_queue_is_not_shadowed():
    out = subprocess.run([sys.executable, "-c", "import queue; print(queue.Queue)"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "<class 'queue.Queue'>"


def test_secret_key_is_generated_once_per_instance(tmp_path):
    from loket import create_app

    os.environ.pop("LOKET_SECRET_KEY", None)
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"}
    first = create_app(dict(config)).secret_key
    second = create_app(dict(config)).secret_key
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = tmp_path / "other"
    assert create_app({"INSTANCE_PATH": str(other), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{other}/a.db"}).secret_key != first


def test_environment_configures_database_and_timezone(tmp_path, monkeypatch):
    from loket import create_app

    monkeypatch.setenv("LOKET_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["LOKET_TIMEZONE"] == "Asia/Makassar"
    monkeypatch.delenv("LOKET_DATABASE_URL")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'loket.db'}"


def test_printer_device_folders_come_from_the_environment(tmp_path, monkeypatch):
    from loket import create_app
    from loket.printers.connections import PrinterConfigError, validate_config

    monkeypatch.setenv("LOKET_INSTANCE", str(tmp_path / "inst"))
    spool = tmp_path / "spool"
    spool.mkdir()
    with create_app().app_context():
        with pytest.raises(PrinterConfigError):
            validate_config({"kind": "file", "devfile": str(spool / "lp0")})
    monkeypatch.setenv("LOKET_PRINTER_FILE_DIRS", f"/nonexistent{os.pathsep}{spool}")
    with create_app().app_context():
        assert validate_config({"kind": "file", "devfile": str(spool / "lp0")})["devfile"] == str(spool / "lp0")


def test_committed_translations_are_compiled():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    def key(value):  # a plural message's id and strings are a tuple (.po) or a list (.mo)
        return tuple(value) if isinstance(value, (list, tuple)) else value

    pos = list((ROOT / "loket").glob("**/translations/*/LC_MESSAGES/*.po"))
    assert pos
    for po in pos:
        with po.open("rb") as fh:
            source = {key(m.id): key(m.string) for m in read_po(fh) if m.id and m.string}
        with po.with_suffix(".mo").open("rb") as fh:
            built = {key(m.id): key(m.string) for m in read_mo(fh) if m.id}
        assert built == source, f"run scripts/compile_translations.py ({po})"


def test_first_start_creates_kiosk_display_counters_and_admin(ctx):
    from sqlalchemy import select

    from loket.auth.models import User
    from loket.display.models import Display
    from loket.kiosk.models import Kiosk
    from loket.queue.models import Counter

    counters = db.session.scalars(select(Counter).order_by(Counter.number)).all()
    assert [(c.number, [s.code for s in c.services]) for c in counters] == [
        (1, ["A"]), (2, ["B"]), (3, ["C"]), (4, ["D"]), (5, ["E"]), (6, ["F"])]
    assert db.session.get(Kiosk, "1") and db.session.get(Display, "1")
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    assert admin.check_password(ctx.config["LOKET_ADMIN_PASSWORD"])


def test_standard_page_lists_all_services_with_maklumat(client, ctx):
    from loket.queue.models import Service

    html = client.get("/standar-pelayanan").get_data(as_text=True)
    for service in db.session.scalars(db.select(Service)):
        assert service.name in html
    assert "Maklumat Pelayanan" in html and "sanggup menyelenggarakan pelayanan" in html


def test_service_page_shows_every_part_of_the_standard(client, ctx):
    from loket.queue.models import Service

    for service in db.session.scalars(db.select(Service)):
        html = client.get(f"/standar-pelayanan/{service.slug}").get_data(as_text=True)
        std = service.standard
        texts = [r if isinstance(r, str) else r["text"] for r in std["requirements"]]
        texts += std["procedure"] + std["legal_basis"] + std["facilities"] + std["security_guarantees"]
        for text in texts:
            assert text.replace("&", "&amp;").replace('"', "&#34;").replace("'", "&#39;") in html, text


def test_language_switch_translates_the_page(client):
    assert "Persyaratan" in client.get("/standar-pelayanan/verifikasi-akun-penyedia").get_data(as_text=True)
    html = client.get("/standar-pelayanan/verifikasi-akun-penyedia?lang=en").get_data(as_text=True)
    assert "Requirements" in html and 'lang="en"' in html
    # the choice sticks for the session
    assert "Requirements" in client.get("/standar-pelayanan/verifikasi-akun-penyedia").get_data(as_text=True)


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/standar-pelayanan/tidak-ada")
    assert response.status_code == 404
    assert "Layanan tidak ditemukan." in response.get_data(as_text=True)
    assert client.get("/api/v1/nothing").get_json()["message"]


def test_catalogue_reload_keeps_tickets(ctx, make_ticket, tmp_path):
    import tomllib

    from loket.catalogue import loader
    from loket.queue.models import Service, Ticket

    ticket = make_ticket("A")
    data = tomllib.loads(loader.BUNDLED.read_text())
    data["services"][0]["name"] = "Verifikasi Akun (revisi)"
    data["services"] = data["services"][:5]  # F dropped from the new file
    result = loader.load(data)
    assert result == {"created": 0, "updated": 5, "deactivated": 1}
    assert db.session.get(Ticket, ticket.id).service.name == "Verifikasi Akun (revisi)"
    assert db.session.scalar(db.select(Service).where(Service.code == "F")).active is False


def test_catalogue_load_command(runner, tmp_path):
    from loket.catalogue import loader

    bad = tmp_path / "bad.toml"
    bad.write_text("[office]\nname='x'\n")
    # the CLI builds its own app from the environment: point it at this test's instance
    env = {"LOKET_INSTANCE": str(tmp_path / "cli")}
    result = runner.invoke(args=["loket", "catalogue", "load", str(bad)], env=env)
    assert result.exit_code == 2 and "no [[services]]" in result.output
    result = runner.invoke(args=["loket", "catalogue", "load", str(loader.BUNDLED)], env=env)
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output


def _serve(tmp_path, **settings) -> subprocess.CompletedProcess:
    """Start `loket serve` on a fresh instance with bad `settings`: it must stop by itself."""
    from support import free_port

    env = {**os.environ, "LOKET_INSTANCE": str(tmp_path / "serve"), "LOKET_OFFICE_HOURS": "24/7", **settings}
    env.pop("LOKET_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "loket.cli", "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def _config(tmp_path) -> dict:
    return {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db"}


def test_rating_timeout_is_read_from_the_environment(tmp_path, monkeypatch):
    from loket import create_app
    from loket.config import ConfigError

    monkeypatch.delenv("LOKET_RATING_TIMEOUT", raising=False)
    assert create_app(_config(tmp_path)).config["LOKET_RATING_TIMEOUT"] == 60
    monkeypatch.setenv("LOKET_RATING_TIMEOUT", " 45 ")
    assert create_app(_config(tmp_path)).config["LOKET_RATING_TIMEOUT"] == 45
    for bad in ("soon", "1.5", "0", "-3"):
        monkeypatch.setenv("LOKET_RATING_TIMEOUT", bad)
        with pytest.raises(ConfigError) as info:
            create_app(_config(tmp_path))
        assert "LOKET_RATING_TIMEOUT" in str(info.value) and repr(bad) in str(info.value)


@pytest.mark.parametrize("name,default", [("LOKET_COMPLAINT_RESPONSE_DAYS", 5), ("LOKET_CONTACT_RETENTION_DAYS", 90)])
def test_bad_feedback_day_settings_name_the_setting(tmp_path, monkeypatch, name, default):
    from loket import create_app
    from loket.config import ConfigError

    monkeypatch.setenv(name, "lima")
    with pytest.raises(ConfigError) as info:
        create_app(_config(tmp_path))
    assert name in str(info.value) and "'lima'" in str(info.value) and "whole number" in str(info.value)
    monkeypatch.setenv(name, "7")
    assert create_app(_config(tmp_path)).config[name] == 7
    monkeypatch.setenv(name, "")
    assert create_app(_config(tmp_path)).config[name] == default


@pytest.mark.parametrize("settings,named", [
    ({"LOKET_COMPLAINT_RESPONSE_DAYS": "five"}, "LOKET_COMPLAINT_RESPONSE_DAYS"),
    ({"LOKET_CONTACT_RETENTION_DAYS": "3 bulan"}, "LOKET_CONTACT_RETENTION_DAYS"),
    ({"LOKET_RATING_TIMEOUT": "1m"}, "LOKET_RATING_TIMEOUT"),
    ({"LOKET_HOLIDAY_COUNTRY": "XX"}, "LOKET_HOLIDAY_COUNTRY"),
])
def test_serve_stops_with_a_readable_message_on_a_bad_setting(tmp_path, settings, named):
    result = _serve(tmp_path, **settings)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and named in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_holiday_country_is_an_error_naming_the_setting(ctx):
    from loket.queue import hours

    ctx.config["LOKET_HOLIDAY_COUNTRY"] = "id"
    assert hours.holiday_country() == "id"
    ctx.config["LOKET_HOLIDAY_COUNTRY"] = ""
    assert hours.holiday_country() == ""
    ctx.config["LOKET_HOLIDAY_COUNTRY"] = "Indonesia"
    with pytest.raises(hours.HoursError) as info:
        hours.seed_calendar()
    assert "LOKET_HOLIDAY_COUNTRY" in str(info.value) and "'Indonesia'" in str(info.value)


# Modules whose person-facing error messages must be marked N_() and have an English translation.
MARKED_MODULES = ("loket/counter/rating.py", "loket/display/settings.py", "loket/admin/routes.py",
                  "loket/feedback/complaints.py", "loket/feedback/survey.py", "loket/feedback/reports.py",
                  "loket/queue/core.py", "loket/feedback/routes.py", "loket/queue/counters.py",
                  "loket/auth/accounts.py", "loket/kiosk/admin.py", "loket/display/admin.py",
                  "loket/feedback/workflow.py", "loket/catalogue/admin.py", "loket/offices/settings.py",
                  "loket/reports/periods.py", "loket/reports/skm.py", "loket/reports/charts.py")
QUEUE_ERRORS = {"QueueError", "InvalidInput", "NotFound", "TransitionNotAllowed", "ServiceClosed",
                "CounterNotAllowed", "RatingClosed"}


def _english_catalogue() -> dict:
    from babel.messages.pofile import read_po

    merged = {}
    for po in sorted((ROOT / "loket").glob("**/translations/en/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            merged.update({m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy})
    return merged


def _messages(path: Path):
    """(line, message or None when it is a bare string) for every QueueError raised and every
    `errors[...] = ...` string in `path`."""
    import ast

    def marked(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return None
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_" and node.args
                and isinstance(node.args[0], ast.Constant)):
            return node.args[0].value
        return ...  # computed (e.g. already translated): not a literal to check

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", None) in QUEUE_ERRORS and node.exc.args):
            found = marked(node.exc.args[0])
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript)
              and getattr(node.targets[0].value, "id", getattr(node.targets[0].value, "attr", None)) == "errors"):
            found = marked(node.value)
        else:
            continue
        if found is not ...:
            yield node.lineno, found


def test_error_messages_are_marked_and_translated_to_english():
    english = _english_catalogue()
    bare, untranslated = [], []
    for name in MARKED_MODULES:
        for line, message in _messages(ROOT / name):
            if message is None:
                bare.append(f"{name}:{line}")
            elif message not in english:
                untranslated.append(f"{name}:{line} {message!r}")
    assert not bare, f"error messages not marked with N_(): {bare}"
    assert not untranslated, f"no English translation: {untranslated}"


def test_officer_sees_complaint_form_errors_in_english(app, officer):
    response = officer.post("/admin/pengaduan/baru?lang=en", data={"channel": "kiosk", "category": "pengaduan",
                                                                    "message": "Antrean lama."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Unknown channel." in html and "Saluran tidak dikenal." not in html
