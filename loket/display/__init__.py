"""The waiting-room display (TV): live numbers, chime and spoken calls.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="/display")


def init_app(app):
    """Subscribe the board renderer: queue events are queued in the request, and a background worker
    renders each changed board once per burst of events and pushes it (see renderer.py)."""
    from loket.display import renderer

    renderer.init_app(app)


from loket.display import routes  # noqa: E402,F401
