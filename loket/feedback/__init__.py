"""Visitor feedback: SKM survey, IKM computation, quick ratings, complaints (pengaduan).

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
import os

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix=None)


def init_app(app) -> None:
    """Feedback settings from the environment, unless the app's config already sets them."""
    env = os.environ.get
    app.config.setdefault("LOKET_COMPLAINT_RESPONSE_DAYS", int(env("LOKET_COMPLAINT_RESPONSE_DAYS") or 5))
    app.config.setdefault("LOKET_CONTACT_RETENTION_DAYS", int(env("LOKET_CONTACT_RETENTION_DAYS") or 90))
    # Per client address; a kiosk is one address but serves one person at a time.
    app.config.setdefault("LOKET_FEEDBACK_RATE_LIMIT", env("LOKET_FEEDBACK_RATE_LIMIT") or "10/minute")


from loket.feedback import routes  # noqa: E402,F401
