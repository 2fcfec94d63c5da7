"""The queue domain: issue, call, recall, serve, transfer and close tickets.

Plain functions over the database; no Flask request or Socket.IO here. Each state change
records a TicketEvent and ends in `commit_and_publish`, the one place that publishes.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from loket.events import DomainEvent, commit_and_publish, counter_room, office_room, service_room, ticket_room
from loket.extensions import db
from loket.queue import hours
from loket.queue.errors import (
    CounterNotAllowed,
    OfficeClosed,
    InvalidInput,
    NotFound,
    ServiceClosed,
    TransitionNotAllowed,
)
from loket.queue.models import (
    ACTIVE_STATES,
    AT_COUNTER_STATES,
    CALLED,
    CANCELLED,
    DONE,
    NO_SHOW,
    SERVING,
    WAITING,
    Counter,
    DailySequence,
    Service,
    Ticket,
    TicketEvent,
    counter_services,
)
from loket.timeutil import local_day, utcnow


def N_(message: str) -> str:
    """Marks a message for translation; the web layer translates it when it answers."""
    return message


PRIORITY_REASONS = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")
# The five groups the law names (UU 25/2009 art. 29), as staff and visitors read them.
PRIORITY_LABELS = {
    "lansia": N_("Lansia"),
    "disabilitas": N_("Disabilitas"),
    "ibu_hamil": N_("Ibu hamil"),
    "anak": N_("Anak"),
    "korban_bencana": N_("Korban bencana"),
}

# Which states each action may start from. Anything else is a TransitionNotAllowed (409).
ALLOWED = {
    "call": (WAITING,),
    "recall": (CALLED, SERVING),
    "start": (CALLED,),
    "no_show": (CALLED,),
    "transfer": (WAITING, CALLED, SERVING),
    "close": (CALLED, SERVING),
    "cancel": (WAITING, CALLED),
}

STATE_LABELS = {
    WAITING: N_("menunggu"),
    CALLED: N_("dipanggil"),
    SERVING: N_("sedang dilayani"),
    DONE: N_("selesai"),
    NO_SHOW: N_("tidak hadir"),
    CANCELLED: N_("dibatalkan"),
}


# --- look-ups -------------------------------------------------------------------------------

def get_service(code: str, office_id: int | None = None) -> Service:
    """An active service of one office by its code (codes repeat across offices); without
    `office_id`, of the installation's first office (a single-office installation's only one)."""
    code = (code or "").strip().upper()
    if office_id is None:
        office_id = _default_office_id()
    service = db.session.scalar(select(Service).where(Service.office_id == office_id, Service.code == code,
                                                      Service.active.is_(True)))
    if service is None:
        raise NotFound(N_("Layanan '%(code)s' tidak dikenal."), code=code[:10])
    return service


def get_counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise NotFound(N_("Loket %(id)s tidak ditemukan."), id=counter_id)
    return counter


def ticket_by_token(token: str) -> Ticket:
    ticket = None
    if token and len(token) <= 64:
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        raise NotFound(N_("Tiket tidak ditemukan."))
    return ticket


def _default_office_id() -> int:
    from loket.offices.scope import default_office

    office = default_office()
    if office is None:
        raise NotFound(N_("Belum ada kantor."))
    return office.id


def active_services(office_id: int | None = None) -> list[Service]:
    """Active services of one office (of every office when `office_id` is None), in standard order."""
    query = select(Service).where(Service.active.is_(True))
    if office_id is not None:
        query = query.where(Service.office_id == office_id)
    return list(db.session.scalars(query.order_by(Service.office_id, Service.position)))


def service_label(service: Service) -> str:
    """A service's code as a ticket number shows it: "A", or "DK-A" in an office with a prefix."""
    prefix = service.office.prefix if service.office is not None else ""
    return f"{prefix}-{service.code}" if prefix else service.code


def ticket_number(service: Service, seq: int) -> str:
    """"A-001", or "DK-A-001" for an office with a prefix: unambiguous on a kiosk or TV shared by offices."""
    return f"{service_label(service)}-{seq:03d}"


# --- issuing --------------------------------------------------------------------------------

