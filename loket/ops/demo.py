"""`loket demo`: fill a fresh database with a realistic past month of one office, so every page
(reports, SKM, dashboard history, complaints, cases, audit log) shows something real from the first start.

The history is simulated (arrivals with a morning peak, counters serving their queues in order,
recalls, no-shows, transfers, closing time, cases through their milestones) and written in bulk with
exactly the rows and event log entries `loket.queue.core` and `loket.cases.core` write for the same
steps. Today stays empty. No HTTP, no click here.
"""
from __future__ import annotations

import heapq
import itertools
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from loket import audit
from loket.auth.accounts import one_time_password, snapshot
from loket.auth.models import ADMIN, OFFICER, SUPERVISOR, User
from loket.cases import core as case_domain
from loket.cases import models as case_models
from loket.cases.calendar import add_days, lead_time_ok, office_calendar, schedule
from loket.cases.models import AT_COUNTER, Case, CaseDocument, CaseEvent, CaseMilestone, CasePause
from loket.counter.desk import requirement_lines
from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db
from loket.feedback import complaints as complaint_domain
from loket.feedback.models import (ANSWERED, CLOSED, IN_PROGRESS, RECEIVED, STAFF_CHANNELS, Complaint,
                                   ComplaintStep, SurveyResponse, SurveyTicketUse)
from loket.feedback.survey import PROFILE_CHOICES
from loket.kiosk.models import Kiosk
from loket.offices import scope
from loket.queue import hours
from loket.queue.core import PRIORITY_REASONS, ticket_number
from loket.queue.models import (CALLED, CANCELLED, DONE, NO_SHOW, SERVING, WAITING, Counter, DailySequence, Service,
                                Ticket, TicketEvent)
from loket.reports.models import SkmFollowUp
from loket.timeutil import UTC, local_day, office_zone, utcnow

DEFAULT_SEED = 2026
DAYS_MIN, DAYS_MAX = 5, 120

# Shares of what happens at a call (per call; a transferred visitor is called twice).
NO_SHOW_SHARE, RECALL_SHARE, TRANSFER_SHARE, PRIORITY_SHARE = 0.065, 0.10, 0.03, 0.04
SURVEY_SHARE, RATING_SHARE = 0.35, 0.60
OFFICE_CLOSED = "office_closed"  # as loket.queue.closing closes a queue at closing time

# Visitors on a full day (Mon-Thu) and minutes at the counter for services whose standard promises
# days, not minutes (a promise in minutes sets its own: most visits within it, some over).
PROFILES = {
    "verifikasi-akun-penyedia": (14, None),
    "helpdesk-lpse": (16, 11),
    "ruang-lpse": (5, None),
    "pemilihan-penyedia": (4, 22),
    "konsultasi-tatap-muka": (4.5, None),
    "bimtek-pendampingan-konsultasi-hukum": (1.0, 35),
}
DEFAULT_PROFILE = (6, 15)
TRANSFER_TO = {
    "helpdesk-lpse": "verifikasi-akun-penyedia",
    "verifikasi-akun-penyedia": "helpdesk-lpse",
    "ruang-lpse": "helpdesk-lpse",
    "pemilihan-penyedia": "konsultasi-tatap-muka",
    "konsultasi-tatap-muka": "pemilihan-penyedia",
    "bimtek-pendampingan-konsultasi-hukum": "konsultasi-tatap-muka",
}
# Arrival weight from a local time of day on (minutes after midnight): the morning peak is 08:30-10:30.
SHAPE = ((0, 0.5), (8 * 60, 1.0), (8 * 60 + 30, 1.8), (10 * 60 + 30, 1.2), (12 * 60, 0.6), (13 * 60, 1.0),
         (14 * 60 + 30, 0.5), (15 * 60, 0.3))
PEAK = max(weight for _, weight in SHAPE)
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 0.95, 0.9, 0.6, 0.5)
# SKM element means (U1..U9, 1..4): waiting time (U3) and facilities (U8) are the weakest.
ELEMENT_MEANS = (3.3, 3.2, 2.75, 3.75, 3.25, 3.4, 3.5, 2.85, 3.1)
PROFILE_WEIGHTS = {
    "gender": (55, 45),
    "age_band": (3, 25, 35, 22, 12, 3),
    "education": (2, 3, 25, 15, 45, 9, 1),
    "occupation": (35, 1, 1, 33, 22, 8),
}
PRIORITY_WEIGHTS = (40, 20, 20, 15, 5)  # in the order of PRIORITY_REASONS

SUGGESTIONS = (
    "Mohon kursi di ruang tunggu ditambah, pagi hari sering penuh.",
    "Antrean pagi cukup lama, mungkin petugas bisa ditambah pada jam sibuk.",
    "Pelayanan sudah baik dan petugas ramah, pertahankan.",
    "Mohon daftar persyaratan verifikasi akun ditempel di ruang tunggu.",
    "Pendingin ruangan di ruang tunggu kurang dingin.",
    "Wi-Fi untuk pengunjung sering terputus.",
    "Petugas helpdesk sangat membantu, terima kasih.",
    "Sebaiknya ada pemberitahuan jika nomor antrean hampir dipanggil.",
    "Tempat parkir motor terbatas, mohon ditambah.",
    "Proses verifikasi cepat, terima kasih.",
)
TRANSFER_NOTES = (
    "Akun perlu diverifikasi terlebih dahulu.",
    "Perlu penjelasan lanjutan di layanan tujuan.",
    "Berkas sudah lengkap, lanjut ke layanan berikutnya.",
    "Masalah akun, diarahkan ke helpdesk.",
)
COMPLAINT_TEXTS = {
    "pengaduan": (
        "Antrean verifikasi akun pada pagi hari lama sekali, saya menunggu lebih dari satu jam.",
        "Nomor antrean saya terlewat karena suara panggilan kurang jelas di ruang tunggu.",
        "Permohonan reset akun SPSE belum ada kabar setelah beberapa hari.",
        "Pendingin ruangan di ruang tunggu tidak menyala.",
        "Persyaratan di situs berbeda dengan yang diminta petugas di loket.",
    ),
    "saran": (
        "Mohon disediakan colokan listrik untuk pengunjung di ruang tunggu.",
        "Sebaiknya jadwal bimbingan teknis diumumkan lebih awal.",
        "Tambahkan petugas helpdesk pada Senin pagi.",
    ),
    "masukan": (
        "Layar antrean sebaiknya juga menampilkan perkiraan waktu tunggu.",
        "Formulir permohonan sebaiknya bisa diisi secara daring sebelum datang.",
    ),
}
RESPONSES = (
    "Terima kasih atas masukannya. Kami sudah menindaklanjuti dan akan terus memperbaiki layanan.",
    "Mohon maaf atas ketidaknyamanannya. Permasalahan sudah kami koordinasikan dengan bagian terkait.",
    "Terima kasih. Permohonan Anda sudah diproses; silakan periksa kembali akun Anda.",
)
NOTES = ("Sudah dikoordinasikan dengan bagian umum.", "Menunggu jawaban helpdesk LKPP.",
         "Dibahas pada rapat evaluasi mingguan.")
