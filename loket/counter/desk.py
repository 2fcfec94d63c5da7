"""What the officer's counter page shows and does: the counter's queue, the visitor at the counter,
today's own counts, and closing a case together with its rating request.

Plain functions over the database (no request, session or Socket.IO); views in routes.py stay thin.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from flask import current_app
from sqlalchemy import func, select

from loket.counter import rating
from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db
from loket.offices.scope import require_office
from loket.queue import core
from loket.queue.errors import CounterNotAllowed, InvalidInput, NotFound, TransitionNotAllowed
from loket.queue.models import WAITING, Counter, Service, Ticket, TicketEvent
from loket.timeutil import day_bounds_utc, local_day, utcnow

N_ = core.N_
QUEUE_SHOWN = 12
CHECKLIST_MAX = 40


# --- which counters an officer may use -------------------------------------------------------

def usable_counters(user, office_id: int | None = None) -> list[Counter]:
    """Counters the user may work at, in their own office only: the assigned ones, every active one
    for an admin (of every office for the installation admin, or of `office_id`)."""
    query = select(Counter).where(Counter.active.is_(True))
    if office_id is not None:
        require_office(user, office_id)
        query = query.where(Counter.office_id == office_id)
    elif not user.is_installation_admin:
        if user.office_id is None:
            return []
        query = query.where(Counter.office_id == user.office_id)
    counters = db.session.scalars(query.order_by(Counter.office_id, Counter.number))
    return [c for c in counters if user.may_use_counter(c)]


def counter_for(counter_id: int, user) -> Counter:
    """The counter, if it exists and the user may act on it (404; 403 for another office's counter or
    one the officer is not assigned to)."""
    counter = core.get_counter(counter_id)
    require_office(user, counter.office_id)  # another office's counter: a readable 403
    if not user.may_use_counter(counter):
        raise CounterNotAllowed(N_("Anda tidak ditugaskan di %(counter)s."), counter=counter.name)
    return counter


def ticket_at_counter(counter: Counter, expected_id: int | None = None) -> Ticket:
    """The visitor at the counter; `expected_id` (what the officer's screen shows) must still match,
    so a stale screen never closes or transfers somebody else's case."""
    ticket = core.current_ticket(counter)
    if ticket is None:
        raise TransitionNotAllowed(N_("Belum ada pengunjung di %(counter)s. Panggil nomor berikutnya dulu."),
                                   counter=counter.name)
    if expected_id is not None and ticket.id != expected_id:
        raise TransitionNotAllowed(N_("Tampilan loket sudah berubah: sekarang melayani %(number)s. Periksa lagi."),
                                   number=ticket.number)
    return ticket


def ticket_for_priority(counter: Counter, ticket_id: int | None) -> Ticket:
    """A ticket this counter may mark as priority: its visitor, or one in its services' queue (or
    one that left it; `core.mark_priority` then says why not). Any other ticket is refused alike,
    so a number of another counter or office is not revealed."""
    if ticket_id is None:
        raise InvalidInput(N_("Pilih tiket yang akan dijadikan prioritas."))
    ticket = db.session.get(Ticket, ticket_id)
    in_queue = (ticket is not None and ticket.office_id == counter.office_id and ticket.counter_id is None
                and ticket.service_id in {s.id for s in counter.services})
    if ticket is None or not (in_queue or ticket.counter_id == counter.id):
        raise CounterNotAllowed(N_("Tiket itu tidak ada di antrean %(counter)s."), counter=counter.name)
    return ticket


# --- reading --------------------------------------------------------------------------------

@dataclass
class Waiting:
    ticket: Ticket
    waited_minutes: int


def queue_for(counter: Counter, *, limit: int = QUEUE_SHOWN, now: datetime | None = None) -> tuple[list[Waiting], int]:
    """The next waiting tickets of the counter's services (in calling order) and how many wait in all."""
    service_ids = [s.id for s in counter.services]
    if not service_ids:
        return [], 0
    now = now or utcnow()
    where = (Ticket.service_id.in_(service_ids), Ticket.state == WAITING, Ticket.day == local_day(now))
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
    tickets = db.session.scalars(select(Ticket).where(*where).order_by(*core._queue_order()).limit(limit))
    return [Waiting(t, minutes_between(t.queued_at, now)) for t in tickets], total


def minutes_between(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds() // 60))


def visitor(ticket: Ticket | None, *, now: datetime | None = None) -> dict | None:
    """The visitor panel: number, service, how long they waited and have been at the counter, how
    often this counter called them, and the note of the transfer that sent them here (if any)."""
    if ticket is None:
        return None
    now = now or utcnow()
    events = db.session.execute(
        select(TicketEvent.kind, TicketEvent.counter_id, TicketEvent.note, TicketEvent.data, Counter.name)
        .outerjoin(Counter, Counter.id == TicketEvent.counter_id)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(("called", "recalled", "transferred")))
        .order_by(TicketEvent.id)
    ).all()
    transfers = [e for e in events if e.kind == "transferred"]
    last = transfers[-1] if transfers else None
    # Calls since the ticket last arrived in this queue, at this counter: not the previous counter's.
    since = events.index(last) + 1 if last is not None else 0
    calls_here = sum(1 for e in events[since:] if e.kind in ("called", "recalled") and e.counter_id == ticket.counter_id)
    return {
        "ticket": ticket,
        "calls_here": calls_here,
        "transfer": {"note": last.note, "from_service": (last.data or {}).get("from"), "from_counter": last.name}
        if last is not None else None,
        "waited_minutes": minutes_between(ticket.issued_at, ticket.called_at or now),
        "at_counter_minutes": minutes_between(ticket.called_at, now),
        "checklist": checklist(ticket.service),
    }


def checklist(service: Service) -> list[str]:
    """The lines to tick while checking documents: the office's own desk checklist when an admin set
    one (`standard["desk_checklist"]`, /admin/layanan), else the service's requirements."""
    custom = (service.standard or {}).get("desk_checklist")
    if custom:
        return [str(item) for item in custom][:CHECKLIST_MAX]
    return requirement_lines(service.standard or {})


def requirement_lines(standard: dict) -> list[str]:
    """A standard's requirements (Persyaratan) as one line each; a requirement with sub-items reads
    "text: a; b", whatever punctuation the standard's own text already ends its parts with."""
    items: list[str] = []
    for item in standard.get("requirements", []) or []:
        if isinstance(item, dict):
            text = str(item.get("text") or "").strip()
            subs = [str(s).strip() for s in item.get("items", []) or [] if str(s).strip()]
            if subs:
                end = "." if subs[-1].endswith(".") else ""
                text = text.rstrip(" :") + ": " + "; ".join(s.rstrip(" ;,.") for s in subs) + end
            items.append(text)
        elif item:
            items.append(str(item))
    return items[:CHECKLIST_MAX]


COUNTED = ("called", "recalled", "started", "closed", "no_show", "transferred")


def today_counts(officer, *, now: datetime | None = None) -> dict:
    """The officer's own figures for the office-local day: actions by kind and the quick ratings."""
    start, end = day_bounds_utc(local_day(now or utcnow()))
    rows = db.session.execute(
        select(TicketEvent.kind, func.count())
        .where(TicketEvent.actor_id == officer.id, TicketEvent.at >= start, TicketEvent.at < end,
               TicketEvent.kind.in_(COUNTED))
        .group_by(TicketEvent.kind)
    )
    counts = {kind: 0 for kind in COUNTED}
    counts.update({kind: n for kind, n in rows})
    ratings = db.session.execute(
        select(func.count(), func.avg(QuickRating.score))
        .where(QuickRating.officer_id == officer.id, QuickRating.created_at >= start, QuickRating.created_at < end)
    ).one()
    counts["ratings"] = ratings[0] or 0
    counts["rating_average"] = round(float(ratings[1]), 2) if ratings[1] is not None else None
    return counts


def transfer_targets(ticket: Ticket | None, office_id: int) -> list[Service]:
    """Services a visitor may be sent on to: the office's own (a transfer stays inside the office)."""
    if ticket is not None:
        office_id = ticket.office_id
    return [s for s in core.active_services(office_id) if ticket is None or s.id != ticket.service_id]


# --- acting ---------------------------------------------------------------------------------

def parse_checklist(raw: list[str], ticket: Ticket) -> list[int]:
    """Ticked requirement numbers (0-based) as sent by the form; anything else is refused."""
    size = len(checklist(ticket.service))
    ticked = []
    for value in raw[:CHECKLIST_MAX]:
        if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) >= size:
            raise InvalidInput(N_("Daftar persyaratan tidak valid."))
        ticked.append(int(value))
    return sorted(set(ticked))