def _next_sequence(service: Service, day: date) -> int:
    """Atomically take the next number of a service for a day.

    One statement: INSERT … ON CONFLICT DO UPDATE … RETURNING creates the day's row at 1 or adds
    one to it. It takes the database's write lock (SQLite) or the row lock (PostgreSQL), so
    concurrent issuers in any number of threads or processes are serialised, and a rolled-back
    ticket rolls back its number too, so the sequence has no gaps.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return db.session.execute(
        insert(DailySequence).values(service_id=service.id, day=day, last=1)
        .on_conflict_do_update(index_elements=[DailySequence.service_id, DailySequence.day],
                               set_={"last": DailySequence.last + 1})
        .returning(DailySequence.last)
    ).scalar_one()


def issue_ticket(service_code: str, *, office_id: int | None = None, priority: bool = False, priority_reason: str | None = None,
                 kiosk: str | None = None, now: datetime | None = None) -> Ticket:
    """Give a visitor the next number of one office's service for today (office-local)."""
    return issue_ticket_for(get_service(service_code, office_id), priority=priority,
                            priority_reason=priority_reason, kiosk=kiosk, now=now)


def issue_ticket_for(service: Service, *, priority: bool = False, priority_reason: str | None = None,
                     kiosk: str | None = None, now: datetime | None = None) -> Ticket:
    """`issue_ticket` for a service already looked up (an active one)."""
    ticket, event = add_ticket(service, priority=priority, priority_reason=priority_reason, kiosk=kiosk, now=now)
    commit_and_publish(event, keep_loaded=True)  # its answer reads the new ticket: no need to load it again
    return ticket


def add_ticket(service: Service, *, priority: bool = False, priority_reason: str | None = None,
               kiosk: str | None = None, now: datetime | None = None) -> tuple[Ticket, DomainEvent]:
    """The next number of an active `service` for today, added to the session but not committed:
    the caller commits it together with whatever belongs to it (a kiosk's print job) in one
    transaction and publishes the returned event."""
    now = now or utcnow()
    day = local_day(now)
    office = hours.state(now, service.office_id)  # the office's own hours and exceptions
    if not office.open:
        if office.opens_at is not None:
            raise OfficeClosed(N_("Kantor sudah tutup. Antrean dibuka lagi %(when)s."),
                               when=office.opens_at)
        raise OfficeClosed(N_("Kantor sedang tutup."))
    if not service.is_open_on(day):
        raise ServiceClosed(N_("Layanan %(name)s sedang tutup hari ini."), name=service.name)
    if priority_reason is not None:
        if priority_reason not in PRIORITY_REASONS:
            raise InvalidInput(N_("Alasan prioritas tidak dikenal."))
        priority = True
    seq = _next_sequence(service, day)
    ticket = Ticket(
        token=secrets.token_urlsafe(18),  # 144 bits
        office_id=service.office_id,
        number=ticket_number(service, seq),
        seq=seq,
        day=day,
        issued_service_id=service.id,
        service_id=service.id,
        priority=bool(priority),
        priority_reason=priority_reason,
        state=WAITING,
        kiosk=kiosk,
        issued_at=now,
        queued_at=now,
    )
    db.session.add(ticket)
    db.session.flush()
    _log(ticket, "issued", data={"priority": ticket.priority, "kiosk": kiosk}, at=now)
    # Nobody can be in a new ticket's own room yet (its token is not out), so no private status.
    return ticket, _event("ticket.issued", ticket, private=False)


# --- officer actions ------------------------------------------------------------------------

def _check_counter(counter: Counter, officer) -> None:
    if officer is not None and not officer.may_use_counter(counter):
        raise CounterNotAllowed(N_("Anda tidak ditugaskan di %(counter)s."), counter=counter.name)


def _check(ticket: Ticket, action: str) -> None:
    if ticket.state not in ALLOWED[action]:
        raise TransitionNotAllowed(
            N_("Tiket %(number)s tidak bisa di-%(action)s karena statusnya %(state)s."),
            number=ticket.number, action=action, state=ticket.state,
        )


def current_ticket(counter: Counter) -> Ticket | None:
    """The visitor a counter is dealing with now (called or being served)."""
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.state.in_(AT_COUNTER_STATES))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )


