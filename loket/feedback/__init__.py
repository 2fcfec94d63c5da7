"""Visitor feedback: SKM survey, IKM computation, quick ratings, complaints (pengaduan).

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix=None)

from loket.feedback import routes  # noqa: E402,F401
