"""The officer's counter page: call next, recall, serve, transfer, close.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="/counter")

from loket.counter import routes  # noqa: E402,F401