def _queue_order():
    return (Ticket.priority.desc(), Ticket.queued_at, Ticket.id)


def call_next(counter: Counter, *, officer=None, services: list[Service] | None = None) -> Ticket | None:
    """Call the next waiting ticket for the counter's services; None when nobody waits.

    Claiming is a conditional UPDATE (`… WHERE id = ? AND state = 'waiting'`): when two counters
    race for the same ticket only one UPDATE matches, the other tries the next candidate. The same
    UPDATE requires the counter to be free, so two calls at one counter give it one visitor, not two.
    """
    _check_counter(counter, officer)
    if counter.paused:
        raise TransitionNotAllowed(N_("%(counter)s sedang jeda. Lanjutkan dulu untuk memanggil."), counter=counter.name)
    _refuse_if_busy(counter)
    service_ids = [s.id for s in (services if services is not None else counter.services)]
    if not service_ids:
        raise InvalidInput(N_("%(counter)s belum memilih layanan."), counter=counter.name)
    today = local_day()
    now = utcnow()
    at_counter = aliased(Ticket)
    counter_is_free = ~exists(
        select(at_counter.id).where(at_counter.counter_id == counter.id, at_counter.state.in_(AT_COUNTER_STATES))
    )
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    for _attempt in range(20):
        if postgresql:
            # Two calls at one counter (double click, two tabs) queue up on the counter's row lock,
            # so the second sees the first one's visitor; SQLite's write lock does the same below.
            db.session.execute(select(Counter.id).where(Counter.id == counter.id).with_for_update())
            _refuse_if_busy(counter)
        candidate = db.session.scalar(
            select(Ticket.id)
            .where(Ticket.service_id.in_(service_ids), Ticket.state == WAITING, Ticket.day == today)
            .order_by(*_queue_order())
            .limit(1)
        )
        if candidate is None:
            db.session.rollback()
            return None
        # The claim also checks the counter is still free: under SQLite's write lock this closes the
        # gap between the busy check above and the UPDATE, so one counter never holds two tickets.
        claimed = db.session.execute(
            update(Ticket)
            .where(Ticket.id == candidate, Ticket.state == WAITING, counter_is_free)
            .values(state=CALLED, counter_id=counter.id, officer_id=getattr(officer, "id", None),
                    called_at=now, call_count=Ticket.call_count + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            ticket = db.session.get(Ticket, candidate)
            db.session.refresh(ticket)
            _log(ticket, "called", officer=officer, counter=counter)
            commit_and_publish(_event("ticket.called", ticket))
            return ticket
        db.session.rollback()  # someone else got it (or this counter got a visitor meanwhile); look again
        _refuse_if_busy(counter)
    raise TransitionNotAllowed(N_("Antrean sedang sibuk, coba lagi."))


def _refuse_if_busy(counter: Counter) -> None:
    busy = current_ticket(counter)
    if busy is not None:
        raise TransitionNotAllowed(
            N_("%(counter)s masih melayani %(number)s. Selesaikan atau alihkan dulu."),
            counter=counter.name, number=busy.number,
        )


def recall(ticket: Ticket, *, officer=None) -> Ticket:
    """Call the same visitor again; counts the calls."""
    _check(ticket, "recall")
    _check_counter(ticket.counter, officer)
    ticket.call_count += 1
    _log(ticket, "recalled", officer=officer, counter=ticket.counter, data={"call_count": ticket.call_count})
    commit_and_publish(_event("ticket.recalled", ticket))
    return ticket


def start_service(ticket: Ticket, *, officer=None) -> Ticket:
    _check(ticket, "start")
    _check_counter(ticket.counter, officer)
    ticket.state = SERVING
    ticket.started_at = utcnow()
    if officer is not None:
        ticket.officer_id = officer.id
    _log(ticket, "started", officer=officer, counter=ticket.counter)
    commit_and_publish(_event("ticket.serving", ticket))
    return ticket


def mark_no_show(ticket: Ticket, *, officer=None) -> Ticket:
    _check(ticket, "no_show")
    _check_counter(ticket.counter, officer)
    ticket.state = NO_SHOW
    ticket.finished_at = utcnow()
    _log(ticket, "no_show", officer=officer, counter=ticket.counter)
    commit_and_publish(_event("ticket.no_show", ticket))
    return ticket


def close_case(ticket: Ticket, *, officer=None, checklist: list[int] | None = None) -> Ticket:
    """The visitor has been served; the ticket is done and can be rated.

    `checklist` records which requirements (by position in the standard) the officer ticked."""
    _check(ticket, "close")
    _check_counter(ticket.counter, officer)
    now = utcnow()
    if ticket.started_at is None:
        ticket.started_at = ticket.called_at or now
    ticket.state = DONE
    ticket.finished_at = now
    if officer is not None:
        ticket.officer_id = officer.id
    _log(ticket, "closed", officer=officer, counter=ticket.counter,
         data={"checklist": list(checklist)} if checklist is not None else None)
    commit_and_publish(_event("ticket.closed", ticket))
    return ticket


def transfer(ticket: Ticket, target_code: str, *, note: str = "", officer=None) -> Ticket:
    """Move a ticket to another service's queue; the visitor keeps their number."""
    _check(ticket, "transfer")
    if ticket.counter is not None:
        _check_counter(ticket.counter, officer)
    target = get_service(target_code, ticket.office_id)  # a transfer stays inside the office
    if target.id == ticket.service_id:
        raise InvalidInput(N_("Tiket sudah berada di layanan %(name)s."), name=target.name)
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput(N_("Catatan terlalu panjang (maksimal 500 karakter)."))
    source = ticket.service
    from_counter = ticket.counter
    ticket.service_id = target.id
    ticket.service = target
    ticket.state = WAITING
    ticket.counter_id = None
    ticket.counter = None
    ticket.queued_at = utcnow()
    ticket.called_at = None
    ticket.started_at = None
    _log(ticket, "transferred", officer=officer, counter=from_counter, note=note or None,
         data={"from": source.code, "to": target.code})
    rooms = (service_room(source.id),)
    if from_counter is not None:  # the counter it left must drop it from its screen
        rooms += (counter_room(from_counter.id),)
    commit_and_publish(_event("ticket.transferred", ticket, extra_rooms=rooms))
    return ticket


def mark_priority(ticket: Ticket, reason: str, *, officer=None, counter: Counter | None = None) -> Ticket:
    """Serve a ticket before the non-priority ones of its service, for one of `PRIORITY_REASONS`.

    The officer marks a visitor at their counter (say, before a transfer) or one waiting for a
    service their counters draw from; it keeps its place among the priority tickets by queue time.
    `counter`: the desk it was done from (the log names it; default: the ticket's own counter)."""
    if reason not in PRIORITY_REASONS:
        raise InvalidInput(N_("Pilih alasan prioritas: lansia, disabilitas, ibu hamil, anak atau korban bencana."))
    if counter is not None:
        _check_counter(counter, officer)
    if ticket.counter is not None:
        _check_counter(ticket.counter, officer)
    elif officer is not None and not any(officer.may_use_counter(c) for c in _counters_serving(ticket.service_id)):
        raise CounterNotAllowed(N_("Tiket %(number)s bukan antrean loket Anda."), number=ticket.number)
    if ticket.state not in ACTIVE_STATES:
        raise TransitionNotAllowed(N_("Tiket %(number)s tidak lagi dalam antrean dan tidak bisa dijadikan prioritas."),
                                   number=ticket.number)
    if ticket.priority:
        raise TransitionNotAllowed(N_("Tiket %(number)s sudah prioritas."), number=ticket.number)
    ticket.priority = True
    ticket.priority_reason = reason
    _log(ticket, "priority", officer=officer, counter=counter or ticket.counter, data={"reason": reason})
    commit_and_publish(_event("ticket.priority", ticket))
    return ticket


def _counters_serving(service_id: int) -> list[Counter]:
    return list(db.session.scalars(
        select(Counter).join(counter_services, counter_services.c.counter_id == Counter.id)
        .where(counter_services.c.service_id == service_id, Counter.active.is_(True))
    ))


def cancel(ticket: Ticket, *, reason: str = "cancelled", officer=None) -> Ticket:
    _check(ticket, "cancel")
    ticket.state = CANCELLED
    ticket.close_reason = reason
    ticket.finished_at = utcnow()
    _log(ticket, "cancelled", officer=officer, counter=ticket.counter, data={"reason": reason})
    commit_and_publish(_event("ticket.cancelled", ticket))
    return ticket


def set_paused(counter: Counter, paused: bool, *, officer=None) -> Counter:
    _check_counter(counter, officer)
    if bool(paused) != counter.paused:
        counter.paused_at = utcnow() if paused else None
    counter.paused = bool(paused)
    commit_and_publish(DomainEvent(
        "counter.paused" if paused else "counter.resumed",
        {"counter": counter.number, "counter_name": counter.name, "paused": counter.paused},
        rooms=(office_room(counter.office_id), counter_room(counter.id)),
    ))
    return counter


def set_counter_services(counter: Counter, codes: list[str], *, officer=None) -> Counter:
    """Choose which services a counter draws from today."""
    _check_counter(counter, officer)
    services = [get_service(code, counter.office_id) for code in dict.fromkeys(codes)]
    counter.services = services
    commit_and_publish(DomainEvent(
        "counter.services",
        {"counter": counter.number, "services": [s.code for s in services]},
        rooms=(office_room(counter.office_id), counter_room(counter.id)),
    ))
    return counter


def set_service_closed(service: Service, closed: bool, *, day: date | None = None) -> Service:
    """Close a service for the (office-local) day, or open it again."""
    service.closed_on = (day or local_day()) if closed else None
    commit_and_publish(DomainEvent(
        "service.closed" if closed else "service.opened",
        {"service": service.code, "open": not closed},
        rooms=(office_room(service.office_id), service_room(service.id)),
    ))
    return service


# --- reading the queue ----------------------------------------------------------------------

def waiting_counts(day: date | None = None, office_ids: list[int] | None = None) -> dict[int, int]:
    """Waiting tickets per service id today (of some offices only, when `office_ids` is given)."""
    day = day or local_day()
    query = select(Ticket.service_id, func.count()).where(Ticket.state == WAITING, Ticket.day == day)
    if office_ids is not None:
        query = query.where(Ticket.office_id.in_(office_ids))
    rows = db.session.execute(query.group_by(Ticket.service_id))
    return {service_id: count for service_id, count in rows}


def people_ahead(ticket: Ticket) -> int:
    """How many waiting tickets will be called before this one in its current queue."""
    if ticket.state != WAITING:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Ticket).where(
            Ticket.service_id == ticket.service_id,
            Ticket.state == WAITING,
            Ticket.day == ticket.day,
            Ticket.id != ticket.id,
            or_(
                # Priority tickets go first: a priority ticket has no priority tickets "above" it.
                and_(Ticket.priority.is_(True), ticket.priority is False),
                and_(Ticket.priority.is_(bool(ticket.priority)),
                     or_(Ticket.queued_at < ticket.queued_at,
                         and_(Ticket.queued_at == ticket.queued_at, Ticket.id < ticket.id))),
            ),
        )
    ) or 0


