"""Template filters and globals shared by every area (office-local time, office info, languages).

Registered on the app in `create_app`.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import request
from flask_babel import format_datetime, get_locale

from loket.timeutil import to_local, zone_abbreviation


def init_app(app) -> None:
    @app.template_filter("local")
    def local(value, fmt="dd-MM-yyyy HH:mm"):
        if value is None:
            return ""
        return format_datetime(to_local(value).replace(tzinfo=None), fmt, rebase=False)

    @app.context_processor
    def inject():
        return {
            # The installation's first office; a page about one office passes its own `office`
            # (explicit context wins over a context processor's).
            "office": _default_office(),
            "zone_name": zone_abbreviation(),
            "current_locale": str(get_locale() or "id"),
            "switch_lang_url": _switch_url,
        }


def _default_office():
    """The office a page is about when it does not say: a staff member's own, else the first."""
    from flask_login import current_user

    from loket.extensions import db
    from loket.offices.models import Office
    from loket.offices.scope import default_office

    office_id = getattr(current_user, "office_id", None) if current_user else None
    own = db.session.get(Office, office_id) if office_id is not None else None
    return own or default_office() or Office(code="", name="Loket", short_name="Loket")


def _switch_url(lang: str) -> str:
    """This very page in another language: its path and query string with only `lang` replaced.

    Built by hand, not with url_for: query keys such as `endpoint` or `_method` would clash with
    url_for's own parameters (500)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", lang))
    return f"{quote(request.script_root + request.path)}?{urlencode(args)}"
