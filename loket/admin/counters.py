"""Admin pages for counters (loket): add, rename, retire, which services each serves.

Thin views over `loket.queue.counters`; supervisors read the list, only admins change anything.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, StringField, validators

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.models import ADMIN, SUPERVISOR
from loket.extensions import db
from loket.forms import Form, MultiCheckboxField, max_length, strip
from loket.offices.models import Office
from loket.offices.scope import office_for_staff
from loket.queue import core
from loket.queue import counters as counter_domain
from loket.queue.errors import QueueError
from loket.queue.models import Counter
from loket.web import page, queue_error_message, role_required


class CounterForm(Form):
    """Rename a counter and choose its services (its number never changes)."""

    name = StringField(_l("Nama loket"), filters=[strip], validators=[max_length(counter_domain.NAME_MAX)],
                       description=_l("Kosongkan untuk memakai nama bawaan, misalnya \"Loket 3\"."))
    services = MultiCheckboxField(_l("Layanan yang dilayani"), coerce=int,
                                  description=_l("Petugas di loket ini memanggil antrean layanan yang dicentang."))

    def validate_services(self, field):
        if not field.data and not field.process_errors:  # "zz" is already "Pilihan tidak dikenal."
            raise validators.ValidationError(_l("Pilih minimal satu layanan untuk loket ini."))


NUMBER_RANGE = _l("Nomor loket harus bilangan bulat 1 sampai 999.")


def _a_whole_number(form, field):
    """"abc" is no number, hence out of range too: one message, the range's (as InputRequired does)."""
    if field.process_errors:
        field.errors[:] = []
        raise validators.StopValidation(NUMBER_RANGE)


class NewCounterForm(CounterForm):
    number = IntegerField(_l("Nomor loket"), [
        validators.InputRequired(message=_l("Wajib diisi.")), _a_whole_number,
        validators.NumberRange(counter_domain.NUMBER_MIN, counter_domain.NUMBER_MAX, message=NUMBER_RANGE)],
        description=_l("1 sampai 999, belum dipakai loket lain di kantor ini (juga yang sudah pensiun)."))


def _service_choices(office_id: int) -> list[tuple[int, str]]:
    return [(s.id, f"{s.code} · {s.name}") for s in core.active_services(office_id)]


def _show_error(form: CounterForm, exc: QueueError) -> None:
    """A domain refusal beside the field it is about, else above the form."""
    db.session.rollback()
    name = getattr(exc, "field", None)
    if name and name in form:
        form[name].errors.append(queue_error_message(exc))
    else:
        form.form_errors.append(queue_error_message(exc))


def _kantor_of(office: Office) -> str | None:
    """`?kantor=` for links back to an office's list (only the installation admin switches offices)."""
    return office.code if _offices_to_pick() else None


def _form_page(form: CounterForm, office: Office, counter=None, *, error: str | None = None, status: int = 200):
    if status == 200 and (form.errors or error):
        status = 400
    return page("admin/counter_form.html", form=form, counter=counter, office=office, error=error,
                kantor=_kantor_of(office), saved=request.args.get("ok") == "1", status=status)


@bp.route("/loket")
@role_required(SUPERVISOR)
def counters():
    """An office's counters, retired ones too; supervisors read, admins also add and change."""
    office = office_for_staff(current_user, _kantor())
    items = counter_domain.counters_of(office.id)
    offices = _offices_to_pick()
    return page("admin/counters.html", counters=items, officers=counter_domain.officers_by_counter(items),
                office=office, offices=offices, kantor=office.code if offices else None,
                may_change=current_user.has_role(ADMIN), saved=request.args.get("ok") == "1")


@bp.route("/loket/baru", methods=["GET", "POST"])
@role_required(ADMIN)
def counter_new():
    office = office_for_staff(current_user, _kantor())
    form = NewCounterForm(number=counter_domain.next_free_number(office.id))
    form.services.choices = _service_choices(office.id)
    if form.validate_on_submit():
        try:
            counter_domain.add_counter(office.id, form.number.data, form.name.data, form.services.data,
                                       current_user)
        except QueueError as exc:
            _show_error(form, exc)
            return _form_page(form, office, status=exc.status)
        return redirect(url_for("admin.counters", kantor=_kantor_of(office), ok=1), code=303)
    return _form_page(form, office)


@bp.route("/loket/<int:counter_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def counter_edit(counter_id: int):
    counter = counter_domain.get_counter_for_admin(counter_id, current_user)
    form = _edit_form(counter)
    if form.validate_on_submit():
        try:
            counter_domain.update_counter(counter, form.name.data, form.services.data, current_user)
        except QueueError as exc:
            _show_error(form, exc)
            return _form_page(form, counter.office, counter, status=exc.status)
        return redirect(url_for("admin.counter_edit", counter_id=counter_id, ok=1), code=303)
    return _form_page(form, counter.office, counter)


def _edit_form(counter: Counter, **kwargs) -> CounterForm:
    """A counter's form (`formdata=None`: as saved, ignoring what a state button posted)."""
    form = CounterForm(**kwargs, name=counter.name, services=[s.id for s in counter.services])
    form.services.choices = _service_choices(counter.office_id)
    return form


def _change_state(counter_id: int, change):
    counter = counter_domain.get_counter_for_admin(counter_id, current_user)
    try:
        change(counter, current_user)
    except QueueError as exc:
        db.session.rollback()
        counter = counter_domain.get_counter_for_admin(counter_id, current_user)
        return _form_page(_edit_form(counter, formdata=None), counter.office, counter,
                          error=queue_error_message(exc), status=exc.status)
    return redirect(url_for("admin.counter_edit", counter_id=counter_id, ok=1), code=303)


@bp.route("/loket/<int:counter_id>/pensiun", methods=["POST"])
@role_required(ADMIN)
def counter_retire(counter_id: int):
    """Retire a counter (refused with 409 while a visitor is at it); its history stays."""
    return _change_state(counter_id, counter_domain.retire_counter)


@bp.route("/loket/<int:counter_id>/aktifkan", methods=["POST"])
@role_required(ADMIN)
def counter_reactivate(counter_id: int):
    """Bring a retired counter back, unless an active one carries its name meanwhile (rename it first)."""
    return _change_state(counter_id, counter_domain.reactivate_counter)