def average_service_minutes(service: Service) -> float:
    """Mean minutes from call to close over the service's recent finished tickets.

    Falls back to the standard's promised time when it is short (minutes), else to a default.
    """
    sample = current_app.config.get("LOKET_ESTIMATE_SAMPLE", 20)
    since = utcnow() - timedelta(days=30)
    rows = db.session.execute(
        select(Ticket.called_at, Ticket.finished_at)
        .where(Ticket.service_id == service.id, Ticket.state == DONE, Ticket.finished_at >= since,
               Ticket.called_at.is_not(None))
        .order_by(Ticket.finished_at.desc())
        .limit(sample)
    ).all()
    durations = [(f - c).total_seconds() / 60 for c, f in rows if f and c and f >= c]
    if durations:
        return sum(durations) / len(durations)
    if service.promised_minutes and service.promised_minutes <= 120:
        return float(service.promised_minutes)
    return float(current_app.config.get("LOKET_ESTIMATE_DEFAULT_MINUTES", 10))


def open_counters_for(service: Service) -> int:
    """Counters open now (active, not paused) that draw from the service: one query."""
    return db.session.scalar(
        select(func.count()).select_from(Counter)
        .join(counter_services, counter_services.c.counter_id == Counter.id)
        .where(counter_services.c.service_id == service.id, Counter.active.is_(True), Counter.paused.is_(False))
    ) or 0