REPLY = "Terima kasih, tetapi masalahnya belum selesai. Mohon ditindaklanjuti kembali."
FAKE_NAME, FAKE_CONTACT = "Warga Demo", "demo@contoh.invalid"  # obviously not a person (.invalid)
CHANNEL_WEIGHTS = {"kiosk": 25, "web": 30, "suggestion_box": 10, "phone": 10, "email": 8, "sp4n_lapor": 7,
                   "in_person": 5, "letter": 3, "klungkung_mesadu": 2}
CATEGORY_WEIGHTS = {"pengaduan": 50, "saran": 35, "masukan": 15}
# Cases (berkas): the share of served visits that open one at the counter, and the request letters a working
# day per service whose standard takes letters; what becomes of them.
CASE_SHARE = {"helpdesk-lpse": 0.07, "pemilihan-penyedia": 0.15, "bimtek-pendampingan-konsultasi-hukum": 0.3}
DEFAULT_CASE_SHARE, LETTER_SHARE = 0.1, 0.25
LATE_SHARE, CANCEL_SHARE, MISSING_SHARE, PAUSE_SHARE, ESCALATE_SHARE, SHORT_LEAD_SHARE, NO_METHOD_SHARE = \
    0.2, 0.04, 0.12, 0.1, 0.2, 0.15, 0.1
REQUESTERS = ("Dinas Kesehatan", "Dinas PUPR", "BPKPD", "Dinas Pendidikan", "Dinas Perhubungan", "Bappeda",
              "RSUD Klungkung", "Dinas Pariwisata", "Dinas Sosial", "Satpol PP")
SUPPLIERS = ("CV Contoh Karya", "CV Demo Mandiri", "PT Contoh Bangun Bali")  # helpdesk visitors: suppliers too
CASE_NOTES = ("Sudah dikonfirmasi kepada narahubung.", "Dibahas bersama Pokja Pemilihan.",
              "Hasil disampaikan melalui e-Surat.")
LATER_MISSING = {
    "helpdesk-lpse": ("Tangkapan layar pesan kesalahan SPSE dan nama paket.", "Surat keterangan dari PPK."),
    "pemilihan-penyedia": ("Revisi HPS dan spesifikasi teknis.", "Rancangan kontrak yang sudah diparaf PPK."),
    "bimtek-pendampingan-konsultasi-hukum": ("Daftar peserta dan susunan acara.",),
}
DEFAULT_MISSING = ("Kelengkapan dokumen permohonan.",)
CANCEL_REASONS = ("OPD menarik permohonan: paket ditunda ke tahun anggaran berikutnya.",
                  "Permohonan ganda, sudah tercatat pada berkas lain.",
                  "Pemohon tidak melengkapi berkas dan mengajukan ulang nanti.")


class DemoError(RuntimeError):
    """The demo cannot run on this database or with these options; the message says why."""


@dataclass
class Summary:
    """What a demo wrote: the command prints it (the staff's one-time passwords only this once)."""

    office: str
    first_day: date
    last_day: date
    working_days: int
    tickets: dict[str, int] = field(default_factory=dict)  # by final state
    transferred: int = 0
    priority: int = 0
    surveys: int = 0
    rating_requests: int = 0
    ratings: int = 0
    complaints: dict[str, int] = field(default_factory=dict)  # by status
    overdue: int = 0
    cases: dict[str, int] = field(default_factory=dict)  # by state
    cases_overdue: int = 0
    staff: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, role, counter, password

    @property
    def ticket_count(self) -> int:
        return sum(self.tickets.values())


# --- is the database fresh? -------------------------------------------------------------------

def in_use() -> str | None:
    """Why the database is not a fresh one the demo may fill (None: it is fresh): any ticket, number,
    survey, rating, complaint, follow-up plan, case, audit entry or staff account besides the first-start admin."""
    tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    if tickets:
        return f"the database already holds {tickets} ticket(s)"
    for model, what in ((DailySequence, "ticket numbers"), (SurveyResponse, "survey answers"),
                        (RatingRequest, "quick ratings"), (Complaint, "complaints"),
                        (SkmFollowUp, "SKM follow-up plans"), (Case, "cases"), (audit.AuditEntry, "audit log entries")):
        if db.session.scalar(select(func.count()).select_from(model)):
            return f"the database already holds {what}"
    others = db.session.scalar(select(func.count()).select_from(User).where(
        ~((User.username == "admin") & (User.role == ADMIN))))
    if others:
        return f"the database already has {others} staff account(s) besides admin"
    return None


# --- the office's days ------------------------------------------------------------------------

def demo_schedule(office_id: int) -> hours.Schedule:
    """The office's own hours; "24/7" (what scripts/run.sh sets for the live queue) stands for the
    package default, since an office keeps working days and hours."""
    plan = hours.schedule(office_id)
    if plan.always:
        plan = hours.Schedule(hours.parse(hours.DEFAULT_HOURS), plan.exceptions)
    return plan


def working_days(first: date, last: date, office_id: int) -> list[tuple[date, list[tuple[datetime, datetime]]]]:
    """Days from `first` to `last` the office opens, each with its spans as office-local datetimes."""
    plan = demo_schedule(office_id)
    holidays = hours.holidays_between(first, last)
    zone = office_zone()
    days = []
    day = first
    while day <= last:
        spans = [(datetime.combine(day, a, tzinfo=zone),
                  datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone) if b == time.max
                  else datetime.combine(day, b, tzinfo=zone))
                 for a, b in hours.spans_on(day, plan, holidays)]
        if spans:
            days.append((day, spans))
        day += timedelta(days=1)
    return days


def _ensure_calendar(first: date, last: date) -> None:
    """A fresh start copies this year's national holidays; the history may reach into last year."""
    country = hours.holiday_country()
    for year in range(first.year, last.year + 1):
        if country and not hours.has_calendar_for(year):
            hours.import_calendar(year, country, commit=False)


# --- generating -------------------------------------------------------------------------------

