"""Optional email to a case's contact person (only with consent and LOKET_SMTP_URL set) when a milestone completes,
the office waits for documents, or the case is done or cancelled: sent after the commit, never in the request.

`case_changed` follows every app's publisher (registered in `loket.events.SUBSCRIBERS`): it only queues the
event's public view of the case on one ordered background worker per app, which reads the recipient from the
database when it sends (a contact purged or withdrawn meanwhile gets nothing) and retries a few times with backoff.
The mail carries the case's code, its tracking link, the service, the step and the next due date: nothing
about the applicant. It is written in Bahasa Indonesia with the English below it: a case does not keep the
language its contact speaks, and the one mail then reads for both.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import force_locale, gettext

from loket.background import OrderedWorker
from loket.config import SmtpSettings
from loket.events import DomainEvent, subscribe_everywhere

log = logging.getLogger(__name__)

# Seconds between attempts at one mail; after the last the mail is given up (logged with the case's code).
RETRY_DELAYS = (10, 60, 300)
TIMEOUT = 15  # seconds an SMTP server may take to answer one step
WORKER = "loket.case_mail"  # app.extensions key
KINDS = {"case.milestone": "milestone", "case.waiting": "waiting", "case.done": "done", "case.cancelled": "cancelled"}
LANGUAGES = ("id", "en")  # the order of the parts of each mail


@dataclass(frozen=True)
class Notice:
    """One mail to write: which case, why, and the case's public view at the moment of the event."""

    case_id: int
    kind: str  # a value of KINDS
    view: dict  # loket.cases.core.public_view


def notice_for(event: DomainEvent) -> Notice | None:
    """The mail an event asks for, if any. A case registered without some documents starts by waiting for them:
    that is a "waiting" mail too (the applicant who sent a letter learns what is missing)."""
    view = next((payload for room, payload in event.private.items() if room.startswith("case:")), None)
    if view is None or "case" not in event.public:
        return None
    kind = KINDS.get(event.name)
    if event.name == "case.opened" and view.get("state") == "waiting":
        kind = "waiting"
    return Notice(event.public["case"], kind, view) if kind else None


@subscribe_everywhere
def case_changed(event: DomainEvent) -> None:
    """Publisher subscriber, called after the commit inside the request: queue the mail, send nothing here."""
    if not event.name.startswith("case."):
        return
    app = current_app._get_current_object()
    if app.config.get("LOKET_SMTP") is None:
        return  # no mail server: nothing is sent and nothing waits
    notice = notice_for(event)
    if notice is not None:
        _worker(app).put(notice)


def _worker(app) -> OrderedWorker:
    worker = app.extensions.get(WORKER)
    if worker is None:
        worker = app.extensions.setdefault(WORKER, OrderedWorker("loket-case-mail", lambda batch: deliver(app, batch)))
    return worker


def wait_sent(app, timeout: float | None = 10.0) -> bool:
    """Wait until every mail queued so far was sent or given up (tests, shutdown); True when nothing was queued."""
    worker = app.extensions.get(WORKER)
    return worker is None or worker.wait_idle(timeout)


def deliver(app, notices: list[Notice]) -> None:
    """The worker's side: write each mail (recipient read now) and send it, retrying."""
    settings: SmtpSettings | None = app.config.get("LOKET_SMTP")
    for notice in notices:
        with app.app_context():
            message = compose(notice, settings) if settings else None
        if message is not None:
            send_with_retries(settings, message, notice.view.get("code", "?"))


def recipient(case) -> str | None:
    """The contact's address while the contact agreed and has not been purged; None otherwise."""
    if case is None or not case.contact_consent or case.contact_purged_at is not None:
        return None
    return case.contact_email or None


def compose(notice: Notice, settings: SmtpSettings) -> EmailMessage | None:
    """The mail for `notice`, or None when its case may not be mailed. Needs an app context."""
    from loket.cases.models import Case
    from loket.cases.slip import track_url
    from loket.extensions import db

    case = db.session.get(Case, notice.case_id)
    to = recipient(case)
    if to is None:
        return None
    url = track_url(case)
    parts = []
    for language in LANGUAGES:
        with force_locale(language):
            parts.append((_headline(notice.kind), _body(notice, url)))
    message = EmailMessage()
    message["Subject"] = f"{notice.view['code']}: " + " / ".join(headline for headline, _ in parts)
    message["From"] = settings.sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to it
    message.set_content("\n\n-----\n\n".join(body for _, body in parts) + "\n")
    return message


