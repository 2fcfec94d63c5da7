"""Admin pages for kiosks (with their printers) and waiting-room displays: list, add, links to their settings.

Thin views over `loket.kiosk.admin` and `loket.display.admin`; supervisors read the list, admins add.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, validators

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.models import ADMIN, SUPERVISOR
from loket.display import admin as display_admin
from loket.extensions import db
from loket.forms import Form, MultiCheckboxField, max_length, required, strip
from loket.kiosk import admin as kiosk_admin
from loket.offices.scope import office_for_staff, visible_offices
from loket.printers import describe
from loket.queue.errors import QueueError
from loket.web import page, queue_error_message, role_required


class DeviceForm(Form):
    name = StringField(_l("Nama"), [max_length(kiosk_admin.NAME_MAX)], filters=[strip],
                       description=_l("Boleh dikosongkan; dipakai di daftar perangkat."))
    offices = MultiCheckboxField(_l("Kantor yang dilayani"), coerce=int, choices=[])

    def validate_device_id(self, field):
        # The domain says what makes an id unusable (its form, or taken), tied to the field.
        try:
            field.data = type(self).check_id(field.data)
        except QueueError as exc:
            raise validators.ValidationError(queue_error_message(exc)) from None

    def validate_offices(self, field):
        if not field.data:
            raise validators.ValidationError(_("Pilih minimal satu kantor."))


class KioskForm(DeviceForm):
    device_id = StringField(_l("Kode kios"), [required()], filters=[strip],
                            description=_l("1–20 huruf kecil, angka atau tanda hubung, dipakai di alamat kios "
                                           "(/kiosk/kode). Tidak dapat diubah kemudian."))
    check_id = staticmethod(kiosk_admin.new_kiosk_id)


class DisplayForm(DeviceForm):
    device_id = StringField(_l("Kode layar"), [required()], filters=[strip],
                            description=_l("1–20 huruf kecil, angka atau tanda hubung, dipakai di alamat layar "
                                           "(/display/kode). Tidak dapat diubah kemudian."))
    check_id = staticmethod(display_admin.new_display_id)


def _kantor_arg(office) -> str | None:
    return office.code if _offices_to_pick() else None


def _kiosk_row(kiosk) -> dict:
    return {"kiosk": kiosk, "status": kiosk_admin.device_status(kiosk),
            "printer": describe(kiosk.printer, _) if kiosk.printer else _("Belum ada printer."),
            "manage": kiosk_admin.may_manage(kiosk, current_user)}


@bp.route("/perangkat")
@role_required(SUPERVISOR)
def devices():
    """The office's kiosks with their printers' live state, and its displays, with links to their pages."""
    office = office_for_staff(current_user, _kantor())
    kiosks = [_kiosk_row(k) for k in kiosk_admin.kiosks_of(office.id)]
    displays = [{"display": d, "manage": display_admin.may_manage(d, current_user)}
                for d in display_admin.displays_of(office.id)]
    # The notice after adding one, only for a device that is really in the list.
    added_kiosk = request.args.get("kios") if any(r["kiosk"].id == request.args.get("kios") for r in kiosks) else None
    added_display = (request.args.get("layar")
                     if any(r["display"].id == request.args.get("layar") for r in displays) else None)
    return page("admin/devices.html", office=office, offices=_offices_to_pick(), kantor=_kantor_arg(office),
                kiosks=kiosks, displays=displays, may_add=current_user.has_role(ADMIN),
                added_kiosk=added_kiosk, added_display=added_display)


@bp.route("/perangkat/kios/<kiosk_id>/status")
@role_required(SUPERVISOR)
def device_status(kiosk_id: str):
    """One kiosk's printer state alone: the list polls it (print jobs reach no staff room over Socket.IO)."""
    kiosk = kiosk_admin.visible_kiosk(kiosk_id, current_user)
    return page("admin/_device_status.html", kiosk=kiosk, printer=kiosk_admin.device_status(kiosk))


def _device_form(form_class, kind: str, add):
    """The add form of a kiosk or display (`kind`); `add(id, name, office_ids)` makes it."""
    office = office_for_staff(current_user, _kantor())
    form = form_class()
    form.offices.choices = [(o.id, o.label) for o in visible_offices(current_user)]
    fixed_office = not current_user.is_installation_admin
    if request.method == "GET" or (fixed_office and not form.offices.raw_data):
        # An office's admin adds devices for their own office only: shown ticked, not a choice.
        form.offices.data = [office.id]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                device = add(form.device_id.data, form.name.data, form.offices.data)
            except QueueError as exc:
                db.session.rollback()
                form.form_errors.append(queue_error_message(exc))
                status = exc.status
            else:
                first = device.offices[0]
                key = "kios" if kind == "kiosk" else "layar"
                return redirect(url_for("admin.devices", kantor=_kantor_arg(first), **{key: device.id}), code=303)
    return page("admin/device_form.html", form=form, kind=kind, office=office, kantor=_kantor_arg(office),
                fixed_office=fixed_office, status=status)


@bp.route("/perangkat/kios/baru", methods=["GET", "POST"])
@role_required(ADMIN)
def kiosk_new():
    return _device_form(KioskForm, "kiosk", lambda kiosk_id, name, office_ids: kiosk_admin.add_kiosk(
        kiosk_id, name, office_ids, actor=current_user))


@bp.route("/perangkat/layar/baru", methods=["GET", "POST"])
@role_required(ADMIN)
def display_new():
    return _device_form(DisplayForm, "display", lambda display_id, name, office_ids: display_admin.add_display(
        display_id, name, office_ids, actor=current_user))
