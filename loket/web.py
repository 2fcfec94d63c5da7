"""Shared web-layer helpers: page-or-fragment rendering, language choice, error pages, roles.

Views stay thin: parse input, call the domain, render with `page()`.
"""
from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import (Response, abort, current_app, has_request_context, jsonify, make_response, render_template, request,
                   session)
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from loket.extensions import htmx
from loket.queue.core import N_
from loket.queue.errors import Label, QueueError


# The pages a visitor opens on their own phone (the ticket's QR, the survey, complaints, a case's tracking
# page and its lookup, the standard and its published results) follow the phone's language; shared screens
# and staff pages start in the office's language whatever their browser says (a visitor or officer switches
# with ?lang=).
OWN_DEVICE_PATHS = ("/t/", "/pengaduan", "/survei", "/standar-pelayanan", "/hasil-skm", "/kantor/", "/b/",
                    "/berkas/lacak")


def page(full: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render the fragment for an htmx request and the full page otherwise (Vary: HX-Request)."""
    template = fragment if (fragment and htmx) else full
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    if request.path.startswith(OWN_DEVICE_PATHS):  # the language follows the browser there
        response.headers["Vary"] = "HX-Request, Accept-Language"
    return response


def select_locale() -> str:
    """The visitor's chosen language (`?lang=`, kept in the session), else on a visitor's own device the
    browser's (`Accept-Language`); outside a request (the command line, a background job), on a shared
    screen or a staff page, or for a language we lack, the office's default."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    languages = current_app.config["LOKET_LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if not _on_own_device():
        return default
    return request.accept_languages.best_match(languages) or default


def _on_own_device() -> bool:
    """A visitor's page on their own phone: not a kiosk's feedback form (`?kiosk=ID` or its field)."""
    if not request.path.startswith(OWN_DEVICE_PATHS):
        return False
    try:
        posted = request.method == "POST" and request.form.get("kiosk")
    except HTTPException:  # a refused body (too large): no form to read
        posted = None
    return not (request.args.get("kiosk") or posted)


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
    """The domain's message in the page's language; a moment in it is written as that language does."""
    from loket.templating import shown_moment

    params = {key: shown_moment(value) if isinstance(value, datetime) else gettext(value) if isinstance(value, Label)
              else value for key, value in exc.params.items()}
    return gettext(exc.message, **params) if params else gettext(exc.message)


HTTP_MESSAGES = {
    400: N_("Permintaan tidak valid."),
    401: N_("Silakan masuk terlebih dahulu."),
    403: N_("Anda tidak berhak membuka halaman ini."),
    404: N_("Halaman tidak ditemukan."),
    405: N_("Metode tidak diizinkan untuk alamat ini."),
    409: N_("Permintaan bertentangan dengan keadaan saat ini."),
    413: N_("Data yang dikirim terlalu besar."),
    415: N_("Jenis data tidak didukung."),
    429: N_("Terlalu banyak permintaan. Mohon tunggu sebentar lalu coba lagi."),
    500: N_("Terjadi kesalahan pada sistem. Silakan coba lagi."),
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


def _password_first():
    """A one-time or reset password opens nothing but the page that replaces it: pages go there,
    htmx is sent there, the API answers 403 with the reason."""
    from flask import redirect, url_for

    target = url_for("auth.change_password")
    message = gettext("Ganti dulu kata sandi sementara Anda sebelum melanjutkan.")
    if request.path.startswith("/api/") or wants_json():
        return error_response(message, 403)
    if htmx:
        response = make_response(error_response(message, 403))
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def role_required(*roles: str):
    """Login and one of `roles` (admin passes everything): anonymous → login, wrong role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from loket.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.must_change_password and view.__name__ != "change_password":
                return _password_first()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.loket_roles = roles  # the route-map test reads this
        return wrapped

    return decorator


# Everything comes from this origin, nothing runs inline: an injected <script>, on*= handler or
# javascript: URL is refused by the browser even if a template escaped something wrongly.
# 'self' in connect-src also allows ws:/wss: to this host (CSP Level 3), which Socket.IO uses; data:
# images are the printable QR codes; htmx's own indicator <style> is switched off in base.html.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def register_security_headers(app) -> None:
    """No page of ours may be framed (clickjacking on the officer/admin buttons); no MIME sniffing;
    no script or style that is not a file of ours (CONTENT_SECURITY_POLICY)."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


MAX_JSON_DEPTH = 64  # arrays/objects inside each other; no request of ours needs more than a few


def storable(text: str) -> bool:
    """Text a database takes: no NUL (PostgreSQL refuses it) and no lone surrogate such as JSON's
    "\\ud800" (nothing encodes it to UTF-8: SQLite, PostgreSQL and HMACs all raise)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what would only crash a view later: nesting deeper than MAX_JSON_DEPTH
    (Python's parser raises RecursionError, which `request.get_json` does not catch) and text that is
    not `storable`. Refused as ValueError, which `get_json()` answers with 400 and
    `get_json(silent=True)` with None, for every endpoint that reads JSON."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from None
        _check_json(value)
        return value


def _check_json(value) -> None:
    stack = [(value, 0)]
    while stack:  # a loop, not recursion: the check must not hit the limit it enforces
        item, depth = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                raise ValueError("JSON text with NUL or a lone surrogate")
        elif isinstance(item, (list, tuple, dict)):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
                item = item.values()
            stack.extend((child, depth + 1) for child in item)


def _request_text_storable() -> bool:
    """The decoded path, query string and form (names, values, file names) of this request.
    Werkzeug decodes bad UTF-8 to U+FFFD or leaves it %-escaped, so lone surrogates cannot come
    from here today, but %00 can; the JSON body is checked when read (StrictJSONProvider)."""
    texts = [request.path]
    for fields in (request.args, request.form if request.method in ("POST", "PUT", "PATCH") else None):
        for key, values in (fields.lists() if fields is not None else ()):
            texts.append(key)
            texts.extend(values)
    if request.method in ("POST", "PUT", "PATCH"):
        for key, upload in request.files.items(multi=True):
            texts.extend((key, upload.filename or ""))
    return all(storable(text) for text in texts)


def register_request_guards(app) -> None:
    """What reaches the views: text a database takes and JSON that cannot crash them (any other
    input is a readable 400), and behind LOKET_TRUSTED_PROXIES reverse proxies the visitor's own
    address, scheme and host (rate limits and logs see the visitor, not the proxy). Call after
    socketio.init_app, so that Socket.IO sees the visitor's address too."""
    app.json = StrictJSONProvider(app)

    @app.before_request
    def _refuse_unstorable_text():
        if not _request_text_storable():
            fail(400, gettext("Permintaan berisi karakter yang tidak dapat diproses."))

    proxies = int(app.config.get("LOKET_TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
