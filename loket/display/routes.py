"""Display pages: the TV board (public), its fragments for resync, and the admin's settings form."""
from __future__ import annotations

import time

from flask import current_app, redirect, request, url_for
from flask_login import current_user

from loket.auth.models import ADMIN
from loket.display import bp
from loket.display import board as board_module
from loket.display.forms import DisplayForm
from loket.display.settings import display_room, get_display, require_display_admin, settings_choices, update_display
from loket.extensions import htmx
from loket.offices.scope import active_offices
from loket.queue.errors import InvalidInput
from loket.web import error_response, page, role_required


def _header_office(display):
    """The office the page header names: the display's own; a shared display names all of them
    from `board.offices`, and a display of no office falls back to the installation's first."""
    served = board_module.offices(display)
    return {"office": served[0]} if len(served) == 1 else {}


@bp.route("/<display_id>")
def show(display_id: str):
    """The full TV page; it then follows `display:<id>` over Socket.IO."""
    display = get_display(display_id)
    return page("display/page.html", display=display, board=board_module.build(display),
                ticker=board_module.ticker_text(display), room=display_room(display.id),
                timezone=current_app.config["LOKET_TIMEZONE"], server_now_ms=int(time.time() * 1000),
                **_header_office(display))


@bp.route("/<display_id>/board")
def board(display_id: str):
    """The whole board as one fragment: what a display fetches after a reconnect."""
    display = get_display(display_id)
    return page("display/_board.html", board=board_module.build(display))


@bp.route("/<display_id>/ticker")
def ticker(display_id: str):
    display = get_display(display_id)
    return page("display/_ticker.html", display=display, ticker=board_module.ticker_text(display))


@bp.route("/<display_id>/settings", methods=["GET", "POST"])
@role_required(ADMIN)
def settings(display_id: str):
    """What a display shows; an office's admin edits only displays of their own office. A plain form
    post (errors beside their fields, 400); an htmx post gets the form back, its errors in #messages."""
    display = get_display(display_id)
    require_display_admin(current_user, display)
    form = DisplayForm() if request.method == "POST" else DisplayForm.for_display(display)
    services, counters = settings_choices(display)
    shared = board_module.is_shared(display)
    form.offer(services, counters, shared=shared)
    saved = request.args.get("saved") == "1"
    if form.validate_on_submit():
        try:
            update_display(display, name=form.name.data, service_ids=form.services.data,
                           counter_ids=form.counters.data, running_text=form.running_text.data,
                           actor=current_user)
        except InvalidInput as exc:
            form.refuse(exc)
        else:
            if not htmx:
                return redirect(url_for("display.settings", display_id=display.id, saved=1))
            saved = True
            form = DisplayForm.for_display(display)
            form.offer(services, counters, shared=shared)
    if form.errors and htmx:
        return error_response(form.messages(), 400)
    return page("display/settings.html", "display/_settings_form.html", status=400 if form.errors else 200,
                display=display, form=form, shared=shared, saved=saved, several_offices=len(active_offices()) > 1)
