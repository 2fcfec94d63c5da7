"""The display area's forms: what a waiting-room display shows (admins, /display/<id>/settings).

Limits and messages are the domain's (`loket.display.settings`), so the form and `update_display` agree.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from loket.display import settings as display_settings
from loket.display.settings import DisplayInputError
from loket.forms import Form, MultiCheckboxField, strip
from loket.queue.errors import InvalidInput
from loket.web import queue_error_message


def _id(value):
    """An id as a checkbox sends it, None for anything else (ASCII digits only: int() would also
    take " 7", "+7" or "٧"). Never raises, so a bad value gets the field's own message below."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return None


def _offered(field, message: str) -> None:
    """Every checked value is one of the field's choices."""
    offered = {value for value, *_ in field.choices}
    if any(value not in offered for value in field.data or ()):
        raise ValidationError(_l(message))


class DisplayForm(Form):
    """A display's name, the services and counters it shows, its running text."""

    name = StringField(_l("Nama layar"), filters=[strip], validators=[
        Length(max=display_settings.NAME_MAX, message=_l(display_settings.NAME_TOO_LONG))],
        description=_l("Kosong: nama yang sekarang tetap dipakai."))
    services = MultiCheckboxField(_l("Layanan yang ditampilkan (kosong = semua)"), coerce=_id, validate_choice=False,
                                  description=_l("Tanpa centang: layar menampilkan semua layanan kantornya."))
    counters = MultiCheckboxField(_l("Loket yang ditampilkan (kosong = semua)"), coerce=_id, validate_choice=False,
                                  description=_l("Tanpa centang: layar menampilkan semua loket kantornya."))
    running_text = TextAreaField(_l("Teks berjalan (kosong = Maklumat Pelayanan)"), filters=[strip], validators=[
        Length(max=display_settings.MAX_RUNNING_TEXT, message=_l(display_settings.RUNNING_TEXT_TOO_LONG))],
        description=_l("Berjalan di bagian bawah layar, paling banyak %(max)s karakter.",
                       max=display_settings.MAX_RUNNING_TEXT))

    def validate_services(self, field):
        _offered(field, display_settings.UNKNOWN_SERVICE)

    def validate_counters(self, field):
        _offered(field, display_settings.UNKNOWN_COUNTER)

    @classmethod
    def for_display(cls, display) -> DisplayForm:
        """The form showing a display's stored settings (not a submission)."""
        return cls(formdata=None, name=display.name, services=list(display.service_ids or ()),
                   counters=list(display.counter_ids or ()), running_text=display.running_text or "")

    def offer(self, services, counters, *, shared: bool) -> None:
        """The services and counters that may be picked; on a display shared by several offices each
        names its office."""
        def office(item):
            return f" · {item.office.label}" if shared else ""

        self.services.choices = [
            (s.id, f"{s.office.prefix + '-' if s.office.prefix else ''}{s.code} {s.name}{office(s)}")
            for s in services]
        self.counters.choices = [(c.id, f"{c.name}{office(c)}") for c in counters]

    def refuse(self, exc: InvalidInput) -> None:
        """Show the domain's refusal beside the field it names (above the form otherwise)."""
        message = queue_error_message(exc)
        if isinstance(exc, DisplayInputError) and exc.field in self:
            self[exc.field].errors = [*self[exc.field].errors, message]
        else:
            self.form_errors.append(message)

    def messages(self) -> str:
        """Every error of the form in one sentence (for the page's message area)."""
        return " ".join(str(m) for errors in self.errors.values() for m in errors)
