"""End of day: tickets still waiting when the office closes become "not served: office closed".

They are kept (state cancelled, close_reason "office_closed") and reported, never deleted.
The scheduler (`loket serve`) runs `close_day` on start-up and at every closing time and office-local
midnight, once per installation however many processes serve.
"""
from __future__ import annotations

import logging
from collections import Counter as Tally
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from loket.events import DomainEvent, commit_and_publish, counter_room, office_room, service_room, ticket_room
from loket.extensions import db
from loket.ops.scheduler import job
from loket.queue import core, hours
from loket.queue.models import CALLED, CANCELLED, DONE, NO_SHOW, WAITING, Service, Ticket
from loket.timeutil import UTC, office_zone, to_local, utcnow

log = logging.getLogger(__name__)

OFFICE_CLOSED = "office_closed"
BATCH = 500  # tickets per transaction and per published event
MAX_SLEEP = 3600  # wake at least hourly, so a changed clock or config is noticed


def close_day(now: datetime | None = None, *, force: bool = False, office_id: int | None = None) -> dict:
    """Close what the office will not serve any more; safe to run any number of times.

    - tickets of earlier days still waiting or called: always (nobody serves yesterday's queue,
      and a stale called ticket would block its counter);
    - today's waiting tickets: once the office is closed (after closing time, a holiday), or
      always with `force` (the office closes early);
    - today's called tickets are left to the officer (the visitor may be at the counter) unless
      `force`; the run after midnight closes them.
    Tickets being served are never touched: the officer closes those cases.

    Each closed ticket gets its own "cancelled" entry in the event log; the batch is committed and
    published as one `queue.closed` event (screens redraw once, not once per ticket), with each
    ticket's new status in its own room (one event per office, to that office's rooms only). With
    `office_id`, only that office's tickets (one agency of a mall closing early).
    Returns {"closed": n, "by_service": {code: n}, "numbers": [...]}.
    """
    now = now or utcnow()
    today = to_local(now).date()
    closed_today = force or hours.day_over(now, office_id)  # a lunch break does not end the day's queue
    conditions = [and_(Ticket.day < today, Ticket.state.in_((WAITING, CALLED)))]
    if closed_today:
        today_states = (WAITING, CALLED) if force else (WAITING,)
        conditions.append(and_(Ticket.day == today, Ticket.state.in_(today_states)))
    closable = or_(*conditions)
    if office_id is not None:
        closable = and_(Ticket.office_id == office_id, closable)
    candidates = _candidates(closable)
    tally: Tally[str] = Tally()
    numbers: list[str] = []
    for start in range(0, len(candidates), BATCH):
        closed = _close_batch(candidates[start:start + BATCH], closable, now)
        for ticket in closed:
            tally[core.service_label(ticket.service)] += 1
            numbers.append(ticket.number)
    if numbers:
        log.info("closed %d ticket(s) as not served, office closed: %s", len(numbers), ", ".join(numbers))
    return {"closed": len(numbers), "by_service": dict(sorted(tally.items())), "numbers": numbers}


def _candidates(closable) -> list[int]:
    ids = list(db.session.scalars(select(Ticket.id).where(closable).order_by(Ticket.day, Ticket.id)))
    db.session.rollback()  # end the read transaction; the claims below re-check each ticket
    return ids


