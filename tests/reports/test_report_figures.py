"""The reports against a generated half year with known figures: the expected tables are computed here from
the generator's records and compared with `build()`, the page, the XLSX and the CSV; plus `figures.replay`.
"""
from __future__ import annotations

import io
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

import openpyxl
import pytest
from sqlalchemy import select

from history import AGES, EDUCATIONS, NAMES, OCCUPATIONS, PROMISED, generate, office_day, utc, write
from loket.extensions import db
from loket.feedback.ikm import ELEMENTS, compute_ikm, minimum_sample
from loket.offices.scope import default_office
from loket.queue.models import Counter, Service
from loket.reports import figures, period_report, skm
from loket.reports.periods import parse_period
from support import csv_sections, login, read_shown, report_tables

# [start, end) of each period and of the one before it, written out here rather than asked of loket.reports.
PERIODS = {
    "2026-S1": ((date(2026, 1, 1), date(2026, 7, 1)), (date(2025, 7, 1), date(2026, 1, 1))),
    "2026-03": ((date(2026, 3, 1), date(2026, 4, 1)), (date(2026, 2, 1), date(2026, 3, 1))),
    "2026-03-31": ((date(2026, 3, 31), date(2026, 4, 1)), (date(2026, 3, 30), date(2026, 3, 31))),
    "2026-04-01": ((date(2026, 4, 1), date(2026, 4, 2)), (date(2026, 3, 31), date(2026, 4, 1))),
}
PROMISE_TEXT = {30: "30 menit", 60: "1 jam", None: "dalam hari (berkas)"}
EVERYTHING = "Seluruh layanan"
GENERAL = "Tanpa layanan (umum)"
PROFILE = [("gender", "Jenis kelamin", [("L", "Laki-laki"), ("P", "Perempuan")]),
           ("age_band", "Usia", [(v, f"{v} tahun") for v in AGES]),
           ("education", "Pendidikan terakhir", [(v, v) for v in EDUCATIONS]),
           ("occupation", "Pekerjaan utama", [(v, v) for v in OCCUPATIONS])]


# --- the expected figures, from the generator's records ------------------------------------------

def r(value, digits):
    return None if value is None else round(value, digits)


def pct(part, whole):
    """A share in percent, in the page's order of float operations (part / whole × 100)."""
    return part / whole * 100 if whole else None


