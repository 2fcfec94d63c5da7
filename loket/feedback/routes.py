"""Public feedback pages: the SKM survey (after a ticket or from the kiosk) and the complaint box.

Thin views: parse the form, call `loket.feedback.survey` / `complaints`, render. Work without JavaScript.
Both are about one office: a ticket's, the only one, or the one the visitor picks (`?kantor=CODE`, the
form's `office`) among the kiosk's offices or the installation's.
"""
from __future__ import annotations

import logging

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from markupsafe import Markup

from loket.extensions import db, limiter
from loket.feedback import bp
from loket.feedback import complaints as complaint_domain
from loket.feedback import once
from loket.feedback import survey as survey_domain
from loket.feedback.forms import ComplaintForm, SkmForm
from loket.feedback import workflow
from loket.feedback.models import ANSWERED, CATEGORIES, CLOSED
from loket.kiosk.links import qr_svg
from loket.forms import Form, max_length, required, strip
from loket.offices.scope import active_offices
from loket.queue import core
from loket.queue.errors import QueueError
from loket.timeutil import to_local
from loket.web import page, queue_error_message

log = logging.getLogger(__name__)


def _feedback_limit() -> str:
    return current_app.config.get("LOKET_FEEDBACK_RATE_LIMIT") or "10/minute"


def _public_url(endpoint: str, **values) -> str:
    """An absolute link for QR codes: the office's public address when set, else the request's host."""
    from loket.kiosk.links import public_base_url

    return public_base_url() + url_for(endpoint, **values)


def _form_offices(kiosk) -> list:
    """Offices a visitor may address feedback to: the kiosk's, else every active office."""
    offices = [o for o in kiosk.offices if o.active] if kiosk is not None else []
    return offices or active_offices()


def _chosen_office(offices: list, code: str | None):
    """The office the visitor picked (a code), or the only one there is; None while still to choose."""
    if len(offices) == 1:
        return offices[0]
    code = (code or "").strip().lower()[:20]
    return next((o for o in offices if o.code == code), None) if code else None


def _brand(office) -> dict:
    """Page context naming the office a page is about (the header shows it); the installation's first
    office otherwise."""
    return {"office": office} if office is not None else {}


def _office_code() -> str | None:
    """The office the request names: the form's `office`, else `?kantor=CODE`."""
    return request.form.get("office") or request.values.get("kantor")


def _kiosk(kiosk_id: str | None):
    """The named kiosk when it exists and is active, else None (the page still works)."""
    if not kiosk_id:
        return None
    from loket.kiosk.models import Kiosk

    kiosk = db.session.get(Kiosk, kiosk_id[:40])
    return kiosk if kiosk is not None and kiosk.active else None


def _kiosk_screen(kiosk, office=None, *, done: bool = False) -> dict:
    """Kiosk mode (`?kiosk=ID`): the kiosk's frame around the page (its header, a way home, the idle
    timer back to its home in Bahasa Indonesia; `done`: a confirmation, which clears sooner). The page
    extends kiosk/base.html when `kiosk_home` is set; on the phone and the web it is None."""
    if kiosk is None:
        return {"kiosk": None, "kiosk_home": None}
    from loket.kiosk.routes import screen_context

    return screen_context(kiosk, office=office, done=done)


# --- SKM survey -----------------------------------------------------------------------------

def _nonce() -> str:
    """The form's one-time key: the one it was sent with (re-shown after an error), else a new one."""
    return once.clean(request.form.get("nonce")) or once.new()


def _survey_page(form, *, ticket=None, status=200, kiosk=None, office=None, offices=()):
    """The questionnaire; without a ticket, for one office (its services to pick from). With several
    offices and none chosen yet, the page asks for the office first."""
    context = {**_brand(ticket.service.office if ticket else office), **_kiosk_screen(kiosk, office)}
    return page("feedback/survey.html", form=form, nonce=_nonce(), ticket=ticket, survey_office=office,
                offices=offices if len(offices) > 1 else [], status=status,
                error=form.summary() if status == 400 else None, **context)