def _close_batch(ticket_ids: list[int], closable, now: datetime) -> list[Ticket]:
    """Claim each ticket with a conditional UPDATE (a ticket an officer called meanwhile is left
    alone), log it, then commit and publish once."""
    closed = []
    for ticket_id in ticket_ids:
        claimed = db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, closable)
            .values(state=CANCELLED, close_reason=OFFICE_CLOSED, finished_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            ticket = db.session.get(Ticket, ticket_id)
            db.session.refresh(ticket)
            core._log(ticket, "cancelled", counter=ticket.counter, data={"reason": OFFICE_CLOSED})
            closed.append(ticket)
    if not closed:
        db.session.rollback()
        return []
    db.session.flush()
    events = []
    for office in sorted({t.office_id for t in closed}):
        mine = [t for t in closed if t.office_id == office]
        service_ids = sorted({t.service_id for t in mine})
        counters = sorted({t.counter_id for t in mine if t.counter_id is not None})
        events.append(DomainEvent(
            "queue.closed",
            {"reason": OFFICE_CLOSED, "closed": len(mine), "services": sorted({core.service_label(t.service) for t in mine}),
             "offices": [office], "numbers": [t.number for t in mine]},
            rooms=(office_room(office), *(service_room(s) for s in service_ids), *(counter_room(c) for c in counters)),
            private={ticket_room(t.token): core.ticket_status(t) for t in mine},
        ))
    commit_and_publish(*events)
    return closed


def closed_tickets(day) -> list[Ticket]:
    """The tickets of an office-local day closed as not served because the office closed."""
    return list(db.session.scalars(
        select(Ticket).where(Ticket.day == day, Ticket.close_reason == OFFICE_CLOSED).order_by(Ticket.id)))


def day_summary(day, office_id: int | None = None) -> list[dict]:
    """Per service, what became of an office-local day's tickets (the end-of-day report):
    issued, done, no_show, office_closed (not served), cancelled (other reasons), open (still active).
    Services are named as numbers show them ("A", "DK-A"); `office_id` keeps one office's."""
    from loket.offices.models import Office

    query = (
        select(Office.prefix, Service.code, Service.name, Ticket.state, Ticket.close_reason, func.count())
        .join(Service, Service.id == Ticket.service_id)
        .join(Office, Office.id == Service.office_id)
        .where(Ticket.day == day)
        .group_by(Office.position, Office.prefix, Service.code, Service.name, Ticket.state, Ticket.close_reason)
        .order_by(Office.position, Office.prefix, Service.code)
    )
    if office_id is not None:
        query = query.where(Ticket.office_id == office_id)
    summary: dict[str, dict] = {}
    for prefix, code, name, state, reason, count in db.session.execute(query).all():
        code = f"{prefix}-{code}" if prefix else code
        line = summary.setdefault(code, {"service": code, "name": name, "issued": 0, "done": 0, "no_show": 0,
                                         OFFICE_CLOSED: 0, "cancelled": 0, "open": 0})
        line["issued"] += count
        if state == CANCELLED:
            line[OFFICE_CLOSED if reason == OFFICE_CLOSED else "cancelled"] += count
        elif state in (DONE, NO_SHOW):
            line[state] += count
        else:
            line["open"] += count
    return list(summary.values())


def next_run(now: datetime | None = None) -> datetime:
    """When to run `close_day` next (naive UTC): the next closing, opening or office-local
    midnight, whichever comes first, and never more than an hour away."""
    now = now or utcnow()
    local = to_local(now)
    zone = office_zone()
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    candidates = [midnight, local + timedelta(seconds=MAX_SLEEP)]
    closing = hours.closing_at(local.date())
    if closing is not None and closing > local:
        candidates.append(closing)
    office = hours.state(now)
    if office.closes_at is not None:
        candidates.append(office.closes_at)  # a lunch break closes the kiosk too
    if office.opens_at is not None:
        candidates.append(office.opens_at)  # to tell the screens the office is open again
    return min(candidates).astimezone(UTC).replace(tzinfo=None)


@job("end_of_day", next_run=lambda now: next_run(now) + timedelta(seconds=1), lease=timedelta(minutes=10))
def scheduled_close(run) -> str:
    """The scheduler's end-of-day job (once per installation): close what is left at start-up, then at
    every closing time, opening and midnight (a second late, so the closing minute has really passed
    in the office zone). Tells the screens when the office opened or closed since the last run."""
    result = close_day(run.now)
    if result["closed"]:
        log.info("end of day: %d ticket(s) closed as not served", result["closed"])
    office = hours.state(run.now)
    was_open = run.state.get("open")
    if was_open is not None and office.open != was_open:
        announce(office)
    run.state["open"] = office.open
    return f"closed {result['closed']}"


def announce(office: hours.OfficeState) -> None:
    """Tell every screen the office opened or closed (kiosks show or drop the closed notice). Office
    hours are the installation's, so every office's room hears it."""
    from loket.offices.scope import active_offices

    opens_at = office.opens_at.isoformat() if office.opens_at else None
    commit_and_publish(DomainEvent("office.opened" if office.open else "office.closed",
                                   {"open": office.open, "opens_at": opens_at},
                                   rooms=tuple(office_room(o.id) for o in active_offices())))
