"""Public pages of the Standar Pelayanan: the list of services with the Maklumat, one page per service."""
from __future__ import annotations

from flask import redirect, url_for
from sqlalchemy import select

from loket.catalogue import bp
from loket.extensions import db
from loket.queue.models import Service
from loket.web import fail, page
from flask_babel import gettext as _


@bp.route("/")
def home():
    return redirect(url_for("catalogue.index"))


@bp.route("/standar-pelayanan")
def index():
    services = db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.position)).all()
    return page("catalogue/index.html", services=services)


@bp.route("/standar-pelayanan/<slug>")
def service(slug: str):
    item = db.session.scalar(select(Service).where(Service.slug == slug[:80], Service.active.is_(True)))
    if item is None:
        fail(404, _("Layanan tidak ditemukan."))
    return page("catalogue/service.html", service=item, std=item.standard)