@bp.after_request
def _no_token_in_referrer(response):
    # /t/<token>/survei carries the ticket's token, the only key to its page: keep it out of Referer.
    if request.path.startswith("/t/"):
        response.headers["Referrer-Policy"] = "no-referrer"
    # A kiosk's page must not come back from the browser's history with what a visitor typed; an answer
    # to a form post may repeat what was typed. (Not request.values: reading a refused body here is a 413
    # raised while finishing the answer, i.e. a 500.)
    if request.method != "GET" or request.args.get("kiosk"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/t/<token>/survei", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])
def survey(token: str):
    """The SKM questionnaire for a finished ticket: once per ticket, the answer stays anonymous."""
    ticket = core.ticket_by_token(token)
    if survey_domain.ticket_surveyed(ticket):
        status = 409 if request.method == "POST" else 200
        return page("feedback/survey_done.html", status=status, already=True, ticket=ticket)
    if request.method == "GET":
        survey_domain.check_ticket(ticket)  # not finished yet → readable 409
        return _survey_page(SkmForm(), ticket=ticket)
    form = SkmForm()
    if not form.validate():
        return _survey_page(form, ticket=ticket, status=400)
    try:
        survey_domain.submit(form.answers, ticket=ticket, nonce=request.form.get("nonce"))
    except survey_domain.AlreadySurveyed as exc:
        return page("feedback/survey_done.html", status=409, already=True, ticket=ticket,
                    message=queue_error_message(exc))
    return redirect(url_for("feedback.survey_thanks"), code=303)


@bp.route("/survei", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])
def survey_kiosk():
    """The questionnaire without a ticket (kiosk or link): the respondent picks the office (when there
    are several; or `?kantor=CODE`), then the service of that office (`?layanan=CODE` preselects it)."""
    kiosk = _kiosk(request.values.get("kiosk"))
    offices = _form_offices(kiosk)
    office = _chosen_office(offices, _office_code())
    if request.method == "GET":
        form = SkmForm(office=office, service=(request.args.get("layanan") or "").upper()[:2])
        return _survey_page(form, kiosk=kiosk, office=office, offices=offices)
    form = SkmForm(office=office, ask_service=True)
    if not form.validate():
        return _survey_page(form, status=400, kiosk=kiosk, office=office, offices=offices)
    try:
        survey_domain.submit(form.answers, service=form.chosen_service, nonce=request.form.get("nonce"))
    except survey_domain.AlreadySurveyed as exc:
        return page("feedback/survey_done.html", status=409, already=True, message=queue_error_message(exc),
                    **_kiosk_screen(kiosk, office, done=True))
    return redirect(url_for("feedback.survey_thanks", kiosk=kiosk.id if kiosk else None), code=303)


@bp.route("/survei/terima-kasih")
def survey_thanks():
    kiosk = _kiosk(request.args.get("kiosk"))
    return page("feedback/survey_done.html", already=False, **_kiosk_screen(kiosk, done=True))


# --- complaints -----------------------------------------------------------------------------

def _complaint_form(form, *, kiosk=None, office=None, offices=(), status=200):
    """The complaint form for one office (its services to relate to); with several offices and none
    chosen yet, the form asks for the office and offers the services once one is picked."""
    return page("feedback/complaint_new.html", form=form, nonce=_nonce(), complaint_office=office,
                offices=offices if len(offices) > 1 else [], category_labels=complaint_domain.CATEGORY_LABELS,
                retention_days=complaint_domain.retention_days(office.id if office else None),
                status=status, **{**_brand(office), **_kiosk_screen(kiosk, office)})


@bp.route("/pengaduan/baru", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])
def complaint_new():
    """Submit a complaint, suggestion or input; anonymous works. From a kiosk a slip is printed."""
    kiosk = _kiosk(request.values.get("kiosk"))
    offices = _form_offices(kiosk)
    office = _chosen_office(offices, _office_code())
    channel = "kiosk" if kiosk else "web"
    if request.method == "GET":
        category = request.args.get("jenis")
        form = ComplaintForm(office=office, offices=offices, channel=channel,
                             category=category if category in CATEGORIES else "pengaduan")
        return _complaint_form(form, kiosk=kiosk, office=office, offices=offices)
    form = ComplaintForm(office=office, offices=offices, channel=channel)
    if not form.validate():
        return _complaint_form(form, kiosk=kiosk, office=office, offices=offices, status=400)
    try:
        complaint = complaint_domain.submit(
            **form.complaint(), channel=channel, kiosk_id=kiosk.id if kiosk else None, office_id=office.id,
            nonce=request.form.get("nonce"))
    except complaint_domain.AlreadySubmitted as exc:
        if exc.complaint is None:
            raise
        # The same form again: show the code of the complaint it already created; print nothing twice.
        return redirect(url_for("feedback.complaint_track", code=exc.complaint.code, baru=1, ulang=1,
                                kiosk=kiosk.id if kiosk else None), code=303)
    printed = _print_slip(kiosk, complaint) if kiosk is not None else None
    return redirect(url_for("feedback.complaint_track", code=complaint.code, baru=1,
                            cetak={True: 1, False: 0}.get(printed), kiosk=kiosk.id if kiosk else None), code=303)


