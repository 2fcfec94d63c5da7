"""Personal data: complaint contacts, and the contacts of closed cases (berkas), are removed after the
retention period by `loket privacy purge`; the complaint, its status and response stay, and the case too. Surveys never hold a name or a link to a ticket.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from loket.cases import core as cases
from loket.cases.models import Case
from loket.extensions import db
from loket.feedback import complaints, once
from loket.feedback.models import Complaint, FormSubmission
from loket.offices.scope import default_office
from loket.queue.models import Service
from loket.timeutil import local_day, utcnow


def seed(app):
    """Three complaints with contacts (100, 40 and 1 days old) and one anonymous one (200 days old)."""
    now = utcnow()
    with app.app_context():
        for days, name in ((100, "Lama"), (40, "Sedang"), (1, "Baru"), (200, None)):
            item = complaints.submit(category="pengaduan", message=f"umur {days} hari", name=name or "",
                                     contact=f"{name.lower()}@contoh.id" if name else "",
                                     now=now - timedelta(days=days))
            if days == 100:
                complaints.change_status(item, "answered", response="Sudah kami perbaiki.")


def seed_cases(app):
    """Two cancelled cases (berkas) with a contact person, closed 40 and 1 days ago."""
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "D",
                                                          Service.office_id == default_office().id))
        for days, name in ((40, "Ni Luh Putu Sari"), (1, "I Made Wirawan")):
            case = cases.register_letter(service, None, "in_person", "Dinas Kesehatan", name,
                                         local_day() - timedelta(days=days), contact_email="opd@contoh.id",
                                         consent=True)
            case = cases.cancel(case, None, "Permohonan ditarik")
            case.closed_at = utcnow() - timedelta(days=days)
        db.session.commit()


def case_contacts(app) -> dict[str, tuple]:
    with app.app_context():
        return {c.requester + str(c.id): (c.contact_name, c.contact_email, c.contact_purged_at is not None)
                for c in db.session.scalars(select(Case).order_by(Case.id))}


def contacts(app) -> dict[str, tuple]:
    with app.app_context():
        db.session.expire_all()
        return {c.message: (c.name, c.contact, c.contact_purged_at is not None, c.status, c.response)
                for c in db.session.scalars(select(Complaint))}


def run_cli(app, *args, retention=None):
    env = dict(os.environ, LOKET_INSTANCE=app.instance_path,
               LOKET_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], LOKET_OFFICE_HOURS="24/7")
    env.pop("LOKET_CONTACT_RETENTION_DAYS", None)
    if retention is not None:
        env["LOKET_CONTACT_RETENTION_DAYS"] = str(retention)
    code = "from loket.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, "privacy", "purge", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_purge_command_removes_contacts_after_the_configured_retention(app):
    seed(app)
    seed_cases(app)
    result = run_cli(app, retention=30)
    assert result.returncode == 0, result.stderr
    assert ("Removed contact details from 2 complaint(s) received and 1 case(s) closed more than 30 days ago"
            in result.stdout)
    assert list(case_contacts(app).values()) == [(None, None, True),
                                                 ("I Made Wirawan", "opd@contoh.id", False)]
    after = contacts(app)
    assert after["umur 100 hari"] == (None, None, True, "answered", "Sudah kami perbaiki.")
    assert after["umur 40 hari"] == (None, None, True, "received", None)
    assert after["umur 1 hari"] == ("Baru", "baru@contoh.id", False, "received", None)
    assert after["umur 200 hari"] == (None, None, False, "received", None)  # nothing to remove
    # running it again finds nothing more
    again = run_cli(app, retention=30)
    assert "from 0 complaint(s) received and 0 case(s)" in again.stdout


def test_purge_command_default_and_days_option(app):
    seed(app)
    default = run_cli(app)  # 90 days unless configured
    assert default.returncode == 0, default.stderr
    assert "from 1 complaint(s) received and 0 case(s) closed more than 90 days ago" in default.stdout
    assert contacts(app)["umur 40 hari"][:2] == ("Sedang", "sedang@contoh.id")
    option = run_cli(app, "--days", "0", retention=365)
    assert "from 2 complaint(s) received and 0 case(s) closed more than 0 days ago" in option.stdout
    assert all(value[:2] == (None, None) for value in contacts(app).values())
    bad = run_cli(app, "--days", "-1")
    assert bad.returncode != 0 and contacts(app)  # refused, nothing happened


def test_purged_contact_is_marked_for_supervisors(app, make_user):
    seed(app)
    with app.app_context():
        assert complaints.purge_contacts(days=30) == 2
        item = db.session.scalar(select(Complaint).where(Complaint.message == "umur 40 hari"))
        item_id = item.id
    make_user("supervisor1", role="supervisor", counters=())
    supervisor = app.test_client()
    assert supervisor.post("/login", data={"username": "supervisor1", "password": "rahasia-123"}).status_code == 302
    page = supervisor.get(f"/admin/pengaduan/{item_id}").get_data(as_text=True)
    assert "dihapus sesuai masa simpan" in page and "sedang@contoh.id" not in page


def test_purge_also_clears_old_one_time_form_keys(app):
    with app.app_context():
        today = local_day()
        db.session.add(FormSubmission(nonce="a" * 22, day=today - timedelta(days=once.KEEP_DAYS + 1)))
        db.session.add(FormSubmission(nonce="b" * 22, day=today))
        db.session.commit()
        complaints.purge_contacts()
        assert [f.nonce for f in db.session.scalars(select(FormSubmission))] == ["b" * 22]


def test_the_server_runs_the_purge_by_itself(app):
    from loket.ops import scheduler

    assert scheduler.JOBS["privacy_purge"].fn is complaints.purge_contacts_job
    assert complaints.purge_contacts_job.schedule_seconds == 6 * 3600
    seed(app)
    with app.app_context():
        assert complaints.purge_contacts_job(app) == 1  # the 100-day-old contact, with the default 90 days
    assert contacts(app)["umur 100 hari"][:2] == (None, None)
