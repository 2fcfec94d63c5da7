"""Administration and supervisor reports.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from loket.admin import routes  # noqa: E402,F401
