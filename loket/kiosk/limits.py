"""Rate limits on ticket issuing (kiosk form and JSON API), per kiosk and per client address.

The limit is LOKET_ISSUE_RATE_LIMIT (a Flask-Limiter string such as "20/minute"; "0" turns it off).
"""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from loket.extensions import limiter
from loket.kiosk.keys import HEADER, api_key_valid

DISABLED = {"", "0", "off", "none"}
DEFAULT_LIMIT = "20/minute"
log = logging.getLogger(__name__)


def limits_off() -> bool:
    return str(current_app.config.get("LOKET_ISSUE_RATE_LIMIT") or "0").strip().lower() in DISABLED


def issue_limit() -> str:
    # Flask-Limiter parses the value even when exempt; give it a harmless one then.
    if limits_off():
        return "1000/second"
    value = str(current_app.config["LOKET_ISSUE_RATE_LIMIT"]).strip()
    try:
        parse_many(value)
    except ValueError:
        # A typo in the setting must not turn every ticket into a 500: keep the safe default.
        log.error("LOKET_ISSUE_RATE_LIMIT=%r is not a rate limit (e.g. 20/minute); using %s", value, DEFAULT_LIMIT)
        return DEFAULT_LIMIT
    return value


def kiosk_key() -> str:
    """The kiosk whose shared limit this request counts against.

    The kiosk's own form names it in the address; an API client only with that kiosk's key
    (X-Kiosk-Key). Anyone else counts against their address alone, so they cannot use up a kiosk's limit.
    """
    kiosk = (request.view_args or {}).get("kiosk_id")
    if kiosk is None:
        body = request.get_json(silent=True)
        named = body.get("kiosk") if isinstance(body, dict) else None
        if isinstance(named, str) and api_key_valid(named, request.headers.get(HEADER)):
            kiosk = named
    return f"kiosk:{str(kiosk)[:40]}" if kiosk is not None else f"kiosk:none:{get_remote_address()}"


def address_key() -> str:
    return f"addr:{get_remote_address()}"


def issue_limits(view):
    """Both limits, shared by every issuing endpoint (a kiosk cannot dodge them by switching route)."""
    view = limiter.shared_limit(issue_limit, scope="issue-kiosk", key_func=kiosk_key, exempt_when=limits_off)(view)
    view = limiter.shared_limit(issue_limit, scope="issue-address", key_func=address_key, exempt_when=limits_off)(view)
    return view
