"""Admin pages for an office's settings (name, address, hours, exceptions, complaint days, retention,
report letterhead) and the shared holiday calendar. Thin views over `loket.offices.settings`; supervisors read.
"""
from __future__ import annotations

from datetime import date

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, IntegerField, StringField, TextAreaField, validators

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.models import ADMIN, SUPERVISOR
from loket.extensions import db
from loket.forms import Form, max_length, required, strip
from loket.offices import settings
from loket.offices.models import Office
from loket.offices.scope import active_offices, office_for_staff
from loket.queue import hours
from loket.queue.errors import QueueError
from loket.timeutil import local_day
from loket.web import fail, page, queue_error_message, role_required


def _whole_number(label, low: int, high: int, description=None):
    return IntegerField(label, [validators.InputRequired(message=_l("Wajib diisi.")),
                                validators.NumberRange(low, high, message=_l("Isi dengan bilangan bulat %(min)d "
                                                                             "sampai %(max)d."))],
                        description=description)


class OfficeSettingsForm(Form):
    """Everything but the exceptions; one hours field per weekday ("07:30-12:00, 13:00-15:30")."""

    name = StringField(_l("Nama kantor"), filters=[strip], validators=[required(), max_length(settings.NAME_MAX)])
    short_name = StringField(_l("Nama singkat"), filters=[strip], validators=[max_length(settings.SHORT_NAME_MAX)],
                             description=_l("Tampil di kepala halaman, kios dan layar. Kosongkan untuk memakai "
                                            "nama kantor."))
    public_base_url = StringField(
        _l("Alamat publik (base URL)"), filters=[strip], validators=[max_length(settings.URL_MAX)],
        description=_l("Alamat yang dibuka ponsel pengunjung dari kode QR tiket, misalnya "
                       "https://antrean.klungkungkab.go.id. Selama kosong, kode QR memuat alamat kios sendiri."))
    complaint_response_days = _whole_number(
        _l("Batas tanggapan pengaduan (hari kerja)"), *settings.RESPONSE_DAYS,
        description=_l("Pengaduan yang belum dijawab setelah sekian hari kerja ditandai terlambat."))
    contact_retention_days = _whole_number(
        _l("Masa simpan kontak pelapor (hari)"), *settings.RETENTION_DAYS,
        description=_l("Nama dan kontak pelapor dihapus setelah sekian hari (UU 27/2022); pengaduannya tetap."))
    report_header = TextAreaField(
        _l("Kop laporan"), filters=[strip],
        description=_l("Baris di atas nama kantor pada laporan cetak, paling banyak 3 baris, misalnya "
                       "PEMERINTAH KABUPATEN KLUNGKUNG lalu SEKRETARIAT DAERAH."))
    head_title = StringField(_l("Jabatan penanda tangan"), filters=[strip],
                             validators=[max_length(settings.HEAD_TITLE_MAX)],
                             description=_l("Misalnya Kepala Bagian Pengadaan Barang/Jasa."))
    head_name = StringField(
        _l("Nama penanda tangan"), filters=[strip], validators=[max_length(settings.HEAD_NAME_MAX)],
        description=_l("Nama dan NIP pejabat yang menandatangani adalah data jabatan publik yang dicetak pada "
                       "laporan resmi kantor, bukan data pribadi pengunjung."))
    head_nip = StringField(
        _l("NIP penanda tangan"), filters=[strip], validators=[max_length(settings.NIP_MAX)],
        description=_l("18 angka, boleh dengan spasi, misalnya 19700101 199503 1 001; data jabatan yang dicetak "
                       "pada laporan resmi."))

    def hour_fields(self):
        return [self[f"hours_{day}"] for day in hours.DAYS]

    def validate(self, extra_validators=None):
        """WTForms' checks, then the domain's own rules (spans, address, letterhead, NIP) beside each field."""
        valid = super().validate(extra_validators)
        for field in [self.public_base_url, *self.hour_fields(), self.report_header, self.head_nip]:
            if field.errors:
                continue
            try:
                if field.name.startswith("hours_"):
                    settings.clean_spans(field.data, field.name)
                else:
                    settings.clean(field.name, field.data)
            except QueueError as exc:
                field.errors.append(queue_error_message(exc))
                valid = False
        return valid

    def changes(self) -> dict:
        return {"name": self.name.data, "short_name": self.short_name.data,
                "public_base_url": self.public_base_url.data,
                "hours": {day: self[f"hours_{day}"].data for day in hours.DAYS},
                "complaint_response_days": self.complaint_response_days.data,
                "contact_retention_days": self.contact_retention_days.data,
                **{key: self[key].data for key in settings.LETTERHEAD}}


