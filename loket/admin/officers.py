"""Admin pages for staff accounts: list (supervisors read it), add, change, disable, reset the password.

Thin views over `loket.auth.accounts`. A generated password is shown once, in the answer to the
POST that made it (never stored, never cached), and must be replaced at the account's first login.
"""
from __future__ import annotations

from flask import make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth import accounts
from loket.auth.models import ADMIN, ROLES, SUPERVISOR
from loket.extensions import db
from loket.forms import Form, MultiCheckboxField, length_between, max_length, required, strip
from loket.offices.models import Office
from loket.offices.scope import office_for_staff
from loket.queue.errors import QueueError
from loket.queue.models import Counter
from loket.web import page, queue_error_message, role_required


class OfficerForm(Form):
    display_name = StringField(_l("Nama"), [max_length(120)], filters=[strip],
                               description=_l("Dilihat rekan kerja saja, tidak pernah oleh pengunjung."))
    role = SelectField(_l("Peran"), choices=[])
    counters = MultiCheckboxField(_l("Loket yang boleh dipakai"), coerce=int, choices=[],
                                  description=_l("Petugas hanya dapat memanggil di loket yang dicentang."))


class NewOfficerForm(OfficerForm):
    username = StringField(_l("Nama pengguna"), [required(), length_between(2, 40)], filters=[strip],
                           description=_l("Untuk masuk: huruf kecil, angka, titik, garis bawah atau tanda hubung."))


def _choices(form: OfficerForm, office) -> OfficerForm:
    form.role.choices = [(role, _(accounts.ROLE_LABELS[role])) for role in ROLES]
    counters = db.session.scalars(db.select(Counter).where(Counter.office_id == office.id, Counter.active.is_(True))
                                  .order_by(Counter.number))
    form.counters.choices = [(c.id, f"{c.number} · {c.name}") for c in counters]
    return form


def _office():
    return office_for_staff(current_user, _kantor())


def _kantor_arg(office) -> str | None:
    return office.code if _offices_to_pick() else None