def estimate_wait_minutes(service: Service, ahead: int) -> int:
    """Estimated minutes until a visitor with `ahead` people before them is called."""
    if ahead <= 0:
        return 0
    return max(1, round(ahead * minutes_per_visitor(service)))


# Events after which a service's pace may differ: a visit finished, a counter paused, resumed or
# given other services, a service or the catalogue changed, the day closed.
PACE_EVENTS = ("ticket.closed", "counter.", "service.", "catalogue.", "queue.")


def minutes_per_visitor(service: Service) -> float:
    """How many minutes each person ahead adds to a wait: the mean service time shared by the open
    counters. Every kiosk tile, ticket page and API answer asks for it, so each process keeps it per
    service for LOKET_ESTIMATE_CACHE_SECONDS and forgets it at once on an event that can change it
    (other processes' changes reach it within that time)."""
    import time

    seconds = current_app.config.get("LOKET_ESTIMATE_CACHE_SECONDS", 15)
    cache = _pace_cache()
    now = time.monotonic()
    cached = cache.get(service.id)
    if cached is not None and cached[0] > now:
        return cached[1]
    pace = average_service_minutes(service) / max(open_counters_for(service), 1)
    if seconds > 0:
        cache[service.id] = (now + seconds, pace)
    return pace


def _pace_cache() -> dict:
    extensions = current_app.extensions
    cache = extensions.get("loket.pace")
    if cache is None:
        cache = extensions["loket.pace"] = {}

        def forget(event: DomainEvent) -> None:
            if event.name.startswith(PACE_EVENTS):
                cache.clear()

        extensions["loket.publisher"].subscribe(forget)
    return cache


