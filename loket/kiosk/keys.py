"""Kiosk API keys: the key an API client must send (header X-Kiosk-Key) to issue tickets as a kiosk.

A key is an HMAC of the kiosk id with the app's secret key, so nothing is stored; changing
LOKET_SECRET_KEY rotates every kiosk's key (and ends every login and rating-screen pairing).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

HEADER = "X-Kiosk-Key"
_SALT = b"loket.kiosk.api-key:"


def api_key(kiosk_id: str) -> str:
    """The API key of kiosk `kiosk_id` (the admin sees it on the kiosk's printer page)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, _SALT + str(kiosk_id).encode(), hashlib.sha256).hexdigest()[:40]


def api_key_valid(kiosk_id, key) -> bool:
    """Whether `key` is kiosk `kiosk_id`'s API key (constant-time comparison)."""
    if not isinstance(kiosk_id, str) or not isinstance(key, str) or not key:
        return False
    return hmac.compare_digest(key.strip().encode(), api_key(kiosk_id).encode())
