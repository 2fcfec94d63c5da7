"""Admin pages for services: open or closed today, the checklist shown at the desk, and uploading a new
Standar Pelayanan file with a preview of what it changes before it is applied.

Thin views over `loket.catalogue.admin`; supervisors read, only admins change anything.
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from werkzeug.utils import secure_filename
from wtforms import HiddenField, TextAreaField, validators

from loket.admin import bp
from loket.admin.routes import _kantor, _offices_to_pick
from loket.auth.models import ADMIN, SUPERVISOR
from loket.catalogue import admin as catalogue_admin
from loket.catalogue.loader import CatalogueError
from loket.counter.desk import checklist as desk_checklist
from loket.extensions import db
from loket.forms import Form, max_length, required, strip
from loket.offices.models import Office
from loket.offices.scope import office_for_staff
from loket.queue.errors import QueueError
from loket.timeutil import local_day
from loket.web import fail, page, queue_error_message, role_required

UPLOAD_MAX_MB = catalogue_admin.UPLOAD_MAX_BYTES // (1024 * 1024)
# The whole upload request may carry the file plus the form's other fields and multipart framing;
# a file between the limit and this is refused by the form (400), a larger body by Werkzeug (413).
UPLOAD_REQUEST_MAX = catalogue_admin.UPLOAD_MAX_BYTES + 64 * 1024
DEFAULT_FILENAME = "standar-pelayanan.toml"
# The preview names what changes: the standard's keys (loket/catalogue/standar-pelayanan.toml) and columns.
FIELD_LABELS = {
    "name": _l("Nama"), "slug": _l("Alamat halaman"), "active": _l("Aktif"), "position": _l("Urutan"),
    "promised_minutes": _l("Janji waktu (menit)"), "number": _l("Nomor"), "code": _l("Kode"),
    "requirements": _l("Persyaratan"), "procedure": _l("Prosedur"), "completion": _l("Waktu penyelesaian"),
    "fee": _l("Biaya/tarif"), "product": _l("Produk layanan"), "complaints": _l("Penanganan pengaduan"),
    "legal_basis": _l("Dasar hukum"), "facilities": _l("Sarana dan prasarana"),
    "competence": _l("Kompetensi pelaksana"), "supervision": _l("Pengawasan internal"),
    "officers": _l("Jumlah pelaksana"), "service_guarantees": _l("Jaminan pelayanan"),
    "security_guarantees": _l("Jaminan keamanan dan keselamatan"), "evaluation": _l("Evaluasi kinerja"),
    "desk_checklist": _l("Daftar periksa di loket"), "short_name": _l("Nama singkat"), "address": _l("Alamat"),
    "phone": _l("Telepon"), "maklumat": _l("Maklumat pelayanan"), "timezone": _l("Zona waktu"),
    # the keys inside a table (the fee, the completion time, a milestone)
    "text": _l("Teks"), "steps": _l("Rincian waktu"), "amount": _l("Jumlah"), "unit": _l("Satuan"),
    "days": _l("Lama (hari)"), "items": _l("Butir"), "milestones": _l("Tahapan berkas"),
    "lead_time": _l("Batas waktu permohonan"), "intake": _l("Saluran permohonan"),
}


class OpenTodayForm(Form):
    """The button on the list: `buka=1` opens a service again, `buka=0` closes it for today."""

    buka = HiddenField(validators=[validators.AnyOf(["1", "0"], message=_l("Pilih buka atau tutup."))])


class ChecklistForm(Form):
    items = TextAreaField(_l("Daftar periksa di loket"), description=_l(
        "Satu persyaratan per baris, paling banyak %(items)s baris, masing-masing paling banyak %(chars)s karakter. "
        "Kosongkan untuk kembali memakai persyaratan dari Standar Pelayanan.",
        items=catalogue_admin.CHECKLIST_ITEMS, chars=catalogue_admin.CHECKLIST_ITEM_CHARS))


class CatalogueUploadForm(Form):
    file = FileField(_l("Berkas Standar Pelayanan (.toml)"), validators=[
        FileRequired(message=_l("Pilih berkas .toml yang akan diunggah.")),
        FileAllowed(["toml"], message=_l("Hanya berkas .toml yang diterima.")),
        FileSize(max_size=catalogue_admin.UPLOAD_MAX_BYTES,
                 message=_l("Berkas paling besar %(mb)s MB.", mb=UPLOAD_MAX_MB))],
        description=_l("Berkas TOML berkode UTF-8 seperti standar-pelayanan.toml. Isinya dibandingkan dulu dengan "
                       "layanan yang ada; belum ada yang berubah sebelum Anda menekan \"Terapkan\"."))


class ApplyForm(Form):
    digest = HiddenField(validators=[required(), validators.Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(filters=[strip], validators=[max_length(200)])


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    """The upload may be larger than every other request (MAX_CONTENT_LENGTH); set before anything
    (the request guards, CSRF) reads the body, which before_request functions do."""
    if endpoint == "admin.catalogue_upload":
        request.max_content_length = UPLOAD_REQUEST_MAX


def _kantor_of(office: Office) -> str | None:
    """`?kantor=` for links back to an office's pages (only the installation admin switches offices)."""
    return office.code if _offices_to_pick() else None


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads" / "standar-pelayanan"


def _loaded_summary() -> dict | None:
    """The counts `catalogue_apply` put in the address it redirected to."""
    if request.args.get("dimuat") != "1":
        return None
    counts = {key: request.args.get(key, type=int) for key in ("baru", "diubah", "nonaktif")}
    return counts if all(v is not None and 0 <= v <= 10_000 for v in counts.values()) else None