def generate(*, days: int = 30, seed: int = DEFAULT_SEED, office_code: str | None = None,
             today: date | None = None) -> Summary:
    """Write `days` office-local days of history ending yesterday for one office (default: the first)
    and commit. The database must be fresh (`in_use()`) and bootstrapped (`bootstrap.ensure_ready`)."""
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise DemoError(f"--days must be {DAYS_MIN} to {DAYS_MAX}")
    reason = in_use()
    if reason:
        raise DemoError(f"{reason}; the demo fills only a fresh database, never a real office's history")
    office = scope.get_office(office_code) if office_code else scope.default_office()
    if office is None:
        raise DemoError("there is no office yet")
    today = today or local_day()
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    rng = random.Random(seed)
    _ensure_calendar(first, last)
    calendar = working_days(first, last, office.id)
    zone = office_zone()
    start = datetime.combine(first, time(7), tzinfo=zone)
    counters = list(db.session.scalars(select(Counter).where(Counter.office_id == office.id,
                                                             Counter.active.is_(True)).order_by(Counter.number)))
    counters = [c for c in counters if any(s.active for s in c.services)]
    if not counters:
        raise DemoError(f"office '{office.code}' has no counter serving an active service")
    summary = Summary(office.code, first, last, len(calendar))
    staff, officer_of, supervisor = _add_staff(office, counters, start, summary)
    kiosk = next((k for k in db.session.scalars(select(Kiosk).order_by(Kiosk.id))
                  if any(o.id == office.id for o in k.offices)), None)
    services = [s for s in db.session.scalars(select(Service).where(Service.office_id == office.id,
                                                                    Service.active.is_(True))
                                              .order_by(Service.position))
                if any(s in c.services for c in counters)]
    sim = _Simulation(rng, services, counters, officer_of, kiosk.id if kiosk else None)
    visits = [visit for day, spans in calendar for visit in sim.day(day, spans)]
    ticket_ids = _write_tickets(visits)
    _write_feedback(rng, visits, ticket_ids, staff, summary)
    _write_complaints(rng, office, services, staff, supervisor, calendar, kiosk, summary)
    _write_cases(_CaseWriter(rng, office.id, services, staff, supervisor, calendar, visits, ticket_ids, today), summary)
    db.session.commit()
    for visit in visits:
        summary.tickets[visit.state] = summary.tickets.get(visit.state, 0) + 1
    summary.transferred = sum(1 for v in visits if v.transferred)
    summary.priority = sum(1 for v in visits if v.priority_reason)
    return summary


def _add_staff(office, counters: list[Counter], since: datetime, summary: Summary):
    """A supervisor and one officer per counter, each with a one-time password (must change it)."""
    people = [("supervisor", "Supervisor", SUPERVISOR, [])]
    people += [(f"petugas{c.number}", f"Petugas {c.name}", OFFICER, [c]) for c in counters]
    created_at = _utc(since)
    users, officer_of = [], {}
    for username, name, role, assigned in people:
        password = one_time_password()
        user = User(username=username, display_name=name, role=role, office_id=office.id, counters=assigned,
                    must_change_password=True, active=True, created_at=created_at)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        entry = audit.record("officer.added", "user", user.id, label=username, office_id=office.id,
                             after=snapshot(user))
        entry.at = created_at
        users.append(user)
        for counter in assigned:
            officer_of[counter.id] = user
        summary.staff.append((username, role, ", ".join(c.name for c in assigned), password))
    return users, officer_of, users[0]


@dataclass(eq=False)
class _Visit:
    """One ticket while it is simulated: its columns as the core would leave them, and its events."""

    order: int
    day: date
    service: Service
    issued_service: Service
    seq: int
    issued_at: datetime
    priority_reason: str | None
    kiosk: str | None
    queued_at: datetime = None
    state: str = WAITING
    counter_id: int | None = None
    officer_id: int | None = None
    call_count: int = 0
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    close_reason: str | None = None
    transferred: bool = False
    events: list = field(default_factory=list)

    def log(self, kind: str, at: datetime, *, officer=None, counter_id=None, note=None, data=None) -> None:
        """What `core._log` adds for the same step, at the simulated time."""
        self.events.append({"kind": kind, "at": at, "actor_id": getattr(officer, "id", None),
                            "counter_id": counter_id, "service_id": self.service.id, "note": note,
                            "data": data or {}})


def _shape(minute: float) -> float:
    weight = SHAPE[0][1]
    for since, value in SHAPE:
        if minute >= since:
            weight = value
    return weight


def _shape_integral(start: float, end: float) -> float:
    return sum(_shape(m + 0.5) for m in range(int(start), int(end)))


# A full day of the package's default hours takes each service's PROFILES volume.
NORM = _shape_integral(7 * 60 + 30, 15 * 60 + 30)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=round(value))


