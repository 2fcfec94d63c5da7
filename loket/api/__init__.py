"""The JSON API for kiosks and integrations (/api/v1), documented by OpenAPI.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from loket.api import routes  # noqa: E402,F401
