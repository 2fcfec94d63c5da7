"""The SKM survey domain: validate a questionnaire and store it anonymously, once per ticket.

Plain functions (no request/session); the answer and the ticket marker commit in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from loket.events import DomainEvent, commit_and_publish
from loket.extensions import db
from loket.feedback import once
from loket.feedback.ikm import ELEMENTS
from loket.feedback.models import SurveyResponse, SurveyTicketUse
from loket.queue.errors import InvalidInput, NotFound, TransitionNotAllowed
from loket.queue.models import DONE, Service, Ticket
from loket.timeutil import local_day, utcnow


def N_(message: str) -> str:
    """Marks a message for translation; the web layer translates it."""
    return message


SUGGESTION_MAX = 1000

GENDERS = ("L", "P")
AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
EDUCATIONS = ("SD", "SMP", "SMA", "D3", "S1", "S2", "S3")
OCCUPATIONS = ("PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "LAINNYA")
PROFILE_CHOICES = {"gender": GENDERS, "age_band": AGE_BANDS, "education": EDUCATIONS, "occupation": OCCUPATIONS}


class AlreadySurveyed(TransitionNotAllowed):
    """The ticket's survey was already filled in, or this very form was already sent (409)."""


ALREADY_SENT = N_("Survei ini sudah terkirim sebelumnya dan hanya dicatat sekali. Terima kasih.")


@dataclass
class SurveyForm:
    """A parsed questionnaire: answers keyed u1..u9, profile, suggestion, and per-field errors."""

    answers: dict[str, int] = field(default_factory=dict)
    profile: dict[str, str | None] = field(default_factory=dict)
    suggestion: str = ""
    service_code: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def parse_form(data, *, need_service: bool = False) -> SurveyForm:
    """Read a submitted form (any mapping with .get); errors hold untranslated msgids."""
    form = SurveyForm()
    for element in ELEMENTS:
        key = element.code.lower()
        raw = (data.get(key) or "").strip()
        if raw in {"1", "2", "3", "4"}:
            form.answers[key] = int(raw)
        else:
            form.errors[key] = N_("Pilih salah satu jawaban.")
    for name, choices in PROFILE_CHOICES.items():
        raw = (data.get(name) or "").strip()
        if raw and raw not in choices:
            form.errors[name] = N_("Pilihan tidak dikenal.")
        form.profile[name] = raw if raw in choices else None
    form.suggestion = (data.get("suggestion") or "").strip()
    if len(form.suggestion) > SUGGESTION_MAX:
        form.errors["suggestion"] = N_("Saran terlalu panjang (maksimal 1000 karakter).")
    if need_service:
        form.service_code = (data.get("service") or "").strip().upper()[:2]
        if not form.service_code:
            form.errors["service"] = N_("Pilih layanan yang Anda terima.")
    return form


def ticket_surveyed(ticket: Ticket) -> bool:
    return db.session.get(SurveyTicketUse, ticket.id) is not None


def check_ticket(ticket: Ticket) -> None:
    """Raise unless the ticket may be surveyed now: served to the end and not surveyed yet."""
    if ticket.state != DONE:
        raise TransitionNotAllowed(N_("Survei dapat diisi setelah layanan Anda selesai."))
    if ticket_surveyed(ticket):
        raise AlreadySurveyed(N_("Survei untuk tiket ini sudah diisi. Terima kasih."))


def submit(form: SurveyForm, *, ticket: Ticket | None = None, service: Service | None = None,
           nonce: str | None = None, now: datetime | None = None) -> SurveyResponse:
    """Store one questionnaire. With a ticket, marks it used in the same transaction (once only);
    with a form key (`once`), a repeated POST of the same form raises AlreadySurveyed instead of counting twice."""
    nonce = once.clean(nonce)
    if once.seen(nonce) is not None:
        raise AlreadySurveyed(ALREADY_SENT)
    if not form.valid:
        raise InvalidInput(N_("Mohon lengkapi survei: setiap unsur perlu satu jawaban."))
    if ticket is not None:
        check_ticket(ticket)
        service = ticket.service
    if service is None:
        raise NotFound(N_("Layanan tidak ditemukan."))
    response = SurveyResponse(
        service_id=service.id,
        period=local_day(now or utcnow()),
        suggestion=form.suggestion or None,
        **form.answers,
        **form.profile,
    )
    db.session.add(response)
    if ticket is not None:
        db.session.add(SurveyTicketUse(ticket_id=ticket.id))
    once.mark(nonce, now=now)
    already = ALREADY_SENT if ticket is None else N_("Survei untuk tiket ini sudah diisi. Terima kasih.")
    try:
        db.session.flush()
    except IntegrityError:
        # Two submissions raced; the database's primary keys let one through.
        db.session.rollback()
        raise AlreadySurveyed(already) from None
    # The event says only which service got an answer: nothing that points back to a visit.
    try:
        commit_and_publish(DomainEvent("survey.submitted", {"service": service.code}, rooms=()))
    except IntegrityError:
        raise AlreadySurveyed(already) from None
    return response


def responses_between(start, end, service_id: int | None = None) -> list[SurveyResponse]:
    """Answers whose office-local day is in [start, end)."""
    query = select(SurveyResponse).where(SurveyResponse.period >= start, SurveyResponse.period < end)
    if service_id is not None:
        query = query.where(SurveyResponse.service_id == service_id)
    return list(db.session.scalars(query))
