"""The entrance kiosk: pick a service, see what to bring, take a (printed) ticket.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

from loket.kiosk import routes  # noqa: E402,F401
