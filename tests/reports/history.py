"""A generated half year of one office with known figures, for the report tests: visits with their event
log, SKM answers, quick ratings and complaints, written straight into the tables as loket.queue.core would.

Every visit is known (service, counter, officer, seconds waited and served, outcome, transfer); the tests
compute the expected report from these records, never from the database.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

WITA = ZoneInfo("Asia/Makassar")
FIRST_DAY, LAST_DAY = date(2025, 12, 15), date(2026, 7, 3)   # around 2026-S1, with its neighbours' edges
STEP = 12  # every time is a multiple of 12 s: minutes are multiples of 0.2, medians of 0.1 (no rounding ties)
MINUTE = 60

CODES = ("A", "B", "C", "D", "E", "F")
WEIGHTS = (30, 25, 10, 12, 15, 8)
PROMISED = {"A": 30, "C": 30, "E": 60}   # the bundled standard's promises in minutes (others: days)
DESKS = {"A": (1,), "B": (2,), "C": (3,), "D": (4,), "E": (5,), "F": (6, 2)}   # counter 2 helps with F
STAFF = {1: ("wayan", "putu"), 2: ("ayu", "gede"), 3: ("putu",), 4: ("ketut",), 5: ("nyoman", "komang"),
         6: ("komang",)}
NAMES = {"wayan": "Wayan Sudana", "putu": "putu Artini", "ayu": "Ayu Lestari", "gede": "Gede Wirawan",
         "ketut": "Ketut Suarta", "nyoman": "Nyoman Sari", "komang": "Komang Adi"}   # "putu": sorts ignoring case
QUALITY = {"A": 3.4, "B": 3.1, "C": 2.6, "D": 3.0, "E": 3.6, "F": 2.3}   # mean SKM answer per service
ELEMENT_SHIFT = (0.1, 0.0, -0.5, 0.4, 0.0, 0.2, 0.3, -0.3, -0.2)
GENDERS, AGES = ("L", "P"), ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
EDUCATIONS, OCCUPATIONS = ("SD", "SMP", "SMA", "D3", "S1", "S2", "S3"), ("PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA",
                                                                         "LAINNYA")


def office_day(at: datetime) -> date:
    """The WITA calendar day of a naive UTC time."""
    return at.replace(tzinfo=timezone.utc).astimezone(WITA).date()


def utc(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """A WITA wall-clock time as the naive UTC the database stores."""
    local = datetime.combine(day, time(hour, minute, second), tzinfo=WITA)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Visit:
    """One ticket and what is known about it."""

    issued_at: datetime
    issued_code: str
    code: str                    # the service it ended in
    outcome: str | None = None   # "done", "no_show", "cancelled" or None (left waiting)
    counter: int | None = None   # number of the counter that finished it (done or no-show)
    officer: str | None = None   # username of the officer who finished it
    wait: int = 0                # seconds in queues before being called
    service: int = 0             # seconds at counters
    transferred: bool = False
    late: bool = False           # issued at 23:30 WITA or later
    events: list = field(default_factory=list)   # (kind, at, counter number, username, data)

    @property
    def day(self) -> date:
        return office_day(self.issued_at)

    def log(self, kind, at, counter=None, officer=None, data=None):
        self.events.append((kind, at, counter, officer, data or {}))

    @property
    def state(self) -> str:
        return {"done": "done", "no_show": "no_show", "cancelled": "cancelled"}.get(self.outcome, "waiting")

    def at(self, kind: str) -> datetime | None:
        """When the last event of a kind happened."""
        return next((e[1] for e in reversed(self.events) if e[0] == kind), None)


@dataclass
class Survey:
    code: str
    period: date
    answers: tuple[int, ...]
    profile: dict            # gender, age_band, education, occupation (None: not filled in)
    suggestion: str | None


@dataclass
class Rating:
    visit: Visit
    score: int
    created_at: datetime


@dataclass
class Complaint:
    code: str | None         # the service, or None (about the office in general)
    received_at: datetime
    status: str
    answered_at: datetime | None
    overdue: bool            # chosen far from the 5-working-day limit, whatever the holidays


@dataclass
class History:
    visits: list[Visit]
    surveys: list[Survey]
    ratings: list[Rating]
    complaints: list[Complaint]


def _span(rng: random.Random, low_minutes: float, high_minutes: float) -> timedelta:
    return timedelta(seconds=STEP * rng.randint(int(low_minutes * MINUTE / STEP), int(high_minutes * MINUTE / STEP)))


def _desk(rng: random.Random, code: str) -> tuple[int, str]:
    counter = rng.choice(DESKS[code])
    return counter, rng.choice(STAFF[counter])


def _service_span(rng: random.Random, code: str) -> timedelta:
    promise = PROMISED.get(code)
    return _span(rng, promise / 6, promise * 1.5) if promise else _span(rng, 3, 40)


def _visit(rng: random.Random, code: str, issued: datetime) -> Visit:
    """A visit as the desk would make it: maybe a first leg that ends in a transfer, then its fate."""
    visit = Visit(issued, code, code)
    visit.log("issued", issued, data={"priority": False, "kiosk": "1"})
    now = queued = issued
    moved = rng.choices((None, "waiting", "called", "serving"), (90, 2, 3, 5))[0]
    if moved:
        target = rng.choice([c for c in CODES if c != code])
        now += _span(rng, 1, 40)
        counter = officer = None
        if moved != "waiting":
            counter, officer = _desk(rng, code)
            visit.log("called", now, counter, officer)
            visit.wait += int((now - queued).total_seconds())
            at_counter = now
            if moved == "serving":
                now += _span(rng, 0, 2)
                visit.log("started", now, counter, officer)
                at_counter = now
            now += _span(rng, 2, 30)
            visit.service += int((now - at_counter).total_seconds())
        visit.log("transferred", now, counter, officer, {"from": code, "to": target})
        if moved != "waiting":   # moved while waiting, it never left a queue: its wait runs on from the issue
            queued = now
        visit.code, visit.transferred = target, True
        code = target
    fate = rng.choices(("waiting", "cancel_waiting", "cancel_called", "no_show", "done"), (1, 2, 1, 8, 88))[0]
    if fate == "waiting":
        return visit
    now += _span(rng, 0, 60)
    if fate == "cancel_waiting":
        visit.log("cancelled", now, data={"reason": "cancelled"})
        visit.outcome = "cancelled"
        return visit
    counter, officer = _desk(rng, code)
    visit.log("called", now, counter, officer)
    visit.wait += int((now - queued).total_seconds())
    at_counter = now
    calls = 1
    if rng.random() < 0.1:
        now += _span(rng, 0.2, 2)
        calls += 1
        visit.log("recalled", now, counter, officer, {"call_count": calls})
    if fate == "cancel_called":
        now += _span(rng, 0.2, 3)
        visit.log("cancelled", now, counter, officer, {"reason": "cancelled"})
        visit.outcome = "cancelled"
        return visit
    if fate == "no_show":
        now += _span(rng, 0.2, 3)
        visit.log("no_show", now, counter, officer)
        visit.outcome, visit.counter, visit.officer = "no_show", counter, officer
        return visit
    if rng.random() < 0.85:
        now += _span(rng, 0, 3)
        if rng.random() < 0.1:   # a colleague at the same counter takes over: the visit is theirs
            officer = rng.choice(STAFF[counter])
        visit.log("started", now, counter, officer)
        at_counter = now
    span = _service_span(rng, code)
    if visit.service and visit.service + (now + span - at_counter).total_seconds() == PROMISED.get(code, 0) * MINUTE:
        span += timedelta(seconds=STEP)   # two float spans adding up to the promise could land either side of it
    now += span
    visit.service += int((now - at_counter).total_seconds())
    visit.log("closed", now, counter, officer)
    visit.outcome, visit.counter, visit.officer = "done", counter, officer
    return visit


def _late_visits(day: date) -> list[Visit]:
    """Two visits at 23:30 WITA on a month's last day (15:30 UTC): the second is closed after midnight."""
    first = Visit(utc(day, 23, 30), "A", "A", "done", 1, "wayan", wait=10 * MINUTE, service=11 * MINUTE, late=True)
    first.log("issued", first.issued_at, data={"priority": False, "kiosk": "1"})
    first.log("called", utc(day, 23, 40), 1, "wayan")
    first.log("started", utc(day, 23, 41), 1, "wayan")
    first.log("closed", utc(day, 23, 52), 1, "wayan")
    second = Visit(utc(day, 23, 36), "A", "A", "done", 1, "putu", wait=9 * MINUTE, service=18 * MINUTE, late=True)
    second.log("issued", second.issued_at, data={"priority": False, "kiosk": "1"})
    second.log("called", utc(day, 23, 45), 1, "putu")
    second.log("closed", utc(day + timedelta(days=1), 0, 3), 1, "putu")
    return [first, second]


