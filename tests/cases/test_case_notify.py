"""Email to a case's contact person (loket.cases.notify) through a real SMTP server on 127.0.0.1 (aiosmtpd):
what the mails for a milestone, waiting, done and cancelled say, who never gets one, settings, and a server down.

The officer acts through the case pages; mails go out from the background worker after the answer, so each test
waits for that worker (`notify.wait_sent`) before it reads the inbox.
"""
from __future__ import annotations

import email
import logging
import threading
from datetime import timedelta
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from loket import config, create_app
from loket.auth.models import User
from loket.cases import core, notify
from loket.cases.models import CANCELLED, Case
from loket.extensions import db
from loket.offices.scope import default_office
from loket.queue.models import Service
from loket.timeutil import local_day
from support import free_port, login

REQUESTER, CONTACT, EMAIL = "Dinas Pekerjaan Umum dan Penataan Ruang", "Ni Luh Putu Sari", "sari@pupr.example.go.id"


class Inbox:
    """aiosmtpd handler keeping every mail it accepts."""

    def __init__(self):
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        mail = email.message_from_bytes(envelope.original_content, policy=email_policy)
        mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.mails.append(mail)
        return "250 OK"


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    controller, inbox = start_server(smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def app_config(smtp_port):
    return {"LOKET_SMTP": config.smtp_settings(f"smtp://127.0.0.1:{smtp_port}", "loket@lpse.example.go.id")}


@pytest.fixture
def budi(app, make_user):
    """An officer of the first office at counters 2, 4 and 6 (the services with milestones), logged in."""
    make_user("budi", counters=(2, 4, 6))
    return login(app.test_client(), "budi")


def _letter(app, code="D", *, contact_email=EMAIL, consent=True, **kwargs) -> tuple[int, str, str]:
    """A letter registered by budi today: (id, code, token)."""
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == "budi"))
        service = db.session.scalar(select(Service).where(Service.code == code,
                                                          Service.office_id == default_office().id))
        case = core.register_letter(service, actor, {"D": "in_person", "B": "in_person"}.get(code, "e_surat"),
                                    REQUESTER, CONTACT, local_day(), contact_email=contact_email, consent=consent,
                                    assignee=actor, **kwargs)
        found = (case.id, case.code, case.token)
        db.session.remove()
    return found


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _no_personal_data(mail) -> None:
    whole = mail.as_string() + _text(mail)
    assert CONTACT not in whole and "Sari" not in _text(mail) and REQUESTER not in whole
    assert EMAIL not in _text(mail)  # the address is only on the envelope and the To header


# --- what is sent ---------------------------------------------------------------------------

def test_milestone_waiting_and_done_mail_the_code_link_step_and_due_date_without_the_contact(app, budi, inbox):
    case_id, code, token = _letter(app)
    for action, data in (("selesaikan", {"milestone": "disposisi", "note": "Surat tugas 12"}),
                         ("tunggu", {"missing": "Revisi HPS"}), ("lengkap", {}),
                         ("selesaikan", {"milestone": "reviu_dpp"}), ("metode", {"variant": "tender_cepat"}),
                         ("selesaikan", {"milestone": "pemilihan"})):
        assert budi.post(f"/admin/berkas/{case_id}/{action}", data=data).status_code == 303, action
    assert notify.wait_sent(app)

    # Four events ask for a mail: two milestones, the wait, the end (not the documents' arrival or the method).
    milestone = f"{code}: Tahap berkas selesai / Case milestone completed"
    assert [mail["Subject"] for mail in inbox.mails] == [
        milestone, f"{code}: Berkas menunggu kelengkapan dari Anda / Case waiting for your documents", milestone,
        f"{code}: Berkas Anda selesai / Your case is completed"]
    link = f"http://loket.test/b/{token}"
    for mail in inbox.mails:
        text = _text(mail)
        assert mail["To"] == EMAIL and mail["X-Envelope-To"] == EMAIL and mail["From"] == "loket@lpse.example.go.id"
        assert text.count(f"Lacak berkas Anda: {link}") == 1 and text.count(f"Track your case: {link}") == 1
        assert f"Berkas {code}" in text and f"Case {code}" in text and "Pemilihan Penyedia" in text
        assert text.index("Layanan:") < text.index("Service:")  # Indonesian first, the English below
        assert "Surat tugas 12" not in text  # the officers' notes stay inside
        _no_personal_data(mail)

    with app.app_context():
        dues = {due.key: due.due for due in core.due_dates(db.session.get(Case, case_id))}
    first, waiting, _, done = (_text(mail) for mail in inbox.mails)
    assert "Tahap selesai: Penerimaan surat permohonan dan Dokumen Persiapan Pengadaan" in first
    review_due = dues["reviu_dpp"]  # the wait began and ended today: it moved no due date
    assert f"Tahap berikutnya: Reviu Dokumen Persiapan Pengadaan antara Pokja Pemilihan dengan PPK/KPA (OPD " \
           f"Pemohon), paling lambat {review_due.day} " in first
    assert "Next milestone: Reviu Dokumen Persiapan Pengadaan antara Pokja Pemilihan dengan PPK/KPA (OPD Pemohon), " \
           f"due {review_due:%B} {review_due.day}, {review_due.year}" in first
    assert "Kantor menunggu dari Anda: Revisi HPS" in waiting
    assert "The office is waiting for you to send: Revisi HPS" in waiting and "paling lambat" not in waiting
    assert "(BAHP) (Tender Cepat)" in done and "Tahap berikutnya" not in done


