"""The feedback forms (WTForms): the public complaint form, the staff's record of a complaint, the SKM survey.
Their rules stay the domain's (`complaints.validate`, `survey.parse_form`); `validate()` shows them per field.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import RadioField, SelectField, StringField, TextAreaField, validators, widgets
from wtforms.widgets import html_params

from loket.feedback import complaints as complaint_domain
from loket.feedback import survey as survey_domain
from loket.feedback.ikm import ELEMENTS
from loket.feedback.models import CATEGORIES, STAFF_CHANNELS
from loket.forms import N_, Form, strip
from loket.queue import core
from loket.queue.errors import QueueError
from loket.web import queue_error_message


class PlainSelect(widgets.Select):
    """WTForms' select written as these pages always wrote theirs, `<select name=…>` and `<option value=…
    selected>` (what scripts and tests of the pages look for). No option groups."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        options = "".join(
            f'<option value="{escape(value)}"{" selected" if selected else ""}>{escape(label)}</option>'
            for value, label, selected, _render_kw in field.iter_choices())
        return Markup(f'<select name="{escape(field.name)}" {html_params(**kwargs)}>{options}</select>')


def _select(label, **kwargs) -> SelectField:
    # The domain says which values exist (one rule, one message): WTForms does not check the choice.
    return SelectField(label, choices=[], validate_choice=False, widget=PlainSelect(), **kwargs)


class _DomainChecked(Form):
    """A form whose rules are the domain's (the API and kiosk paths use them too): its refusals,
    untranslated msgids, go beside the fields they name."""

    def show(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            if name in self and name != "csrf_token":
                self[name].errors = [*self[name].errors, gettext(message)]
            else:
                self.form_errors.append(gettext(message))

    def _complaint_errors(self, *, office_id: int | None, channel: str, service_code: str) -> dict[str, str]:
        return complaint_domain.validate(
            category=self.category.data or "", message=self.message.data or "", service_code=service_code,
            name=self.name.data or "", contact=self.contact.data or "", channel=channel, office_id=office_id)

    def complaint(self) -> dict[str, str]:
        """What `complaints.submit` takes from the form."""
        return {"category": self.category.data, "message": self.message.data, "service_code": self.service.data or "",
                "name": self.name.data or "", "contact": self.contact.data or ""}


def _service_choices(office, empty: str) -> list[tuple[str, str]]:
    services = core.active_services(office.id) if office is not None else []
    return [("", empty)] + [(s.code, f"{s.code} · {s.name}") for s in services]


def _message(label):
    return TextAreaField(label, filters=[strip], description=_l(
        "Paling banyak %(max)d karakter.", max=complaint_domain.MESSAGE_MAX))


class ComplaintForm(_DomainChecked):
    """The public complaint form for one office (`office`; None while the visitor still has to pick one
    of `offices`). Sent from the web or a kiosk (`channel`)."""

    office = _select(_l("Kantor yang dituju"))
    category = RadioField(_l("Jenis"), choices=list(CATEGORIES), validate_choice=False)
    service = _select(_l("Layanan terkait (tidak wajib)"))
    message = _message(_l("Isi pengaduan, saran atau masukan"))
    name = StringField(_l("Nama"), filters=[strip])
    contact = StringField(_l("Telepon atau email"), filters=[strip])

    def __init__(self, *args, office=None, offices=(), channel: str = "web", **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_office, self.channel = office, channel
        self.office.choices = [("", gettext("— pilih kantor —"))] + [(o.code, o.name or o.label) for o in offices]
        self.service.choices = _service_choices(office, gettext("— tidak terkait layanan tertentu —"))

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        office = self.chosen_office
        # A service code means something only within its office.
        errors = self._complaint_errors(office_id=office.id if office else None, channel=self.channel,
                                        service_code=(self.service.data or "") if office else "")
        if office is None:
            errors["office"] = N_("Pilih kantor yang dituju.")
        self.show(errors)
        return not self.errors


class RecordForm(_DomainChecked):
    """An officer records a complaint that came by telephone, letter, the box… for `office`."""

    channel = _select(_l("Saluran"))
    received_on = StringField(_l("Tanggal diterima (kosongkan bila hari ini)"), filters=[strip])
    category = _select(_l("Jenis"))
    service = _select(_l("Layanan terkait (tidak wajib)"))
    message = _message(_l("Isi"))
    name = StringField(_l("Nama (tidak wajib)"), filters=[strip])
    contact = StringField(_l("Kontak (tidak wajib)"), filters=[strip])

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_office = office
        self.received_day = None
        self.channel.choices = [(c, gettext(complaint_domain.CHANNEL_LABELS[c])) for c in STAFF_CHANNELS]
        self.category.choices = [(c, gettext(complaint_domain.CATEGORY_LABELS[c])) for c in CATEGORIES]
        self.service.choices = _service_choices(self.record_office, "—")

    def validate_received_on(self, field):
        try:
            self.received_day = complaint_domain.parse_received_on(field.data)
        except QueueError as exc:
            raise validators.ValidationError(queue_error_message(exc)) from None

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        errors = self._complaint_errors(office_id=self.record_office.id, channel=self.channel.data or "",
                                        service_code=self.service.data or "")
        if self.channel.data not in STAFF_CHANNELS:  # kiosk and web are the public's own channels
            errors["channel"] = N_("Saluran tidak dikenal.")
        self.show(errors)
        return not self.errors


# --- SKM survey -----------------------------------------------------------------------------

ANSWER_KEYS = tuple(element.code.lower() for element in ELEMENTS)
OCCUPATION_LABELS = {"SWASTA": _l("Swasta"), "WIRAUSAHA": _l("Wirausaha"), "LAINNYA": _l("Lainnya")}


class SkmForm(_DomainChecked):
    """The SKM questionnaire page: nine answers (1–4), an optional profile and suggestion; without a ticket
    also the service, of the office the respondent chose (`office`, None while still to choose).
    Once validated, `answers` is the domain's `survey.SurveyForm` that `survey.submit` stores."""

    service = _select(_l("Layanan yang Anda terima"))
    gender = _select(_l("Jenis kelamin"))
    age_band = _select(_l("Usia"))
    education = _select(_l("Pendidikan"))
    occupation = _select(_l("Pekerjaan"))
    suggestion = TextAreaField(_l("Saran (tidak wajib)"), filters=[strip], description=_l(
        "Paling banyak %(max)d karakter.", max=survey_domain.SUGGESTION_MAX))

    def __init__(self, *args, office=None, ask_service: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_office, self.ask_service = office, ask_service
        self.answers = survey_domain.SurveyForm()
        self.chosen_service = None
        self.service.choices = _service_choices(office, gettext("— pilih layanan —"))
        self.gender.choices = [("", "—"), ("L", gettext("Laki-laki")), ("P", gettext("Perempuan"))]
        self.age_band.choices = [("", "—")] + [(v, f"{v} {gettext('tahun')}") for v in survey_domain.AGE_BANDS]
        self.education.choices = [("", "—")] + [(v, v) for v in survey_domain.EDUCATIONS]
        self.occupation.choices = [("", "—")] + [(v, str(OCCUPATION_LABELS.get(v, v)))
                                                for v in survey_domain.OCCUPATIONS]

    def elements(self):
        """(element, its answer field) for the nine questions, in order."""
        return [(element, self[key]) for element, key in zip(ELEMENTS, ANSWER_KEYS)]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        self.answers = survey_domain.parse_form(self.data, need_service=self.ask_service)
        errors = dict(self.answers.errors)
        if self.ask_service:
            if self.chosen_office is None:
                errors["office"] = N_("Pilih kantor yang Anda kunjungi.")
            elif self.answers.service_code:
                try:  # codes repeat across offices: the chosen office's own
                    self.chosen_service = core.get_service(self.answers.service_code, self.chosen_office.id)
                except QueueError:
                    errors["service"] = N_("Layanan tidak dikenal.")
        self.show(errors)
        return not self.errors

    def summary(self) -> str:
        """The one line above the form: what is missing, in the words that help most."""
        if self.form_errors:
            return " ".join(self.form_errors)
        if any(self[key].errors for key in ANSWER_KEYS):
            return gettext("Mohon lengkapi survei: setiap unsur perlu satu jawaban.")
        return gettext("Periksa kembali isian Anda.")


for _key in ANSWER_KEYS:  # u1..u9: the answer to each element, 1 (worst) to 4 (best)
    setattr(SkmForm, _key, RadioField(_key, choices=["1", "2", "3", "4"], validate_choice=False))
del _key
