"""The applicant's pages of a case (berkas): the public tracking page `/b/<token>` and the code lookup.

Pages render `loket.cases.core.public_view` only, never the case itself: no contact person, email, requester,
notes or officers can reach them. The tracking page follows the case's room and works without JavaScript.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from loket.cases import core
from loket.cases.slip import track_url
from loket.events import case_room
from loket.extensions import limiter
from loket.queue.errors import NotFound
from loket.web import page, queue_error_message

bp = Blueprint("case_public", __name__)

TRACK_LIMIT = "60/minute"  # per address, as a complaint's tracking page: codes are not to be guessed
# The events after which the tracking page fetches its live part (a reassignment changes nothing it shows).
LIVE_EVENTS = ("case.document", "case.waiting", "case.documents_arrived", "case.variant", "case.escalated",
               "case.milestone", "case.done", "case.cancelled")
DAY_FIELDS = ("received_on", "activity_day", "closed_on", "next_due", "waiting_since")


def _days(view: dict) -> dict:
    """The public view with its ISO days as dates, for `|local('date')`."""
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    milestones = [{**m, "due": day(m["due"]), "completed": day(m["completed"])} for m in view["milestones"]]
    return {**view, **{name: day(view[name]) for name in DAY_FIELDS}, "milestones": milestones}


def _private(response):
    """A case's page is its token's: never cached or stored, never sent on as a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _lookup_page(code: str = "", error: str | None = None, status: int = 200):
    return page("cases/lookup.html", code=code[:20], error=error, status=status)


@bp.route("/b/<token>")
@limiter.limit(TRACK_LIMIT)
def track(token: str):
    """The applicant's tracking page: the service, the state, each milestone done / next / later with its due
    date, and what the office waits for. An unknown token answers the lookup form with a 404."""
    try:
        case = core.by_token(token)
    except NotFound:
        return _private(_lookup_page(error=_("Berkas tidak ditemukan. Periksa tautan pada bukti Anda, atau "
                                             "ketik kode berkasnya di bawah ini."), status=404))
    view = _days(core.public_view(case))
    return _private(page("cases/track.html", "cases/_track_live.html", view=view, office=case.service.office,
                         url=track_url(case), live_url=url_for("case_public.track", token=case.token),
                         room=case_room(case.token), live_events=" ".join(LIVE_EVENTS),
                         state_labels=core.STATE_LABELS, active=case.is_active))


@bp.route("/berkas/lacak")
@limiter.limit(TRACK_LIMIT)
def lookup():
    """Type the code on the slip ("BK-7QK2-M9XA"; case, spaces and dashes do not matter) to open its page."""
    text = request.args.get("kode")
    if text is None:
        return _lookup_page()
    if not core.normalise_code(text):
        return _lookup_page(text, _("Kode berkas terdiri dari BK dan 8 huruf/angka, misalnya BK-7QK2-M9XA."), 400)
    try:
        case = core.by_code(text)
    except NotFound as exc:
        return _lookup_page(text, queue_error_message(exc), 404)
    return redirect(url_for("case_public.track", token=case.token))