def close_and_ask_rating(ticket: Ticket, counter: Counter, *, officer, checklist_done=None) -> RatingRequest:
    """Close the case, then open the one-time rating request that lights up the rating screen."""
    core.close_case(ticket, officer=officer, checklist=checklist_done)
    return rating.request_rating(ticket, counter)


# --- the customer-facing rating screen ------------------------------------------------------

def _pairing_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="loket.counter.rate-screen")


def pairing_key(counter: Counter) -> str:
    """The key in a rating screen's address: signed with the app's secret, one per counter.

    Changing LOKET_SECRET_KEY revokes every paired screen (and every login)."""
    return _pairing_serializer().dumps(counter.id)


def pairing_key_valid(counter_id: int, key: str | None) -> bool:
    if not key or len(key) > 200:
        return False
    try:
        return _pairing_serializer().loads(key) == counter_id
    except BadSignature:
        return False


def rating_view(counter: Counter, *, now: datetime | None = None) -> dict:
    """What the rating screen shows: the open request (number, service, seconds left) or nothing."""
    now = now or utcnow()
    request = rating.current_request(counter, now=now)
    if request is None:
        return {"rating_request": None}
    ticket = db.session.get(Ticket, request.ticket_id)
    service = db.session.get(Service, request.service_id)
    return {
        "rating_request": request,
        "number": ticket.number if ticket else "",
        "service": service,
        "seconds_left": max(1, int((request.expires_at - now).total_seconds())),
    }


def get_request_for(counter: Counter, request_id: str) -> RatingRequest:
    request = db.session.get(RatingRequest, (request_id or "")[:43]) if request_id else None
    if request is None or request.counter_id != counter.id:
        raise NotFound(N_("Permintaan penilaian tidak ditemukan."))
    return request