for _day, _label in settings.DAY_LABELS.items():
    setattr(OfficeSettingsForm, f"hours_{_day}", StringField(
        _l(_label), filters=[strip], validators=[max_length(100)]))


class ExceptionForm(Form):
    """One date with other hours than its weekday's, or closed."""

    day = DateField(_l("Tanggal"), [validators.InputRequired(message=_l("Wajib diisi."))], render_kw={"type": "date"})
    spans = StringField(_l("Jam buka hari itu"), filters=[strip], validators=[max_length(100)],
                        description=_l("Kosongkan bila kantor tutup seharian; atau tulis jamnya, misalnya 08:00-12:00."))
    note = StringField(_l("Keterangan"), filters=[strip], validators=[max_length(settings.NOTE_MAX)],
                       description=_l("Misalnya: rapat kerja, pemadaman listrik."))

    def validate_spans(self, field):
        try:
            settings.clean_spans(field.data, "spans")
        except QueueError as exc:
            raise validators.ValidationError(queue_error_message(exc)) from None


class HolidayForm(Form):
    day = DateField(_l("Tanggal"), [validators.InputRequired(message=_l("Wajib diisi."))], render_kw={"type": "date"})
    name = StringField(_l("Nama hari libur"), filters=[strip],
                       validators=[required(), max_length(settings.HOLIDAY_NAME_MAX)],
                       description=_l("Misalnya Hari Raya Galungan, Kuningan atau Hari Suci Nyepi."))


@bp.context_processor
def _base_url_warning():
    """For the admin pages' banner: is an office's public address unset (QR codes then carry the
    kiosk's own address)? A function, so only pages that show the banner ask the database."""

    def base_url_missing(office=None) -> bool:
        office_id = getattr(office, "id", None)
        return not settings.get(office_id, "public_base_url")

    return {"base_url_missing": base_url_missing}


# --- office settings ------------------------------------------------------------------------

def _kantor_of(office: Office) -> str | None:
    return office.code if _offices_to_pick() else None


def _settings_form(office: Office, formdata=None) -> OfficeSettingsForm:
    values = {"name": office.name, "short_name": office.short_name,
              "public_base_url": settings.get(office.id, "public_base_url"),
              "complaint_response_days": settings.get(office.id, "complaint_response_days"),
              "contact_retention_days": settings.get(office.id, "contact_retention_days"),
              **{key: settings.get(office.id, key) for key in settings.LETTERHEAD},
              **{f"hours_{day}": text for day, text in settings.week_texts(office.id).items()}}
    return OfficeSettingsForm(formdata=formdata, **values)


def _settings_page(office: Office, form=None, exception_form=None, *, error: str | None = None, status: int = 200):
    form = form or _settings_form(office)
    exception_form = exception_form or ExceptionForm(formdata=None, prefix="exc")
    if status == 200 and (form.errors or exception_form.errors or error):
        status = 400
    offices = _offices_to_pick()
    return page("admin/office_settings.html", form=form, exception_form=exception_form, office=office,
                offices=offices, kantor=office.code if offices else None, error=error,
                exceptions=settings.exceptions(office.id), may_change=current_user.has_role(ADMIN),
                saved=request.args.get("ok") == "1", replaced=_replaced_day(), status=status)


def _replaced_day():
    """The day whose exception the last save replaced (`?diganti=`), if it is a date."""
    try:
        return date.fromisoformat(request.args.get("diganti", ""))
    except ValueError:
        return None


def _beside(form, exc: QueueError, fields: dict | None = None) -> None:
    """A domain refusal beside the field it is about, else above the form."""
    db.session.rollback()
    name = (fields or {}).get(getattr(exc, "field", None), getattr(exc, "field", None))
    if name and name in form:
        form[name].errors.append(queue_error_message(exc))
    else:
        form.form_errors.append(queue_error_message(exc))


