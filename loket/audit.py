"""The audit log: who changed what in the administration, when, and what it was before and after.

`record()` adds an entry to the change's own transaction (the caller commits it with the change
through `commit_and_publish`), so a change and its entry land together or not at all. Entries are
never edited or deleted from the web. `trail()` reads them together with the officers' actions on
tickets, which the ticket event log already keeps, for the supervisors' audit page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db
from loket.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Who did it (None: the command line or the system). Accounts are disabled, never deleted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The office it concerns (None: the installation as a whole).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(40))  # e.g. "officer.added", "counter.retired"
    target_kind: Mapped[str] = mapped_column(String(20))  # user, counter, kiosk, display, service, office
    target_id: Mapped[str] = mapped_column(String(40), default="")
    target_label: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_log_office_at", "office_id", "at"),)


def record(action: str, target_kind: str, target_id, *, label: str = "", office_id: int | None, actor=None,
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Add an entry to the current transaction. Only what changed is kept: equal keys of `before`
    and `after` are dropped, so "before → after" reads as the change itself."""
    before, after = dict(before or {}), dict(after or {})
    for key in [k for k in before if k in after and before[k] == after[k]]:
        del before[key], after[key]
    entry = AuditEntry(action=action, target_kind=target_kind, target_id=str(target_id or "")[:40],
                       target_label=(label or "")[:200], office_id=office_id,
                       actor_id=getattr(actor, "id", None), before=before, after=after)
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class Line:
    """One row of the audit page: an administration change or an officer's action on a ticket."""

    at: datetime
    source: str  # "admin" or "ticket"
    action: str
    actor_id: int | None
    target: str
    before: dict
    after: dict
    note: str = ""


@dataclass(frozen=True)
class Filters:
    office_id: int | None = None  # None: every office (the installation admin)
    actor_id: int | None = None
    source: str = ""  # "", "admin" or "ticket"
    action: str = ""  # a prefix: "officer." or "ticket.transferred"
    since: datetime | None = None  # UTC, inclusive
    until: datetime | None = None  # UTC, exclusive


def trail(filters: Filters, *, limit: int = 200) -> list[Line]:
    """The newest `limit` lines that pass `filters`, newest first; both logs are read with the same
    filters and limit through their (office, time) and (kind, time) indexes, then merged."""
    lines: list[Line] = []
    if filters.source in ("", "admin"):
        lines += _admin_lines(filters, limit)
    if filters.source in ("", "ticket"):
        lines += _ticket_lines(filters, limit)
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def _admin_lines(filters: Filters, limit: int) -> list[Line]:
    query = select(AuditEntry)
    if filters.office_id is not None:
        query = query.where(AuditEntry.office_id == filters.office_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(or_(AuditEntry.action == filters.action, AuditEntry.action.startswith(filters.action)))
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    rows = db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return [Line(at=row.at, source="admin", action=row.action, actor_id=row.actor_id,
                 target=row.target_label or f"{row.target_kind} {row.target_id}", before=row.before or {},
                 after=row.after or {}) for row in rows]


# What an officer's ticket action changed, read from the event's own columns and data.
_TICKET_CHANGES = {
    "transferred": lambda data: ({"layanan": data.get("from")}, {"layanan": data.get("to")}),
}


def _ticket_lines(filters: Filters, limit: int) -> list[Line]:
    """The newest staff actions of the ticket log. The log alone is read, newest first through its
    time index, so the query stops at `limit` however long the log has grown; the office is its
    services' (a transfer stays inside the office), and numbers and counter names come after."""
    from loket.queue.models import Counter, Service, Ticket, TicketEvent

    # Staff actions only: issuing at a kiosk or a visitor's own cancel has no officer.
    query = select(TicketEvent).where(TicketEvent.actor_id.is_not(None))
    if filters.office_id is not None:
        query = query.where(TicketEvent.service_id.in_(select(Service.id).where(Service.office_id == filters.office_id)))
    if filters.actor_id is not None:
        query = query.where(TicketEvent.actor_id == filters.actor_id)
    if filters.action:
        kind = filters.action.removeprefix("ticket.").rstrip(".")
        if filters.action.startswith("ticket") and kind:
            query = query.where(TicketEvent.kind == kind)
        elif not filters.action.startswith("ticket"):
            return []
    if filters.since:
        query = query.where(TicketEvent.at >= filters.since)
    if filters.until:
        query = query.where(TicketEvent.at < filters.until)
    events = list(db.session.scalars(query.order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(limit)))
    numbers = {row.id: row.number for row in db.session.execute(select(Ticket.id, Ticket.number).where(
        Ticket.id.in_({e.ticket_id for e in events})))} if events else {}
    counter_ids = {e.counter_id for e in events if e.counter_id}
    counters = {row.id: row.name for row in db.session.execute(select(Counter.id, Counter.name).where(
        Counter.id.in_(counter_ids)))} if counter_ids else {}
    lines = []
    for event in events:
        before, after = _TICKET_CHANGES.get(event.kind, lambda data: ({}, {}))(event.data or {})
        counter_name = counters.get(event.counter_id)
        target = numbers.get(event.ticket_id, "?") + (f" · {counter_name}" if counter_name else "")
        lines.append(Line(at=event.at, source="ticket", action=f"ticket.{event.kind}", actor_id=event.actor_id,
                          target=target, before=before, after=after, note=event.note or ""))
    return lines
