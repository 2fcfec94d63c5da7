"""Counter pages: the officer's desk (`/counter/<id>`, htmx actions) and the customer-facing
rating screen (`/counter/<id>/rate`). Views parse input, call `loket.queue.core` / `desk`, render.

Every action answers an htmx request with the `#workspace` fragment (and a note in #messages), a
plain form post with a redirect back to the desk; domain errors become a readable 4xx in #messages.
"""
from __future__ import annotations

from functools import wraps

from flask import redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.auth.models import OFFICER
from loket.counter import bp, desk
from loket.counter import rating as rating_module
from loket.events import counter_room, service_room
from loket.extensions import db, htmx
from loket.offices.scope import active_offices, office_for_staff
from loket.queue import core
from loket.queue.errors import InvalidInput
from loket.web import fail, page, role_required

RATE_SESSION_KEY = "rate_screens"  # counter ids this browser was paired with as a rating screen


# --- input ----------------------------------------------------------------------------------

def _expected_ticket() -> int | None:
    """The ticket id the officer's screen showed when the button was pressed (optional)."""
    raw = (request.form.get("ticket") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise InvalidInput(core.N_("Nomor tiket tidak valid."))
    return int(raw)


def _counter(counter_id: int):
    return desk.counter_for(counter_id, current_user)


# --- rendering ------------------------------------------------------------------------------

def _context(counter, *, note: str | None = None) -> dict:
    ticket = core.current_ticket(counter)
    waiting, total = desk.queue_for(counter)
    return {
        "counter": counter,
        "current": desk.visitor(ticket),
        "waiting": waiting,
        "waiting_total": total,
        "counts": desk.today_counts(current_user),
        "targets": desk.transfer_targets(ticket, counter.office_id),
        "note": note,
        "state_label": lambda state: core.STATE_LABELS.get(state, state),
        "priority_labels": core.PRIORITY_LABELS,
    }


def _desk(counter, *, note: str | None = None):
    """After an action: the fresh workspace for htmx, a redirect back to the desk without JavaScript."""
    if not htmx:
        return redirect(url_for("counter.desk", counter_id=counter.id), code=303)
    db.session.expire_all()  # read what the action just committed (and what others committed)
    return page("counter/desk.html", "counter/_workspace.html", oob_note=True, **_context(counter, note=note))


# --- the officer's desk ---------------------------------------------------------------------

@bp.route("/")
@role_required(OFFICER)
def index():
    """Pick a counter; an officer with a single counter goes straight to it. `?kantor=CODE` narrows the
    installation admin's list to one office (anybody else naming another office: 403)."""
    code = (request.args.get("kantor") or "").strip()[:20]
    office = office_for_staff(current_user, code) if code else None
    counters = desk.usable_counters(current_user, office.id if office else None)
    if len(counters) == 1 and request.args.get("pick") is None:
        return redirect(url_for("counter.desk", counter_id=counters[0].id))
    return page("counter/pick.html", counters=counters)


@bp.route("/<int:counter_id>", endpoint="desk")
@role_required(OFFICER)
def desk_page(counter_id: int):
    counter = _counter(counter_id)
    rooms = [counter_room(counter.id)] + [service_room(s.id) for s in counter.services]
    # Only the counter's own office's services: codes repeat across offices.
    return page("counter/desk.html", services=core.active_services(counter.office_id), rooms=rooms,
                several_offices=len(active_offices()) > 1,
                rate_url=url_for("counter.rate", counter_id=counter.id, key=desk.pairing_key(counter)),
                **_context(counter))


@bp.route("/<int:counter_id>/workspace")
@role_required(OFFICER)
def workspace(counter_id: int):
    """The workspace fragment alone: what the page fetches after a live event or a reconnect."""
    return page("counter/_workspace.html", **_context(_counter(counter_id)))


@bp.route("/<int:counter_id>/side")
@role_required(OFFICER)
def side(counter_id: int):
    """The queue and today's counts: refreshed on queue events without touching the visitor panel."""
    return page("counter/_side.html", **_context(_counter(counter_id)))


@bp.route("/<int:counter_id>/services", methods=["POST"])
@role_required(OFFICER)
def services(counter_id: int):
    counter = _counter(counter_id)
    codes = [c.strip() for c in request.form.getlist("services") if c.strip()]
    if not codes:
        fail(400, _("Pilih minimal satu layanan untuk loket ini."))
    if len(codes) > 30 or any(len(c) > 2 for c in codes):
        fail(400, _("Pilihan layanan tidak valid."))
    core.set_counter_services(counter, codes, officer=current_user)
    if htmx:
        # The page follows one Socket.IO room per service: reload it to follow the new set.
        response = page("counter/desk.html", "counter/_workspace.html", **_context(counter))
        response.headers["HX-Refresh"] = "true"
        return response
    return redirect(url_for("counter.desk", counter_id=counter.id), code=303)


@bp.route("/<int:counter_id>/call", methods=["POST"])
@role_required(OFFICER)
def call_next(counter_id: int):
    counter = _counter(counter_id)
    ticket = core.call_next(counter, officer=current_user)
    if ticket is None:
        return _desk(counter, note=_("Tidak ada antrean yang menunggu."))
    return _desk(counter, note=_("%(number)s dipanggil.", number=ticket.number))


@bp.route("/<int:counter_id>/recall", methods=["POST"])
@role_required(OFFICER)
def recall(counter_id: int):
    counter = _counter(counter_id)
    ticket = core.recall(desk.ticket_at_counter(counter, _expected_ticket()), officer=current_user)
    return _desk(counter, note=_("%(number)s dipanggil ulang.", number=ticket.number))


@bp.route("/<int:counter_id>/start", methods=["POST"])
@role_required(OFFICER)
def start(counter_id: int):
    counter = _counter(counter_id)
    ticket = core.start_service(desk.ticket_at_counter(counter, _expected_ticket()), officer=current_user)
    return _desk(counter, note=_("Mulai melayani %(number)s.", number=ticket.number))


@bp.route("/<int:counter_id>/no-show", methods=["POST"])
@role_required(OFFICER)
def no_show(counter_id: int):
    counter = _counter(counter_id)
    ticket = core.mark_no_show(desk.ticket_at_counter(counter, _expected_ticket()), officer=current_user)
    return _desk(counter, note=_("%(number)s tidak hadir.", number=ticket.number))


@bp.route("/<int:counter_id>/transfer", methods=["POST"])
@role_required(OFFICER)
def transfer(counter_id: int):
    counter = _counter(counter_id)
    target = (request.form.get("service") or "").strip()
    if not target or len(target) > 10:
        fail(400, _("Pilih layanan tujuan pengalihan."))
    ticket = desk.ticket_at_counter(counter, _expected_ticket())
    ticket = core.transfer(ticket, target, note=request.form.get("note", "")[:2000], officer=current_user)
    return _desk(counter, note=_("%(number)s dialihkan ke %(service)s.", number=ticket.number,
                                 service=ticket.service.name))


@bp.route("/<int:counter_id>/priority", methods=["POST"])
@role_required(OFFICER)
def priority(counter_id: int):
    """Mark the visitor at the counter, or one in its queue, as priority for a reason the law names."""
    counter = _counter(counter_id)
    ticket = desk.ticket_for_priority(counter, _expected_ticket())
    reason = (request.form.get("reason") or "").strip()[:20]
    core.mark_priority(ticket, reason, officer=current_user, counter=counter)
    return _desk(counter, note=_("%(number)s menjadi prioritas (%(reason)s).", number=ticket.number,
                                 reason=_(core.PRIORITY_LABELS[reason])))


@bp.route("/<int:counter_id>/pause", methods=["POST"])
@role_required(OFFICER)
def pause(counter_id: int):
    counter = _counter(counter_id)
    wanted = request.form.get("paused")
    if wanted not in ("0", "1"):
        fail(400, _("Permintaan jeda tidak valid."))
    core.set_paused(counter, wanted == "1", officer=current_user)
    return _desk(counter, note=_("Loket dijeda.") if wanted == "1" else _("Loket dilanjutkan."))


@bp.route("/<int:counter_id>/close", methods=["POST"])
@role_required(OFFICER)
def close(counter_id: int):
    counter = _counter(counter_id)
    ticket = desk.ticket_at_counter(counter, _expected_ticket())
    ticked = desk.parse_checklist(request.form.getlist("checklist"), ticket)
    desk.close_and_ask_rating(ticket, counter, officer=current_user, checklist_done=ticked)
    return _desk(counter, note=_("%(number)s selesai. Pengunjung diminta memberi penilaian.", number=ticket.number))


# --- the customer-facing rating screen ------------------------------------------------------

def rating_screen(view):
    """The rating screen is opened by a paired device (the key in its address, remembered in the
    session) or by an officer of that counter. Anonymous without a key: to the login; others: 403."""

    @wraps(view)
    def wrapped(counter_id: int, *args, **kwargs):
        from loket.extensions import login_manager

        key = request.args.get("key")
        if key is not None:
            if not desk.pairing_key_valid(counter_id, key):
                fail(403, _("Kode layar penilaian tidak berlaku."))
            paired = set(session.get(RATE_SESSION_KEY, []))
            paired.add(counter_id)
            session[RATE_SESSION_KEY] = sorted(paired)[-20:]
        elif counter_id not in session.get(RATE_SESSION_KEY, []):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(OFFICER):
                fail(403, _("Anda tidak berhak membuka halaman ini."))
            desk.counter_for(counter_id, current_user)
        return view(counter_id, *args, **kwargs)

    wrapped.loket_roles = (OFFICER,)  # the route-map test reads this
    wrapped.loket_pairing = True  # …and this: a paired screen needs no login
    return wrapped


def _rating_page(counter, template: str, **extra):
    response = page("counter/rate.html", template, counter=counter, office=counter.office, **desk.rating_view(counter),
                    **extra)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:counter_id>/rate")
@rating_screen
def rate(counter_id: int):
    counter = core.get_counter(counter_id)
    if request.args.get("key") is not None:
        # Keep the key out of the screen's address bar once the session remembers the pairing.
        return redirect(url_for("counter.rate", counter_id=counter.id))
    return _rating_page(counter, "counter/_rating.html", thanks=request.args.get("thanks") == "1")


@bp.route("/<int:counter_id>/rate/panel")
@rating_screen
def rate_panel(counter_id: int):
    return _rating_page(core.get_counter(counter_id), "counter/_rating.html")


@bp.route("/<int:counter_id>/rate", methods=["POST"])
@rating_screen
def rate_submit(counter_id: int):
    counter = core.get_counter(counter_id)
    request_id = (request.form.get("request") or "").strip()
    if not request_id:
        fail(400, _("Permintaan penilaian tidak ditemukan."))
    rating_module.submit_rating(request_id, request.form.get("score"), counter=counter)
    if not htmx:
        return redirect(url_for("counter.rate", counter_id=counter.id, thanks=1), code=303)
    return _rating_page(counter, "counter/_rating.html", thanks=True)
