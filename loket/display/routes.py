"""Display pages: the TV board (public), its fragments for resync, and the admin's settings form."""
from __future__ import annotations

import time

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _

from loket.auth.models import ADMIN
from loket.display import bp
from loket.display import board as board_module
from loket.display.settings import display_room, get_display, update_display
from loket.queue.models import Counter, Service
from loket.extensions import db
from loket.web import fail, page, role_required
from sqlalchemy import select


@bp.route("/<display_id>")
def show(display_id: str):
    """The full TV page; it then follows `display:<id>` over Socket.IO."""
    display = get_display(display_id)
    return page("display/page.html", display=display, board=board_module.build(display),
                room=display_room(display.id), timezone=current_app.config["LOKET_TIMEZONE"],
                server_now_ms=int(time.time() * 1000))


@bp.route("/<display_id>/board")
def board(display_id: str):
    """The whole board as one fragment: what a display fetches after a reconnect."""
    display = get_display(display_id)
    return page("display/_board.html", board=board_module.build(display))


@bp.route("/<display_id>/ticker")
def ticker(display_id: str):
    display = get_display(display_id)
    return page("display/_ticker.html", display=display)


@bp.route("/<display_id>/settings", methods=["GET", "POST"])
@role_required(ADMIN)
def settings(display_id: str):
    display = get_display(display_id)
    services = list(db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.position)))
    counters = list(db.session.scalars(select(Counter).where(Counter.active.is_(True)).order_by(Counter.number)))
    saved = False
    if request.method == "POST":
        numbers = []
        for raw in request.form.getlist("counters"):
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
                fail(400, _("Nomor loket tidak valid."))
            numbers.append(int(raw))
        update_display(display, name=request.form.get("name", ""),
                       service_codes=request.form.getlist("services"), counter_numbers=numbers,
                       running_text=request.form.get("running_text", ""))
        if not request.headers.get("HX-Request"):
            return redirect(url_for("display.settings", display_id=display.id, saved=1))
        saved = True
    saved = saved or request.args.get("saved") == "1"
    return page("display/settings.html", "display/_settings_form.html", display=display, services=services,
                counters=counters, saved=saved)