@bp.route("/layanan")
@role_required(SUPERVISOR)
def services():
    """An office's services: open or closed today, the desk checklist, the public standard."""
    office = office_for_staff(current_user, _kantor())
    offices = _offices_to_pick()
    items = catalogue_admin.services_of(office.id)
    return page("admin/services.html", services=items, office=office, offices=offices,
                kantor=office.code if offices else None, today=local_day(),
                own_checklist={s.id: catalogue_admin.has_own_checklist(s) for s in items},
                may_change=current_user.has_role(ADMIN), loaded=_loaded_summary())


@bp.route("/layanan/<int:service_id>/hari-ini", methods=["POST"])
@role_required(ADMIN)
def service_open_close(service_id: int):
    """Close a service for the rest of today (the kiosk stops issuing it) or open it again."""
    service = catalogue_admin.service_for_admin(service_id, current_user)
    form = OpenTodayForm()
    if not form.validate_on_submit():
        fail(400, _("Pilih buka atau tutup."))
    catalogue_admin.set_open_today(service, form.buka.data == "1", current_user)
    return redirect(url_for("admin.services", kantor=_kantor_of(service.office)), code=303)


def _checklist_page(form: ChecklistForm, service, status: int = 200):
    if form.errors and status == 200:
        status = 400
    return page("admin/service_checklist.html", form=form, service=service, office=service.office,
                kantor=_kantor_of(service.office), standard=catalogue_admin.standard_checklist(service),
                own=catalogue_admin.has_own_checklist(service), may_change=current_user.has_role(ADMIN),
                saved=request.args.get("ok") == "1", status=status)


@bp.route("/layanan/<int:service_id>/checklist", methods=["GET", "POST"])
@role_required(SUPERVISOR)
def service_checklist(service_id: int):
    """The list an officer ticks at the desk; supervisors read it, admins change it."""
    service = catalogue_admin.service_for_admin(service_id, current_user)
    if request.method == "POST" and not current_user.has_role(ADMIN):
        abort(403)
    form = ChecklistForm(items="\n".join(desk_checklist(service)))
    if not form.validate_on_submit():
        return _checklist_page(form, service)
    lines = [line.strip() for line in (form.items.data or "").splitlines() if line.strip()]
    try:
        catalogue_admin.set_checklist(service, lines, current_user)
    except QueueError as exc:
        db.session.rollback()
        form.items.errors.append(queue_error_message(exc))
        return _checklist_page(form, service, status=exc.status)
    return redirect(url_for("admin.service_checklist", service_id=service_id, ok=1), code=303)


def _upload_page(form: CatalogueUploadForm, office: Office, *, preview=None, apply_form=None, status: int = 200):
    if (form.errors or form.form_errors) and status == 200:
        status = 400
    return page("admin/catalogue_upload.html", form=form, office=office, kantor=_kantor_of(office),
                preview=preview, apply_form=apply_form, field_labels=FIELD_LABELS, status=status)


def _refused(form: CatalogueUploadForm, exc: CatalogueError) -> None:
    # The loader's words are technical and in English (those of `loket catalogue load`), so they come with
    # what to do in the page's language.
    form.file.errors = list(form.file.errors) + [
        _("Berkas ini tidak dapat dipakai. Perbaiki berkasnya di tempat yang disebut keterangan teknis ini "
          "(dalam bahasa Inggris), lalu unggah lagi: %(error)s", error=str(exc))]


@bp.route("/layanan/standar", methods=["GET", "POST"])
@role_required(ADMIN)
def catalogue_upload():
    """Upload a Standar Pelayanan file: the answer previews what loading it would change; nothing is
    written until the preview's "apply"."""
    office = office_for_staff(current_user, _kantor())
    form = CatalogueUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, office)
    upload = form.file.data
    filename = secure_filename(upload.filename or "")[:200] or DEFAULT_FILENAME
    raw = upload.read()
    try:
        data = catalogue_admin.parse_upload(raw, filename)
    except CatalogueError as exc:
        _refused(form, exc)
        return _upload_page(form, office)
    digest = catalogue_admin.stash(raw, _uploads())
    return _upload_page(form, office, preview=catalogue_admin.preview(data, office),
                        apply_form=ApplyForm(formdata=None, digest=digest, filename=filename))


@bp.route("/layanan/standar/terapkan", methods=["POST"])
@role_required(ADMIN)
def catalogue_apply():
    """Apply a previewed file: read again from the server's copy and validated again, then loaded."""
    office = office_for_staff(current_user, _kantor())
    form = ApplyForm()
    raw = catalogue_admin.unstash(form.digest.data, _uploads()) if form.validate_on_submit() else None
    upload_form = CatalogueUploadForm(formdata=None)
    if raw is None:
        upload_form.form_errors.append(_("Pratinjau ini sudah kedaluwarsa atau tidak dikenal. Unggah berkasnya "
                                         "sekali lagi."))
        return _upload_page(upload_form, office, status=400)
    filename = secure_filename(form.filename.data or "")[:200] or DEFAULT_FILENAME
    try:
        data = catalogue_admin.parse_upload(raw, filename)
    except CatalogueError as exc:
        _refused(upload_form, exc)
        return _upload_page(upload_form, office, status=400)
    counts = catalogue_admin.apply(data, office, current_user, filename=filename, digest=form.digest.data)
    return redirect(url_for("admin.services", kantor=_kantor_of(office), dimuat=1, baru=counts["added"],
                            diubah=counts["changed"], nonaktif=counts["deactivated"]), code=303)
