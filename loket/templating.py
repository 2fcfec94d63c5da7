"""Template filters and globals shared by every area (office-local time, office info, languages).

Registered on the app in `create_app`.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from datetime import date, datetime

from babel import dates
from flask import request
from flask_babel import get_locale

from loket.timeutil import to_local, zone_abbreviation

# How a moment is shown, in the page's language: (date width, time width) as the locale writes them
# (Indonesian "30 Nov 2026 14.05", English "Nov 30, 2026, 2:05 PM").
STYLES = {"datetime": ("medium", "short"), "datetime_seconds": ("medium", "medium"), "date": ("medium", None),
          "long_date": ("long", None), "full_date": ("full", None), "time": (None, "short"),
          "time_seconds": (None, "medium")}


def shown_moment(value: datetime | date | None, style: str = "datetime") -> str:
    """A stored moment (naive UTC, or aware) in the office's time zone, or a calendar day, written the way
    the current language writes it. `style` is one of STYLES or a Babel pattern ("EEEE, d MMMM y")."""
    if value is None:
        return ""
    locale = get_locale() or "id"
    if isinstance(value, datetime):
        value = to_local(value).replace(tzinfo=None)
    if style not in STYLES:
        return dates.format_datetime(value, style, locale=locale) if isinstance(value, datetime) \
            else dates.format_date(value, style, locale=locale)
    date_width, time_width = STYLES[style]
    day = dates.format_date(value, date_width, locale=locale) if date_width else ""
    if not time_width or not isinstance(value, datetime):
        return day
    clock = dates.format_time(value, time_width, locale=locale)
    if not date_width:
        return clock
    return dates.get_datetime_format(date_width, locale=locale).replace("{1}", day).replace("{0}", clock)


def init_app(app) -> None:
    app.add_template_filter(shown_moment, "local")

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