def test_a_cancelled_case_is_mailed_without_the_reason(app, budi, inbox):
    case_id, code, _ = _letter(app)
    assert budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "Ditarik oleh Ibu Sari"}).status_code == 303
    assert notify.wait_sent(app)
    [mail] = inbox.mails
    assert mail["Subject"] == f"{code}: Berkas Anda dibatalkan / Your case was cancelled"
    assert "Hubungi kantor" in _text(mail) and "Ditarik" not in _text(mail)
    _no_personal_data(mail)


def test_a_letter_registered_without_its_documents_mails_what_is_missing(app, budi, inbox):
    _, code, _ = _letter(app, documents_received=[1])  # the DPP is missing
    assert notify.wait_sent(app)
    [mail] = inbox.mails
    assert mail["Subject"] == f"{code}: Berkas menunggu kelengkapan dari Anda / Case waiting for your documents"
    assert "Kantor menunggu dari Anda: Dokumen Persiapan Pemilihan (DPP)" in _text(mail)


# --- who never gets one --------------------------------------------------------------------------

def test_no_mail_without_an_address_and_consent(app, budi, inbox):
    without, _, _ = _letter(app, contact_email=None, consent=False)
    withdrawn, _, _ = _letter(app)
    consenting, code, _ = _letter(app)
    with app.app_context():  # consent withdrawn (or an old row): the address alone is not enough
        db.session.get(Case, withdrawn).contact_consent = False
        db.session.commit()
    for case_id in (without, withdrawn, consenting):
        assert budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"}).status_code == 303
    assert notify.wait_sent(app)
    assert [mail["Subject"].split(":")[0] for mail in inbox.mails] == [code]  # the consenting one only


def test_a_purged_contact_gets_nothing_even_for_an_event_from_before_the_purge(app, budi, inbox):
    case_id, _, _ = _letter(app)
    assert budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "Ditarik"}).status_code == 303
    assert notify.wait_sent(app) and len(inbox.mails) == 1
    event = next(e for e in app.extensions["loket.publisher"].sent if e.name == "case.cancelled")
    with app.app_context():
        assert core.purge_contacts(days=0) == 1
        db.session.commit()
    notify.deliver(app, [notify.notice_for(event)])  # the same event's mail, had it still been queued
    assert len(inbox.mails) == 1


@pytest.mark.parametrize("app_config", [{"LOKET_SMTP": None}])
def test_without_smtp_nothing_is_sent_or_queued(app, budi, inbox, published):
    case_id, _, _ = _letter(app)
    assert budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"}).status_code == 303
    assert budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "x"}).status_code == 303
    assert {"case.milestone", "case.cancelled"} <= {event.name for event in published}
    assert notify.WORKER not in app.extensions and notify.wait_sent(app)
    assert inbox.mails == []


# --- settings ---------------------------------------------------------------------------------

def test_the_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOKET_SMTP_URL", "smtp+starttls://lpse%40example.go.id:p%40ss%3Aw0rd@mail.example.go.id")
    monkeypatch.setenv("LOKET_SMTP_FROM", "loket@example.go.id")
    settings = config.from_environment(tmp_path)["LOKET_SMTP"]
    assert (settings.host, settings.port, settings.security) == ("mail.example.go.id", 587, "starttls")
    assert (settings.user, settings.password, settings.sender) == ("lpse@example.go.id", "p@ss:w0rd",
                                                                   "loket@example.go.id")
    assert "w0rd" not in repr(settings)
    assert config.smtp_settings("smtps://mail.example.go.id", "a@example.go.id").port == 465
    monkeypatch.delenv("LOKET_SMTP_URL")
    assert config.from_environment(tmp_path)["LOKET_SMTP"] is None