def _survey(rng: random.Random, code: str, period: date, number: int) -> Survey:
    answers = tuple(min(4, max(1, round(rng.gauss(QUALITY[code] + shift, 0.6)))) for shift in ELEMENT_SHIFT)

    def maybe(choices):
        return rng.choice(choices) if rng.random() > 0.1 else None

    profile = {"gender": maybe(GENDERS), "age_band": maybe(AGES), "education": maybe(EDUCATIONS),
               "occupation": maybe(OCCUPATIONS)}
    suggestion = None
    if rng.random() < 0.05:
        suggestion = f'Saran {number}: antrean "cepat", terima kasih' if number % 3 == 0 else f"Saran nomor {number}"
    return Survey(code, period, answers, profile, suggestion)


def _complaints(rng: random.Random, days: list[date]) -> list[Complaint]:
    found = []
    month_ends = sorted({d for d in days if (d + timedelta(days=1)).day == 1})
    moments = [utc(rng.choice(days), rng.randint(8, 14), rng.randint(0, 59)) for _ in range(30)]
    moments += [utc(d, 23, 45) for d in month_ends]   # late evening: still that office day
    for index, received in enumerate(sorted(moments)):
        code = rng.choice(CODES) if index % 5 else None
        fate = ("quick", "late", "open", "quick", "closed")[index % 5]
        if fate == "quick":
            found.append(Complaint(code, received, "answered", received + timedelta(days=1), False))
        elif fate == "closed":
            found.append(Complaint(code, received, "closed", received + timedelta(hours=3), False))
        elif fate == "late":
            found.append(Complaint(code, received, "answered", received + timedelta(days=40), True))
        else:   # still open months later
            found.append(Complaint(code, received, rng.choice(("received", "in_progress")), None, True))
    return found