class _Simulation:
    """Counters serving their services' queues in calling order (priority first, then first come),
    one office day at a time: a small discrete-event loop over arrivals and counters getting free."""

    def __init__(self, rng: random.Random, services: list[Service], counters: list[Counter], officer_of: dict,
                 kiosk: str | None):
        self.rng, self.services, self.counters, self.officer_of, self.kiosk = rng, services, counters, officer_of, kiosk
        self.by_slug = {s.slug: s for s in services}
        self.order = itertools.count()
        self.checklists = {s.id: _checklist_size(s) for s in services}

    # arrivals
    def arrivals(self, day: date, spans) -> list[_Visit]:
        rng = self.rng
        factor = WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.8, 1.2)
        times: list[tuple[datetime, Service]] = []
        for service in self.services:
            volume = PROFILES.get(service.slug, DEFAULT_PROFILE)[0]
            per_minute = volume * factor * PEAK / NORM
            for opening, closing in spans:
                t = opening
                while True:  # thinning: a Poisson process at the peak rate, kept in proportion to the shape
                    t += _seconds(rng.expovariate(per_minute) * 60)
                    if t >= closing:
                        break
                    if rng.random() < _shape(t.hour * 60 + t.minute) / PEAK:
                        times.append((t, service))
        times.sort(key=lambda item: (item[0], item[1].position))
        visits, seqs = [], {}
        for at, service in times:
            seqs[service.id] = seqs.get(service.id, 0) + 1
            reason = rng.choices(PRIORITY_REASONS, PRIORITY_WEIGHTS)[0] if rng.random() < PRIORITY_SHARE else None
            visit = _Visit(next(self.order), day, service, service, seqs[service.id], at, reason, self.kiosk,
                           queued_at=at)
            visit.log("issued", at, data={"priority": reason is not None, "kiosk": self.kiosk})
            visits.append(visit)
        return visits

    # the day
    def day(self, day: date, spans) -> list[_Visit]:
        visits = self.arrivals(day, spans)
        closing = spans[-1][1]
        waiting: dict[int, list[_Visit]] = {s.id: [] for s in self.services}
        idle = {c.id: False for c in self.counters}
        tick = itertools.count()
        heap: list = []
        for visit in visits:
            heapq.heappush(heap, (visit.issued_at, 0, next(tick), "arrive", visit))
        for counter in self.counters:  # the officers sit down a few minutes after opening
            heapq.heappush(heap, (spans[0][0] + _seconds(self.rng.uniform(60, 600)), 1, next(tick), "free", counter))
        heapq.heappush(heap, (closing, 2, next(tick), "close", None))
        while heap:
            now, _, _, kind, item = heapq.heappop(heap)
            if kind == "arrive":
                waiting[item.service.id].append(item)
                for counter in self.counters:
                    if idle[counter.id] and any(s.id == item.service.id for s in counter.services):
                        idle[counter.id] = False
                        heapq.heappush(heap, (now + _seconds(self.rng.uniform(10, 60)), 1, next(tick), "free", counter))
                        break
            elif kind == "close":  # loket.queue.closing: whoever still waits is not served today
                for queue in waiting.values():
                    for visit in queue:
                        visit.state, visit.close_reason = CANCELLED, OFFICE_CLOSED
                        visit.finished_at = now + _seconds(self.rng.uniform(1, 30))
                        visit.log("cancelled", visit.finished_at, data={"reason": OFFICE_CLOSED})
                    queue.clear()
            elif now < closing:  # a counter is free: call the next visitor, or wait for one
                opening = next((a for a, b in spans if b > now), None)
                if opening is not None and opening > now:  # a break between spans
                    heapq.heappush(heap, (opening + _seconds(self.rng.uniform(60, 300)), 1, next(tick), "free", item))
                    continue
                visit = self.next_visitor(item, waiting)
                if visit is None:
                    idle[item.id] = True
                    continue
                free_at, moved = self.serve(visit, item, now, closing)
                if moved:
                    heapq.heappush(heap, (free_at, 0, next(tick), "arrive", visit))
                pause = self.rng.uniform(420, 900) if self.rng.random() < 0.05 else self.rng.uniform(15, 90)
                heapq.heappush(heap, (free_at + _seconds(pause), 1, next(tick), "free", item))
        return visits

    def next_visitor(self, counter: Counter, waiting) -> _Visit | None:
        candidates = [v for s in counter.services if s.id in waiting for v in waiting[s.id]]
        if not candidates:
            return None
        visit = min(candidates, key=lambda v: (v.priority_reason is None, v.queued_at, v.order))
        waiting[visit.service.id].remove(visit)
        return visit

    def serve(self, visit: _Visit, counter: Counter, now: datetime, closing: datetime) -> tuple[datetime, bool]:
        """Call `visit` at `counter` now; returns when the counter is free again and whether the
        visitor went on to another queue (a transfer)."""
        rng, officer = self.rng, self.officer_of[counter.id]
        visit.state, visit.counter_id, visit.officer_id, visit.called_at = CALLED, counter.id, officer.id, now
        visit.call_count += 1
        visit.log("called", now, officer=officer, counter_id=counter.id)
        t = now
        if rng.random() < NO_SHOW_SHARE:  # called again once or twice, then marked absent
            for _ in range(rng.choice((1, 2, 2))):
                t += _seconds(rng.uniform(45, 100))
                visit.call_count += 1
                visit.log("recalled", t, officer=officer, counter_id=counter.id, data={"call_count": visit.call_count})
            t += _seconds(rng.uniform(40, 120))
            visit.state, visit.finished_at = NO_SHOW, t
            visit.log("no_show", t, officer=officer, counter_id=counter.id)
            return t, False
        if rng.random() < RECALL_SHARE:
            t += _seconds(rng.uniform(45, 100))
            visit.call_count += 1
            visit.log("recalled", t, officer=officer, counter_id=counter.id, data={"call_count": visit.call_count})
        t += _seconds(rng.uniform(20, 90))  # walking up to the counter
        visit.state, visit.started_at = SERVING, t
        visit.log("started", t, officer=officer, counter_id=counter.id)
        target = self.transfer_target(visit)
        moved_at = t + _seconds(rng.uniform(120, 360))
        if target is not None and rng.random() < TRANSFER_SHARE and moved_at < closing:
            source = visit.service
            visit.service, visit.state, visit.counter_id = target, WAITING, None
            visit.queued_at, visit.called_at, visit.started_at, visit.transferred = moved_at, None, None, True
            visit.log("transferred", moved_at, officer=officer, counter_id=counter.id,
                      note=rng.choice(TRANSFER_NOTES), data={"from": source.code, "to": target.code})
            return moved_at, True
        t += _seconds(self.service_minutes(visit.service) * 60)
        visit.state, visit.finished_at = DONE, t
        size = self.checklists[visit.service.id]
        ticked = list(range(size)) if rng.random() < 0.85 else sorted(rng.sample(range(size), rng.randint(0, size)))
        visit.log("closed", t, officer=officer, counter_id=counter.id, data={"checklist": ticked})
        return t, False

    def transfer_target(self, visit: _Visit) -> Service | None:
        if visit.transferred:
            return None  # once is enough: the visitor keeps the number and waits again
        target = self.by_slug.get(TRANSFER_TO.get(visit.service.slug, ""))
        others = [s for s in self.services if s.id != visit.service.id]
        return target if target is not None and target.id != visit.service.id else (others[0] if others else None)

    def service_minutes(self, service: Service) -> float:
        """Around the promise (median half of it: about one visit in twenty runs over), else the profile."""
        median = 0.5 * service.promised_minutes if service.promised_minutes else \
            (PROFILES.get(service.slug, DEFAULT_PROFILE)[1] or DEFAULT_PROFILE[1])
        return max(2.0, self.rng.lognormvariate(math.log(median), 0.45))


def _checklist_size(service: Service) -> int:
    from loket.counter.desk import checklist

    return len(checklist(service))


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None


# --- writing ----------------------------------------------------------------------------------

def _write_tickets(visits: list[_Visit]) -> dict[_Visit, int]:
    """Tickets (issue order), their event log (time order) and the daily numbers, in bulk."""
    rows = [{
        "token": secrets.token_urlsafe(18), "office_id": v.issued_service.office_id,
        "number": ticket_number(v.issued_service, v.seq), "seq": v.seq, "day": v.day,
        "issued_service_id": v.issued_service.id, "service_id": v.service.id, "priority": v.priority_reason is not None,
        "priority_reason": v.priority_reason, "state": v.state, "close_reason": v.close_reason,
        "counter_id": v.counter_id, "officer_id": v.officer_id, "kiosk": v.kiosk, "call_count": v.call_count,
        "issued_at": _utc(v.issued_at), "queued_at": _utc(v.queued_at), "called_at": _utc(v.called_at),
        "started_at": _utc(v.started_at), "finished_at": _utc(v.finished_at),
    } for v in visits]
    ids = db.session.scalars(insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), rows).all() \
        if rows else []
    ticket_ids = dict(zip(visits, ids))
    events = sorted(((e, n, v) for v in visits for n, e in enumerate(v.events)),
                    key=lambda item: (item[0]["at"], item[2].order, item[1]))
    if events:
        db.session.execute(insert(TicketEvent), [{**e, "at": _utc(e["at"]), "ticket_id": ticket_ids[v]}
                                                 for e, _, v in events])
    last: dict[tuple[int, date], int] = {}
    for v in visits:
        key = (v.issued_service.id, v.day)
        last[key] = max(last.get(key, 0), v.seq)
    if last:
        db.session.execute(insert(DailySequence), [{"service_id": s, "day": d, "last": n}
                                                   for (s, d), n in sorted(last.items())])
    return ticket_ids


