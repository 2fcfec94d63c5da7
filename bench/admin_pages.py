"""`python -m bench.admin_pages`: what the supervisors' dashboard and the audit log cost as the day grows.

In-process on a fresh SQLite instance (migrated like a real one): issue N tickets of one service, call
and close every third, and time (best of --repeat) the dashboard's `office_today`, the audit page's
query (300 lines) and, as the floor measured in the same run, a bare read of today's ticket ids of the
office (the least any per-day summary must read). Prints one line per size with the ratios.

    python -m bench.admin_pages                  # 100, 1,000 and 5,000 tickets
    python -m bench.admin_pages --sizes 100,20000 --repeat 10
"""
from __future__ import annotations

import argparse
import sys

from bench.inprocess import best_ms, fresh_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="tickets of the day to measure at (ascending)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]

    from sqlalchemy import select

    from loket import audit
    from loket.admin.dashboard import office_today
    from loket.auth.models import User
    from loket.extensions import db
    from loket.offices.scope import default_office
    from loket.queue import core
    from loket.queue.models import Counter, Ticket
    from loket.timeutil import local_day

    app = fresh_app("loket-bench-admin-", LOKET_OFFICE_HOURS="24/7")
    with app.app_context():
        office = default_office().id
        counter = db.session.scalar(select(Counter).where(Counter.number == 1, Counter.office_id == office))
        officer = User(username="bench", role="officer", office_id=office, counters=[counter])
        officer.set_password("bench-only-1")
        db.session.add(officer)
        db.session.commit()
        filters = audit.Filters(office_id=office)

        def floor():
            return db.session.scalars(select(Ticket.id).where(Ticket.office_id == office,
                                                              Ticket.day == local_day())).all()

        print(f"{'tickets today':>13}  {'floor ms':>8}  {'dashboard ms':>12}  {'x floor':>7}  {'audit ms':>8}  {'x floor':>7}")
        issued = 0
        for size in sizes:
            while issued < size:
                core.issue_ticket("A")
                issued += 1
                if issued % 3 == 0:
                    ticket = core.call_next(counter, officer=officer)
                    core.close_case(ticket, officer=officer)
            base = best_ms(floor, args.repeat)
            dash = best_ms(lambda: office_today(office), args.repeat)
            trail = best_ms(lambda: audit.trail(filters, limit=300), args.repeat)
            print(f"{size:>13,}  {base:8.2f}  {dash:12.2f}  {dash / base:7.1f}  {trail:8.2f}  {trail / base:7.1f}")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