@pytest.mark.parametrize("url, sender, setting", [
    ("mail.example.go.id", "loket@example.go.id", "LOKET_SMTP_URL"),  # no scheme
    ("http://mail.example.go.id", "loket@example.go.id", "LOKET_SMTP_URL"),
    ("smtp://mail.example.go.id?starttls=1", "loket@example.go.id", "LOKET_SMTP_URL"),  # say it in the scheme
    ("smtp://user:s3cret@mail.example.go.id:99999", "loket@example.go.id", "LOKET_SMTP_URL"),
    ("smtp://user:s3cret@mail.example.go.id:587", "", "LOKET_SMTP_FROM"),
    ("smtp://mail.example.go.id", "loket", "LOKET_SMTP_FROM"),
])
def test_bad_smtp_settings_stop_the_app_with_a_message_naming_the_setting(monkeypatch, tmp_path, url, sender,
                                                                           setting):
    monkeypatch.setenv("LOKET_SMTP_URL", url)
    monkeypatch.setenv("LOKET_SMTP_FROM", sender)
    with pytest.raises(config.ConfigError, match=setting) as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert "s3cret" not in str(refused.value)


# --- a server that does not answer -------------------------------------------------------------------

@pytest.fixture
def held_retries(monkeypatch):
    """notify's backoff sleeps recorded instead of slept; the first one waits until the test lets it go."""
    state = {"delays": [], "entered": threading.Event(), "release": threading.Event()}

    def sleep(seconds):
        state["delays"].append(seconds)
        state["entered"].set()
        assert state["release"].wait(30), "the test never let the retries go on"

    monkeypatch.setattr(notify, "_sleep", sleep)
    return state


def test_a_server_down_neither_breaks_nor_holds_the_officers_action(app, budi, held_retries, caplog):
    # Nothing listens on the configured port (no `inbox` here).
    case_id, code, _ = _letter(app)
    caplog.set_level(logging.WARNING, logger="loket.cases.notify")
    response = budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"})
    assert response.status_code == 303
    # The mail's first attempt failed and its retry is held: the change is committed and the pages answer.
    assert held_retries["entered"].wait(30)
    assert budi.get(f"/admin/berkas/{case_id}").status_code == 200
    with app.app_context():
        assert [m.key for m in db.session.get(Case, case_id).completions] == ["disposisi"]
    assert budi.post(f"/admin/berkas/{case_id}/batalkan", data={"reason": "x"}).status_code == 303
    with app.app_context():
        assert db.session.get(Case, case_id).state == CANCELLED

    held_retries["release"].set()
    assert notify.wait_sent(app, 60)
    # Each mail: tried, then again after each backoff delay, then given up and logged with its code only.
    assert held_retries["delays"] == list(notify.RETRY_DELAYS) * 2
    given_up = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(given_up) == 2 and all(code in line and EMAIL not in line for line in given_up)


def test_a_mail_is_sent_once_the_server_is_back(app, budi, smtp_port, monkeypatch):
    case_id, code, _ = _letter(app)
    started = []

    def server_comes_back(seconds):  # the backoff: the server starts meanwhile
        started.append(start_server(smtp_port))

    monkeypatch.setattr(notify, "_sleep", server_comes_back)
    assert budi.post(f"/admin/berkas/{case_id}/selesaikan", data={"milestone": "disposisi"}).status_code == 303
    assert notify.wait_sent(app)
    try:
        [(_, inbox)] = started
        assert [mail["Subject"] for mail in inbox.mails] == [f"{code}: Tahap berkas selesai / Case milestone completed"]
    finally:
        for controller, _ in started:
            controller.stop()


def test_a_next_step_already_late_is_not_promised_for_a_past_day(app, budi, inbox):
    """A milestone recorded late (done on its day, entered a week after): the next one is due already."""
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == "budi"))
        service = db.session.scalar(select(Service).where(Service.code == "D",
                                                          Service.office_id == default_office().id))
        received = local_day() - timedelta(days=14)
        case = core.register_letter(service, actor, "in_person", REQUESTER, CONTACT, received, contact_email=EMAIL,
                                    consent=True, assignee=actor)
        first_due = core.due_dates(case)[0].due
        core.complete_milestone(case, "disposisi", actor, day=first_due)
        review_due = core.due_dates(case)[1].due
        db.session.remove()
    assert review_due < local_day()
    assert notify.wait_sent(app)
    text = _text(inbox.mails[-1])
    assert "paling lambat" not in text and "sudah lewat; kami sedang memprosesnya" in text
    assert f"{review_due.day}" in text and "has passed; we are working on it" in text
