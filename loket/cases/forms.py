"""The officers' case forms (WTForms): register a letter, open a case from a ticket, and the case page's actions.
The rules stay the domain's (`loket.cases.core`); `show_domain_error` puts its refusal beside the field it names.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, validators

from loket.cases import core
from loket.forms import Form, MultiCheckboxField, max_length, required, strip
from loket.queue.errors import QueueError
from loket.web import queue_error_message

# The domain's refusals (msgids of loket.cases.core) and the field each is about.
FIELD_OF_MESSAGE = {
    "Isi nama OPD atau instansi pemohon.": "requester",
    "Nama pemohon terlalu panjang (maksimal %(max)s karakter).": "requester",
    "Isi nama narahubung (contact person).": "contact_name",
    "Nama narahubung terlalu panjang (maksimal %(max)s karakter).": "contact_name",
    "Email narahubung hanya disimpan dengan persetujuannya.": "contact_email",
    "Alamat email narahubung tidak valid.": "contact_email",
    "Tanggal diterima tidak boleh di masa depan.": "received_on",
    "Saluran %(channel)s tidak ada di standar layanan ini; pilih salah satu: %(choices)s.": "channel",
    "Pilihan %(variant)s tidak dikenal; pilih salah satu: %(choices)s.": "variant",
    "Isi tanggal kegiatan: standar layanan ini meminta permohonan paling lambat %(days)s hari sebelum "
    "kegiatan.": "activity_day",
    "Tanggal kegiatan sudah lewat saat permohonan diterima.": "activity_day",
    "Persyaratan tidak ditemukan.": "documents",
    "Tuliskan kelengkapan yang ditunggu dari pemohon.": "missing",
    "Tuliskan alasan pembatalan.": "reason",
    "Teks terlalu panjang (maksimal %(max)s karakter).": "note",
    "Tanggal tidak boleh di masa depan atau sebelum tahap sebelumnya.": "day",
}


def show_domain_error(form: Form, exc: QueueError) -> None:
    """The domain's refusal beside its field when the form has it, else at the form's top."""
    name = FIELD_OF_MESSAGE.get(exc.message)
    if name == "note" and "note" not in form:
        name = next((n for n in ("missing", "reason") if n in form), None)
    message = queue_error_message(exc)
    if name and name in form:
        form[name].errors = [*form[name].errors, message]
    else:
        form.form_errors.append(message)


def _optional_date(label, description=None) -> DateField:
    # Optional: an empty date is no date (WTForms alone would call it "not a valid date").
    return DateField(label, [validators.Optional()], default=None, description=description)


class _Contact(Form):
    """Who asks: the requesting OPD and its contact person; the email only with the person's consent."""

    requester = StringField(_l("OPD / instansi pemohon"), [required(), max_length(core.REQUESTER_MAX)],
                            filters=[strip])
    contact_name = StringField(_l("Narahubung (contact person)"), [required(), max_length(core.NAME_MAX)],
                               filters=[strip])
    contact_email = StringField(_l("Email narahubung (tidak wajib)"), [max_length(core.EMAIL_MAX)], filters=[strip],
                                description=_l("Untuk kabar tiap tahap; disimpan hanya dengan persetujuannya."))
    consent = BooleanField(_l("Narahubung setuju emailnya disimpan untuk kabar berkas ini"))
    documents = MultiCheckboxField(_l("Persyaratan yang sudah diterima"), coerce=int, choices=[],
                                   description=_l("Yang belum dicentang dicatat sebagai kelengkapan yang ditunggu."))
    activity_day = _optional_date(_l("Tanggal kegiatan"), _l("Untuk bimbingan teknis: hari kegiatannya."))
    variant = SelectField(_l("Metode pemilihan (tidak wajib)"), choices=[], validate_choice=False)

    def fit(self, service) -> _Contact:
        """Choices of `service`: its requirement checklist and its variants; fields it has no use for go."""
        from loket.counter.desk import requirement_lines

        self.documents.choices = list(enumerate(requirement_lines(service.standard or {}), 1))
        variants = [(v.key, v.name) for m in service.milestones for v in m.variants if v.key != core.ESCALATION]
        self.variant.choices = [("", gettext("— belum dipilih —"))] + variants
        if not variants:
            del self["variant"]
        if service.lead_time is None:
            del self["activity_day"]
        return self

    def domain_args(self) -> dict:
        return {"requester": self.requester.data or "", "contact_name": self.contact_name.data or "",
                "contact_email": self.contact_email.data or None, "consent": bool(self.consent.data),
                "documents_received": list(self.documents.data or ()),
                "activity_day": self.activity_day.data if "activity_day" in self else None,
                "variant": (self.variant.data or None) if "variant" in self else None}


class RegisterForm(_Contact):
    """A request letter registered directly (e-Surat, courier, handed in)."""

    service = SelectField(_l("Layanan"), choices=[], validate_choice=False)
    channel = SelectField(_l("Saluran"), choices=[], validate_choice=False)
    received_on = DateField(_l("Tanggal diterima"), [validators.InputRequired(message=_l("Wajib diisi."))])


class FromTicketForm(_Contact):
    """A case opened from the ticket at the counter (received on the ticket's day)."""


class ActionForm(Form):
    """A button that only needs the CSRF token (documents arrived, escalate)."""


class CompleteForm(Form):
    note = TextAreaField(_l("Catatan (tidak wajib)"), [max_length(core.TEXT_MAX)], filters=[strip])
    day = _optional_date(_l("Tanggal selesai (kosongkan bila hari ini)"))


class WaitForm(Form):
    missing = TextAreaField(_l("Kelengkapan yang ditunggu dari pemohon"), [required(), max_length(core.TEXT_MAX)],
                            filters=[strip])
    day = _optional_date(_l("Sejak tanggal (kosongkan bila hari ini)"))


class ArrivedForm(Form):
    day = _optional_date(_l("Diterima tanggal (kosongkan bila hari ini)"))


class VariantForm(Form):
    variant = SelectField(_l("Metode pemilihan"), [validators.InputRequired(message=_l("Pilih metode pemilihan."))],
                          choices=[], validate_choice=True)


class ReassignForm(Form):
    assignee = SelectField(_l("Tugaskan kepada"), choices=[], validate_choice=True)


class CancelForm(Form):
    reason = TextAreaField(_l("Alasan pembatalan"), [required(), max_length(core.TEXT_MAX)], filters=[strip])


class SlipForm(Form):
    """Which kiosk's printer the case's tracking slip goes to (the office's kiosks)."""

    kiosk = SelectField(_l("Cetak di kios"), choices=[], validate_choice=True)
