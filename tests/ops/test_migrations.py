"""Schema migrations: a database made before migrations is adopted with every row intact, the
models and the migrations agree (SQLite and PostgreSQL), and `loket serve` upgrades by itself."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from loket import create_app
from loket.extensions import db
from loket.ops import schema

FIXTURE = Path(__file__).parent.parent / "fixtures" / "loket-0.1.0-before-migrations.sql"


def _old_database(folder: Path) -> Path:
    """The fixture: a SQLite database made by Loket 0.1.0 (create_all), with real rows."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "loket.db"
    con = sqlite3.connect(path)
    con.executescript(FIXTURE.read_text())
    con.close()
    return path


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("tickets", "ticket_events", "survey_responses", "complaints", "users", "print_jobs",
                          "services", "counters", "daily_sequences", "holidays")}
    finally:
        con.close()


def _app(folder: Path, **extra):
    return create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'loket.db'}",
                       "LOKET_OFFICE_HOURS": "24/7", **extra})


def _dialect_app(tmp_path: Path, dialect: str):
    """A fresh app on SQLite or on a fresh PostgreSQL database."""
    if dialect == "postgresql":
        from support import fresh_postgres_url

        return create_app({"INSTANCE_PATH": str(tmp_path / "pg"), "SQLALCHEMY_DATABASE_URI": fresh_postgres_url(),
                           "LOKET_OFFICE_HOURS": "24/7"})
    return _app(tmp_path / "new")


def _background_idle(app) -> None:
    """Let the app's background work (print sends, Socket.IO sends, board renders) finish before a
    migration: on PostgreSQL a worker still reading `office` mid-render deadlocks an ALTER of it."""
    from loket.printers import jobs

    jobs.wait_for_sends()
    assert app.extensions["loket.publisher"].wait_sent()
    renderer = app.extensions.get("loket.display_renderer")
    assert renderer is None or renderer.wait_idle()


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def test_a_database_from_before_migrations_is_adopted_with_every_row(tmp_path):
    path = _old_database(tmp_path / "old")
    before = _counts(path)
    assert before["tickets"] == 3 and before["complaints"] == 1 and before["print_jobs"] == 1
    app = _app(tmp_path / "old")
    with app.app_context():
        assert schema.status().state == "unversioned"
        done = schema.upgrade()
        assert done["state"] == "unversioned" and done["to"] == schema.head()
        assert schema.status().state == "current"
        copy = Path(done["copy"])
    assert _counts(path) == before
    assert _counts(copy) == before  # the safety copy holds the database as it was
    assert _differences(app) == []

    from loket.auth.models import User
    from loket.feedback.models import Complaint
    from loket.queue import core
    from loket.queue.models import Ticket

    with app.app_context():
        numbers = sorted(db.session.scalars(select(Ticket.number)))
        assert numbers == ["A-001", "A-002", "B-001"]
        budi = db.session.scalar(select(User).where(User.username == "budi"))
        assert budi.check_password("rahasia-123") and [c.number for c in budi.counters] == [1]
        complaint = db.session.scalar(select(Complaint))
        assert complaint.name == "Wayan" and "terlalu lama" in complaint.message
        served = db.session.scalar(select(Ticket).where(Ticket.state == "done"))
        assert served is not None and served.finished_at is not None
        # and the adopted database works on: a new ticket, numbered after the day's existing ones
        day_max = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.service_id == served.service_id,
                                                                             Ticket.day == core.local_day()))
        ticket = core.issue_ticket("A")
        assert ticket.number == f"A-{day_max + 1:03d}"


