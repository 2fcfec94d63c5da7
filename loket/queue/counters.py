"""Managing an office's counters (loket) from the administration: add, rename, choose services, retire.

A retired counter keeps its number, its tickets and its log (it only leaves desks and displays);
every change is in the audit log, in the change's own transaction. Nothing here knows about HTTP.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from loket import audit
from loket.auth.models import User, counter_officers
from loket.events import DomainEvent, commit_and_publish, counter_room, office_room
from loket.extensions import db
from loket.offices.scope import require_office
from loket.queue.core import current_ticket
from loket.queue.errors import InvalidInput, NotFound, TransitionNotAllowed
from loket.queue.models import Counter, Service


def N_(message: str) -> str:
    return message


NUMBER_MIN, NUMBER_MAX = 1, 999
NAME_MAX = 80


class CounterInputError(InvalidInput):
    """Bad input for one field of a counter (`field`: "number", "name" or "services"), so a form
    can show the message beside that field."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


def snapshot(counter: Counter) -> dict:
    """What the audit log keeps of a counter."""
    return {"nama": counter.name, "nomor": counter.number, "layanan": [s.code for s in counter.services],
            "aktif": counter.active}


def counters_of(office_id: int, include_retired: bool = True) -> list[Counter]:
    """An office's counters by number (active ones only unless `include_retired`)."""
    query = select(Counter).where(Counter.office_id == office_id)
    if not include_retired:
        query = query.where(Counter.active.is_(True))
    return list(db.session.scalars(query.order_by(Counter.number)))


