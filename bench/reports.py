"""`python -m bench.reports`: what the period report and Laporan hasil SKM cost as the history grows.

In-process on a fresh SQLite instance: `loket demo` writes N working days of one office's history, then
(best of --repeat) the period report over those days (`period_report.build`, which also reads the
previous period and the IKM trend), the SKM report (`skm.build`) and the XLSX export are timed against
the floor measured in the same run: a bare read of the period's event log rows, the least a report
computed from the event log must read. Prints one line per size with the ratios.

    python -m bench.reports                      # 30, 60 and 120 days of history
    python -m bench.reports --days 30,120 --repeat 3
"""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bench.inprocess import best_ms, fresh_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="30,60,120", help="days of demo history to measure at")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from sqlalchemy import func, select

    from loket.extensions import db
    from loket.offices.scope import default_office
    from loket.ops import demo
    from loket.queue.models import Ticket, TicketEvent
    from loket.reports import period_report, skm, tables
    from loket.reports.periods import parse_period
    from loket.timeutil import local_day

    print(f"{'days':>5}  {'tickets':>8}  {'events':>8}  {'floor ms':>8}  {'report ms':>9}  {'x floor':>7}  "
          f"{'SKM ms':>7}  {'XLSX ms':>7}")
    for days in [int(x) for x in args.days.split(",")]:
        app = fresh_app("loket-bench-reports-")
        with app.app_context(), app.test_request_context():
            demo.generate(days=days)
            office = default_office().id
            today = local_day()
            period = parse_period(f"{(today - timedelta(days=days * 2)).isoformat()}..{today.isoformat()}")
            tickets = db.session.scalar(select(func.count()).select_from(Ticket))
            events = db.session.scalar(select(func.count()).select_from(TicketEvent))

            def floor():
                return db.session.execute(
                    select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at)
                    .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                    .where(Ticket.office_id == office, Ticket.day >= period.start, Ticket.day < period.end)).all()

            base = best_ms(floor, args.repeat)
            report = best_ms(lambda: period_report.build(period, office), args.repeat)
            survey = best_ms(lambda: skm.build(period, office), args.repeat)
            built = period_report.build(period, office)
            xlsx = best_ms(lambda: tables.to_xlsx(["bench"], built.tables), args.repeat)
            print(f"{days:>5}  {tickets:>8,}  {events:>8,}  {base:8.1f}  {report:9.1f}  {report / base:7.1f}  "
                  f"{survey:7.1f}  {xlsx:7.1f}")
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
