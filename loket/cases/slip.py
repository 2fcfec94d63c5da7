"""A case's (berkas) printed slip: its tracking code, service, dates and the QR of its public tracking page.

`print_slip` queues it on a kiosk's printer the way the complaint slip is queued; it never fails the caller.
"""
from __future__ import annotations

import logging
from datetime import date

from loket.cases import core
from loket.cases.models import Case
from loket.extensions import db

log = logging.getLogger(__name__)


def track_path(token: str) -> str:
    """The tracking page's path (`loket.cases.public.track`), built without a request."""
    return f"/b/{token}"


def track_url(case: Case) -> str:
    """The absolute address of a case's tracking page, as printed in its QR code: the office's public address."""
    from loket.kiosk.links import public_base_url

    return public_base_url(case.office_id) + track_path(case.token)


def case_slip(case: Case):
    """What a case's slip says: code, service, received day and the first due date still running (None while
    the office waits for documents)."""
    from loket.printers import CaseSlip

    view = core.public_view(case)
    office = case.service.office
    running = next((m for m in view["milestones"] if m["key"] == view["next"]), None)
    return CaseSlip(office_name=office.name or office.short_name, code=case.code, service_name=case.service.name,
                    url=track_url(case), received_on=case.received_on,
                    first_due=date.fromisoformat(view["next_due"]) if view["next_due"] else None,
                    late=bool(running and running.get("late_days")))


def print_slip(kiosk, case: Case) -> bool:
    """Queue the case's slip on `kiosk`'s printer (committed, sent in the background); False when it cannot
    print (no or a broken printer configuration, or any error: the case is stored whatever the printer does)."""
    from loket.printers import jobs

    try:
        job = jobs.submit(kiosk, case_slip(case))
        return job.status != "failed"
    except Exception:
        log.exception("could not print the slip of case %s on kiosk %s", case.code, getattr(kiosk, "id", "?"))
        db.session.rollback()
        return False
