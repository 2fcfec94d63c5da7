"""Forms (WTForms through Flask-WTF): the base form every staff form derives from, and its messages.

WTForms has no Indonesian catalogue, so its built-in messages are mapped to our own msgids here and
translated by Flask-Babel like every other UI string. Templates render fields with the one macro in
`templates/_form.html` (label, input, help from the field's `description`, the error tied to it).
"""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, validators, widgets


def N_(message: str) -> str:
    return message


# WTForms' own messages (those our fields can raise), in the words of our UI.
BUILTIN_MESSAGES = {
    "This field is required.": N_("Wajib diisi."),
    "Not a valid choice.": N_("Pilihan tidak dikenal."),
    "'%(value)s' is not a valid choice for this field.": N_("Pilihan tidak dikenal."),
    "'%(value)s' are not valid choices for this field.": N_("Pilihan tidak dikenal."),
    "Invalid Choice: could not coerce.": N_("Pilihan tidak dikenal."),
    "Choices cannot be None.": N_("Pilihan tidak dikenal."),
    "Invalid choice(s): one or more data inputs could not be coerced.": N_("Pilihan tidak dikenal."),
    "Not a valid integer value.": N_("Isi dengan bilangan bulat."),
    "Not a valid decimal value.": N_("Isi dengan angka."),
    "Not a valid float value.": N_("Isi dengan angka."),
    "Not a valid date value.": N_("Tanggal tidak valid."),
    "Not a valid time value.": N_("Jam tidak valid."),
    "Not a valid datetime value.": N_("Tanggal dan jam tidak valid."),
    "Invalid input.": N_("Isian tidak valid."),
    "The CSRF token is missing.": N_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
    "The CSRF token is invalid.": N_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
    "The CSRF token has expired.": N_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
    "The CSRF tokens do not match.": N_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
}


class _Translations:
    def gettext(self, string: str) -> str:
        return gettext(BUILTIN_MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(BUILTIN_MESSAGES.get(singular, singular), BUILTIN_MESSAGES.get(plural, plural), n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()

        def wrap_formdata(self, form, formdata):
            """Our forms are posted as forms. A JSON body (Flask-WTF would read it, and a list or
            nested values crash it) counts as an empty form: a 400 with "required", never a 500."""
            from flask import request
            from werkzeug.datastructures import ImmutableMultiDict

            if formdata is not None and request and request.method in ("POST", "PUT", "PATCH", "DELETE") \
                    and request.is_json and not request.form and not request.files:
                return ImmutableMultiDict()
            return super().wrap_formdata(form, formdata)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered as a fieldset by the field macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def required():
    """Not empty once spaces are stripped (a name of only spaces is no name)."""
    return validators.DataRequired(message=_l("Wajib diisi."))


def max_length(n: int):
    return validators.Length(max=n, message=_l("Paling banyak %(max)d karakter."))


def length_between(lo: int, hi: int):
    return validators.Length(min=lo, max=hi, message=_l("Harus %(min)d sampai %(max)d karakter."))


def strip(value):
    """A filter for text fields: surrounding spaces are never part of what was meant."""
    return value.strip() if isinstance(value, str) else value
