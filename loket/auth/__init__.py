"""Staff login and roles (Flask-Login); visitors never log in.

`loket.web.role_required` guards officer, supervisor and admin pages; anonymous visitors of a guarded
page are sent to /login (the JSON API answers 401), and a form without its CSRF token gets a readable 400.
"""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def init_app(app):
    from flask_wtf.csrf import CSRFError

    from loket.auth import sessions
    from loket.auth.routes import csrf_failed, unauthorized
    from loket.extensions import login_manager

    @login_manager.user_loader
    def load_user(session_id: str):
        """A cookie counts only while its server-side session lives (loket.auth.sessions)."""
        return sessions.resume(session_id)

    login_manager.unauthorized_handler(unauthorized)
    app.register_error_handler(CSRFError, csrf_failed)
    # Remember-me cookies (not offered today) follow the session cookie's Secure setting.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))


from loket.auth import routes  # noqa: E402,F401