def officers_by_counter(counters: list[Counter]) -> dict[int, list[User]]:
    """The active accounts assigned to each counter (admins may use every counter without it)."""
    ids = [c.id for c in counters]
    found: dict[int, list[User]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(select(counter_officers.c.counter_id, User)
                                  .join(User, User.id == counter_officers.c.user_id)
                                  .where(counter_officers.c.counter_id.in_(ids), User.active.is_(True))
                                  .order_by(User.display_name, User.username))
        for counter_id, user in rows:
            found[counter_id].append(user)
    return found


def next_free_number(office_id: int) -> int:
    """One above the highest number the office has used (retired counters included)."""
    highest = db.session.scalar(select(func.max(Counter.number)).where(Counter.office_id == office_id)) or 0
    return min(highest + 1, NUMBER_MAX)


def get_counter_for_admin(counter_id: int, actor) -> Counter:
    """A counter of the actor's office, retired or not (404; 403 for another office's)."""
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(N_("Loket %(id)s tidak ditemukan."), id=counter_id)
    require_office(actor, counter.office_id)
    return counter


def _number(office_id: int, number) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or not NUMBER_MIN <= number <= NUMBER_MAX:
        raise CounterInputError("number", N_("Nomor loket harus bilangan bulat 1 sampai 999."))
    taken = db.session.scalar(select(Counter).where(Counter.office_id == office_id, Counter.number == number))
    if taken is not None:
        if not taken.active:
            raise CounterInputError("number", N_("Nomor %(number)s sudah dipakai %(name)s, yang sudah pensiun. "
                                                 "Nomor loket pensiun tidak dipakai lagi; pilih nomor lain atau "
                                                 "aktifkan kembali %(name)s."), number=number, name=taken.name)
        raise CounterInputError("number", N_("Nomor %(number)s sudah dipakai %(name)s."), number=number,
                                name=taken.name)
    return number


def _name(name: str | None, number: int) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise CounterInputError("name", N_("Nama loket paling banyak %(max)s karakter."), max=NAME_MAX)
    return name or f"Loket {number}"


def _same_name(name: str) -> str:
    """A name as a visitor hears and reads it: case and spacing do not tell two counters apart."""
    return " ".join(name.split()).casefold()


def counter_named(office_id: int, name: str, *, other_than: Counter | None = None) -> Counter | None:
    """The office's active counter (other than `other_than`) that already carries `name`, if any."""
    wanted = _same_name(name)
    return next((c for c in counters_of(office_id, include_retired=False)
                 if c is not other_than and _same_name(c.name) == wanted), None)


def _free_name(office_id: int, name: str, counter: Counter | None = None) -> str:
    """`name`, unless another active counter of the office carries it: the TV would send a visitor called to
    "Loket 1" to either desk. A counter keeps its own name (databases from before this rule may hold pairs)."""
    if counter is not None and _same_name(name) == _same_name(counter.name):
        return name
    taken = counter_named(office_id, name, other_than=counter)
    if taken is not None:
        raise CounterInputError("name", N_("Nama %(name)s sudah dipakai loket nomor %(number)s. Pilih nama lain "
                                           "agar pengunjung tidak menuju loket yang salah."),
                                name=taken.name, number=taken.number)
    return name


def _services(office_id: int, service_ids) -> list[Service]:
    try:
        wanted = {int(i) for i in service_ids or ()}
    except (TypeError, ValueError):
        raise CounterInputError("services", N_("Pilihan layanan tidak valid.")) from None
    if not wanted:
        raise CounterInputError("services", N_("Pilih minimal satu layanan untuk loket ini."))
    found = list(db.session.scalars(select(Service).where(Service.id.in_(wanted), Service.office_id == office_id,
                                                          Service.active.is_(True)).order_by(Service.position)))
    if len(found) != len(wanted):
        raise CounterInputError("services", N_("Layanan yang dipilih tidak ada atau tidak aktif di kantor ini."))
    return found


def _commit(name: str, counter: Counter) -> None:
    commit_and_publish(DomainEvent(name, {"counter": counter.number, "counter_name": counter.name,
                                          "office": counter.office_id},
                                   rooms=(office_room(counter.office_id), counter_room(counter.id))))


def add_counter(office_id: int, number, name: str | None, service_ids, actor) -> Counter:
    """A new counter of an office serving `service_ids` (active services of that office)."""
    number = _number(office_id, number)
    counter = Counter(office_id=office_id, number=number, name=_free_name(office_id, _name(name, number)),
                      services=_services(office_id, service_ids), paused=False, active=True)
    db.session.add(counter)
    try:
        db.session.flush()
    except IntegrityError:
        # Another admin took the number between our check and now (the unique constraint decides).
        db.session.rollback()
        raise CounterInputError("number", N_("Nomor %(number)s baru saja dipakai loket lain; pilih nomor lain."),
                                number=number) from None
    audit.record("counter.added", "counter", counter.id, label=counter.name, office_id=office_id, actor=actor,
                 after=snapshot(counter))
    _commit("counter.added", counter)
    return counter


def update_counter(counter: Counter, name: str | None, service_ids, actor) -> Counter:
    """Rename a counter and choose the services it serves."""
    new_name = _free_name(counter.office_id, _name(name, counter.number), counter)
    services = _services(counter.office_id, service_ids)
    before = snapshot(counter)
    counter.name, counter.services = new_name, services
    audit.record("counter.changed", "counter", counter.id, label=counter.name, office_id=counter.office_id,
                 actor=actor, before=before, after=snapshot(counter))
    _commit("counter.changed", counter)
    return counter


def retire_counter(counter: Counter, actor) -> Counter:
    """Take a counter out of use: it leaves the desks and displays (they list active counters only);
    its tickets, log entries and number stay. Refused while a visitor is at it."""
    if not counter.active:
        return counter
    ticket = current_ticket(counter)
    if ticket is not None:
        raise TransitionNotAllowed(N_("%(counter)s sedang menangani tiket %(number)s. Selesaikan atau alihkan "
                                      "tiket itu dulu, lalu pensiunkan loket."), counter=counter.name,
                                   number=ticket.number)
    before = snapshot(counter)
    counter.active = False
    audit.record("counter.retired", "counter", counter.id, label=counter.name, office_id=counter.office_id,
                 actor=actor, before=before, after=snapshot(counter))
    _commit("counter.retired", counter)
    return counter


def reactivate_counter(counter: Counter, actor) -> Counter:
    """Bring a retired counter back, with its number, name and services; refused while an active counter
    carries its name meanwhile (rename it first)."""
    if counter.active:
        return counter
    taken = counter_named(counter.office_id, counter.name, other_than=counter)
    if taken is not None:
        raise TransitionNotAllowed(N_("Nama %(name)s sudah dipakai loket nomor %(number)s. Ganti dulu nama loket "
                                      "ini, lalu aktifkan kembali."), name=taken.name, number=taken.number)
    before = snapshot(counter)
    counter.active = True
    audit.record("counter.reactivated", "counter", counter.id, label=counter.name, office_id=counter.office_id,
                 actor=actor, before=before, after=snapshot(counter))
    _commit("counter.reactivated", counter)
    return counter