def generate(seed: int = 11) -> History:
    """About 3,600 visits on the working days from FIRST_DAY to LAST_DAY, with surveys and ratings."""
    rng = random.Random(seed)
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    visits = []
    for day in days:
        if day.weekday() < 5:
            for _ in range(rng.randint(17, 33)):
                start = utc(day, 7, 30) + _span(rng, 0, 7 * 60)
                visits.append(_visit(rng, rng.choices(CODES, WEIGHTS)[0], start))
        if (day + timedelta(days=1)).day == 1:
            visits.extend(_late_visits(day))
    visits.sort(key=lambda v: v.issued_at)
    surveys, ratings = [], []
    for visit in visits:
        if visit.outcome != "done":
            continue
        closed = visit.at("closed")
        if rng.random() < 0.3 or visit.late:   # every late-evening visit answers the survey
            surveys.append(_survey(rng, visit.code, office_day(closed + timedelta(minutes=2)), len(surveys)))
        if rng.random() < 0.5 or visit.late:   # ... and rates the desk (the second one after midnight)
            ratings.append(Rating(visit, min(4, max(1, round(rng.gauss(3.2, 0.8)))),
                                  closed + timedelta(seconds=STEP * rng.randint(1, 4))))
    return History(visits, surveys, ratings, _complaints(rng, days))


# --- writing ------------------------------------------------------------------------------------

