"""`python -m bench.cases`: what the case worklist, a tracking page and the report's case tables cost as the
office's case history grows.

In-process on a fresh SQLite instance: N closed cases of the last year (written in bulk, in the rows the case
domain writes: completions, a stopped clock on every fifth) plus a fixed set of open cases, then (best of
--repeat) the worklist (`cases.core.worklist`, due dates computed on one calendar), one case's public view
(`public_view`, the tracking page's data) and this month's case tables (`reports.cases.case_figures`), against
the floor measured in the same run: a bare read of the open cases' rows. Prints one line per size: the
worklist and the tracking page should stay flat while closed history grows; the report follows the cases
that may count in its period, not the whole history.

    python -m bench.cases                          # 1,000 and 10,000 closed cases, 100 open
    python -m bench.cases --closed 1000,20000 --open 200 --repeat 3
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
from datetime import datetime, time, timedelta

from bench.inprocess import best_ms, fresh_app


def _write(closed: int, open_: int, office_id: int, services: list, today, rng: random.Random) -> None:
    """Bulk rows: `closed` finished cases received over the last year, `open_` running ones this month."""
    from sqlalchemy import insert

    from loket.cases.calendar import office_calendar, schedule
    from loket.cases.models import DONE, OPEN, WAITING, Case, CaseMilestone, CasePause
    from loket.extensions import db

    calendar = office_calendar(office_id, start=today - timedelta(days=400))
    cases, completions, pauses = [], [], []
    for n in range(closed + open_):
        service = services[n % len(services)]
        steps = service.milestones
        variants = [v.key for m in steps for v in m.variants]
        variant = rng.choice(variants) if variants and (not steps[-1].days or rng.random() < 0.3) else None
        is_open = n >= closed
        received = today - timedelta(days=rng.randrange(0, 20) if is_open else rng.randrange(30, 365))
        due = schedule(steps, received, calendar, variant)
        done = {} if is_open else {d.key: d.due - timedelta(days=rng.choice((0, 0, 0, 1))) if d.due else received
                                   for d in due}
        state = (WAITING if n % 5 == 0 else OPEN) if is_open else DONE
        cases.append({"id": n + 1, "office_id": office_id, "service_id": service.id, "token": secrets.token_urlsafe(18),
                      "code": f"BK-{n:04d}-{rng.randrange(10**4):04d}", "channel": "loket",
                      "requester": f"OPD {n % 40}", "contact_name": None, "contact_consent": False,
                      "variant": variant, "received_on": received, "state": state,
                      "next_due": None if state != OPEN else due[0].due,
                      "closed_at": None if is_open else datetime.combine(max(done.values()), time(7))})
        completions += [{"case_id": n + 1, "key": key, "completed_on": max(day, received)} for key, day in done.items()]
        if n % 5 == 0:
            pauses.append({"case_id": n + 1, "stopped_on": received, "missing": "DPP",
                           "resumed_on": None if is_open else received + timedelta(days=2)})
    db.session.execute(insert(Case), cases)
    db.session.execute(insert(CaseMilestone), completions)
    if pauses:
        db.session.execute(insert(CasePause), pauses)
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", default="1000,10000", help="closed cases in the history, per run")
    parser.add_argument("--open", type=int, default=100, help="open cases on the worklist")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from loket.cases import core
    from loket.cases.models import ACTIVE_STATES, Case
    from loket.extensions import db
    from loket.offices.scope import default_office
    from loket.queue.models import Service
    from loket.reports import cases as case_report
    from loket.reports.periods import parse_period
    from loket.timeutil import local_day

    print(f"{'closed':>7}  {'open':>5}  {'floor ms':>8}  {'worklist ms':>11}  {'x floor':>7}  {'tracking ms':>11}  "
          f"{'report ms':>9}")
    for closed in [int(x) for x in args.closed.split(",")]:
        app = fresh_app("loket-bench-cases-")
        with app.app_context(), app.test_request_context():
            office = default_office().id
            today = local_day()
            services = [s for s in db.session.scalars(select(Service).where(Service.office_id == office))
                        if s.milestones]
            _write(closed, args.open, office, services, today, random.Random(args.seed))
            period = parse_period(today.strftime("%Y-%m"))
            one = db.session.scalar(select(Case).where(Case.state == "open").limit(1))

            def floor():
                return db.session.execute(select(Case.id, Case.service_id, Case.received_on, Case.next_due)
                                          .where(Case.office_id == office, Case.state.in_(ACTIVE_STATES))).all()

            def tracking():
                db.session.expire_all()  # each page view reads the case again
                core.public_view(db.session.get(Case, one.id), today)

            base = best_ms(floor, args.repeat)
            work = best_ms(lambda: core.worklist(office, today=today), args.repeat)
            track = best_ms(tracking, args.repeat)
            report = best_ms(lambda: case_report.case_figures(period, office, today), args.repeat)
            assert len(core.worklist(office, today=today)) == args.open
            print(f"{closed:>7,}  {args.open:>5}  {base:8.1f}  {work:11.1f}  {work / base:7.1f}  {track:11.1f}  "
                  f"{report:9.1f}")
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
