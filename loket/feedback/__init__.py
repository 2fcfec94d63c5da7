"""Visitor feedback: SKM survey, IKM computation, quick ratings, complaints (pengaduan).

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
import os

from flask import Blueprint

from loket.config import env_int

bp = Blueprint("feedback", __name__, url_prefix=None)


def init_app(app) -> None:
    """Feedback settings from the environment, unless the app's config already sets them."""
    env = os.environ.get
    # A bad number stops the start with a message naming the setting (loket.config.ConfigError).
    if "LOKET_COMPLAINT_RESPONSE_DAYS" not in app.config:
        app.config["LOKET_COMPLAINT_RESPONSE_DAYS"] = env_int("LOKET_COMPLAINT_RESPONSE_DAYS", 5, minimum=1,
                                                              unit="working days")
    if "LOKET_CONTACT_RETENTION_DAYS" not in app.config:
        app.config["LOKET_CONTACT_RETENTION_DAYS"] = env_int("LOKET_CONTACT_RETENTION_DAYS", 90, minimum=1,
                                                             unit="days")
    # Per client address; a kiosk is one address but serves one person at a time.
    app.config.setdefault("LOKET_FEEDBACK_RATE_LIMIT", env("LOKET_FEEDBACK_RATE_LIMIT") or "10/minute")


from loket.feedback import routes  # noqa: E402,F401
