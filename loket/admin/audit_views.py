"""The audit log page: every administration change and every officer action on tickets, filterable
by who, what and when, for supervisors of the office. Read-only: no route edits or deletes a line."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, SelectField, validators

from loket import audit
from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.accounts import display_names
from loket.auth.models import SUPERVISOR, User
from loket.extensions import db
from loket.forms import Form
from loket.offices.scope import office_for_staff
from loket.timeutil import day_bounds_utc
from loket.web import page, role_required


def N_(message: str) -> str:
    return message


ACTION_LABELS = {
    "officer.added": N_("Petugas ditambahkan"),
    "officer.changed": N_("Akun petugas diubah"),
    "officer.disabled": N_("Akun dinonaktifkan"),
    "officer.enabled": N_("Akun diaktifkan"),
    "officer.password_reset": N_("Kata sandi sementara dibuat"),
    "counter.added": N_("Loket ditambahkan"),
    "counter.changed": N_("Loket diubah"),
    "counter.retired": N_("Loket dipensiunkan"),
    "counter.reactivated": N_("Loket diaktifkan lagi"),
    "kiosk.added": N_("Kios ditambahkan"),
    "service.closed": N_("Layanan ditutup hari ini"),
    "service.opened": N_("Layanan dibuka lagi hari ini"),
    "service.checklist": N_("Daftar periksa loket diubah"),
    "catalogue.loaded": N_("Standar Pelayanan dimuat"),
    "office.settings": N_("Pengaturan kantor diubah"),
    "holiday.added": N_("Hari libur ditambahkan"),
    "holiday.removed": N_("Hari libur dihapus"),
    "holiday.imported": N_("Hari libur nasional disalin"),
    "display.added": N_("Layar ditambahkan"),
    "display.settings": N_("Pengaturan layar diubah"),
    "kiosk.printer": N_("Pengaturan printer diubah"),
    "skm.follow_up": N_("Rencana tindak lanjut SKM ditulis"),
    "ticket.called": N_("Memanggil tiket"),
    "ticket.recalled": N_("Memanggil ulang"),
    "ticket.started": N_("Mulai melayani"),
    "ticket.closed": N_("Selesai melayani"),
    "ticket.no_show": N_("Tidak hadir"),
    "ticket.transferred": N_("Dialihkan ke layanan lain"),
    "ticket.priority": N_("Dijadikan prioritas"),
    "ticket.cancelled": N_("Tiket dibatalkan"),
}
# The filter's choices: a whole group ("officer.") or one action.
ACTION_GROUPS = {
    "officer.": N_("Semua perubahan akun"),
    "counter.": N_("Semua perubahan loket"),
    "service.": N_("Semua perubahan layanan"),
    "office.": N_("Semua perubahan pengaturan kantor"),
    "ticket.": N_("Semua tindakan pada tiket"),
}
FIELD_LABELS = {"nama": N_("Nama"), "peran": N_("Peran"), "aktif": N_("Aktif"), "loket": N_("Loket"),
                "layanan": N_("Layanan"), "nomor": N_("Nomor"), "kantor": N_("Kantor"), "teks": N_("Teks berjalan"),
                "buka_hari_ini": N_("Buka hari ini"), "daftar_periksa": N_("Daftar periksa"), "berkas": N_("Berkas"),
                "baru": N_("Baru"), "diubah": N_("Diubah"), "nonaktif": N_("Nonaktif"), "loket_baru": N_("Loket baru"),
                "rencana": N_("Rencana tindak lanjut"),
                "kop_laporan": N_("Kop laporan"), "jabatan_penanda_tangan": N_("Jabatan penanda tangan"),
                "nama_penanda_tangan": N_("Nama penanda tangan"), "nip_penanda_tangan": N_("NIP penanda tangan")}
SOURCES = {"admin": N_("Administrasi"), "ticket": N_("Tindakan petugas pada tiket")}
MAX_LINES = 300


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = SelectField(_l("Siapa"), choices=[], default="")
    source = SelectField(_l("Jenis"), choices=[], default="")
    action = SelectField(_l("Apa"), choices=[], default="")
    since = DateField(_l("Dari tanggal"), [validators.Optional()], render_kw={"type": "date"})
    until = DateField(_l("Sampai tanggal"), [validators.Optional()], render_kw={"type": "date"})

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise validators.ValidationError(_l("Tanggal akhir sebelum tanggal awal."))


def _choices(form: AuditFilterForm, office) -> None:
    from flask_babel import gettext as _

    users = db.session.scalars(select(User).where(User.office_id == office.id).order_by(User.username))
    form.actor.choices = [("", _("Semua"))] + [(str(u.id), u.username) for u in users]
    form.source.choices = [("", _("Semua"))] + [(key, _(label)) for key, label in SOURCES.items()]
    form.action.choices = ([("", _("Semua"))] + [(key, _(label)) for key, label in ACTION_GROUPS.items()]
                           + [(key, _(label)) for key, label in ACTION_LABELS.items()])


def describe(key: str, value) -> str:
    """One before/after value as a person reads it: "Peran: Supervisor", "Aktif: tidak", "Loket: 1, 3"."""
    from flask_babel import gettext as _

    from loket.auth.accounts import ROLE_LABELS

    if isinstance(value, bool):
        shown = _("ya") if value else _("tidak")
    elif isinstance(value, (list, tuple)):
        shown = ", ".join(str(v) for v in value) or "–"
    elif key == "peran" and value in ROLE_LABELS:
        shown = _(ROLE_LABELS[value])
    else:
        shown = "–" if value in (None, "") else str(value)
    return f"{_(FIELD_LABELS[key]) if key in FIELD_LABELS else key}: {shown}"


@bp.route("/audit")
@role_required(SUPERVISOR)
def audit_log():
    office = office_for_staff(current_user, _kantor())
    form = AuditFilterForm(request.args)
    _choices(form, office)
    lines, status = [], 200
    if form.validate() or not request.args:
        filters = audit.Filters(
            office_id=office.id, actor_id=int(form.actor.data) if form.actor.data else None,
            source=form.source.data or "", action=form.action.data or "",
            since=day_bounds_utc(form.since.data)[0] if form.since.data else None,
            until=day_bounds_utc(form.until.data)[1] if form.until.data else None)
        lines = audit.trail(filters, limit=MAX_LINES)
    else:
        status = 400
    names = display_names(line.actor_id for line in lines)
    offices = _offices_to_pick()
    return page("admin/audit.html", form=form, lines=lines, names=names, labels=ACTION_LABELS, describe=describe,
                office=office, offices=offices, kantor=office.code if offices else None, limit=MAX_LINES,
                status=status)
