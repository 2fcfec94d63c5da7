"""Login and logout pages for staff, and the answers to anonymous visitors and missing CSRF tokens."""
from __future__ import annotations

import logging
import math
import time
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from limits import parse_many
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField, validators

from loket.auth import bp, sessions
from loket.auth.models import ADMIN, OFFICER, SUPERVISOR, User
from loket.extensions import db, htmx, limiter
from loket.forms import Form, max_length
from loket.web import HTTP_MESSAGES, error_response, page, role_required

DISABLED = {"", "0", "off", "none"}
DEFAULT_LOGIN_LIMIT = "10/minute"
# Wrong passwords are counted per account and address (LOKET_LOGIN_RATE_LIMIT), and this many times
# as many per address alone: enough for an office behind one NAT, too few to try a password on every account.
ADDRESS_FACTOR = 5
MIN_PASSWORD = 8
log = logging.getLogger(__name__)
_DUMMY_HASH: list[str] = []


def _safe_next(target: str | None, user=None) -> str:
    """Only a path on this site: no scheme/host, no `//host` or `/\\host` (browsers read both as
    another host), no control characters (browsers drop tabs and newlines inside URLs).
    Otherwise the user's own start page: the counter for officers, administration for the others."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
            and urlsplit(target).netloc == "" and urlsplit(target).scheme == "" and len(target) <= 2000):
        return target
    if user is not None and user.role in (SUPERVISOR, ADMIN):
        return url_for("admin.index")
    return url_for("counter.index")


def _login_limit_off() -> bool:
    return str(current_app.config.get("LOKET_LOGIN_RATE_LIMIT", "10/minute")).strip().lower() in DISABLED


def _login_limit() -> str:
    if _login_limit_off():
        return "1000/second"  # Flask-Limiter parses the value even when exempt
    value = str(current_app.config.get("LOKET_LOGIN_RATE_LIMIT", DEFAULT_LOGIN_LIMIT)).strip()
    try:
        parse_many(value)
    except ValueError:
        # A typo in the setting must not turn every login into a 500: keep the safe default.
        log.error("LOKET_LOGIN_RATE_LIMIT=%r is not a rate limit (e.g. 10/minute); using %s", value, DEFAULT_LOGIN_LIMIT)
        return DEFAULT_LOGIN_LIMIT
    return value


def _address_limit() -> str:
    return ";".join(f"{item.amount * ADDRESS_FACTOR} per {item.multiples} {item.GRANULARITY.name}"
                    for item in parse_many(_login_limit()))


def _account_key() -> str:
    """One account tried from one address: someone else's failures never lock this account's
    owner out at another desk, nor lock other staff out at this one."""
    name = (request.form.get("username") or "").strip()[:80].lower()
    return f"{get_remote_address()}|{name}"


def _refused(response) -> bool:
    """Only a refused login counts against the limits; a right password never uses them up."""
    return response.status_code == 401


def _password_matches(user: User | None, password: str) -> bool:
    """Check a hash even for unknown names, so timing does not tell which usernames exist."""
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not-a-password"))
        check_password_hash(_DUMMY_HASH[0], password)
        return False
    return user.check_password(password)


class LoginForm(Form):
    # Long input is cut, not refused: the answer to a wrong login never says more than "wrong".
    username = StringField(_l("Nama pengguna"), [validators.InputRequired(message=_l("Wajib diisi."))],
                           filters=[lambda v: v.strip()[:80] if isinstance(v, str) else v])
    password = PasswordField(_l("Kata sandi"), [validators.InputRequired(message=_l("Wajib diisi."))],
                             filters=[lambda v: v[:1000] if isinstance(v, str) else v])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], exempt_when=_login_limit_off,
               deduct_when=_refused)
@limiter.limit(_address_limit, key_func=get_remote_address, methods=["POST"], exempt_when=_login_limit_off,
               deduct_when=_refused)
def login():
    """The staff login form (plain POST, CSRF token in the form)."""
    form = LoginForm()
    error = None
    if request.method == "POST":
        if not form.validate():
            error = _("Isi nama pengguna dan kata sandi.")
        else:
            user = db.session.scalar(select(User).where(User.username == form.username.data))
            if not _password_matches(user, form.password.data) or not user.active:
                error = _("Nama pengguna atau kata sandi salah.")
            else:
                # A fresh CSRF token for the signed-in session; the rest of the session belongs to the
                # device (language, a rating screen's pairing) and stays.
                session.pop("csrf_token", None)
                if current_user.is_authenticated:  # signing in again (or as someone else) drops the old session
                    sessions.end(current_user._get_current_object())
                sessions.start(user)
                login_user(user)
                if user.must_change_password:  # a one-time password opens only the page that replaces it
                    return redirect(url_for("auth.change_password"))
                return redirect(_safe_next(request.args.get("next"), user))
    elif current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next"), current_user))
    form.password.data = ""  # never sent back
    return page("auth/login.html", form=form, error=error, status=401 if error else 200)


@bp.errorhandler(429)
def too_many_attempts(exc):
    """Rate limited: on the login page, the page itself with the form and how long to wait."""
    if request.endpoint != "auth.login":
        return error_response(_(HTTP_MESSAGES[429]), 429)
    breached = limiter.current_limit
    seconds = max(1, math.ceil(breached.window.reset_time - time.time())) if breached is not None else 60
    minutes = math.ceil(seconds / 60)
    form = LoginForm()
    form.password.data = ""
    error = _("Terlalu banyak percobaan masuk. Coba lagi dalam %(minutes)s menit.", minutes=minutes)
    response = page("auth/login.html", form=form, error=error, status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """POST only (with the CSRF token), so a link or an image on another site cannot log staff out.
    The server-side session ends too: a copy of the cookie opens nothing any more."""
    if current_user.is_authenticated:
        sessions.end(current_user._get_current_object())
    logout_user()
    session.pop("csrf_token", None)
    return redirect(url_for("auth.login"))


def unauthorized():
    """Anonymous visitor on a staff page: the API answers 401, htmx gets HX-Redirect, pages redirect."""
    if request.path.startswith("/api/"):
        return error_response(_("Silakan masuk terlebih dahulu."), 401)
    target = url_for("auth.login", next=_next_param())
    if htmx:
        response = error_response(_("Silakan masuk terlebih dahulu."), 401)
        response = current_app.make_response(response)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _next_param() -> str:
    if htmx and htmx.current_url:
        # An htmx fragment is no page to come back to: return to the page it was loaded from.
        parts = urlsplit(htmx.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def csrf_failed(exc):
    """A form or htmx request without a valid CSRF token (e.g. a page left open since before a restart)."""
    return error_response(_("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), 400)


class PasswordForm(Form):
    current = PasswordField(_l("Kata sandi saat ini"), [validators.InputRequired(message=_l("Wajib diisi.")),
                                                       max_length(1000)])
    new = PasswordField(_l("Kata sandi baru"), [validators.InputRequired(message=_l("Wajib diisi.")),
                                               validators.Length(min=MIN_PASSWORD, max=1000, message=_l(
                                                   "Kata sandi baru minimal %(min)d karakter."))],
                        description=_l("Minimal %(n)s karakter. Jangan pakai kata sandi sementara dari admin.",
                                       n=MIN_PASSWORD))
    repeat = PasswordField(_l("Ulangi kata sandi baru"), [
        validators.InputRequired(message=_l("Wajib diisi.")),
        validators.EqualTo("new", message=_l("Kedua isian kata sandi baru tidak sama."))])

    def validate_current(self, field):
        if not current_user.check_password(field.data or ""):
            raise validators.ValidationError(_("Kata sandi saat ini salah."))

    def validate_new(self, field):
        if field.data and field.data == self.current.data:
            raise validators.ValidationError(_("Kata sandi baru harus berbeda dari yang lama."))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_login_limit_off)
@role_required(OFFICER, SUPERVISOR)
def change_password():
    """Every staff member changes their own password here; an account with a one-time or reset
    password is sent here first and opens nothing else until it has chosen its own."""
    form = PasswordForm()
    forced = current_user.must_change_password
    if form.validate_on_submit():
        user = current_user._get_current_object()
        sessions.change_password(user, form.new.data)  # every session of the account ends ...
        login_user(user)  # ... and this browser goes on in a fresh one
        if forced:
            return redirect(_safe_next(None, user), code=303)
        return page("auth/password.html", form=PasswordForm(formdata=None), forced=False,
                    done=_("Kata sandi sudah diganti."))
    return page("auth/password.html", form=form, forced=forced, done=None,
                status=400 if form.errors else 200)