def _wait_minutes(visit: _Visit) -> float:
    return (visit.called_at - visit.queued_at).total_seconds() / 60


def _write_feedback(rng: random.Random, visits, ticket_ids, staff, summary: Summary) -> None:
    """SKM answers for a share of done visits (anonymous: only service and day) and the counter's
    one-tap ratings (a request for every closed case, as the desk asks, a tap for most)."""
    done = [v for v in visits if v.state == DONE]
    service_shift = {}
    officer_shift = {user.id: rng.gauss(0, 0.25) for user in staff}
    surveys, uses, requests, ratings = [], [], [], []
    timeout = int(current_app.config.get("LOKET_RATING_TIMEOUT", 60))
    for visit in done:
        wait = _wait_minutes(visit)
        if rng.random() < SURVEY_SHARE:
            shift = service_shift.setdefault(visit.service.id, rng.gauss(0, 0.12))
            mood = rng.gauss(0, 0.3)
            answers = {}
            for index, mean in enumerate(ELEMENT_MEANS):
                penalty = (0.5 if wait > 45 else 0.25 if wait > 25 else 0) if index == 2 else 0
                answers[f"u{index + 1}"] = min(4, max(1, round(rng.gauss(mean + shift + mood - penalty, 0.55))))
            profile = {name: (rng.choices(choices, PROFILE_WEIGHTS[name])[0] if rng.random() > 0.12 else None)
                       for name, choices in PROFILE_CHOICES.items()}
            suggestion = rng.choice(SUGGESTIONS) if rng.random() < 0.12 else None
            surveys.append({"service_id": visit.service.id, "period": visit.day, "suggestion": suggestion,
                            **answers, **profile})
            uses.append({"ticket_id": ticket_ids[visit]})
        asked = _utc(visit.finished_at)
        request = {"id": secrets.token_urlsafe(24), "ticket_id": ticket_ids[visit], "officer_id": visit.officer_id,
                   "service_id": visit.service.id, "counter_id": visit.counter_id, "created_at": asked,
                   "expires_at": asked + timedelta(seconds=timeout), "answered_at": None}
        if rng.random() < RATING_SHARE:
            tapped = asked + _seconds(rng.uniform(1, max(1, min(40, timeout - 1))))
            level = 3.4 + officer_shift.get(visit.officer_id, 0) - (0.5 if wait > 45 else 0.2 if wait > 25 else 0)
            score = min(4, max(1, round(rng.gauss(level, 0.7))))
            request["answered_at"] = tapped
            ratings.append({"request_id": request["id"], "ticket_id": request["ticket_id"],
                            "officer_id": visit.officer_id, "service_id": visit.service.id,
                            "counter_id": visit.counter_id, "score": score, "created_at": tapped})
        requests.append(request)
    for model, rows in ((SurveyResponse, surveys), (SurveyTicketUse, uses), (RatingRequest, requests),
                        (QuickRating, ratings)):
        if rows:
            db.session.execute(insert(model), rows)
    summary.surveys, summary.rating_requests, summary.ratings = len(surveys), len(requests), len(ratings)


# --- complaints -------------------------------------------------------------------------------

