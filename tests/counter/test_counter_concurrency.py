"""Many officers pressing "call next" at once over real HTTP: no ticket is ever given twice and no
counter ever holds two visitors. Runs on SQLite against the in-process live server (threads)."""
from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter as Tally

import pytest
import requests
from sqlalchemy import func, select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter, Service, Ticket, TicketEvent

HX = {"HX-Request": "true"}
NUMBER = re.compile(r'class="v-number" data-number="([A-Z]-\d+)"')
TICKET_ID = re.compile(r'id="workspace"[^>]*data-ticket="(\d+)"')
COUNTERS = 5


@pytest.fixture
def five_counters(app, ctx, make_user):
    """Counters 1..5 all serve A today; officer<n> is assigned to counter n only."""
    service_a = db.session.scalar(select(Service).where(Service.code == "A"))
    ids = {}
    for n in range(1, COUNTERS + 1):
        counter = db.session.scalar(select(Counter).where(Counter.number == n))
        counter.services = [service_a]
        ids[n] = counter.id
    db.session.commit()
    for n in ids:
        make_user(f"officer{n}", counters=(n,))
    return ids


def sessions(live_server, count):
    out = []
    for n in range(1, count + 1):
        s = requests.Session()
        r = s.post(f"{live_server.url}/login", data={"username": f"officer{n}", "password": "rahasia-123"},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 302
        out.append(s)
    return out


def run_threads(workers, timeout=180):
    errors = []

    def guarded(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # surfaced below: a thread must not fail silently
                errors.append(repr(exc))
        return run

    threads = [threading.Thread(target=guarded(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "threads did not finish"
    assert errors == []


def test_fifty_concurrent_calls_on_five_counters_give_fifty_distinct_tickets(live_server, five_counters):
    for _ in range(50):
        core.issue_ticket("A")
    db.session.remove()
    officers = sessions(live_server, COUNTERS)
    start = threading.Barrier(50)
    got: list[tuple[int, str]] = []
    statuses = Tally()
    lock = threading.Lock()

    def worker(n, session):
        """One "call next" press per thread (10 per counter, all at once); a busy counter answers 409,
        so the press is repeated until this thread's call gets a visitor, whom it then serves."""
        url = f"{live_server.url}/counter/{five_counters[n]}"
        def run():
            start.wait()
            for _attempt in range(400):
                r = session.post(url + "/call", headers=HX, timeout=60)
                with lock:
                    statuses[r.status_code] += 1
                match = NUMBER.search(r.text) if r.status_code == 200 else None
                if match:
                    ticket_id = TICKET_ID.search(r.text).group(1)
                    with lock:
                        got.append((n, match.group(1)))
                    closed = session.post(url + "/close", data={"ticket": ticket_id}, headers=HX, timeout=60)
                    assert closed.status_code == 200, closed.text[:300]
                    return
                assert r.status_code == 409 and "masih melayani" in r.text, (r.status_code, r.text[:300])
                time.sleep(random.uniform(0.005, 0.05))
            raise AssertionError("never got a visitor")
        return run

    # Requests share one Session per officer; 10 threads per officer each use their own copy.
    workers = []
    for n in range(1, COUNTERS + 1):
        for _ in range(10):
            s = requests.Session()
            s.cookies.update(officers[n - 1].cookies)
            workers.append(worker(n, s))
    run_threads(workers)

    numbers = [number for _n, number in got]
    assert len(numbers) == 50 and len(set(numbers)) == 50, Tally(numbers).most_common(3)
    assert statuses[500] == 0 and set(statuses) <= {200, 409}
    assert Tally(n for n, _ in got) == {n: 10 for n in range(1, COUNTERS + 1)}
    db.session.expire_all()
    # The database agrees: every ticket called exactly once, by the counter that reported it, and done.
    called = db.session.execute(
        select(Ticket.number, func.count(TicketEvent.id)).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.kind == "called").group_by(Ticket.number)
    ).all()
    assert len(called) == 50 and all(count == 1 for _number, count in called)
    by_number = {t.number: t for t in db.session.scalars(select(Ticket))}
    assert all(t.state == "done" for t in by_number.values())
    for n, number in got:
        assert by_number[number].counter_id == five_counters[n]


def test_simultaneous_presses_at_one_counter_give_it_one_visitor(live_server, five_counters):
    for _ in range(20):
        core.issue_ticket("A")
    db.session.remove()
    officers = sessions(live_server, COUNTERS)
    start = threading.Barrier(50)
    results: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def worker(n):
        session = requests.Session()
        session.cookies.update(officers[n - 1].cookies)
        def run():
            start.wait()
            r = session.post(f"{live_server.url}/counter/{five_counters[n]}/call", headers=HX, timeout=60)
            match = NUMBER.search(r.text) if r.status_code == 200 else None
            with lock:
                results.append((n, r.status_code, match.group(1) if match else ""))
        return run

    run_threads([worker(n) for n in range(1, COUNTERS + 1) for _ in range(10)])
    winners = [(n, number) for n, status, number in results if status == 200 and number]
    assert sorted(n for n, _ in winners) == list(range(1, COUNTERS + 1))  # one visitor per counter
    assert len({number for _, number in winners}) == COUNTERS
    assert Tally(status for _, status, _ in results) == {200: COUNTERS, 409: 50 - COUNTERS}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.state == "called")) == COUNTERS