def _print_slip(kiosk, complaint) -> bool:
    """Print the tracking slip on the kiosk printer when the printing area offers it; never fails."""
    try:
        from loket.printers import jobs
    except Exception:
        return False
    submit = getattr(jobs, "submit", None)
    if submit is None:
        return False
    try:
        from loket.printers import ComplaintSlip

        office = complaint.office
        slip = ComplaintSlip(
            office_name=office.name or office.short_name,
            code=complaint_domain.format_code(complaint.code),
            url=_public_url("feedback.complaint_track", code=complaint.code),
            submitted_at=to_local(complaint.received_at),
            category=complaint_domain.CATEGORY_LABELS.get(complaint.category, complaint.category),
        )
        job = submit(kiosk, slip)
        # A job that failed at once (no or a broken printer configuration) will never print by itself.
        return getattr(job, "status", None) != "failed"
    except Exception:
        # The complaint is already stored and its code is on screen; a printer problem must not undo that.
        log.exception("could not print the complaint slip for kiosk %s", getattr(kiosk, "id", "?"))
        db.session.rollback()
        return False


@bp.route("/pengaduan")
def complaint_lookup():
    """Type a tracking code to open its page."""
    code = request.args.get("kode")
    if code is not None:
        clean = complaint_domain.normalise_code(code)
        if len(clean) == complaint_domain.CODE_LENGTH:
            return redirect(url_for("feedback.complaint_track", code=clean))
        return page("feedback/complaint_lookup.html", status=400, code=code[:20],
                    error=_("Kode pengaduan terdiri dari 10 huruf/angka, misalnya ABCDE-23456."))
    return page("feedback/complaint_lookup.html", code="", error=None)


class ReplyForm(Form):
    text = TextAreaField(_l("Balasan Anda"), [required(), max_length(workflow.REPLY_MAX)], filters=[strip],
                         description=_l("Jika tanggapan belum menyelesaikan masalah Anda, tuliskan di sini. "
                                        "Pengaduan akan dibuka kembali. Jangan menulis data pribadi."))


def _track_context(complaint, reply_form=None) -> dict:
    """What the tracking page and its live part show: status, dates, the answer, the public history."""
    return dict(complaint=complaint, show_office=len(active_offices()) > 1, **_brand(complaint.office),
                code=complaint_domain.format_code(complaint.code),
                status_labels=complaint_domain.STATUS_LABELS, category_labels=complaint_domain.CATEGORY_LABELS,
                statuses=("received", "in_progress", "answered", "closed"),
                response_days=complaint_domain.response_days(complaint.office_id),
                steps=workflow.history(complaint, public=True),
                step_labels=workflow.STEP_LABELS, room=workflow.complaint_room(complaint.code),
                may_reply=complaint.status in (ANSWERED, CLOSED) and complaint.contact_purged_at is None,
                reply_form=reply_form or ReplyForm(formdata=None))


@bp.route("/pengaduan/<code>")
@limiter.limit("60/minute")
def complaint_track(code: str):
    """Public status of a complaint: status, dates, the written response and its public history;
    never the contact, never the office's internal notes. Follows the office's answers live."""
    complaint = complaint_domain.by_code(code)
    if complaint.code != code:
        return redirect(url_for("feedback.complaint_track", code=complaint.code, **{  # known args only
            k: v for k, v in request.args.items() if k in ("kiosk", "baru", "cetak", "ulang", "lang")}))
    kiosk = _kiosk(request.args.get("kiosk"))
    url = _public_url("feedback.complaint_track", code=complaint.code)
    fresh = request.args.get("baru") == "1"
    return page("feedback/complaint_track.html", "feedback/_complaint_live.html", url=url,
                qr=Markup(qr_svg(url)) if fresh else None, fresh=fresh, printed=request.args.get("cetak") == "1",
                print_failed=request.args.get("cetak") == "0", repeated=request.args.get("ulang") == "1",
                replied=request.args.get("balas") == "1",
                **{**_track_context(complaint), **_kiosk_screen(kiosk, complaint.office, done=True)})


@bp.route("/pengaduan/<code>/balas", methods=["POST"])
@limiter.limit("10/hour", methods=["POST"])
def complaint_reply(code: str):
    """The complainant answers the office's response; the complaint opens again for the office."""
    complaint = complaint_domain.by_code(code)
    form = ReplyForm()
    if form.validate():
        try:
            workflow.reply(complaint, form.text.data)
        except QueueError as exc:
            db.session.rollback()
            form.text.errors = [*form.text.errors, queue_error_message(exc)]
        else:
            return redirect(url_for("feedback.complaint_track", code=complaint.code, balas=1), code=303)
    complaint = complaint_domain.by_code(code)
    url = _public_url("feedback.complaint_track", code=complaint.code)
    return page("feedback/complaint_track.html", url=url, qr=None, fresh=False, printed=False, print_failed=False,
                repeated=False, replied=False, status=400, **_track_context(complaint, form), **_kiosk_screen(None))
