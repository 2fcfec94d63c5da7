"""Staff login and roles (Flask-Login); visitors never log in.

`loket.web.role_required` guards officer, supervisor and admin pages.
"""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def init_app(app):
    from loket.auth.models import User
    from loket.extensions import db, login_manager

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id))


from loket.auth import routes  # noqa: E402,F401