def middle(values):
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def p90(values):
    """Nearest rank: the ceil(0.9 n)-th smallest."""
    ordered = sorted(values)
    return ordered[(9 * len(ordered) + 9) // 10 - 1] if ordered else None


@dataclass
class Group:
    """What a service, counter, officer or the office did with its visits."""

    tickets: int = 0
    done: int = 0
    no_show: int = 0
    waits: list = field(default_factory=list)
    services: list = field(default_factory=list)
    within: int = 0
    promised: int = 0

    def add(self, visit):
        self.tickets += 1
        self.no_show += visit.outcome == "no_show"
        if visit.outcome == "done":
            self.done += 1
            self.waits.append(visit.wait / 60)
            self.services.append(visit.service / 60)
            if visit.code in PROMISED:
                self.promised += 1
                self.within += visit.service <= PROMISED[visit.code] * 60

    def figures(self) -> dict:
        return {"tickets": self.tickets, "done": self.done, "no_show": self.no_show,
                "no_show_rate": r(pct(self.no_show, self.done + self.no_show), 1),
                "wait_median": r(middle(self.waits), 1), "wait_p90": r(p90(self.waits), 1),
                "service_median": r(middle(self.services), 1), "service_p90": r(p90(self.services), 1),
                "within": r(pct(self.within, self.promised), 1)}


def in_period(day, bounds):
    return bounds[0] <= day < bounds[1]


def ratings(history, bounds, key) -> dict:
    found = {}
    for rating in history.ratings:
        if in_period(office_day(rating.created_at), bounds):
            found.setdefault(key(rating.visit), Tally())[rating.score] += 1
    return found


def rating_figures(scores: Tally | None) -> dict:
    scores = scores or Tally()
    count = sum(scores.values())
    average = sum(s * n for s, n in scores.items()) / count if count else None
    return {"rating_count": count, "rating_avg": r(average, 2), **{f"rating_{s}": scores[s] for s in range(1, 5)}}


def answers_by_service(history, bounds) -> dict[str | None, list]:
    found = {None: []}
    for survey in history.surveys:
        if in_period(survey.period, bounds):
            found.setdefault(survey.code, []).append(survey.answers)
            found[None].append(survey.answers)
    return found


def expected_period_report(history, key, services, counters) -> dict[str, list[dict]]:
    bounds, before = PERIODS[key]
    visits = [v for v in history.visits if in_period(v.day, bounds)]
    by_service, by_counter, by_officer, total = {}, {}, {}, Group()
    for visit in visits:
        total.add(visit)
        by_service.setdefault(visit.code, Group()).add(visit)
        if visit.outcome in ("done", "no_show"):   # credited to whoever finished it
            by_counter.setdefault(visit.counter, Group()).add(visit)
            by_officer.setdefault(visit.officer, Group()).add(visit)
    previous = {}
    previous_total = Group()
    for visit in history.visits:
        if in_period(visit.day, before):
            previous.setdefault(visit.code, Group()).add(visit)
            previous_total.add(visit)
    answers, answers_before = answers_by_service(history, bounds), answers_by_service(history, before)
    per_service = ratings(history, bounds, lambda v: v.code)
    complaints = {}
    for item in history.complaints:
        if in_period(office_day(item.received_at), bounds):
            for group in (item.code, "*"):
                counts = complaints.setdefault(group, Tally())
                counts["complaints"] += 1
                counts["answered"] += item.answered_at is not None
                counts["overdue"] += item.overdue

    def ikm(code):
        data = answers.get(code, [])
        return compute_ikm(data).ikm_converted if data else None

    def change(now: Group, then: Group, code):
        wait, wait_then = r(middle(now.waits), 1), r(middle(then.waits), 1)
        within, within_then = r(pct(now.within, now.promised), 1), r(pct(then.within, then.promised), 1)
        ikm_now = ikm(code)
        data = answers_before.get(code, [])
        ikm_then = compute_ikm(data).ikm_converted if data else None

        def delta(a, b, digits):   # between the numbers as shown, as the page says
            return None if a is None or b is None else r(a - b, digits)

        return {"tickets": now.tickets, "tickets_before": then.tickets, "tickets_delta": now.tickets - then.tickets,
                "wait": wait, "wait_delta": delta(wait, wait_then, 1), "within": within,
                "within_delta": delta(within, within_then, 1), "ikm": ikm_now, "ikm_delta": delta(ikm_now, ikm_then, 2)}

    def satisfaction(code, scores):
        result = compute_ikm(answers.get(code, []))
        counts = complaints.get(code or "*", Tally())
        return {"ikm": result.ikm_converted, "grade": result.grade, "respondents": result.respondents,
                **rating_figures(scores), "complaints": counts["complaints"], "answered": counts["answered"],
                "overdue": counts["overdue"]}

    visit_rows, satisfaction_rows, change_rows = [], [], []
    for code, name in services:
        label = f"{code} {name}"
        group = by_service.get(code, Group())
        visit_rows.append({"service": label, "promise": PROMISE_TEXT[PROMISED.get(code)], **group.figures()})
        satisfaction_rows.append({"service": label, **satisfaction(code, per_service.get(code))})
        change_rows.append({"service": label, **change(group, previous.get(code, Group()), code)})
    if None in complaints:   # complaints about the office in general: their own row, no SKM or ratings
        counts = complaints[None]
        satisfaction_rows.append({"service": GENERAL, "ikm": None, "grade": None, "respondents": None,
                                  "rating_count": None, "rating_avg": None, **{f"rating_{s}": None for s in range(1, 5)},
                                  "complaints": counts["complaints"], "answered": counts["answered"],
                                  "overdue": counts["overdue"]})
    visit_rows.append({"service": EVERYTHING, "promise": None, **total.figures()})
    satisfaction_rows.append({"service": EVERYTHING, **satisfaction(None, sum(per_service.values(), Tally()))})
    change_rows.append({"service": EVERYTHING, **change(total, previous_total, None)})

    def staff_row(group, scores):
        shown = group.figures()
        del shown["tickets"]
        rated = rating_figures(scores)
        return {**shown, "rating_count": rated["rating_count"], "rating_avg": rated["rating_avg"]}

    per_counter = ratings(history, bounds, lambda v: v.counter)
    per_officer = ratings(history, bounds, lambda v: v.officer)
    counter_rows = [{"counter": counters[number], **staff_row(by_counter[number], per_counter.get(number))}
                    for number in sorted(by_counter)]
    officer_rows = [{"officer": NAMES[name], **staff_row(by_officer[name], per_officer.get(name))}
                    for name in sorted(by_officer, key=lambda n: NAMES[n].lower())]
    return {"kunjungan": visit_rows, "kepuasan": satisfaction_rows, "perbandingan": change_rows,
            "loket": counter_rows, "petugas": officer_rows}


def converted(nrr: Fraction) -> float:
    """× 25, rounded half-up to two decimals."""
    return float(Fraction(int(nrr * 2500 + Fraction(1, 2)), 100))


def grade(score: float) -> str:
    return "A" if score >= 88.31 else "B" if score >= 76.61 else "C" if score >= 65 else "D"


def expected_skm_report(history, key, services) -> dict[str, list[dict]]:
    bounds, _before = PERIODS[key]
    answers = answers_by_service(history, bounds)
    visitors = Tally(v.code for v in history.visits if in_period(v.day, bounds) and v.outcome == "done")

    def ikm_row(label, data, population):
        result = compute_ikm(data)
        n = len(data)
        nrr = [Fraction(sum(a[i] for a in data), n) if n else None for i in range(9)]
        return {"service": label, "respondents": n, "visitors": population, "minimum": minimum_sample(population),
                **{f"u{i + 1}": r(None if v is None else float(v), 2) for i, v in enumerate(nrr)},
                "ikm": r(float(sum(nrr) / 9) if n else None, 3), "ikm_converted": result.ikm_converted,
                "grade": result.grade, "performance": result.label}

    ikm_rows = [ikm_row(f"{code} {name}", answers.get(code, []), visitors[code]) for code, name in services]
    ikm_rows.append(ikm_row(EVERYTHING, answers[None], sum(visitors.values())))

    everything = answers[None]
    elements = []
    for index, element in enumerate(ELEMENTS):
        if everything:
            nrr = Fraction(sum(a[index] for a in everything), len(everything))
            elements.append((float(nrr), element, nrr))
    element_rows = [{"element": f"{e.code} {e.name}", "nrr": r(float(nrr), 2), "weighted": r(float(nrr / 9), 3),
                     "converted": converted(nrr), "grade": grade(converted(nrr))} for _v, e, nrr in elements]
    weakest = sorted(elements, key=lambda item: (item[0], item[1].code))[:3]
    weak_rows = [{"rank": rank, "element": f"{e.code} {e.name}", "nrr": r(float(nrr), 2), "converted": converted(nrr),
                  "grade": grade(converted(nrr))} for rank, (_v, e, nrr) in enumerate(weakest, start=1)]

    surveys = [s for s in history.surveys if in_period(s.period, bounds)]
    profile_rows = []
    for name, heading, choices in PROFILE:
        counts = Tally(s.profile[name] for s in surveys)
        for value, label in [*choices, (None, "Tidak diisi")]:
            profile_rows.append({"field": heading, "answer": label, "count": counts[value],
                                 "share": r(pct(counts[value], len(surveys)), 1)})
    said = [(s.period, index, s) for index, s in enumerate(history.surveys)
            if s.suggestion and in_period(s.period, bounds)]
    saran_rows = [{"service": s.code, "text": s.suggestion} for _p, _i, s in sorted(said, reverse=True)[:200]]
    return {"ikm": ikm_rows, "unsur": element_rows, "terendah": weak_rows, "profil": profile_rows, "saran": saran_rows}


# --- the figures as each rendering shows them -----------------------------------------------------

INTS = ("int", "delta0")


def from_build(tables) -> dict[str, list[dict]]:
    return {t.key: [{c.key: (None if v == "" else v) for c, v in zip(t.columns, row)} for row in t.all_rows]
            for t in tables}


def kinds_of(tables) -> dict[str, dict[str, str]]:
    return {t.key: {c.key: c.kind for c in t.columns} for t in tables}


def from_page(html: str, kinds) -> dict[str, list[dict]]:
    found = report_tables(html)
    return {key: [{column: read_shown(text, kinds[key][column]) for column, (_value, text) in row.items()}
                  for row in found.get(key, [])] for key in kinds}


def read_plain(text: str, kind: str):
    if text == "":
        return None
    if kind == "text":
        return text
    return int(text) if kind in INTS else float(text)


def from_csv(body: bytes, tables) -> dict[str, list[dict]]:
    found = {}
    for table, (title, header, rows) in zip(tables, csv_sections(body)):
        assert (title, header) == (table.title, [c.label for c in table.columns])
        found[table.key] = [{c.key: read_plain(v, c.kind) for c, v in zip(table.columns, row)} for row in rows]
    return found


def from_xlsx(body: bytes, tables) -> dict[str, list[dict]]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    found = {}
    for table in tables:
        rows = list(book[table.key].iter_rows(values_only=True))
        header = [c.label for c in table.columns]
        assert list(rows[4][:len(header)]) == header   # three heading lines and the title above it
        found[table.key] = [{c.key: value for c, value in zip(table.columns, row)} for row in rows[5:]]
    return found


def assert_same(found: dict, expected: dict, where: str) -> None:
    for key, rows in expected.items():
        got = found[key]
        assert len(got) == len(rows), f"{where} {key}: {len(got)} rows, expected {len(rows)}"
        for index, (row, want) in enumerate(zip(got, rows)):
            wrong = {c: (row.get(c), v) for c, v in want.items() if row.get(c) != v}
            assert not wrong, f"{where} {key} row {index} ({want.get(next(iter(want)))}): (found, expected) {wrong}"
            assert set(row) == set(want), f"{where} {key}: columns {sorted(row)} != {sorted(want)}"


# --- fixtures -------------------------------------------------------------------------------------

@dataclass
class Office:
    id: int
    services: list[tuple[str, str]]   # (code, name) in the standard's order
    counters: dict[int, str]          # number -> name


@pytest.fixture
def office(ctx):
    office_id = default_office().id
    services = [(s.code, s.name) for s in db.session.scalars(
        select(Service).where(Service.office_id == office_id).order_by(Service.position))]
    counters = {c.number: c.name for c in db.session.scalars(select(Counter).where(Counter.office_id == office_id))}
    assert [code for code, _name in services] == list("ABCDEF")
    assert {s.code: s.promised_minutes for s in db.session.scalars(select(Service).where(
        Service.office_id == office_id, Service.promised_minutes.is_not(None)))} == PROMISED
    return Office(office_id, services, counters)


@pytest.fixture
def history(office):
    made = generate()
    write(made, office.id)
    db.session.remove()
    return made


@pytest.fixture
def supervisor(app):
    from loket.auth.models import User

    with app.app_context():
        user = User(username="kepala", role="supervisor", display_name="Kepala", office_id=default_office().id)
        user.set_password("rahasia-123")
        db.session.add(user)
        db.session.commit()
    return login(app.test_client(), "kepala")


# --- tests ------------------------------------------------------------------------------------------

def test_the_history_is_big_and_has_every_case(history):
    semester = [v for v in history.visits if in_period(v.day, PERIODS["2026-S1"][0])]
    assert len(semester) >= 3000
    outcomes = Tally(v.outcome for v in semester)
    assert outcomes["done"] > 2500 and outcomes["no_show"] > 100 and outcomes["cancelled"] > 20 and outcomes[None]
    kinds = Tally(e[0] for v in semester for e in v.events)
    assert {"issued", "called", "recalled", "started", "closed", "no_show", "transferred", "cancelled"} <= set(kinds)
    assert sum(v.transferred and v.outcome == "done" for v in semester) > 100
    assert sum(v.service == 30 * 60 and v.code == "A" for v in semester if v.outcome == "done")  # exactly on time


@pytest.mark.parametrize("key", ["2026-S1", "2026-03"])
def test_period_report_matches_the_history_on_page_xlsx_and_csv(app, office, history, supervisor, key):
    expected = expected_period_report(history, key, office.services, office.counters)
    built = period_report.build(parse_period(key), office.id)
    assert_same(from_build(built.tables), expected, "build")
    kinds = kinds_of(built.tables)
    page = supervisor.get(f"/admin/laporan?periode={key}")
    assert page.status_code == 200
    assert_same(from_page(page.get_data(as_text=True), kinds), expected, "page")
    xlsx = supervisor.get(f"/admin/laporan/unduh.xlsx?periode={key}")
    assert xlsx.status_code == 200
    assert_same(from_xlsx(xlsx.data, built.tables), expected, "xlsx")
    text = supervisor.get(f"/admin/laporan/unduh.csv?periode={key}")
    assert text.status_code == 200
    assert_same(from_csv(text.data, built.tables), expected, "csv")


@pytest.mark.parametrize("key", ["2026-S1", "2026-03"])
def test_skm_report_matches_the_history_on_page_xlsx_and_csv(app, office, history, supervisor, key):
    expected = expected_skm_report(history, key, office.services)
    assert expected["saran"] and all(row["visitors"] > 0 for row in expected["ikm"])
    built = skm.build(parse_period(key), office.id)
    assert_same(from_build(built.tables), expected, "build")
    kinds = kinds_of(built.tables)
    page = supervisor.get(f"/admin/laporan/skm?periode={key}")
    assert page.status_code == 200
    assert_same(from_page(page.get_data(as_text=True), kinds), expected, "page")
    xlsx = supervisor.get(f"/admin/laporan/skm/unduh.xlsx?periode={key}")
    assert_same(from_xlsx(xlsx.data, built.tables), expected, "xlsx")
    text = supervisor.get(f"/admin/laporan/skm/unduh.csv?periode={key}")
    assert_same(from_csv(text.data, built.tables), expected, "csv")


@pytest.mark.postgres
@pytest.mark.parametrize("app_database", ["postgresql"])
def test_build_matches_the_history_on_postgresql(office, history):
    for key in ("2026-S1", "2026-03"):
        built = period_report.build(parse_period(key), office.id)
        assert_same(from_build(built.tables), expected_period_report(history, key, office.services, office.counters),
                    f"postgresql {key}")
        built = skm.build(parse_period(key), office.id)
        assert_same(from_build(built.tables), expected_skm_report(history, key, office.services), f"postgresql {key}")


def test_a_late_evening_counts_on_its_office_day(office, history):
    """23:30 WITA is 15:30 UTC: the visit, its survey and a rating before midnight stay on that day and month;
    the rating of a visit closed after midnight counts on the next day, by its own time."""
    first, second = [v for v in history.visits if v.late and v.day == date(2026, 3, 31)]
    assert (first.issued_at, second.at("closed")) == (datetime(2026, 3, 31, 15, 30), datetime(2026, 3, 31, 16, 3))
    rated = {id(rating.visit): office_day(rating.created_at) for rating in history.ratings}
    assert (rated[id(first)], rated[id(second)]) == (date(2026, 3, 31), date(2026, 4, 1))
    for key in ("2026-03-31", "2026-04-01", "2026-03"):
        built = period_report.build(parse_period(key), office.id)
        assert_same(from_build(built.tables), expected_period_report(history, key, office.services, office.counters),
                    key)
        built = skm.build(parse_period(key), office.id)
        assert_same(from_build(built.tables), expected_skm_report(history, key, office.services), key)
    day = {row[0]: row for row in period_report.build(parse_period("2026-03-31"), office.id).tables[0].all_rows}
    normal = sum(1 for v in history.visits if v.day == date(2026, 3, 31) and not v.late)
    assert day[EVERYTHING][2] == normal + 2   # both late tickets, not the next day's


def test_the_desk_stores_the_office_day_of_a_late_evening(ctx, office):
    from loket.feedback import survey
    from loket.queue import core

    late = utc(date(2026, 3, 31), 23, 30)
    ticket = core.issue_ticket("A", now=late)
    assert (ticket.issued_at, ticket.day) == (datetime(2026, 3, 31, 15, 30), date(2026, 3, 31))
    service = db.session.get(Service, ticket.service_id)
    response = survey.submit(survey.parse_form({f"u{i}": "3" for i in range(1, 10)}), service=service, now=late)
    assert response.period == date(2026, 3, 31)
    totals = {}
    for key in ("2026-03-31", "2026-04-01"):
        report = period_report.build(parse_period(key), office.id)
        totals[key] = (report.breakdown.total.tickets, report.ikm[None].result.respondents)
    assert totals == {"2026-03-31": (1, 1), "2026-04-01": (0, 0)}


# --- figures.replay ---------------------------------------------------------------------------------

T0 = datetime(2026, 3, 10, 1, 0)   # 09:00 WITA
A, B = 1, 2                         # service ids
ONE, TWO = 11, 12                   # counter ids
BUDI, SARI = 101, 102               # officer ids


def replayed(*steps):
    """One ticket (id 7, now of service B) from (minute, kind, counter, officer) steps."""
    rows = [(7, B, kind, T0 + timedelta(minutes=minute), counter, officer) for minute, kind, counter, officer in steps]
    return figures.replay(rows)[7]


def test_replay_transfer_adds_both_queue_spans_and_both_counter_spans():
    visit = replayed((0, "issued", None, None), (10, "called", ONE, BUDI), (12, "started", ONE, BUDI),
                     (20, "transferred", ONE, BUDI), (35, "called", TWO, SARI), (36, "started", TWO, SARI),
                     (50, "closed", TWO, SARI))
    assert (visit.wait, visit.service) == (10 + 15, 8 + 14)
    assert (visit.outcome, visit.service_id, visit.counter_id, visit.officer_id, visit.transferred) == \
        ("done", B, TWO, SARI, True)


def test_replay_transfer_while_waiting_keeps_the_wait_from_the_issue():
    visit = replayed((0, "issued", None, None), (5, "transferred", None, None), (12, "called", TWO, SARI),
                     (20, "closed", TWO, SARI))
    assert (visit.wait, visit.service, visit.transferred) == (12, 8, True)


def test_replay_a_transfer_before_the_start_counts_the_time_since_the_call():
    visit = replayed((0, "issued", None, None), (4, "called", ONE, BUDI), (9, "transferred", ONE, BUDI),
                     (15, "called", TWO, SARI), (30, "closed", TWO, SARI))
    assert (visit.wait, visit.service) == (4 + 6, 5 + 15)


def test_replay_recall_neither_adds_waiting_nor_restarts_service():
    visit = replayed((0, "issued", None, None), (5, "called", ONE, BUDI), (7, "recalled", ONE, BUDI),
                     (9, "started", ONE, BUDI), (19, "closed", ONE, BUDI))
    assert (visit.wait, visit.service, visit.outcome) == (5, 10, "done")


def test_replay_without_start_serves_from_the_call():
    visit = replayed((0, "issued", None, None), (4, "called", ONE, BUDI), (16, "closed", ONE, BUDI))
    assert (visit.wait, visit.service) == (4, 12)


def test_replay_no_show_is_credited_to_its_counter_and_not_served():
    visit = replayed((0, "issued", None, None), (5, "called", ONE, BUDI), (8, "recalled", ONE, BUDI),
                     (10, "no_show", ONE, BUDI))
    assert (visit.outcome, visit.counter_id, visit.officer_id, visit.service) == ("no_show", ONE, BUDI, 0)
    group = figures.Figures()
    group.add(visit, 30)
    assert (group.tickets, group.done, group.no_show, group.waits, group.no_show_rate) == (1, 0, 1, [], 1.0)


@pytest.mark.parametrize("steps", [
    [(0, "issued", None, None), (30, "cancelled", None, None)],
    [(0, "issued", None, None), (5, "called", ONE, BUDI), (9, "cancelled", ONE, BUDI)],
], ids=["waiting", "called"])
def test_replay_cancelled_is_a_ticket_neither_served_nor_no_show(steps):
    visit = replayed(*steps)
    assert visit.outcome == "cancelled"
    group = figures.Figures()
    group.add(visit, 30)
    assert (group.tickets, group.done, group.no_show, group.not_served, group.waits) == (1, 0, 0, 1, [])


def test_replay_credits_the_officer_who_finished():
    visit = replayed((0, "issued", None, None), (5, "called", ONE, BUDI), (6, "started", ONE, SARI),
                     (15, "closed", ONE, SARI))
    assert (visit.counter_id, visit.officer_id, visit.service) == (ONE, SARI, 9)