@bp.route("/kantor", methods=["GET", "POST"])
@role_required(SUPERVISOR)
def office_settings():
    """An office's settings; supervisors read them, admins change them."""
    office = office_for_staff(current_user, _kantor())
    if request.method == "GET":
        return _settings_page(office)
    if not current_user.has_role(ADMIN):
        abort(403)
    done = redirect(url_for("admin.office_settings", kantor=_kantor_of(office), ok=1), code=303)
    action = request.form.get("aksi", "pengaturan")
    if action == "pengecualian":
        exception_form = ExceptionForm(prefix="exc")
        if not exception_form.validate_on_submit():
            return _settings_page(office, exception_form=exception_form)
        try:
            replaced = settings.set_exception(office, exception_form.day.data, exception_form.spans.data,
                                              exception_form.note.data, current_user)
        except QueueError as exc:
            _beside(exception_form, exc)
            return _settings_page(office, exception_form=exception_form, status=exc.status)
        if replaced:  # said on the page: the day had another exception, now replaced
            return redirect(url_for("admin.office_settings", kantor=_kantor_of(office), ok=1,
                                    diganti=exception_form.day.data.isoformat()), code=303)
        return done
    if action == "hapus-pengecualian":
        try:
            settings.remove_exception(office, request.form.get("tanggal", ""), current_user)
        except QueueError as exc:
            db.session.rollback()
            return _settings_page(office, error=queue_error_message(exc), status=exc.status)
        return done
    form = _settings_form(office, formdata=request.form)
    if not form.validate_on_submit():
        return _settings_page(office, form)
    try:
        settings.update(office, form.changes(), current_user)
    except QueueError as exc:
        _beside(form, exc)
        return _settings_page(office, form, status=exc.status)
    return done


# --- the holiday calendar -------------------------------------------------------------------

def _year() -> int:
    raw = request.values.get("tahun")
    if not raw:
        return local_day().year
    try:
        return settings.check_year(raw)
    except QueueError as exc:
        fail(400, queue_error_message(exc))


def _may_change_calendar() -> bool:
    """The calendar is every office's: with several offices only the installation admin changes it."""
    return current_user.has_role(ADMIN) and (current_user.is_installation_admin or len(active_offices()) <= 1)


def _holidays_page(office: Office, year: int, form=None, *, error: str | None = None, status: int = 200):
    form = form or HolidayForm(formdata=None)
    if status == 200 and (form.errors or error):
        status = 400
    offices = _offices_to_pick()
    return page("admin/holidays.html", form=form, office=office, offices=offices,
                kantor=office.code if offices else None, year=year, holidays=hours.calendar(year),
                may_change=_may_change_calendar(), error=error, saved=request.args.get("ok") == "1",
                imported=request.args.get("impor", type=int), today=local_day(), status=status)


@bp.route("/kantor/libur", methods=["GET", "POST"])
@role_required(SUPERVISOR)
def holidays():
    """The year's holidays (`?tahun=`); admins add and remove local days and copy the national ones."""
    office = office_for_staff(current_user, _kantor())
    year = _year()
    if request.method == "GET":
        return _holidays_page(office, year)
    if not _may_change_calendar():
        abort(403)
    action = request.form.get("aksi", "tambah")
    back = {"kantor": _kantor_of(office), "tahun": year}
    try:
        if action == "impor":
            added = settings.import_national(office, year, current_user)
            return redirect(url_for("admin.holidays", **back, impor=added), code=303)
        if action == "hapus":
            settings.remove_holiday(office, request.form.get("tanggal", ""), current_user)
            return redirect(url_for("admin.holidays", **back, ok=1), code=303)
    except QueueError as exc:
        db.session.rollback()
        return _holidays_page(office, year, error=queue_error_message(exc), status=exc.status)
    form = HolidayForm()
    if not form.validate_on_submit():
        return _holidays_page(office, year, form)
    try:
        settings.add_holiday(office, form.day.data, form.name.data, current_user)
    except QueueError as exc:
        _beside(form, exc)
        return _holidays_page(office, year, form, status=exc.status)
    day: date = form.day.data
    return redirect(url_for("admin.holidays", kantor=back["kantor"], tahun=day.year, ok=1), code=303)
