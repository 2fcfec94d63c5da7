"""Print jobs: record a slip for a kiosk's printer, send it in the background, retry until it prints.

Issuing never waits for or fails on a printer. A ticket's slip costs its request one INSERT in the
ticket's own transaction (`add_ticket_job`: what the slip says, not yet rendered); after the commit
a thread (a greenlet under the production server) sends it. The first sender renders the ESC/POS
bytes and stores them with its claim, so every retry prints exactly the same slip. `submit` does the
same for other slips (a complaint receipt, a case's slip, a test ticket), rendered at once. `retry_pending` (every
5 s in the server) re-sends failed ones. A conditional UPDATE claims a job before sending, so two
senders can never print the same slip twice.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Union

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.blocking import blocking
from loket.printers.connections import PrinterConfigError, PrinterUnavailable, print_bytes, validate_config
from loket.printers.layout import CaseSlip, ComplaintSlip, TicketSlip, render_slip_bytes
from loket.printers.models import FAILED, PENDING, SENDING, SENT, PrintJob
from loket.timeutil import utcnow
from loket.ops.scheduler import every

log = logging.getLogger(__name__)

Slip = Union[TicketSlip, ComplaintSlip, CaseSlip]

# A job left in "sending" this long (a crashed sender) may be claimed again.
STALE_SENDING = timedelta(seconds=120)
# A fresh pending job belongs to the thread `submit` started; the retrier leaves it alone a moment.
FRESH_PENDING = timedelta(seconds=3)
DEFAULT_RETRY_MINUTES = 5

_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


# --- building slips --------------------------------------------------------------------------

def ticket_slip(ticket) -> TicketSlip:
    """What a ticket's paper slip shows (office-local time, people ahead, the ticket page's URL)."""
    from loket.kiosk.links import ticket_url
    from loket.queue import core
    from loket.timeutil import to_local

    return TicketSlip(
        office_name=ticket.service.office.name,
        number=ticket.number,
        service_name=ticket.service.name,
        issued_at=to_local(ticket.issued_at),
        ahead=core.people_ahead(ticket),
        url=ticket_url(ticket.token),
        priority=bool(ticket.priority),
    )


def ticket_slip_data(ticket) -> dict:
    """What a ticket's slip says, kept with its job until a sender renders it. Costs no query: the
    ticket, its service and office are loaded when it is issued. The people ahead are counted when
    the slip is rendered (a moment later), see `_ticket_slip_from`."""
    from loket.kiosk.links import ticket_url

    return {
        "office_name": ticket.service.office.name,
        "number": ticket.number,
        "service_name": ticket.service.name,
        "issued_at": ticket.issued_at.isoformat(),
        "url": ticket_url(ticket.token),
        "priority": bool(ticket.priority),
    }


def _ticket_slip_from(job: PrintJob) -> TicketSlip:
    from loket.queue import core
    from loket.queue.models import Ticket
    from loket.timeutil import to_local

    data = job.slip or {}
    ticket = db.session.get(Ticket, job.ticket_id) if job.ticket_id is not None else None
    return TicketSlip(
        office_name=data["office_name"],
        number=data["number"],
        service_name=data["service_name"],
        issued_at=to_local(datetime.fromisoformat(data["issued_at"])),
        ahead=core.people_ahead(ticket) if ticket is not None else 0,
        url=data["url"],
        priority=bool(data.get("priority")),
    )


def test_slip(kiosk) -> TicketSlip:
    """A sample ticket for checking a printer; its QR leads to the kiosk's home page."""
    from loket.kiosk.links import public_base_url
    from loket.timeutil import to_local

    offices = kiosk.offices
    return TicketSlip(
        office_name=offices[0].name if len(offices) == 1 else (kiosk.name or kiosk.id),
        number="TES-000",
        service_name=f"Tes printer {kiosk.name or kiosk.id}",
        issued_at=to_local(utcnow()),
        ahead=0,
        url=f"{public_base_url()}/kiosk/{kiosk.id}",
    )


test_slip.__test__ = False  # not a pytest test, despite the name


def _kind(slip: Slip) -> str:
    if isinstance(slip, CaseSlip):
        return "case"
    return "complaint" if isinstance(slip, ComplaintSlip) else "ticket"


# --- submitting and sending -------------------------------------------------------------------