def write(history: History, office_id: int) -> dict[str, int]:
    """Everything into the database in bulk; returns the officers' user ids by username."""
    from loket.auth.models import User
    from loket.counter.models import QuickRating, RatingRequest
    from loket.extensions import db
    from loket.feedback.models import Complaint as ComplaintRow
    from loket.feedback.models import SurveyResponse
    from loket.queue.models import Counter, DailySequence, Service, Ticket, TicketEvent

    services = {s.code: s.id for s in db.session.scalars(select(Service).where(Service.office_id == office_id))}
    counters = {c.number: c.id for c in db.session.scalars(select(Counter).where(Counter.office_id == office_id))}
    user_rows = [{"username": name, "display_name": NAMES[name], "password_hash": "!", "role": "officer",
                  "office_id": office_id} for name in NAMES]
    users = dict(zip(NAMES, db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True),
                                               user_rows).all()))

    seqs: dict[tuple[str, date], int] = {}
    rows = []
    for number, visit in enumerate(history.visits):
        seq = seqs[visit.issued_code, visit.day] = seqs.get((visit.issued_code, visit.day), 0) + 1
        finished = next((e[1] for e in reversed(visit.events) if e[0] in ("closed", "no_show", "cancelled")), None)
        called = visit.at("called")
        last = visit.events[-1]
        rows.append({
            "token": f"t{number:07d}-{seq}", "office_id": office_id, "number": f"{visit.issued_code}-{seq:03d}",
            "seq": seq, "day": visit.day, "issued_service_id": services[visit.issued_code],
            "service_id": services[visit.code], "priority": False, "priority_reason": None, "state": visit.state,
            "close_reason": "cancelled" if visit.outcome == "cancelled" else None,
            "counter_id": counters.get(last[2]) if visit.outcome else None,
            "officer_id": users.get(last[3]) if visit.outcome else None, "kiosk": "1",
            "call_count": sum(e[0] in ("called", "recalled") for e in visit.events),
            "issued_at": visit.issued_at, "queued_at": visit.at("transferred") or visit.issued_at,
            "called_at": called, "started_at": visit.at("started") or (called if visit.outcome == "done" else None),
            "finished_at": finished,
        })
    ids = db.session.scalars(insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), rows).all()
    ticket_of = {id(visit): ticket_id for visit, ticket_id in zip(history.visits, ids)}
    events = []
    for visit in history.visits:
        code = visit.issued_code
        for kind, at, counter, officer, data in visit.events:
            code = data.get("to", code) if kind == "transferred" else code
            events.append({"ticket_id": ticket_of[id(visit)], "kind": kind, "at": at, "actor_id": users.get(officer),
                           "counter_id": counters.get(counter), "service_id": services[code], "note": None,
                           "data": data})
    events.sort(key=lambda e: (e["at"], e["ticket_id"]))
    db.session.execute(insert(TicketEvent), events)
    db.session.execute(insert(DailySequence), [{"service_id": services[code], "day": day, "last": last}
                                               for (code, day), last in seqs.items()])

    requests, taps = [], []
    for number, rating in enumerate(history.ratings):
        visit, asked = rating.visit, rating.visit.at("closed")
        common = {"ticket_id": ticket_of[id(visit)], "officer_id": users[visit.officer],
                  "service_id": services[visit.code], "counter_id": counters[visit.counter]}
        requests.append({"id": f"req-{number:06d}", "created_at": asked, "expires_at": asked + timedelta(seconds=60),
                         "answered_at": rating.created_at, **common})
        taps.append({"request_id": f"req-{number:06d}", "score": rating.score, "created_at": rating.created_at,
                     **common})
    db.session.execute(insert(RatingRequest), requests)
    db.session.execute(insert(QuickRating), taps)

    db.session.execute(insert(SurveyResponse), [
        {"service_id": services[s.code], "period": s.period, "suggestion": s.suggestion, **s.profile,
         **{f"u{i}": answer for i, answer in enumerate(s.answers, start=1)}} for s in history.surveys])
    db.session.execute(insert(ComplaintRow), [
        {"code": f"GEN{n:07d}", "category": "pengaduan", "channel": "web", "office_id": office_id,
         "service_id": services[c.code] if c.code else None, "message": f"Pengaduan {n}", "status": c.status,
         "received_at": c.received_at, "answered_at": c.answered_at,
         "response": "Sudah ditindaklanjuti." if c.answered_at else None,
         "closed_at": c.answered_at if c.status == "closed" else None} for n, c in enumerate(history.complaints)])
    db.session.commit()
    return users