def ticket_status(ticket: Ticket) -> dict:
    """What a visitor may know about their own ticket (also the ticket room's payload)."""
    ahead = people_ahead(ticket)
    counter = ticket.counter
    return {
        "number": ticket.number,
        "service": ticket.service.code,
        "service_name": ticket.service.name,
        "state": ticket.state,
        "priority": ticket.priority,
        "ahead": ahead,
        "estimated_wait_minutes": estimate_wait_minutes(ticket.service, ahead) if ticket.state == WAITING else 0,
        "counter": counter.number if counter else None,
        "counter_name": counter.name if counter else None,
        "call_count": ticket.call_count,
        "close_reason": ticket.close_reason,
    }


# --- internals ------------------------------------------------------------------------------

def _log(ticket: Ticket, kind: str, *, officer=None, counter: Counter | None = None,
         note: str | None = None, data: dict | None = None, at: datetime | None = None) -> None:
    db.session.add(TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        at=at or utcnow(),
        actor_id=getattr(officer, "id", None),
        counter_id=counter.id if counter else None,
        service_id=ticket.service_id,
        note=note,
        data=data or {},
    ))


def _event(name: str, ticket: Ticket, extra_rooms: tuple[str, ...] = (), *, private: bool = True) -> DomainEvent:
    db.session.flush()
    counter = ticket.counter
    public = {
        "number": ticket.number,
        "office": ticket.office_id,
        "service_id": ticket.service_id,
        "counter_id": ticket.counter_id,
        "service": ticket.service.code,
        "service_name": ticket.service.name,
        "state": ticket.state,
        "priority": ticket.priority,
        "counter": counter.number if counter else None,
        "counter_name": counter.name if counter else None,
        "call_count": ticket.call_count,
    }
    rooms = (office_room(ticket.office_id), service_room(ticket.service_id), *extra_rooms)
    if counter is not None:
        rooms += (counter_room(counter.id),)
    return DomainEvent(name, public, rooms=rooms,
                       private={ticket_room(ticket.token): ticket_status(ticket)} if private else {})