def _printer_settings(kiosk) -> tuple[str, str, str | None]:
    """(paper, QR mode, error): the error when the kiosk has no usable printer."""
    config = kiosk.printer or {}
    try:
        cfg = validate_config(config)
    except PrinterConfigError as exc:
        return "80mm", "native", str(exc) if config else "No printer is configured for this kiosk."
    return cfg["paper"], cfg["qr"], None


def add_ticket_job(kiosk, ticket) -> tuple[PrintJob, DomainEvent]:
    """Add `ticket`'s slip for `kiosk`'s printer to the session, not committed: the caller commits it
    with the ticket (one transaction), publishes the event, then calls `start`."""
    _paper, _qr, error = _printer_settings(kiosk)
    job = PrintJob(kiosk_id=kiosk.id, ticket_id=ticket.id, kind="ticket", payload=None,
                   slip=ticket_slip_data(ticket), status=FAILED if error else PENDING, last_error=error,
                   created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    return job, _job_event(job)


def start(job_id: int, status: str) -> None:
    """After the job is committed: send it in the background (unless the kiosk has no printer).
    Takes the id and status read before the commit, so starting costs no query."""
    if status == PENDING:
        _start_thread(current_app._get_current_object(), job_id)


def submit(kiosk, slip: Slip, *, ticket=None, kind: str | None = None, background: bool = True) -> PrintJob:
    """Record a print job for `kiosk` (committed) and start sending it; never raises for the printer.

    The ESC/POS bytes are rendered now, with the kiosk's paper width and QR mode, so a later retry
    prints exactly what the visitor was promised.
    """
    paper, qr, error = _printer_settings(kiosk)
    job = PrintJob(
        kiosk_id=kiosk.id,
        ticket_id=getattr(ticket, "id", None),
        kind=kind or _kind(slip),
        payload=render_slip_bytes(slip, paper=paper, qr_mode=qr),
        status=FAILED if error else PENDING,
        last_error=error,
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    commit_and_publish(_job_event(job))
    if error is None:
        if background:
            start(job.id, job.status)
        else:
            send(job.id)
            db.session.refresh(job)
    return job


def _start_thread(app, job_id: int) -> None:
    thread = threading.Thread(target=_send_in_thread, args=(app, job_id), name=f"print-job-{job_id}", daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def _send_in_thread(app, job_id: int) -> None:
    try:
        with app.app_context():
            try:
                send(job_id)
            except Exception:  # never let a printer problem escape a background thread silently
                log.exception("print job %s could not be sent", job_id)
            finally:
                db.session.remove()
    finally:
        with _threads_lock:
            _threads.discard(threading.current_thread())


def wait_for_sends(timeout: float = 10.0) -> None:
    """Wait for the background sends started so far (tests and the command line use this)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)


def _render(job_id: int) -> bytes | None:
    """The bytes of a job not rendered yet (a ticket's slip), with its kiosk's paper and QR mode;
    None when it already has its bytes. Read-only: the claim stores them."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.payload is not None or not job.slip:
        return None
    from loket.kiosk.models import Kiosk

    kiosk = db.session.get(Kiosk, job.kiosk_id)
    paper, qr, _error = _printer_settings(kiosk) if kiosk is not None else ("80mm", "native", None)
    return render_slip_bytes(_ticket_slip_from(job), paper=paper, qr_mode=qr)


def _claim(job_id: int):
    """Take a job for sending; returns the claim time, or None when someone else has it or it is done.

    A job's first claim also stores its rendered bytes (unless another sender stored them first)."""
    rendered = _render(job_id)
    db.session.commit()  # end the read before the write: SQLite writers must not wait on us
    now = utcnow()
    values = {"status": SENDING, "claimed_at": now, "attempts": PrintJob.attempts + 1}
    if rendered is not None:
        values["payload"] = func.coalesce(PrintJob.payload, rendered)
    claimed = db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id,
               or_(PrintJob.status.in_((PENDING, FAILED)),
                   and_(PrintJob.status == SENDING, PrintJob.claimed_at < now - STALE_SENDING)))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    commit_and_publish()  # the claim must be durable before the printer is touched
    return now if claimed == 1 else None


def send(job_id: int) -> str | None:
    """Send one job if it can be claimed; returns its new status (None when not claimed)."""
    claimed_at = _claim(job_id)
    if claimed_at is None:
        return None
    job = db.session.get(PrintJob, job_id)
    db.session.refresh(job)
    from loket.kiosk.models import Kiosk

    kiosk = db.session.get(Kiosk, job.kiosk_id)
    config = (kiosk.printer if kiosk else None) or {}
    # Close the read transaction: the printer may take seconds and SQLite writers must not wait on us.
    payload = bytes(job.payload)
    db.session.commit()
    try:
        if not config:
            raise PrinterConfigError("No printer is configured for this kiosk.")
        blocking(print_bytes, config, payload)
    except (PrinterUnavailable, PrinterConfigError) as exc:
        return _finish(job_id, claimed_at, FAILED, str(exc)[:1000])
    except Exception as exc:  # an unexpected driver error must still leave the job retryable
        log.exception("print job %s failed", job_id)
        return _finish(job_id, claimed_at, FAILED, f"{type(exc).__name__}: {exc}"[:1000])
    return _finish(job_id, claimed_at, SENT, None)


def _finish(job_id: int, claimed_at, status: str, error: str | None) -> str:
    values = {"status": status, "last_error": error}
    if status == SENT:
        values["sent_at"] = utcnow()
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.status == SENDING, PrintJob.claimed_at == claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    job = db.session.get(PrintJob, job_id)
    db.session.refresh(job)
    commit_and_publish(_job_event(job))
    if status == FAILED:
        log.warning("print job %s for kiosk %s failed: %s", job_id, job.kiosk_id, error)
    return status


def _job_event(job: PrintJob) -> DomainEvent:
    # Only in-process subscribers: printer trouble is staff business, not for public screens.
    return DomainEvent(
        "printer.job",
        {"job": job.id, "kiosk": job.kiosk_id, "kind": job.kind, "status": job.status,
         "attempts": job.attempts, "error": job.last_error},
        rooms=(),
    )


@every(5, name="print_retry")
def retry_pending(app=None) -> int:
    """Re-send failed (and forgotten pending) jobs of the last few minutes, oldest first.

    A kiosk whose printer fails once is skipped for the rest of the round, so a dead printer
    costs one connection attempt per round, not one per queued slip. Returns how many printed.
    """
    app = app or current_app
    minutes = app.config.get("LOKET_PRINT_RETRY_MINUTES", DEFAULT_RETRY_MINUTES)
    now = utcnow()
    rows = db.session.execute(
        select(PrintJob.id, PrintJob.kiosk_id)
        .where(PrintJob.created_at >= now - timedelta(minutes=minutes),
               or_(PrintJob.status == FAILED,
                   and_(PrintJob.status == PENDING, PrintJob.created_at < now - FRESH_PENDING),
                   and_(PrintJob.status == SENDING, PrintJob.claimed_at < now - STALE_SENDING)))
        .order_by(PrintJob.id)
    ).all()
    db.session.commit()
    dead: set[str] = set()
    printed = 0
    for job_id, kiosk_id in rows:
        if kiosk_id in dead:
            continue
        status = send(job_id)
        if status == FAILED:
            dead.add(kiosk_id)
        elif status == SENT:
            printed += 1
    return printed


# --- reading ------------------------------------------------------------------------------------

def printer_status(kiosk) -> dict:
    """online / offline / unknown (nothing sent yet) / none (no printer), from the latest finished job."""
    if not kiosk.printer:
        return {"state": "none", "error": None, "at": None}
    latest = db.session.scalar(
        select(PrintJob).where(PrintJob.kiosk_id == kiosk.id, PrintJob.status.in_((SENT, FAILED)))
        .order_by(PrintJob.id.desc()).limit(1)
    )
    if latest is None:
        return {"state": "unknown", "error": None, "at": None}
    if latest.status == SENT:
        return {"state": "online", "error": None, "at": latest.sent_at}
    return {"state": "offline", "error": latest.last_error, "at": latest.claimed_at or latest.created_at}


def recent_jobs(kiosk, limit: int = 10) -> list[PrintJob]:
    return list(db.session.scalars(
        select(PrintJob).where(PrintJob.kiosk_id == kiosk.id).order_by(PrintJob.id.desc()).limit(limit)
    ))


def get_job(job_id: int) -> PrintJob | None:
    return db.session.get(PrintJob, job_id)
