"""The entrance kiosk: pick a service, see what to bring, take a (printed) ticket.

`bp` (/kiosk) is registered by `loket.create_app`; `ticket_bp` carries the visitor's ticket page
at the absolute path /t/<token> and is registered by `init_app`. Views live in `routes.py`.
"""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
ticket_bp = Blueprint("ticket", __name__)

from loket.kiosk import routes  # noqa: E402,F401
from loket.printers import jobs  # noqa: E402,F401  (registers the print retry worker)


def init_app(app) -> None:
    app.register_blueprint(ticket_bp)
    app.config.setdefault("LOKET_PRINT_RETRY_MINUTES", 5)
    app.config.setdefault("LOKET_TICKET_PAGE_DAYS", 30)
