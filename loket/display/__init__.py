"""The waiting-room display (TV): live numbers, chime and spoken calls.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="/display")


def init_app(app):
    """Subscribe the board renderer: every queue event is rendered once per display and pushed."""
    from loket.display import renderer

    renderer.init_app(app)


from loket.display import routes  # noqa: E402,F401
