"""Configuration for a Loket app, read from `LOKET_*` environment variables.

Defaults are safe for one office on a LAN: SQLite in the instance folder, WITA time zone.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and says what it expects."""


def env_int(name: str, default: int, *, minimum: int = 0, unit: str = "") -> int:
    """A whole-number setting from the environment (empty = `default`), at least `minimum`."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        what = f"a whole number{' of ' + unit if unit else ''} of at least {minimum}"
        raise ConfigError(f"{name} must be {what} (default {default}), got {raw!r}")
    return value


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def debug_allowed() -> bool:
    """Whether Flask's debugger may run: only with LOKET_ENV=development. The debugger runs any
    code a visitor types into its console, so an office server must never start it by mistake."""
    return (os.environ.get("LOKET_ENV") or "").strip().lower() == "development"


def instance_path() -> Path:
    """The instance folder: `LOKET_INSTANCE`, or `./instance` under the working directory."""
    return Path(os.environ.get("LOKET_INSTANCE") or Path.cwd() / "instance").resolve()


def load_secret_key(folder: Path) -> str:
    """Read the secret key kept in the instance folder, creating it once (never a literal)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must end up with the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def env_clock(name: str, default: str) -> str:
    """An office-local time of day HH:MM from the environment."""
    raw = (os.environ.get(name) or "").strip() or default
    hour, _, minute = raw.partition(":")
    if not (hour.isascii() and hour.isdigit() and minute.isascii() and minute.isdigit()
            and int(hour) < 24 and int(minute) < 60 and len(minute) == 2):
        raise ConfigError(f"{name} must be a time of day HH:MM (default {default}), got {raw!r}")
    return f"{int(hour):02d}:{minute}"


@dataclass(frozen=True)
class SmtpSettings:
    """Where case notifications are sent from (`LOKET_SMTP_URL`, `LOKET_SMTP_FROM`)."""

    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    user: str
    password: str
    sender: str

    def __repr__(self) -> str:  # never the password in a log or a traceback
        return f"SmtpSettings({self.security}://{self.host}:{self.port}, user={self.user!r}, from={self.sender!r})"


# scheme -> (security, default port)
SMTP_SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
SMTP_URL_FORM = "smtp+starttls://user:password@host:587 (or smtps://…:465, or smtp://host:25 for a local relay)"


def smtp_settings(url: str | None, sender: str | None) -> SmtpSettings | None:
    """The mail server from LOKET_SMTP_URL and LOKET_SMTP_FROM; None when LOKET_SMTP_URL is empty (no email is
    sent). Refused with the setting's name when it cannot work; the password is never repeated in the message."""
    url, sender = (url or "").strip(), (sender or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    shown = f"{parts.scheme}://{parts.hostname or ''}…" if parts.scheme else "something that is not a URL"
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname or parts.path not in ("", "/") or parts.query \
            or parts.fragment or (parts.password is not None and not parts.username):
        raise ConfigError(f"LOKET_SMTP_URL must look like {SMTP_URL_FORM}; got {shown}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is None and parts.netloc.endswith(":")):
        raise ConfigError(f"LOKET_SMTP_URL must end with a port number from 1 to 65535 (or none: the scheme's "
                          f"default); got {shown}")
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", sender):
        raise ConfigError(f"LOKET_SMTP_FROM must be the sender's email address (e.g. loket@example.go.id) when "
                          f"LOKET_SMTP_URL is set; got {sender!r}")
    security, default_port = SMTP_SCHEMES[parts.scheme]
    return SmtpSettings(host=parts.hostname, port=port or default_port, security=security,
                        user=unquote(parts.username or ""), password=unquote(parts.password or ""), sender=sender)


def from_environment(folder: Path) -> dict:
    """Settings from the environment, with the defaults applied."""
    env = os.environ.get
    return {
        "SECRET_KEY": env("LOKET_SECRET_KEY") or load_secret_key(folder),
        "SQLALCHEMY_DATABASE_URI": env("LOKET_DATABASE_URL") or f"sqlite:///{folder / 'loket.db'}",
        "LOKET_TIMEZONE": env("LOKET_TIMEZONE", "Asia/Makassar"),
        "LOKET_PUBLIC_BASE_URL": env("LOKET_PUBLIC_BASE_URL", ""),
        "LOKET_REDIS_URL": env("LOKET_REDIS_URL", ""),
        "LOKET_ISSUE_RATE_LIMIT": env("LOKET_ISSUE_RATE_LIMIT", "20/minute"),
        "LOKET_CATALOGUE": env("LOKET_CATALOGUE", ""),
        "LOKET_OFFICE_HOURS": env("LOKET_OFFICE_HOURS", "mon-thu 07:30-15:30; fri 07:30-13:00"),
        "LOKET_HOLIDAYS": env("LOKET_HOLIDAYS", ""),
        "LOKET_HOLIDAY_COUNTRY": env("LOKET_HOLIDAY_COUNTRY", "ID"),
        "LOKET_LOGIN_RATE_LIMIT": env("LOKET_LOGIN_RATE_LIMIT", "10/minute"),
        "LOKET_SESSION_DAYS": env_int("LOKET_SESSION_DAYS", 30, minimum=1, unit="days"),
        "LOKET_RATING_TIMEOUT": env_int("LOKET_RATING_TIMEOUT", 60, minimum=1, unit="seconds"),
        # A kiosk screen nobody touches goes home after IDLE seconds; a confirmation (a ticket's QR code,
        # a complaint's code) after DONE seconds, so the next visitor cannot scan someone else's.
        "LOKET_KIOSK_IDLE_SECONDS": env_int("LOKET_KIOSK_IDLE_SECONDS", 60, minimum=1, unit="seconds"),
        "LOKET_KIOSK_DONE_SECONDS": env_int("LOKET_KIOSK_DONE_SECONDS", 20, minimum=1, unit="seconds"),
        "SESSION_COOKIE_SECURE": _bool(env("LOKET_SECURE_COOKIES")),
        # Reverse proxies in front of Loket whose X-Forwarded-For/-Proto/-Host are believed (0 = none).
        "LOKET_TRUSTED_PROXIES": env_int("LOKET_TRUSTED_PROXIES", 0, minimum=0, unit="proxies"),
        # Folders besides /dev where `file`/`serial` printers may point (os.pathsep-separated).
        "LOKET_PRINTER_FILE_DIRS": [d for d in env("LOKET_PRINTER_FILE_DIRS", "").split(os.pathsep) if d],
        # Backups: folder (default <instance>/backups), nightly time (office-local), days kept (0 = off).
        "LOKET_BACKUP_DIR": env("LOKET_BACKUP_DIR", ""),
        "LOKET_BACKUP_AT": env_clock("LOKET_BACKUP_AT", "01:00"),
        "LOKET_BACKUP_KEEP_DAYS": env_int("LOKET_BACKUP_KEEP_DAYS", 14, minimum=0, unit="days"),
        # Case notifications by email (loket.cases.notify); None = no email at all.
        "LOKET_SMTP": smtp_settings(env("LOKET_SMTP_URL"), env("LOKET_SMTP_FROM")),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # a counter page stays open all day
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "JSON_SORT_KEYS": False,
    "LOKET_LANGUAGES": ("id", "en"),
    "LOKET_ESTIMATE_DEFAULT_MINUTES": 10,
    "LOKET_ESTIMATE_SAMPLE": 20,
    "LOKET_ESTIMATE_CACHE_SECONDS": 15,  # see loket.queue.core.minutes_per_visitor
}
