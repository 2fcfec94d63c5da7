"""Template filters and globals shared by every area (office-local time, office info, languages).

Registered on the app in `create_app`.
"""
from __future__ import annotations

from flask import request, url_for
from flask_babel import format_datetime, get_locale

from loket.catalogue.models import Office
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
            "office": Office.current(),
            "zone_name": zone_abbreviation(),
            "current_locale": str(get_locale() or "id"),
            "switch_lang_url": _switch_url,
        }


def _switch_url(lang: str) -> str:
    args = dict(request.args)
    args["lang"] = lang
    return url_for(request.endpoint or "catalogue.index", **(request.view_args or {}), **args)