def _one_time_page(user, password: str, *, status: int):
    """The generated password, once: no cache may keep it (nor the back button's page cache)."""
    office = db.session.get(Office, user.office_id) if user.office_id else None
    response = make_response(page("admin/officer_password.html", account=user, password=password,
                                  kantor=_kantor_arg(office) if office else None, status=status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/petugas")
@role_required(SUPERVISOR)
def officers():
    office = _office()
    return page("admin/officers.html", accounts=accounts.accounts_of(office.id), office=office,
                offices=_offices_to_pick(), kantor=_kantor_arg(office), role_labels=accounts.ROLE_LABELS,
                may_edit=current_user.has_role(ADMIN), saved=request.args.get("ok"))


@bp.route("/petugas/baru", methods=["GET", "POST"])
@role_required(ADMIN)
def officer_new():
    office = _office()
    form = _choices(NewOfficerForm(), office)
    if request.method == "GET":
        form.role.data = "officer"
    elif form.validate():
        try:
            user, password = accounts.create_account(
                office_id=office.id, username=form.username.data, display_name=form.display_name.data,
                role=form.role.data, counter_ids=form.counters.data, actor=current_user)
        except QueueError as exc:
            db.session.rollback()
            form.username.errors = [*form.username.errors, queue_error_message(exc)]
        else:
            return _one_time_page(user, password, status=201)
    return page("admin/officer_form.html", form=form, office=office, account=None, kantor=_kantor_arg(office),
                status=400 if form.errors else 200)


@bp.route("/petugas/<int:user_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def officer_edit(user_id: int):
    account = accounts.account_for(user_id, current_user)
    if account.office_id is None:  # an installation admin's account: the command line manages it
        return page("admin/officer_form.html", form=None, office=None, account=account, kantor=None)
    office = db.session.get(Office, account.office_id)
    form = _choices(OfficerForm(obj=account) if request.method == "GET" else OfficerForm(), office)
    if request.method == "GET":
        form.counters.data = [c.id for c in account.counters if c.active]
    elif form.validate():
        try:
            accounts.update_account(account, display_name=form.display_name.data, role=form.role.data,
                                    counter_ids=form.counters.data, actor=current_user)
        except QueueError as exc:
            db.session.rollback()
            account = accounts.account_for(user_id, current_user)
            form.form_errors.append(queue_error_message(exc))
        else:
            return redirect(url_for("admin.officers", kantor=_kantor_arg(office), ok=account.username), code=303)
    return page("admin/officer_form.html", form=form, office=office, account=account, kantor=_kantor_arg(office),
                status=400 if form.errors or form.form_errors else 200)


def _back_to_list(account, *, saved: bool = True):
    office = db.session.get(Office, account.office_id) if account.office_id else None
    return redirect(url_for("admin.officers", kantor=_kantor_arg(office) if office else None,
                            ok=account.username if saved else None), code=303)


# The list's "Nonaktifkan" and "Buat kata sandi sementara" open a page that says what will happen to whom;
# only its "Ya, …" button (a POST with the CSRF token) acts; `accounts` still refuses one's own account.
CONFIRMATIONS = {
    "disable": {"title": _l("Nonaktifkan akun?"), "button": _l("Ya, nonaktifkan"),
                "what": _l("%(person)s tidak bisa masuk lagi dan semua sesinya berakhir sekarang, juga yang sedang "
                           "terbuka di loket. Riwayat tiket dan log auditnya tetap tersimpan; akun dapat "
                           "diaktifkan kembali kapan saja.")},
    "reset": {"title": _l("Buat kata sandi sementara?"), "button": _l("Ya, buat kata sandi sementara"),
              "what": _l("Kata sandi %(person)s diganti dengan kata sandi sementara yang ditampilkan sekali. Semua "
                         "sesinya berakhir sekarang, dan ia wajib memilih kata sandi baru saat masuk berikutnya.")},
}


def _confirm_page(account, action: str, target: str, **hidden):
    """Ask before `action` ("disable", "reset") on `account`; the answer is POSTed to `target`."""
    office = db.session.get(Office, account.office_id) if account.office_id else None
    person = f"{account.display_name} ({account.username})" if account.display_name else account.username
    text = CONFIRMATIONS[action]
    return page("admin/officer_confirm.html", account=account, action=action, title=text["title"],
                what=text["what"] % {"person": person}, button=text["button"], target=target, hidden=hidden,
                kantor=_kantor_arg(office) if office else None)


@bp.route("/petugas/<int:user_id>/nonaktifkan")
@role_required(ADMIN)
def officer_disable_confirm(user_id: int):
    account = accounts.account_for(user_id, current_user)
    if not account.active:  # nothing left to confirm (a second tab, the back button)
        return _back_to_list(account, saved=False)
    return _confirm_page(account, "disable", url_for("admin.officer_active", user_id=user_id), active="0")


@bp.route("/petugas/<int:user_id>/aktif", methods=["POST"])
@role_required(ADMIN)
def officer_active(user_id: int):
    account = accounts.account_for(user_id, current_user)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        return page("error.html", message=_("Permintaan tidak valid."), status=400)
    accounts.set_active(account, wanted == "1", actor=current_user)
    return _back_to_list(account)


@bp.route("/petugas/<int:user_id>/sandi-baru", methods=["GET", "POST"])
@role_required(ADMIN)
def officer_reset(user_id: int):
    """GET asks first (see CONFIRMATIONS); POST makes the password and shows it once."""
    account = accounts.account_for(user_id, current_user)
    if request.method == "GET":
        return _confirm_page(account, "reset", url_for("admin.officer_reset", user_id=user_id))
    password = accounts.reset_password(account, actor=current_user)
    return _one_time_page(account, password, status=200)