def _fates(rng: random.Random, ages: list[int]) -> list[str]:
    """What became of each complaint (oldest first, by working days since it came): every status
    present, the oldest still open (overdue), older ones mostly answered or closed."""
    fates = []
    for age in ages:
        if age >= 8:
            options = {"closed": 55, "answered": 20, "in_progress": 10, "received": 5, "reopened": 10}
        elif age >= 3:
            options = {"answered": 35, "closed": 25, "in_progress": 30, "received": 10}
        else:
            options = {"received": 50, "in_progress": 35, "answered": 15}
        fates.append(rng.choices(list(options), list(options.values()))[0])
    forced = {0: "in_progress", 1: "closed", len(ages) // 2: "answered", len(ages) - 1: "received"}
    for index, fate in forced.items():
        fates[index] = fate
    return fates


def _varied(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    """`count` picks by weight, each option at least once while `count` allows (a short history still
    shows the variety)."""
    picks = list(weights)[:count] + rng.choices(list(weights), list(weights.values()), k=max(0, count - len(weights)))
    rng.shuffle(picks)
    return picks


def _moment(rng: random.Random, spans, after: datetime | None = None) -> datetime:
    """A moment in a day's office spans, later than `after` (a few minutes after it when the day is over)."""
    choices = [(max(a, after) if after else a, b) for a, b in spans if after is None or b > after]
    if not choices:
        return after + _seconds(rng.uniform(120, 900))
    a, b = rng.choice(choices)
    return a + _seconds(rng.uniform(0, max(60, (b - a).total_seconds())))


def _write_complaints(rng: random.Random, office, services, staff, supervisor, calendar, kiosk,
                      summary: Summary) -> None:
    """Complaints in every status with their step history, by the office's channels and categories."""
    if not calendar:
        return
    count = max(6, round(len(calendar) * 0.6))
    picks = sorted([0] + [rng.randrange(len(calendar)) for _ in range(count - 1)])
    fates = _fates(rng, [len(calendar) - i for i in picks])
    officers = [u for u in staff if u.role == OFFICER]
    retention = complaint_domain.retention_days(office.id)
    now = utcnow()
    last = len(calendar) - 1
    steps = []
    for index, fate, channel, category in zip(picks, fates, _varied(rng, CHANNEL_WEIGHTS, count),
                                              _varied(rng, CATEGORY_WEIGHTS, count)):
        day, spans = calendar[index]
        recorder = rng.choice(staff) if channel in STAFF_CHANNELS else None
        received = _moment(rng, spans)
        fake = channel in ("web", "kiosk", "phone", "email") and rng.random() < 0.35
        complaint = Complaint(
            code=complaint_domain.new_code(), category=category, channel=channel, office_id=office.id,
            service_id=rng.choice(services).id if services and rng.random() < 0.75 else None,
            message=rng.choice(COMPLAINT_TEXTS[category]), name=FAKE_NAME if fake else None,
            contact=FAKE_CONTACT if fake else None, kiosk_id=kiosk.id if kiosk and channel == "kiosk" else None,
            status=RECEIVED, received_at=_utc(received), recorded_by_id=getattr(recorder, "id", None))
        if fake and complaint.received_at < now - timedelta(days=retention):  # the six-hourly purge ran
            complaint.name = complaint.contact = None
            purged = complaint.received_at + timedelta(days=retention, hours=rng.uniform(0, 6))
            complaint.contact_purged_at = min(now, purged)
        db.session.add(complaint)
        db.session.flush()
        history = [("received", received, recorder, None, False, {})]
        handler, t, at_day = supervisor, received, index

        def later(gap_days: int) -> datetime:
            nonlocal t, at_day
            at_day = min(last, at_day + gap_days)
            t = _moment(rng, calendar[at_day][1], after=t)
            return t

        if officers and rng.random() < 0.4:
            handler = rng.choice(officers)
            complaint.assigned_to_id = handler.id
            history.append(("assigned", later(0), supervisor, None, True, {"to": handler.username}))
        if fate != "received":
            complaint.status, complaint.in_progress_at = IN_PROGRESS, _utc(later(rng.choice((0, 0, 1))))
            history.append(("status", t, handler, None, False, {"to": IN_PROGRESS}))
            if rng.random() < 0.4:
                history.append(("note", later(rng.choice((0, 1))), handler, rng.choice(NOTES), True, {}))
        if fate in ("answered", "closed", "reopened"):
            gap = rng.choice((6, 7, 8)) if rng.random() < 0.1 else rng.choice((1, 2, 3))
            complaint.response = rng.choice(RESPONSES)
            complaint.status, complaint.answered_at = ANSWERED, _utc(later(gap))
            history.append(("answered", t, handler, complaint.response, False, {}))
        if fate == "closed":
            complaint.status, complaint.closed_at = CLOSED, _utc(later(rng.choice((1, 2, 3))))
            history.append(("closed", t, handler, None, False, {}))
        if fate == "reopened":  # the complainant replied to the answer: open again, in progress
            replied = later(rng.choice((1, 2)))
            history.append(("reply", replied, None, REPLY, False, {}))
            history.append(("reopened", replied, None, None, False, {"from": ANSWERED}))
            complaint.status, complaint.in_progress_at = IN_PROGRESS, _utc(replied)
        if fate != "received":
            complaint.handled_by_id = handler.id
        steps += [{"complaint_id": complaint.id, "kind": kind, "at": _utc(at), "actor_id": getattr(actor, "id", None),
                   "text": text, "internal": internal, "data": data}
                  for kind, at, actor, text, internal, data in history]
        summary.complaints[complaint.status] = summary.complaints.get(complaint.status, 0) + 1
    db.session.execute(insert(ComplaintStep), steps)
    db.session.flush()
    summary.overdue = sum(1 for c in db.session.scalars(select(Complaint).where(Complaint.office_id == office.id))
                          if complaint_domain.is_overdue(c, now))


# --- cases (berkas) ---------------------------------------------------------------------------

@dataclass
class _CasePlan:
    """What becomes of one case. `outcomes`, per milestone in order: "on_time", "late", "hold" (still running
    when the history ends) or "cancel" (withdrawn while it runs); a milestone without one is "on_time".
    `missing`: the last requirement did not come with the request (it arrives `arrives` working days later;
    None: not yet); `pause_in`: during that milestone the office waits for something more; `variant` is chosen
    when its milestone runs, or at opening with `variant_at_open`."""

    service: Service
    day: int  # the working day it was received, as an index into the history's working days
    outcomes: tuple[str, ...] = ()
    visit: _Visit | None = None  # opened at the counter from this ticket
    letter: bool = False  # registered from a request letter (the service takes letters)
    missing: bool = False
    arrives: int | None = 2
    pause_in: int | None = None
    variant: str | None = None
    variant_at_open: bool = False
    lead_short: bool = False

    def outcome(self, index: int) -> str:
        return self.outcomes[index] if index < len(self.outcomes) else "on_time"


@dataclass(eq=False)
class _CaseLog:
    """A case's event log while it is written: entries as `loket.cases.core._log` adds them, at `at`."""

    at: datetime  # office-local moment of the latest action
    entries: list = field(default_factory=list)

    def log(self, kind: str, actor, *, note: str | None = None, data: dict | None = None) -> None:
        self.entries.append({"kind": kind, "at": self.at, "actor_id": getattr(actor, "id", None), "note": note,
                             "data": data or {}})


class _CaseWriter:
    """Cases of the services with milestones, with the rows and event log `loket.cases.core` writes for the
    same actions (`_open`, `wait_for_documents`, `check_document`, `documents_arrived`, `choose_variant`,
    `escalate`, `reassign`, `complete_milestone`, `cancel`), each action on an office working day of the
    history at a moment in its hours. No commit and nothing published here: the demo commits once."""

    def __init__(self, rng: random.Random, office_id: int, services: list[Service], staff: list[User],
                 supervisor: User, calendar, visits: list[_Visit], ticket_ids: dict[_Visit, int], today: date):
        self.rng, self.office_id, self.staff, self.supervisor = rng, office_id, staff, supervisor
        self.ticket_ids, self.today = ticket_ids, today
        self.services = [s for s in services if s.milestones]
        self.spans = dict(calendar)
        self.calendar = office_calendar(office_id, start=calendar[0][0], end=today) if calendar else None
        self.days = [day for day, _ in calendar if self.calendar.is_working_day(day)] if calendar else []
        self.index = {day: n for n, day in enumerate(self.days)}
        with_cases = {s.id for s in self.services}
        self.served: dict[tuple[int, date], list[_Visit]] = {}  # served visits a case may be opened from
        for visit in visits:
            if visit.state == DONE and visit.service.id in with_cases and visit.day in self.index:
                self.served.setdefault((visit.service.id, visit.day), []).append(visit)

    # which cases
    def plans(self) -> list[_CasePlan]:
        """One case for each fate the pages show, then the everyday ones (a share of the served visits, and
        request letters), in the order they were received."""
        rng = self.rng
        plans = [plan for plan in self.showcase() if self.source(plan)]
        for visits in self.served.values():
            for visit in visits:
                if rng.random() < CASE_SHARE.get(visit.service.slug, DEFAULT_CASE_SHARE):
                    plans.append(self.random_plan(visit.service, self.index[visit.day], visit=visit))
        for day in range(len(self.days)):
            for service in self.services:
                if service.intake and rng.random() < LETTER_SHARE:
                    plans.append(self.random_plan(service, day, letter=True))
        return sorted(plans, key=lambda plan: plan.day)

    def showcase(self) -> list[_CasePlan]:
        """Completed on time and late, overdue, due today, waiting for documents and a wait that ended (from the
        start and in the middle), cancelled, a helpdesk case escalated, each selection method and none yet, a
        bimtek request in time and one short of the lead time (as far as the office's standard has them)."""
        escalating = next((s for s in self.services if self.variants(s, case_domain.ESCALATION)), None)
        choosing = next((s for s in self.services if self.variants(s)), None)
        leading = next((s for s in self.services if s.lead_time), None)
        plain = escalating or self.services[0]
        by_letter = next((s for s in self.services if s.intake), plain)
        last = len(self.days) - 1
        plans = [_CasePlan(plain, 0), _CasePlan(plain, 0, ("late",)), _CasePlan(plain, min(1, last), pause_in=0),
                 _CasePlan(choosing or plain, min(1, last), ("cancel",)),
                 _CasePlan(by_letter, 0, letter=True, missing=True, arrives=min(2, last),
                           variant=next(iter(self.variants(by_letter)), None)),
                 _CasePlan(by_letter, max(0, last - 2), letter=True, missing=True, arrives=None)]
        # overdue (already on the history's last day, so the report's period shows it too), due today
        for wanted in (lambda due: due < self.days[-1], lambda due: due == self.today):
            day = self.received_for(plain, wanted)
            if day is not None:
                plans.append(_CasePlan(plain, day, ("hold",)))
        if escalating:
            plans += [_CasePlan(escalating, 0, variant=case_domain.ESCALATION),
                      _CasePlan(escalating, max(0, last - 3), ("hold",), variant=case_domain.ESCALATION)]
        if choosing:
            plans += [_CasePlan(choosing, min(n, last), variant=key, variant_at_open=n % 2 == 0, letter=n % 2 == 1)
                      for n, key in enumerate(self.variants(choosing))]
            plans.append(_CasePlan(choosing, last, ("on_time", "hold"), letter=True))  # no method chosen yet
        if leading:
            plans += [_CasePlan(leading, last, ("hold",), letter=True),
                      _CasePlan(leading, max(0, last - 3), letter=True, lead_short=True)]
        return plans

    def random_plan(self, service: Service, day: int, *, visit: _Visit | None = None,
                    letter: bool = False) -> _CasePlan:
        rng, milestones = self.rng, service.milestones
        outcomes = ["late" if rng.random() < LATE_SHARE else "on_time" for _ in milestones]
        if rng.random() < CANCEL_SHARE:
            outcomes[rng.randrange(len(outcomes))] = "cancel"
        variant, at_open = None, False
        if self.variants(service, case_domain.ESCALATION):
            variant = case_domain.ESCALATION if rng.random() < ESCALATE_SHARE else None
        elif self.variants(service) and (day < len(self.days) - 5 or rng.random() >= NO_METHOD_SHARE):
            variant, at_open = rng.choice(self.variants(service)), rng.random() < 0.4
        return _CasePlan(service, day, tuple(outcomes), visit=visit, letter=letter,
                         missing=rng.random() < MISSING_SHARE, arrives=rng.randint(1, 3),
                         pause_in=rng.randrange(len(milestones)) if rng.random() < PAUSE_SHARE else None,
                         variant=variant, variant_at_open=at_open, lead_short=rng.random() < SHORT_LEAD_SHARE)

    @staticmethod
    def variants(service: Service, key: str | None = None) -> list[str]:
        """The service's variant keys: the escalation's with `key`, else the others (selection methods)."""
        keys = [v.key for m in service.milestones for v in m.variants]
        return [k for k in keys if k == key] if key else [k for k in keys if k != case_domain.ESCALATION]

    def received_for(self, service: Service, wanted) -> int | None:
        """The latest working day on which a case received has its first due date `wanted`."""
        for index in reversed(range(len(self.days))):
            due = schedule(service.milestones, self.days[index], self.calendar)[0].due
            if due is not None and wanted(due):
                return index
        return None

    def source(self, plan: _CasePlan) -> bool:
        """Where a showcase case comes from: a served visit of its day (unless it is a letter), else a letter
        when its service takes them; False when neither."""
        by_letter = plan.letter and plan.service.intake
        queue = [] if by_letter else self.served.get((plan.service.id, self.days[plan.day]), [])
        if queue:
            plan.visit = queue.pop(self.rng.randrange(len(queue)))
        plan.letter = plan.visit is None
        return plan.visit is not None or bool(plan.service.intake)

    def officer_for(self, service: Service) -> User:
        return next((u for u in self.staff if u.role == OFFICER and any(service in c.services for c in u.counters)),
                    self.supervisor)

    # writing one
    def write(self, plan: _CasePlan) -> tuple[Case, list[dict]]:
        """The case of `plan` as opened at the counter (`open_from_ticket`) or registered from a letter
        (`register_letter`), then lived through the history."""
        rng, service, calendar, visit = self.rng, plan.service, self.calendar, plan.visit
        day = self.days[plan.day]
        officer = self.officer_for(service)
        if visit is not None:  # received on the ticket's day, the serving officer's own case
            actor = assignee = next(u for u in self.staff if u.id == visit.officer_id)
            at = visit.started_at + (visit.finished_at - visit.started_at) * rng.uniform(0.5, 0.95)
            channel, number = AT_COUNTER, ticket_number(visit.issued_service, visit.seq)
            requesters = REQUESTERS + SUPPLIERS if service.slug == "helpdesk-lpse" else REQUESTERS
        else:  # the supervisor registers the letter, for the service's officer or the office's list
            actor, assignee = self.supervisor, officer if rng.random() < 0.5 else None
            at = _moment(rng, self.spans[day])
            channel, number, requesters = rng.choice(service.intake).kind, None, REQUESTERS
        rule, activity, short = service.lead_time, None, None
        if rule is not None:  # the day of the activity, some short of the lead time
            ahead = rng.randint(max(0, rule.days - 3), rule.days - 1) if plan.lead_short and rule.days \
                else rule.days + rng.randint(0, 8)
            activity = add_days(day, ahead, rule.unit, calendar)
            check = lead_time_ok(day, activity, rule, calendar)
            short = None if check.ok else {"days": check.days, "required": rule.days, "unit": rule.unit}
        consent = rng.random() < 0.3
        case = Case(office_id=service.office_id, service_id=service.id, service=service,
                    ticket_id=self.ticket_ids[visit] if visit else None, token=secrets.token_urlsafe(18),
                    code=case_domain._new_code(), channel=channel, requester=rng.choice(requesters),
                    contact_name=FAKE_NAME, contact_email=FAKE_CONTACT if consent else None, contact_consent=consent,
                    variant=plan.variant if plan.variant_at_open else None, activity_day=activity,
                    lead_time_short=case_domain._lead_time_reason(rule, short["days"]) if short else None,
                    received_on=day, state=case_models.OPEN, assignee_id=getattr(assignee, "id", None),
                    created_at=_utc(at))
        lines = requirement_lines(service.standard or {})
        case.documents = [CaseDocument(position=n, text=text, received=not (plan.missing and n == len(lines)),
                                       received_on=None if plan.missing and n == len(lines) else day)
                          for n, text in enumerate(lines, 1)]
        life = _CaseLog(at)
        life.log("opened", actor, data={"channel": channel, "ticket": number, "received_on": day.isoformat(),
                                        "variant": case.variant, "assignee": case.assignee_id,
                                        "lead_time_short": short})
        missing = [document.text for document in case.documents if not document.received]
        if missing:  # menunggu kelengkapan berkas from the day it came
            case.pauses = [CasePause(stopped_on=day, missing="; ".join(missing))]
            case.state = case_models.WAITING
            life.log("waiting", actor, note=case.pauses[0].missing, data={"on": day.isoformat()})
        if assignee is None:
            self.move(life, day)
            life.log("reassigned", actor, data={"from": None, "to": officer.id})
            case.assignee_id = officer.id
        self.live(plan, case, life, assignee or officer)
        case_domain._refresh(case, calendar)
        return case, life.entries

    def move(self, life: _CaseLog, day: date) -> None:
        """The next action: a moment of `day`'s office hours after the last one."""
        life.at = _moment(self.rng, self.spans[day], after=life.at)

    def live(self, plan: _CasePlan, case: Case, life: _CaseLog, worker: User) -> None:
        """The case's course after opening, milestone by milestone, as far as the history goes."""
        rng, days, last, index = self.rng, self.days, len(self.days) - 1, plan.day
        if case.state == case_models.WAITING:
            if plan.arrives is None or index + plan.arrives > last:
                return
            index += plan.arrives
            self.arrive(case, life, worker, days[index], tick=True)
        for n, milestone in enumerate(case.service.milestones):
            outcome = plan.outcome(n)
            if plan.variant and milestone.variant(plan.variant) and case.variant != plan.variant:
                self.move(life, days[index])
                kind = "escalated" if plan.variant == case_domain.ESCALATION else "variant"
                life.log(kind, worker, data={"from": case.variant, "to": plan.variant})
                case.variant = plan.variant
            if outcome == "cancel":
                self.cancel(case, life, worker, days[min(last, index + rng.randint(0, 2))])
                return
            if plan.pause_in == n:  # the office asks for something more; it comes one to three days later
                index = min(last, index + rng.choice((0, 1)))
                self.move(life, days[index])
                missing = rng.choice(LATER_MISSING.get(case.service.slug, DEFAULT_MISSING))
                case.pauses.append(CasePause(stopped_on=days[index], missing=missing))
                case.state = case_models.WAITING
                life.log("waiting", worker, note=missing, data={"on": days[index].isoformat()})
                index += rng.randint(1, 3)
                if index > last:
                    return
                self.arrive(case, life, worker, days[index], tick=False)
            due = case_domain.due_dates(case, days[index], self.calendar)[n].due
            if outcome == "hold" or due is None:  # still running, or its length waits for the method
                return
            choices = self.near(due, days[index], late=outcome == "late") or self.near(due, days[index], late=True)
            done_on = rng.choice(choices)
            if done_on not in self.index:  # still running when the history ends
                return
            index = self.index[done_on]
            self.move(life, done_on)
            note = rng.choice(CASE_NOTES) if rng.random() < 0.3 else None
            case.completions.append(CaseMilestone(key=milestone.key, completed_on=done_on, completed_at=_utc(life.at),
                                                  completed_by_id=worker.id, note=note))
            life.log("milestone", worker, note=note, data={"key": milestone.key, "on": done_on.isoformat(),
                                                           "due": due.isoformat(), "on_time": done_on <= due})
        case.state, case.closed_at = case_models.DONE, _utc(life.at)
        life.log("done", worker)

    def near(self, due: date, start: date, *, late: bool) -> list[date]:
        """The last three working days from `start` up to `due` (a milestone done just in time), or with
        `late` the first three after it."""
        found, day, step = [], due + timedelta(days=1) if late else due, timedelta(days=1 if late else -1)
        while len(found) < 3 and (late or day >= start):
            if self.calendar.is_working_day(day):
                found.append(day)
            day += step
        return found

    def arrive(self, case: Case, life: _CaseLog, worker: User, day: date, *, tick: bool) -> None:
        """What the office waited for came on `day` (the missing requirements ticked first, with `tick`)."""
        self.move(life, day)
        if tick:
            for document in case.documents:
                if not document.received:
                    document.received, document.received_on = True, day
                    life.log("document", worker, data={"position": document.position, "received": True})
        pause = case.open_pause
        pause.resumed_on, case.state = day, case_models.OPEN
        ticked = [document for document in case.documents if not document.received]  # complete now, as the core does
        for document in ticked:
            document.received, document.received_on = True, day
        life.log("documents_arrived", worker, data={"stopped_on": pause.stopped_on.isoformat(), "on": day.isoformat(),
                                                    "documents": [document.position for document in ticked]})

    def cancel(self, case: Case, life: _CaseLog, worker: User, day: date) -> None:
        self.move(life, day)
        pause = case.open_pause
        if pause is not None:
            pause.resumed_on = max(day, pause.stopped_on)
        case.state, case.closed_at = case_models.CANCELLED, _utc(life.at)
        life.log("cancelled", worker, note=self.rng.choice(CANCEL_REASONS))


def _write_cases(writer: _CaseWriter, summary: Summary) -> None:
    """The cases and their event log (in time order); contacts of cases closed longer than the retention
    period are gone, as `loket.cases.core.purge_contacts` leaves them."""
    if not writer.days or not writer.services:
        return
    office_id = writer.office_id
    keep = timedelta(days=complaint_domain.retention_days(office_id))
    now = utcnow()
    cases, logs = [], []
    for plan in writer.plans():
        case, entries = writer.write(plan)
        if case.closed_at is not None and case.closed_at < now - keep:  # the six-hourly purge ran
            case.contact_name = case.contact_email = None
            case.contact_consent = False
            case.contact_purged_at = min(now, case.closed_at + keep + _seconds(writer.rng.uniform(0, 6 * 3600)))
        db.session.add(case)
        cases.append(case)
        logs.append(entries)
        summary.cases[case.state] = summary.cases.get(case.state, 0) + 1
    db.session.flush()
    entries = sorted(((entry, order, n) for order, log in enumerate(logs) for n, entry in enumerate(log)),
                     key=lambda item: (item[0]["at"], item[1], item[2]))
    db.session.execute(insert(CaseEvent), [{**entry, "at": _utc(entry["at"]), "case_id": cases[order].id}
                                           for entry, order, _ in entries])
    summary.cases_overdue = sum(row.overdue for row in case_domain.worklist(office_id, today=writer.today))
