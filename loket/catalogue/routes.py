"""Public pages of the Standar Pelayanan: per office, the list of services with the Maklumat and one
page per service. With several offices, /standar-pelayanan lists the offices first."""
from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from loket.catalogue import bp
from loket.extensions import db
from loket.offices import scope
from loket.queue import core
from loket.queue.errors import QueueError
from loket.queue.models import Service
from loket.reports import skm
from loket.web import fail, page


@bp.route("/")
def home():
    return redirect(url_for("catalogue.index"))


def _office(code: str):
    try:
        return scope.get_office(code)
    except QueueError:
        fail(404, _("Kantor tidak ditemukan."))


@bp.route("/standar-pelayanan")
def index():
    offices = scope.active_offices()
    if len(offices) > 1:
        return page("catalogue/offices.html", offices=offices)
    office = offices[0] if offices else None
    services = core.active_services(office.id) if office else []
    return page("catalogue/index.html", services=services, **({"office": office} if office else {}))


@bp.route("/kantor/<office_code>/standar-pelayanan")
def office_index(office_code: str):
    office = _office(office_code)
    return page("catalogue/index.html", services=core.active_services(office.id), office=office,
                several_offices=len(scope.active_offices()) > 1)


@bp.route("/kantor/<office_code>/standar-pelayanan/<slug>")
def office_service(office_code: str, slug: str):
    office = _office(office_code)
    item = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.slug == slug[:80],
                                                   Service.active.is_(True)))
    if item is None:
        fail(404, _("Layanan tidak ditemukan."))
    return page("catalogue/service.html", service=item, std=item.standard, office=office,
                several_offices=len(scope.active_offices()) > 1)


@bp.route("/standar-pelayanan/<slug>")
def service(slug: str):
    """The address a single office has always used; with several offices, the first office's service
    of that slug, or the only office that has it (slugs repeat across offices)."""
    default = scope.default_office()
    items = list(db.session.scalars(select(Service).where(Service.slug == slug[:80], Service.active.is_(True))))
    item = next((s for s in items if default and s.office_id == default.id), None)
    if item is None and len(items) == 1:
        item = items[0]
    if item is None:
        fail(404, _("Layanan tidak ditemukan."))
    if len(scope.active_offices()) > 1:
        return redirect(url_for("catalogue.office_service", office_code=item.office.code, slug=item.slug))
    return page("catalogue/service.html", service=item, std=item.standard, office=item.office)


def _skm_results(office):
    return page("catalogue/skm_results.html", office=office, **skm.public_context(office),
                several_offices=len(scope.active_offices()) > 1)


@bp.route("/hasil-skm")
def skm_results_default():
    """The published SKM results of the only (or first) office; with several, the office list."""
    offices = scope.active_offices()
    if len(offices) > 1:
        return page("catalogue/offices.html", offices=offices, target="catalogue.skm_results")
    if not offices:
        fail(404, _("Kantor tidak ditemukan."))
    return _skm_results(offices[0])


@bp.route("/kantor/<office_code>/hasil-skm")
def skm_results(office_code: str):
    """Each closed semester's IKM per service and the follow-up plan (PermenPANRB 14/2017 asks the unit to
    publish them); nothing about a single visitor."""
    return _skm_results(_office(office_code))
