"""Marshmallow schemas of the JSON API: they validate what comes in and document what goes out.

Error messages are Indonesian msgids (translated when the error is answered), like the domain's.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from loket.queue.core import PRIORITY_REASONS


def N_(message: str) -> str:
    return message


# marshmallow's own messages are English sentences; these are ours, translated per request.
REQUIRED = N_("Wajib diisi.")
NOT_NULL = N_("Tidak boleh kosong (null).")
NOT_TEXT = N_("Harus berupa teks.")
NOT_BOOL = N_("Harus true atau false.")
EMPTY = N_("Tidak boleh kosong.")
UNKNOWN_REASON = N_("Alasan prioritas tidak dikenal.")
UNKNOWN_FIELD = N_("Kolom tidak dikenal.")
NOT_OBJECT = N_("Data harus berupa objek JSON.")


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: "yes", 1 or "false" are wrong types, not guesses."""

    default_error_messages = {"invalid": NOT_BOOL}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class MaxLength(validate.Validator):
    """Length limit whose message is translated when it fires (it carries the number)."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value):
        if len(value) > self.max_length:
            from flask_babel import gettext

            raise ValidationError(gettext("Terlalu panjang (paling banyak %(max)s karakter).", max=self.max_length))
        return value


def _text(max_length: int, *, required: bool = False, **kwargs) -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(min=1, error=EMPTY), MaxLength(max_length)],
        error_messages={"required": REQUIRED, "null": NOT_NULL, "invalid": NOT_TEXT},
        **kwargs,
    )


class TicketRequestSchema(Schema):
    """Body of POST /api/v1/tickets."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN_FIELD, "type": NOT_OBJECT}

    service = _text(10, required=True, metadata={"description": "Service code, e.g. `A`.", "example": "A"})
    office = _text(20, load_default=None, allow_none=True,
                   metadata={"description": "Office code, e.g. `dukcapil` (see `GET /services`). Service codes "
                                            "repeat across offices: needed only when more than one office of "
                                            "the kiosk (or, without `kiosk`, of the installation) has the "
                                            "service code (400 otherwise). With `kiosk`, the office must be one "
                                            "the kiosk serves (404 otherwise).", "example": "utama"})
    priority = StrictBoolean(load_default=False, error_messages={"null": NOT_NULL},
                             metadata={"description": "Priority ticket (elderly, disabled, pregnant, ...)."})
    priority_reason = fields.String(
        load_default=None, allow_none=True,
        validate=validate.OneOf(PRIORITY_REASONS, error=UNKNOWN_REASON),
        error_messages={"invalid": NOT_TEXT},
        metadata={"description": "Why the ticket is a priority ticket (implies `priority`).",
                  "enum": list(PRIORITY_REASONS)},
    )
    kiosk = _text(40, load_default=None, allow_none=True,
                  metadata={"description": "Kiosk id; its printer prints the slip. Needs that kiosk's API key "
                                           "in the `X-Kiosk-Key` header (403 without it).", "example": "1"})
    print_ = StrictBoolean(data_key="print", attribute="print", load_default=True,
                           error_messages={"null": NOT_NULL},
                           metadata={"description": "Print a slip on the kiosk's printer (when `kiosk` is given)."})


class UtcDateTime(fields.DateTime):
    """A naive UTC datetime (how the database keeps them) written with its "Z"."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.replace(tzinfo=None).isoformat() + "Z"


class OfficeSchema(Schema):
    """The office (unit layanan) a service or ticket belongs to."""

    code = fields.String(metadata={"description": "Office code, for `?office=` and the ticket's `office`.",
                                   "example": "utama"})
    name = fields.String()
    prefix = fields.String(metadata={"description": "Letters before the office's ticket numbers (`DK` → "
                                                    "`DK-A-001`); empty for an office without one.",
                                     "example": ""})


class ServiceSchema(Schema):
    code = fields.String(metadata={"example": "A"})
    name = fields.String()
    office = fields.Nested(OfficeSchema, metadata={"description": "The office whose service this is "
                                                                  "(service codes repeat across offices)."})
    open = fields.Boolean(metadata={"description": "False when the office or this service is closed today."})
    waiting = fields.Integer(metadata={"description": "Tickets waiting now."})
    estimated_wait_minutes = fields.Integer(metadata={"description": "Wait a new visitor should expect."})


class ServiceListSchema(Schema):
    office_open = fields.Boolean()
    services = fields.List(fields.Nested(ServiceSchema))


class TicketCreatedSchema(Schema):
    number = fields.String(metadata={"example": "A-001", "description": "With the office's prefix, if it has "
                                                                        "one: `DK-A-001`."})
    token = fields.String(metadata={"description": "Unguessable key of the ticket (144 bits)."})
    url = fields.String(metadata={"description": "Absolute address of the ticket page (the QR code's content)."})
    service = fields.String(metadata={"example": "A"})
    service_name = fields.String()
    office = fields.Nested(OfficeSchema)
    priority = fields.Boolean()
    ahead = fields.Integer(metadata={"description": "People who will be called before this ticket."})
    estimated_wait_minutes = fields.Integer()
    issued_at = UtcDateTime(metadata={"description": "UTC."})
    print_job = fields.Dict(allow_none=True, metadata={"description": "The slip's print job, if one was made."})


class TicketStatusSchema(Schema):
    number = fields.String()
    url = fields.String()
    service = fields.String()
    service_name = fields.String()
    office = fields.Nested(OfficeSchema)
    state = fields.String(metadata={"enum": ["waiting", "called", "serving", "done", "no_show", "cancelled"]})
    priority = fields.Boolean()
    ahead = fields.Integer()
    estimated_wait_minutes = fields.Integer()
    counter = fields.Integer(allow_none=True, metadata={"description": "Counter (loket) number when called."})
    counter_name = fields.String(allow_none=True)
    call_count = fields.Integer()


class ErrorSchema(Schema):
    message = fields.String(metadata={"description": "What went wrong, for a person to read."})
    status = fields.Integer()
    errors = fields.Dict(metadata={"description": "Per-field problems (validation errors only)."})


__all__ = ["ErrorSchema", "OfficeSchema", "ServiceListSchema", "ServiceSchema", "TicketCreatedSchema",
           "TicketRequestSchema", "TicketStatusSchema", "ValidationError"]
