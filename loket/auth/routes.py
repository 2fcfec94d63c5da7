"""Login and logout pages for staff."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from loket.auth import bp
from loket.auth.models import User
from loket.extensions import db, limiter
from loket.web import page


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("counter.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:80]
        password = request.form.get("password") or ""
        user = db.session.scalar(select(User).where(User.username == username)) if username else None
        if user is None or not user.active or not user.check_password(password):
            error = _("Nama pengguna atau kata sandi salah.")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return page("auth/login.html", error=error, status=401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
