"""Shared web-layer helpers: page-or-fragment rendering, language choice, error pages, roles.

Views stay thin: parse input, call the domain, render with `page()`.
"""
from __future__ import annotations

from functools import wraps

from flask import Response, abort, current_app, jsonify, make_response, render_template, request, session
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from loket.extensions import htmx
from loket.queue.errors import QueueError


def page(full: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render the fragment for an htmx request and the full page otherwise (Vary: HX-Request)."""
    template = fragment if (fragment and htmx) else full
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def select_locale() -> str:
    languages = current_app.config["LOKET_LANGUAGES"]
    wanted = request.args.get("lang") if request else None
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not htmx
    )


def error_response(message: str, status: int):
    """A readable error: JSON for the API, an htmx-friendly fragment or a page otherwise."""
    if wants_json():
        return jsonify({"message": message, "status": status}), status
    if htmx:
        response = make_response(render_template("_error_partial.html", message=message, status=status), status)
        # Errors go to the page's message area instead of replacing the target.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render_template("error.html", message=message, status=status), status


def queue_error_message(exc: QueueError) -> str:
    return gettext(exc.message, **exc.params) if exc.params else gettext(exc.message)


HTTP_MESSAGES = {
    400: "Permintaan tidak valid.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak berhak membuka halaman ini.",
    404: "Halaman tidak ditemukan.",
    405: "Metode tidak diizinkan untuk alamat ini.",
    409: "Permintaan bertentangan dengan keadaan saat ini.",
    413: "Data yang dikirim terlalu besar.",
    415: "Jenis data tidak didukung.",
    429: "Terlalu banyak permintaan. Mohon tunggu sebentar lalu coba lagi.",
    500: "Terjadi kesalahan pada sistem. Silakan coba lagi.",
}


def register_error_handlers(app) -> None:
    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError):
        return error_response(queue_error_message(exc), exc.status)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        message = exc.description if getattr(exc, "loket_message", False) else gettext(
            HTTP_MESSAGES.get(exc.code or 500, HTTP_MESSAGES[500]))
        response = error_response(message, exc.code or 500)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            resp = make_response(response)
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
            return resp
        return response


def fail(status: int, message: str):
    """Abort with a message meant for the person (already translated)."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](description=message)
    exc.loket_message = True
    raise exc


def role_required(*roles: str):
    """Login and one of `roles` (admin passes everything): anonymous → login, wrong role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from loket.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.loket_roles = roles  # the route-map test reads this
        return wrapped

    return decorator


def register_security_headers(app) -> None:
    """No page of ours may be framed (clickjacking on the officer/admin buttons); no MIME sniffing."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