def _headline(kind: str) -> str:
    # Own wordings, not the pages' short labels: another area may translate those differently.
    return {"milestone": gettext("Tahap berkas selesai"), "waiting": gettext("Berkas menunggu kelengkapan dari Anda"),
            "done": gettext("Berkas Anda selesai"), "cancelled": gettext("Berkas Anda dibatalkan")}[kind]


def _day(iso: str | None) -> str:
    from loket.templating import shown_moment

    return shown_moment(date.fromisoformat(iso), "long_date") if iso else ""


def _step(milestone: dict) -> str:
    """A milestone as the standard names it, with the variant that sets its length (Tender Cepat, LKPP)."""
    return f"{milestone['name']} ({milestone['variant']})" if milestone.get("variant") else milestone["name"]


def _body(notice: Notice, url: str) -> str:
    """One language's text (the current locale): code, service, step, next due date, what is missing, the link."""
    view = notice.view
    milestones = view.get("milestones") or []
    done = [m for m in milestones if m.get("status") == "done"]
    running = next((m for m in milestones if m.get("key") == view.get("next")), None)
    lines = [gettext("Berkas %(code)s: %(headline)s", code=view["code"], headline=_headline(notice.kind)),
             gettext("Layanan: %(service)s", service=view["service"])]
    if notice.kind in ("milestone", "done") and done:
        lines.append(gettext("Tahap selesai: %(milestone)s (%(day)s)", milestone=_step(done[-1]),
                             day=_day(done[-1].get("completed"))))
    if notice.kind == "waiting":
        lines.append(gettext("Kantor menunggu dari Anda: %(missing)s", missing=view.get("waiting_for") or "-"))
        lines.append(gettext("Batas waktu berhenti sampai kelengkapan itu diterima."))
    if running is not None and notice.kind in ("milestone", "waiting"):
        if view.get("next_due") and running.get("late_days"):  # recorded late: its due date is already past
            lines.append(gettext("Tahap berikutnya: %(milestone)s. Targetnya, %(day)s, sudah lewat; kami sedang "
                                 "memprosesnya.", milestone=_step(running), day=_day(view["next_due"])))
        elif view.get("next_due"):
            lines.append(gettext("Tahap berikutnya: %(milestone)s, paling lambat %(day)s", milestone=_step(running),
                                 day=_day(view["next_due"])))
        else:
            lines.append(gettext("Tahap berikutnya: %(milestone)s", milestone=_step(running)))
    if notice.kind == "cancelled":
        lines.append(gettext("Berkas ini ditutup tanpa diselesaikan. Hubungi kantor bila ada pertanyaan."))
    lines += ["", gettext("Lacak berkas Anda: %(url)s", url=url), "",
              gettext("Anda menerima email ini karena menyetujui pemberitahuan untuk berkas ini. "
                      "Jangan membalas email ini.")]
    return "\n".join(lines)


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """One attempt: connect, secure the line as configured, log in if configured, hand the mail over."""
    context = ssl.create_default_context()
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # a greenlet's sleep under the production server's gevent


def send_with_retries(settings: SmtpSettings, message: EmailMessage, code: str) -> bool:
    """Send, trying again after each of RETRY_DELAYS; False (logged) when every attempt failed.
    The log names the case's code, never the address."""
    for attempt, delay in enumerate((*RETRY_DELAYS, None), 1):
        try:
            send(settings, message)
            return True
        except (OSError, smtplib.SMTPException) as exc:
            if delay is None:
                log.error("case %s: notification not sent after %d attempts (%s: %s)", code, attempt,
                          type(exc).__name__, exc)
                return False
            log.warning("case %s: notification not sent (attempt %d: %s: %s); trying again in %s s", code,
                        attempt, type(exc).__name__, exc, delay)
            _sleep(delay)
    return False  # pragma: no cover - the loop returns
