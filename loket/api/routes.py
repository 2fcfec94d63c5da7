"""JSON API views for kiosks and integrations: services, issuing a ticket, a ticket's status.

Thin over `loket.kiosk.core` and `loket.queue.core`; input is validated and answers are dumped by
marshmallow schemas, and every error is JSON `{"message": ...}` with a 4xx status. The API is exempt
from CSRF (no cookies are needed) but issuing shares the kiosk's rate limits; naming a kiosk needs its
key (X-Kiosk-Key). Services belong to offices and their codes repeat across offices: an `office`
code picks one where a code alone is ambiguous.
"""
from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from loket.api import bp
from loket.api.schemas import (
    ServiceListSchema,
    TicketCreatedSchema,
    TicketRequestSchema,
    TicketStatusSchema,
    ValidationError,
)
from loket.api.spec import build_spec, documented, error, json_body
from loket.extensions import csrf
from loket.kiosk import core as kiosk_core
from loket.kiosk.keys import HEADER as KEY_HEADER
from loket.kiosk.keys import api_key_valid
from loket.kiosk.limits import issue_limits
from loket.kiosk.links import public_base_url, ticket_url
from loket.offices import scope
from loket.queue import core
from loket.queue.errors import QueueError
from loket.web import queue_error_message

csrf.exempt(bp)


def _problem(message: str, status: int, errors: dict | None = None):
    body = {"message": message, "status": status}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _translate(errors):
    """marshmallow's nested error dict, with our msgids translated (format placeholders filled)."""
    if isinstance(errors, dict):
        return {key: _translate(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_translate(value) for value in errors]
    if isinstance(errors, str):
        return _(errors)
    return errors


def _flatten(errors: dict) -> str:
    parts = []
    for key, value in errors.items():
        messages = value if isinstance(value, list) else [value]
        parts.append(f"{key}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)


def _json_body():
    """The request's JSON object, or an error response to return."""
    if not request.is_json:
        return None, _problem(_("Kirim data sebagai JSON (Content-Type: application/json)."), 415)
    body = request.get_json(silent=True)
    if body is None:
        return None, _problem(_("Data JSON tidak dapat dibaca (JSON tidak valid)."), 400)
    if not isinstance(body, dict):
        return None, _problem(_("Data harus berupa objek JSON."), 400)
    return body, None


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _status_json(ticket) -> dict:
    status = core.ticket_status(ticket)
    return TicketStatusSchema().dump({**status, "url": ticket_url(ticket.token), "office": ticket.service.office})


@bp.route("/services")
@documented(get={
    "summary": "Services with their office, waiting count and estimated wait",
    "tags": ["services"],
    "parameters": [{"name": "office", "in": "query", "required": False, "schema": {"type": "string"},
                    "description": "Only this office's services (its code, e.g. `dukcapil`)."}],
    "responses": {"200": {"description": "Active services in kiosk order (office by office).",
                          **json_body("ServiceList")},
                  "404": error("Unknown office.")},
})
def services():
    code = request.args.get("office")
    try:
        offices = [scope.get_office(code)] if code is not None else scope.active_offices()
    except QueueError as exc:
        return _problem(queue_error_message(exc), exc.status)
    # One office asked for: its own hours; the whole installation: the first office's.
    state = kiosk_core.office_open(offices[0] if code is not None else None)
    return jsonify(ServiceListSchema().dump({"office_open": state.open,
                                             "services": kiosk_core.services_overview(offices)}))


@bp.route("/tickets", methods=["POST"])
@documented(post={
    "summary": "Issue a ticket",
    "description": "Issues the next number of a service. With `kiosk`, the kiosk's printer prints the slip in "
                   "the background; printing never delays or fails issuing. Naming a `kiosk` needs that "
                   "kiosk's API key in the `X-Kiosk-Key` header (shown to admins on the kiosk's printer "
                   "page, or by `loket kiosk key KIOSK`); only then does the request count against the "
                   "kiosk's rate limit instead of the client address's. Service codes repeat across offices: "
                   "`office` (a code from `GET /services`) is needed when more than one office of the kiosk "
                   "(without `kiosk`: of the installation) has the service code.",
    "security": [{}, {"kioskKey": []}],
    "tags": ["tickets"],
    "requestBody": {"required": True, **json_body("TicketRequest")},
    "responses": {
        "201": {"description": "Issued.", **json_body("TicketCreated")},
        "400": error("Malformed JSON, invalid fields (see `errors`), or a service code several offices have "
                     "without `office`."),
        "403": error("`kiosk` given without that kiosk's valid `X-Kiosk-Key` header."),
        "404": error("Unknown service, office or kiosk, a service the office does not have, or an office the "
                     "kiosk does not serve."),
        "409": error("The service or the office is closed."),
        "413": error("Request body too large."),
        "415": error("Not a JSON request."),
        "429": error("Too many tickets from this kiosk or address."),
    },
})
@issue_limits
def issue_ticket():
    body, problem = _json_body()
    if problem:
        return problem
    try:
        data = TicketRequestSchema().load(body)
    except ValidationError as exc:
        errors = _translate(exc.messages)
        if isinstance(errors, dict) and "_schema" in errors:
            return _problem(" ".join(errors["_schema"]), 400)
        return _problem(_("Data tidak valid: %(details)s", details=_flatten(errors)), 400, errors)
    if data["kiosk"] is not None and not api_key_valid(data["kiosk"], request.headers.get(KEY_HEADER)):
        # Naming a kiosk prints on its printer and spends its rate limit: only the kiosk itself may.
        return _problem(_("Tiket untuk kios hanya dapat diambil dengan kunci API kios tersebut "
                          "(header X-Kiosk-Key). Tanpa kunci, kirim permintaan tanpa kolom \"kiosk\"."), 403)
    reason = data["priority_reason"]
    try:
        if data["kiosk"] is not None:
            kiosk = kiosk_core.get_kiosk(data["kiosk"])
            ticket, job = kiosk_core.issue(kiosk, data["service"], office=data["office"], priority_reason=reason,
                                           priority=data["priority"], print_slip=data["print"])
        else:
            service = kiosk_core.resolve_service(scope.active_offices(), data["service"], data["office"])
            ticket = core.issue_ticket_for(service, priority=data["priority"], priority_reason=reason)
            job = None
    except QueueError as exc:
        return _problem(queue_error_message(exc), exc.status)
    status = core.ticket_status(ticket)
    response = jsonify(TicketCreatedSchema().dump({
        **status,
        "token": ticket.token,
        "url": ticket_url(ticket.token),
        "office": ticket.service.office,
        "issued_at": ticket.issued_at,
        "print_job": {"id": job.id, "status": job.status} if job is not None else None,
    }))
    response.status_code = 201
    response.headers["Location"] = url_for("api.ticket_status", token=ticket.token)
    return _no_store(response)


@bp.route("/tickets/<token>")
@documented(get={
    "summary": "A ticket's live status",
    "tags": ["tickets"],
    "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "The ticket's token (from issuing or its QR code)."}],
    "responses": {"200": {"description": "Status.", **json_body("TicketStatus")},
                  "404": error("Unknown token.")},
})
def ticket_status(token: str):
    try:
        ticket = core.ticket_by_token(token)
    except QueueError as exc:
        return _problem(queue_error_message(exc), exc.status)
    return _no_store(jsonify(_status_json(ticket)))


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_spec(current_app, public_base_url() + "/api/v1"))