def test_cli_upgrade_adopts_and_status_reports(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from loket.cli import main

    _old_database(tmp_path / "cli")
    monkeypatch.setenv("LOKET_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.delenv("LOKET_DATABASE_URL", raising=False)
    runner = CliRunner()
    behind = runner.invoke(main, ["db", "status"])
    assert behind.exit_code == 1 and "unversioned" in behind.output
    refused = runner.invoke(main, ["day", "report"])  # other commands ask for the upgrade first
    assert refused.exit_code == 2 and "loket db upgrade" in refused.output
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Upgraded the database from before migrations" in result.output and "Safety copy:" in result.output
    assert runner.invoke(main, ["db", "status"]).exit_code == 0
    assert "up to date" in runner.invoke(main, ["db", "upgrade"]).output
    assert runner.invoke(main, ["day", "report"]).exit_code == 0


def test_models_and_migrations_agree_on_sqlite(tmp_path):
    app = _app(tmp_path / "fresh")
    with app.app_context():
        assert schema.status().state == "fresh"
        schema.upgrade()
    assert _differences(app) == []


@pytest.mark.postgres
def test_models_and_migrations_agree_on_postgresql(tmp_path):
    from support import fresh_postgres_url

    app = create_app({"INSTANCE_PATH": str(tmp_path / "pg"), "SQLALCHEMY_DATABASE_URI": fresh_postgres_url()})
    try:
        with app.app_context():
            assert schema.status().state == "fresh"
            schema.upgrade()
            assert schema.status().state == "current"
        assert _differences(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_migration_goes_down_and_up_again(tmp_path, database):
    import flask_migrate

    from support import fresh_postgres_url

    url = fresh_postgres_url() if database == "postgresql" else f"sqlite:///{tmp_path / 'rt.db'}"
    app = create_app({"INSTANCE_PATH": str(tmp_path / "rt"), "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            schema.upgrade(safety_copy=False)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="base")
            assert schema.status().state == "fresh"
            schema.upgrade(safety_copy=False)
            assert schema.status().state == "current"
        assert _differences(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_database_from_a_newer_loket_is_refused(tmp_path):
    app = _app(tmp_path / "newer")
    with app.app_context():
        schema.upgrade(safety_copy=False)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
        assert schema.status().state == "ahead"
        with pytest.raises(schema.SchemaError, match="newer than this Loket"):
            schema.upgrade()


def test_serve_upgrades_an_old_database_after_a_safety_copy(tmp_path):
    """`loket serve` on a 0.1.0 database: migrated at start (copy first), then serving its tickets."""
    import requests

    from support import free_port, start_loket_serve, stop_loket_serve, wait_until_serving

    path = _old_database(tmp_path / "served")
    before = _counts(path)
    port = free_port()
    server = start_loket_serve(tmp_path / "served", port)
    try:
        wait_until_serving(server, port)
        services = requests.get(f"http://127.0.0.1:{port}/api/v1/services", timeout=10)
        assert services.status_code == 200
    finally:
        output = stop_loket_serve(server)
    assert "Upgraded the database from before migrations" in output and "safety copy" in output
    assert "development server" not in output
    copies = list((tmp_path / "served" / "backups").glob("*pre-upgrade*.db"))
    assert len(copies) == 1 and _counts(copies[0]) == before
    after = _counts(path)
    assert {k: after[k] for k in ("tickets", "survey_responses", "complaints", "users", "print_jobs")} == \
        {k: before[k] for k in ("tickets", "survey_responses", "complaints", "users", "print_jobs")}
    app = _app(tmp_path / "served")
    with app.app_context():
        assert schema.status().state == "current"
        db.engine.dispose()


def test_a_failing_upgrade_stops_the_start_once_without_filling_the_disk(tmp_path):
    """A migration that fails (here: a table in the way) stops `loket serve` with exit 2 and a message
    naming the safety copy; starting again (a service manager's restart) makes no new copy."""
    import subprocess
    import sys

    path = _old_database(tmp_path / "broken")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE server_processes (id TEXT)")  # migration 0002 creates this table
    con.commit()
    con.close()
    env = {**__import__("os").environ, "LOKET_INSTANCE": str(tmp_path / "broken"), "LOKET_OFFICE_HOURS": "24/7"}
    env.pop("LOKET_DATABASE_URL", None)
    outputs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-m", "loket.cli", "serve", "--port", "1"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        outputs.append(done.stderr)
    assert all("the database upgrade failed" in out and "loket restore" in out for out in outputs)
    assert "Traceback" not in "".join(outputs)
    copies = sorted((tmp_path / "broken" / "backups").glob("*pre-upgrade*"))
    assert 1 <= len(copies) <= 2  # first the untouched database, then at most one at the adopted stage
    assert _counts(copies[0])["tickets"] == 3


def _check_single_office_adopted(app, *, display_services, display_counters):
    """After 0004: one office "utama" holding everything; officers in it, admins installation-wide;
    kiosk and display serve it; the display's selection kept, as ids."""
    from loket.auth.models import User
    from loket.display.models import Display
    from loket.feedback.models import Complaint
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office
    from loket.queue.models import Counter, Service, Ticket

    with app.app_context():
        offices = db.session.scalars(select(Office)).all()
        assert [(o.code, o.prefix, o.active) for o in offices] == [("utama", "", True)]
        office = offices[0]
        assert office.name.startswith("Bagian Pengadaan")
        for model in (Service, Counter, Ticket, Complaint):
            assert {row.office_id for row in db.session.scalars(select(model))} == {office.id}, model
        roles = {u.username: (u.role, u.office_id) for u in db.session.scalars(select(User))}
        assert all(office_id is None for role, office_id in roles.values() if role == "admin")
        assert all(office_id == office.id for role, office_id in roles.values() if role != "admin")
        assert [o.code for o in db.session.get(Kiosk, "1").offices] == ["utama"]
        display = db.session.get(Display, "1")
        assert [o.code for o in display.offices] == ["utama"]
        assert [db.session.get(Service, i).code for i in display.service_ids] == display_services
        assert [db.session.get(Counter, i).number for i in display.counter_ids] == display_counters
        # numbering goes on unchanged: no prefix for the only office
        from loket.queue import core

        assert core.issue_ticket("C").number == "C-001"
        # and a second office can be added at once (the id sequence is past the migrated office)
        from loket.offices.scope import create_office

        second = create_office("dukcapil", prefix="DK")
        db.session.commit()
        assert second.id != office.id


def test_0004_makes_the_single_office_the_default_office_on_sqlite(tmp_path):
    path = _old_database(tmp_path / "old")
    con = sqlite3.connect(path)
    con.execute("""UPDATE displays SET service_codes = '["B", "A"]', counter_numbers = '[2]'""")
    con.commit()
    con.close()
    app = _app(tmp_path / "old")
    with app.app_context():
        schema.upgrade()
    _check_single_office_adopted(app, display_services=["B", "A"], display_counters=[2])


@pytest.mark.postgres
def test_0004_makes_the_single_office_the_default_office_on_postgresql(tmp_path):
    """The same data migration on PostgreSQL: rows written by the 0003 schema, then upgraded."""
    import flask_migrate
    from sqlalchemy import text

    from support import fresh_postgres_url

    app = create_app({"INSTANCE_PATH": str(tmp_path / "pg"), "SQLALCHEMY_DATABASE_URI": fresh_postgres_url(),
                      "LOKET_OFFICE_HOURS": "24/7"})
    try:
        with app.app_context():
            flask_migrate.upgrade(directory=str(schema.MIGRATIONS), revision="0003")
            statements = [
                "INSERT INTO office (id, name, short_name, address, phone, maklumat, data) VALUES "
                "(1, 'Bagian Pengadaan Barang/Jasa', 'Bagian PBJ', '', '', '', '{}')",
                "INSERT INTO services (id, code, slug, position, name, standard, active) VALUES "
                "(1, 'A', 'a', 0, 'Layanan A', '{}', true), (2, 'B', 'b', 1, 'Layanan B', '{}', true), "
                "(3, 'C', 'c', 2, 'Layanan C', '{}', true)",
                "INSERT INTO counters (id, number, name, paused, active) VALUES (1, 1, 'Loket 1', false, true), "
                "(2, 2, 'Loket 2', false, true)",
                "INSERT INTO users (id, username, display_name, password_hash, role, active, created_at) VALUES "
                "(1, 'admin', 'Admin', 'x', 'admin', true, now()), (2, 'budi', 'Budi', 'x', 'officer', true, now()), "
                "(3, 'sri', 'Sri', 'x', 'supervisor', true, now())",
                "INSERT INTO kiosks (id, name, printer, active) VALUES ('1', 'Kiosk 1', '{}', true)",
                "INSERT INTO displays (id, name, service_codes, counter_numbers, running_text, active) VALUES "
                "('1', 'Display 1', '[\"B\", \"A\"]', '[2]', '', true)",
                "INSERT INTO tickets (id, token, number, seq, day, issued_service_id, service_id, priority, state, "
                "call_count, issued_at, queued_at) VALUES (1, 't1', 'A-001', 1, '2026-11-30', 1, 2, false, "
                "'waiting', 0, now(), now())",
                "INSERT INTO complaints (id, code, category, channel, message, status, received_at) VALUES "
                "(1, 'ABC', 'pengaduan', 'web', 'Lama', 'received', now())",
            ]
            for statement in statements:
                db.session.execute(text(statement))
            # ids were given (the single-office code wrote the office row as id 1 itself, so its
            # sequence stays as the old code left it: the migration must move it)
            for table in ("services", "counters", "users", "tickets", "complaints"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
            db.session.commit()
            schema.upgrade(safety_copy=False)
            assert schema.status().state == "current"
        _check_single_office_adopted(app, display_services=["B", "A"], display_counters=[2])
        assert _differences(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0005_unrendered_slips_survive_a_downgrade_and_upgrade(tmp_path, dialect):
    """0005 lets a ticket's job wait for its first sender without bytes; going back to 0004 (which
    needs bytes) keeps the job, marked failed, and coming back keeps it too."""
    import flask_migrate
    from sqlalchemy import text

    from loket.bootstrap import ensure_ready
    from loket.kiosk import core as kiosk_core
    from loket.printers.models import PrintJob

    app = _dialect_app(tmp_path, dialect)
    try:
        with app.app_context():
            schema.upgrade(safety_copy=False)
            ensure_ready()
            kiosk = kiosk_core.get_kiosk("1")
            kiosk.printer = {}  # no printer: the slip stays unrendered
            db.session.commit()
            ticket, job = kiosk_core.issue(kiosk, "A")
            assert job.payload is None and job.slip["number"] == ticket.number
            job_id = job.id
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0004")
            with db.engine.connect() as conn:
                payload, status, error = conn.execute(
                    text("SELECT payload, status, last_error FROM print_jobs WHERE id = :id"), {"id": job_id}).one()
            assert bytes(payload) == b"" and status == "failed" and "downgrade" in error
            flask_migrate.upgrade(directory=str(schema.MIGRATIONS))
            db.session.remove()
            again = db.session.get(PrintJob, job_id)
            assert again.ticket_id == ticket.id and again.slip is None and again.status == "failed"
            assert _differences(app) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0007_gives_existing_complaints_the_history_their_timestamps_tell(tmp_path, dialect):
    """Complaints made before the workflow get their steps (received, in progress, answered, closed),
    in order and public; going back to 0006 and forward again keeps the complaints."""
    import flask_migrate
    from datetime import datetime
    from sqlalchemy import text

    from loket.bootstrap import ensure_ready
    from loket.feedback.models import ComplaintStep

    app = _dialect_app(tmp_path, dialect)
    try:
        with app.app_context():
            schema.upgrade(safety_copy=False)
            ensure_ready()
            office_id = db.session.scalar(text("SELECT id FROM office"))
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0006")
            with db.engine.begin() as conn:
                for code, answered in (("OPENONE234", False), ("DONETWO345", True)):
                    conn.execute(text(
                        "INSERT INTO complaints (code, category, channel, office_id, message, status, response, "
                        "received_at, in_progress_at, answered_at, closed_at) VALUES (:code, 'pengaduan', 'web', "
                        ":office, 'Lama.', :status, :response, :received, :progress, :answered, :closed)"),
                        {"code": code, "office": office_id, "status": "closed" if answered else "received",
                         "response": "Maaf." if answered else None, "received": datetime(2026, 11, 2, 1),
                         "progress": datetime(2026, 11, 2, 3) if answered else None,
                         "answered": datetime(2026, 11, 3, 2) if answered else None,
                         "closed": datetime(2026, 11, 4, 2) if answered else None})
            flask_migrate.upgrade(directory=str(schema.MIGRATIONS))
            db.session.remove()
            steps = {}
            for step in db.session.scalars(select(ComplaintStep).order_by(ComplaintStep.at, ComplaintStep.id)):
                steps.setdefault(step.complaint_id, []).append((step.kind, step.internal, step.text))
            ids = dict(db.session.execute(text("SELECT code, id FROM complaints")).all())
            assert steps[ids["OPENONE234"]] == [("received", False, None)]
            assert steps[ids["DONETWO345"]] == [("received", False, None), ("status", False, None),
                                                ("answered", False, "Maaf."), ("closed", False, None)]
            assert _differences(app) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0010_keeps_one_follow_up_plan_per_office_and_period(tmp_path, dialect):
    """0010 adds the SKM follow-up plans on a database in use (0009 with tickets and surveys), which
    stay; one plan per office and period; back to 0009 drops only the plans."""
    import flask_migrate
    from datetime import datetime
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from loket.bootstrap import ensure_ready
    from loket.reports.models import SkmFollowUp

    app = _dialect_app(tmp_path, dialect)
    try:
        with app.app_context():
            schema.upgrade(safety_copy=False)
            ensure_ready()
            office_id = db.session.scalar(text("SELECT id FROM office"))
            service_id = db.session.scalar(text("SELECT min(id) FROM services"))
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0009")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO survey_responses (service_id, period, u1, u2, u3, u4, u5, u6, u7, u8, "
                                  "u9) VALUES (:s, :d, 4, 4, 4, 4, 4, 4, 4, 4, 4)"),
                             {"s": service_id, "d": datetime(2026, 3, 2).date()})
            flask_migrate.upgrade(directory=str(schema.MIGRATIONS))
            db.session.remove()
            assert db.session.scalar(text("SELECT count(*) FROM survey_responses")) == 1
            db.session.add(SkmFollowUp(office_id=office_id, period="2026-S1", text="Perbaiki U3."))
            db.session.commit()
            db.session.add(SkmFollowUp(office_id=office_id, period="2026-S1", text="Lagi."))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            assert _differences(app) == []
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0009")
            assert db.session.scalar(text("SELECT count(*) FROM survey_responses")) == 1
            assert "skm_followups" not in sa_inspect(db.engine).get_table_names()
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0011_adds_the_case_tables_to_a_database_in_use_and_drops_only_them(tmp_path, dialect):
    """0011 adds cases (berkas) and their milestones, pauses, documents and log on a database in use
    (0010 with surveys), which stay; a case runs on the new tables (one completion per milestone, one
    case per ticket); back to 0010 drops only the case tables."""
    import flask_migrate
    from datetime import date, datetime
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from loket.bootstrap import ensure_ready
    from loket.cases import core
    from loket.cases.models import CaseMilestone
    from loket.queue.models import Service

    tables = {"cases", "case_milestones", "case_pauses", "case_documents", "case_events"}
    app = _dialect_app(tmp_path, dialect)
    try:
        with app.app_context():
            schema.upgrade(safety_copy=False)
            ensure_ready()
            service_id = db.session.scalar(text("SELECT min(id) FROM services"))
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0010")
            assert not tables & set(sa_inspect(db.engine).get_table_names())
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO survey_responses (service_id, period, u1, u2, u3, u4, u5, u6, u7, u8, "
                                  "u9) VALUES (:s, :d, 4, 4, 4, 4, 4, 4, 4, 4, 4)"),
                             {"s": service_id, "d": datetime(2026, 3, 2).date()})
            flask_migrate.upgrade(directory=str(schema.MIGRATIONS))
            db.session.remove()
            assert db.session.scalar(text("SELECT count(*) FROM survey_responses")) == 1
            selection = db.session.scalar(select(Service).where(Service.code == "D"))
            case = core.register_letter(selection, None, "in_person", "Dinas Kesehatan", "Ni Kadek Ayu",
                                        date(2026, 8, 3), documents_received=[1])
            case = core.documents_arrived(case, None, day=date(2026, 8, 5))
            case = core.complete_milestone(case, "disposisi", None, day=date(2026, 8, 6))
            assert (case.state, len(case.documents), len(case.pauses), case.next_due) == (
                "open", 2, 1, date(2026, 8, 7))
            db.session.add(CaseMilestone(case_id=case.id, key="disposisi", completed_on=date(2026, 8, 7)))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            assert db.session.scalar(text("SELECT count(*) FROM case_events")) == 4
            assert _differences(app) == []
            db.session.remove()
            _background_idle(app)
            flask_migrate.downgrade(directory=str(schema.MIGRATIONS), revision="0010")
            assert db.session.scalar(text("SELECT count(*) FROM survey_responses")) == 1
            assert not tables & set(sa_inspect(db.engine).get_table_names())
            assert "skm_followups" in sa_inspect(db.engine).get_table_names()
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
