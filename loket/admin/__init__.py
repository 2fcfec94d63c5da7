"""Administration and supervisor reports.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py` (overview,
complaints), `reports.py` (period and SKM reports, exports), `officers.py`, `counters.py`, `devices.py`,
`services.py`, `settings.py` and `audit_views.py`.
"""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from loket.admin import audit_views, counters, devices, officers, reports, routes, services, settings  # noqa: E402,F401
