"""`loket doctor`: is this installation ready to serve an office, and what exactly to fix when not.

Each check is a plain function returning `Check` rows; `checks()` runs them all, each one guarded, so
a check that breaks (a table missing on an old schema, a database that is down) becomes one failed
line that says so instead of a crash.
"""
from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app

from loket.extensions import db

OK, WARN, FAIL = "ok", "warn", "fail"
LABELS = {OK: "[ok]", WARN: "[warn]", FAIL: "[FAIL]"}

MiB = 1024 ** 2
GiB = 1024 ** 3
DISK_WARN = 2 * GiB
DISK_FAIL = 500 * MiB
BACKUP_WARN = timedelta(days=1)
BACKUP_FAIL = timedelta(days=2)
CONNECT_TIMEOUT = 2.0  # seconds for a printer or Redis to answer
ENV_FILE = Path("/etc/loket/loket.env")  # where deploy/ puts the settings
EXAMPLE_URL = "https://antrean.example.go.id"
INDONESIAN_ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    message: str  # what is wrong and the exact fix, in English

    def line(self) -> str:
        return f"{LABELS[self.status]} {self.name}: {self.message}"


_CHECKS: list = []


def _check(name: str):
    """Register a check function (returning a Check or a list of them) under a name for its guard."""

    def decorator(fn):
        fn.check_name = name
        _CHECKS.append(fn)
        return fn

    return decorator


def checks() -> list[Check]:
    """Run every check inside the current app context; never raises."""
    found: list[Check] = []
    for fn in _CHECKS:
        try:
            result = fn()
            found.extend(result if isinstance(result, list) else [result])
        except Exception as exc:  # one broken check must not hide the others
            try:
                db.session.rollback()
            except Exception:
                pass
            found.append(Check(fn.check_name, FAIL, f"could not be checked ({_one_line(exc)}){_schema_hint()}"))
    return found


def _one_line(exc: BaseException, limit: int = 300) -> str:
    exc = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's statement dump
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:limit]


def _schema_hint() -> str:
    try:
        from loket.ops import schema

        if schema.status().state != "current":
            return "; the database schema is not up to date: run `loket db upgrade` first"
    except Exception:
        pass
    return ""


def _size(n: float) -> str:
    return f"{n / GiB:.1f} GiB" if n >= GiB else f"{n / MiB:.0f} MiB"


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{max(delta.total_seconds() / 60, 0):.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --- settings --------------------------------------------------------------------------------

@_check("public URL")
def public_url() -> list[Check]:
    from loket.offices import settings

    url = (settings.get(None, "public_base_url") or "").strip()  # the settings page's, else the variable
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    name = "public URL"
    if not url:
        return [Check(name, FAIL, "LOKET_PUBLIC_BASE_URL is not set: the QR codes on tickets would carry the "
                                  "kiosk's own address; set it to the address visitors' phones reach, e.g. "
                                  f"{EXAMPLE_URL} (or on the office settings page, /admin/kantor)")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Check(name, FAIL, f"LOKET_PUBLIC_BASE_URL={url!r} is not a web address: set it to the address "
                                  f"visitors' phones reach, e.g. {EXAMPLE_URL}")]
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address is not None and address.is_loopback):
        return [Check(name, FAIL, f"LOKET_PUBLIC_BASE_URL={url} points at this machine itself: a visitor's "
                                  f"phone cannot open it; set it to the address phones reach, e.g. {EXAMPLE_URL}")]
    found = []
    if parts.scheme == "http" and secure:
        found.append(Check(name, WARN, f"LOKET_PUBLIC_BASE_URL={url} is http:// while LOKET_SECURE_COOKIES is on: "
                                       "ticket links would skip HTTPS; set it to the https:// address nginx "
                                       f"serves, e.g. {EXAMPLE_URL}"))
    elif parts.scheme == "https" and not secure:
        found.append(Check(name, WARN, f"LOKET_PUBLIC_BASE_URL={url} is https:// but LOKET_SECURE_COOKIES is off: "
                                       "staff session cookies may also travel over plain HTTP; set "
                                       "LOKET_SECURE_COOKIES=1"))
    if parts.scheme == "https" and not current_app.config.get("LOKET_TRUSTED_PROXIES"):
        found.append(Check(name, WARN, f"LOKET_PUBLIC_BASE_URL={url} is https:// (a proxy such as nginx ends TLS "
                                       "in front of Loket) but LOKET_TRUSTED_PROXIES is 0: every visitor looks "
                                       "like the proxy and shares one rate limit; set LOKET_TRUSTED_PROXIES=1"))
    if address is not None and address.is_private:
        found.append(Check(name, WARN, f"LOKET_PUBLIC_BASE_URL={url} is a LAN address: only phones on the office "
                                       "network open ticket links; use a public name if visitors use mobile data, "
                                       f"e.g. {EXAMPLE_URL}"))
    return found or [Check(name, OK, f"ticket QR codes point at {url}")]


@_check("secret key")
def secret_key() -> list[Check]:
    found = []
    name = "secret key"
    if os.environ.get("LOKET_SECRET_KEY"):
        found.append(Check(name, OK, "from LOKET_SECRET_KEY in the environment"))
    else:
        path = Path(current_app.instance_path) / "secret_key"
        if not path.exists():
            found.append(Check(name, WARN, f"{path} does not exist yet: `loket serve` creates it on its first start"))
        else:
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                found.append(Check(name, FAIL, f"{path} has mode {mode:04o}: whoever can read it can forge staff "
                                               f"sessions and kiosk keys; run `chmod 600 {path}`"))
            else:
                found.append(Check(name, OK, f"{path} is readable by its owner only ({mode:04o})"))
    if ENV_FILE.exists():
        mode = ENV_FILE.stat().st_mode & 0o777
        if mode & 0o007:
            found.append(Check("settings file", FAIL, f"{ENV_FILE} has mode {mode:04o}: other users can read the "
                                                      f"database password in it; run `chmod 640 {ENV_FILE}` "
                                                      f"(owner root, group loket)"))
    return found


# --- database --------------------------------------------------------------------------------

@_check("schema")
def schema_state() -> Check:
    from loket.ops import schema

    status = schema.status()
    where = db.engine.url.render_as_string(hide_password=True)
    if status.state == "fresh":
        return Check("schema", FAIL, f"the database ({where}) has no tables yet: run `loket db upgrade`")
    if status.needs_upgrade:
        return Check("schema", FAIL, f"the database schema is behind this version of Loket (at "
                                     f"{status.current or 'the schema before migrations'}, this code needs "
                                     f"{status.head}): run `loket db upgrade`")
    if status.state == "ahead":
        return Check("schema", FAIL, f"the database was upgraded by a newer Loket (revision {status.current}; this "
                                     f"one knows up to {status.head}): install that newer version again")
    return Check("schema", OK, f"database schema is current ({status.head}) on {where}")


@_check("backup")
def backup() -> list[Check]:
    from loket.ops.backup import backup_dir, backups, last_backup_age

    folder = backup_dir()
    at = current_app.config.get("LOKET_BACKUP_AT") or "01:00"
    keep = int(current_app.config.get("LOKET_BACKUP_KEEP_DAYS", 14))
    found = []
    if db.engine.url.get_backend_name() != "sqlite" and shutil.which("pg_dump") is None:
        found.append(Check("backup", FAIL, "pg_dump is not installed, so no PostgreSQL backup can be made: "
                                           "`apt-get install postgresql-client`"))
    if keep <= 0:
        found.append(Check("backup", WARN, "the nightly backup is off (LOKET_BACKUP_KEEP_DAYS=0): set it to the "
                                           "days to keep, e.g. 14"))
    age = last_backup_age()
    if age is None:
        found.append(Check("backup", FAIL, f"no backup in {folder}: run `loket backup` now; the nightly backup runs "
                                           f"at {at} while `loket serve` runs"))
        return found
    newest = backups()[0]
    if age > BACKUP_WARN:
        status = FAIL if age > BACKUP_FAIL else WARN
        found.append(Check("backup", status, f"the newest backup is {_age(age)} old ({newest}): the nightly backup "
                                             f"at {at} has not run; check the scheduled jobs below and "
                                             "`journalctl -u 'loket@*'`, and run `loket backup` now"))
        return found
    found.append(Check("backup", OK, f"newest backup {_age(age)} old: {newest} (nightly at {at}, kept {keep} "
                                     f"days; copy {folder} to another machine too)"))
    return found


@_check("disk")
def disk() -> list[Check]:
    from loket.ops.backup import backup_dir
    from loket.ops.schema import sqlite_path

    places = [("instance folder", Path(current_app.instance_path))]
    database = sqlite_path()
    if database is not None and database.parent != places[0][1]:
        places.append(("database folder", database.parent))
    places.append(("backup folder", backup_dir()))
    seen: dict[int, list[str]] = {}
    usage = {}
    for label, path in places:
        existing = path
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        device = os.stat(existing).st_dev
        if device not in seen:
            seen[device] = []
            usage[device] = (path, shutil.disk_usage(existing))
        seen[device].append(f"{label} {path}")
    found = []
    for device, labels in seen.items():
        path, du = usage[device]
        what = ", ".join(labels)
        free = f"{_size(du.free)} free of {_size(du.total)}"
        if du.free < DISK_WARN:
            status = FAIL if du.free < DISK_FAIL else WARN
            found.append(Check("disk", status, f"{what}: only {free}: when the disk fills up no ticket can be "
                                               f"issued; remove old files (`du -sh {path}/*`) or move "
                                               "LOKET_BACKUP_DIR to a bigger disk"))
        else:
            found.append(Check("disk", OK, f"{what}: {free}"))
    return found


# --- hardware and time ------------------------------------------------------------------------

@_check("printer")
def printers() -> list[Check]:
    from sqlalchemy import select

    from loket.kiosk.models import Kiosk

    kiosks = list(db.session.scalars(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id)))
    if not kiosks:
        return [Check("printer", WARN, "no active kiosk: visitors cannot take a ticket at the entrance")]
    return [Check(f"printer kiosk {k.id}", *printer_reachable(k)) for k in kiosks]


def printer_reachable(kiosk) -> tuple[str, str]:
    """(status, message) for one kiosk's printer, found by reaching it now (not from past jobs)."""
    from loket.printers.connections import PrinterConfigError, describe, validate_config

    where = f"/kiosk/{kiosk.id}/printer"
    if not kiosk.printer:
        return WARN, f"no printer configured: tickets are not printed; choose the printer at {where}"
    try:
        cfg = validate_config(kiosk.printer)
    except PrinterConfigError as exc:
        return FAIL, f"the printer settings are invalid ({exc}); fix them at {where}"
    kind = cfg["kind"]
    if kind in ("preview", "dummy"):
        return WARN, f"no printer configured ({kind}: tickets are shown, not printed); choose the printer at {where}"
    if kind == "network":
        host, port = cfg["host"], cfg["port"]
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return FAIL, (f"network printer {host}:{port} is unreachable ({reason}): check that it is on, cabled "
                          f"and has that address (its self-test page shows it), or change it at {where}")
        return OK, f"network printer {host}:{port} accepts connections"
    if kind in ("file", "serial"):
        return _device_writable(Path(cfg["devfile"]), kind, where)
    if kind == "usb":
        return _usb_present(cfg["idVendor"], cfg["idProduct"], where)
    if kind == "cups":
        return _cups_printer(cfg["printer_name"], where)
    return WARN, f"{describe(cfg)}: not checked"


def _device_writable(path: Path, kind: str, where: str) -> tuple[str, str]:
    import grp

    if not path.exists():
        return FAIL, (f"{kind} printer device {path} does not exist: plug the printer in and switch it on "
                      f"(`ls -l {path.parent}` shows it), or change the device at {where}")
    if not os.access(path, os.W_OK):
        try:
            group = grp.getgrgid(path.stat().st_gid).gr_name
        except KeyError:
            group = str(path.stat().st_gid)
        user = _user()
        return FAIL, (f"{kind} printer device {path} is not writable by user {user}: it belongs to group {group}; "
                      f"`adduser {user} {group}` (deploy/systemd/loket@.service adds lp and dialout), then restart")
    return OK, f"{kind} printer device {path} is present and writable"


def _usb_present(vendor: int, product: int, where: str) -> tuple[str, str]:
    ids = f"{vendor:04x}:{product:04x}"
    devices = Path("/sys/bus/usb/devices")
    if not devices.is_dir():
        return WARN, f"USB printer {ids}: USB devices cannot be listed here (no {devices}), not checked"
    for device in devices.iterdir():
        try:
            if (int((device / "idVendor").read_text(), 16), int((device / "idProduct").read_text(), 16)) \
                    != (vendor, product):
                continue
            node = Path(f"/dev/bus/usb/{int((device / 'busnum').read_text()):03d}/"
                        f"{int((device / 'devnum').read_text()):03d}")
        except (OSError, ValueError):
            continue
        if node.exists() and not os.access(node, os.W_OK):
            return FAIL, (f"USB printer {ids} is connected but {node} is not writable by user {_user()}: add the "
                          f"udev rule SUBSYSTEM==\"usb\", ATTR{{idVendor}}==\"{vendor:04x}\", "
                          f"ATTR{{idProduct}}==\"{product:04x}\", GROUP=\"lp\", MODE=\"0660\" to "
                          "/etc/udev/rules.d/60-loket-printer.rules and plug the printer in again")
        return OK, f"USB printer {ids} is connected ({node})"
    return FAIL, (f"USB printer {ids} is not connected (not in `lsusb`): plug it in and switch it on, or check its "
                  f"ids at {where}")


def _cups_printer(name: str, where: str) -> tuple[str, str]:
    try:
        import cups  # type: ignore[import-not-found]
    except ImportError:
        return WARN, "CUPS printer not checked: the pycups package is not installed"
    try:
        connection = cups.Connection()
        known = connection.getPrinters()
        target = name or connection.getDefault()
    except Exception as exc:
        return FAIL, f"CUPS does not answer ({_one_line(exc)}): `systemctl status cups`"
    if not target or target not in known:
        return FAIL, (f"CUPS has no printer {target or '(no default printer)'!r}: add it in CUPS "
                      f"(http://localhost:631) or choose another at {where}")
    return OK, f"CUPS printer {target!r} is known to CUPS"


@_check("office hours")
def office_hours() -> list[Check]:
    from loket.offices import settings
    from loket.queue import hours
    from loket.timeutil import local_day

    raw = current_app.config.get("LOKET_OFFICE_HOURS") or hours.DEFAULT_HOURS
    try:
        plan = hours.schedule()
        hours.holidays_between(date.min, date.max)
        country = hours.holiday_country()
    except hours.HoursError as exc:
        return [Check("office hours", FAIL, f"{exc}: fix it in {ENV_FILE}, e.g. "
                                            "LOKET_OFFICE_HOURS=\"mon-thu 07:30-15:30; fri 07:30-13:00\"")]
    today = local_day()
    weekday = today.strftime("%A")
    if plan.always:
        return [Check("office hours", WARN, f"LOKET_OFFICE_HOURS={raw} (the demo setting): the kiosk issues tickets "
                                            "at night and on holidays; set the office's hours, e.g. "
                                            "LOKET_OFFICE_HOURS=\"mon-thu 07:30-15:30; fri 07:30-13:00\"")]
    spans = hours.spans_on(today, plan, set())
    holiday = next((h for h in hours.calendar(today.year) if h.day == today), None)
    if today in plan.exceptions:
        today_text = f"{hours.format_spans(spans) or 'closed'} (an exception on the office settings page)"
    elif holiday is not None or today in hours.holidays_between(today, today):
        today_text = f"closed (holiday{': ' + holiday.name if holiday is not None and holiday.name else ''})"
    elif not spans:
        today_text = "closed (no hours that day)"
    else:
        today_text = f"{hours.format_spans(spans)}, {'open' if hours.state().open else 'closed'} now"
    source = "hours set on the office settings page" if settings.stored().get("hours") is not None else raw
    found = [Check("office hours", OK, f"{source}; today, {weekday} {today.isoformat()}: {today_text}")]
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    for year in years:
        if country and not hours.has_calendar_for(year):
            found.append(Check("holidays", WARN, f"no holidays recorded for {year}: the kiosk would issue tickets "
                                                 f"on national holidays; run `loket holidays import --year {year}` "
                                                 "and check it against the year's SKB cuti bersama"))
    return found


@_check("clock")
def clock() -> list[Check]:
    from datetime import timezone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = current_app.config.get("LOKET_TIMEZONE") or ""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [Check("clock", FAIL, f"LOKET_TIMEZONE={name!r} is not a time zone: set Asia/Makassar (WITA), "
                                     "Asia/Jakarta (WIB) or Asia/Jayapura (WIT)")]
    from loket.timeutil import zone_abbreviation

    now = datetime.now(timezone.utc)
    machine = now.astimezone()
    utc = "" if machine.utcoffset() == timedelta(0) else f" = {now:%H:%M} UTC"
    shown = (f"office time {now.astimezone(zone):%Y-%m-%d %H:%M} {zone_abbreviation()} ({name}); this machine's "
             f"clock {machine:%Y-%m-%d %H:%M} {machine.tzname()}{utc}")
    found = []
    if name not in INDONESIAN_ZONES:
        found.append(Check("clock", WARN, f"{shown}: LOKET_TIMEZONE is not an Indonesian zone; ticket numbers "
                                          "restart and reports cut at its midnight; set Asia/Makassar (WITA), "
                                          "Asia/Jakarta (WIB) or Asia/Jayapura (WIT)"))
    if _ntp_synchronised() is False:
        found.append(Check("clock", WARN, f"{shown}: the clock is not synchronised (timedatectl): numbering, "
                                          "closing and reports follow it; `apt-get install systemd-timesyncd`"))
    return found or [Check("clock", OK, shown)]


def _ntp_synchronised() -> bool | None:
    """What systemd says about the clock; None when it cannot say (no systemd, a container)."""
    if shutil.which("timedatectl") is None:
        return None
    try:
        done = subprocess.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"],
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    answer = done.stdout.strip()
    return {"yes": True, "no": False}.get(answer) if done.returncode == 0 else None


# --- processes ---------------------------------------------------------------------------------

@_check("scheduled jobs")
def scheduled_jobs() -> list[Check]:
    from sqlalchemy import select

    from loket.ops.models import ScheduledJob
    from loket.timeutil import to_local

    rows = list(db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name)))
    if not rows:
        return [Check("scheduled jobs", WARN, "none recorded yet: the first `loket serve` sets them up "
                                              "(nightly backup, closing the day, privacy purge)")]
    failed = [r for r in rows if r.last_status == "failed"]
    found = []
    for row in failed:
        when = to_local(row.last_finished_at)
        found.append(Check(f"job {row.name}", WARN,
                           f"failed on its last run{when and f' at {when:%Y-%m-%d %H:%M}' or ''}: "
                           f"{row.last_result or '(no message)'}; fix the cause, it runs again at "
                           f"{to_local(row.next_run_at):%Y-%m-%d %H:%M} (details: `journalctl -u 'loket@*'`)"))
    return found or [Check("scheduled jobs", OK, f"{len(rows)} jobs, none failed on its last run")]


def _servers() -> list:
    from loket.ops.scheduler import running_servers

    return running_servers()


@_check("servers")
def servers() -> Check:
    alive = _servers()
    if not alive:
        return Check("servers", WARN, "no `loket serve` process has reported in the last 90 s: nothing serves this "
                                      "database and scheduled jobs do not run; `systemctl status 'loket@*'`")
    return Check("servers", OK, f"{len(alive)} `loket serve` process(es): "
                                + ", ".join(f"{s.host} pid {s.pid}" for s in alive))


@_check("redis")
def redis_reachable() -> Check:
    url = current_app.config.get("LOKET_REDIS_URL") or ""
    if not url:
        try:
            count = len(_servers())
        except Exception:
            count = 0
        if count > 1:
            return Check("redis", FAIL, f"{count} `loket serve` processes share this database without "
                                        "LOKET_REDIS_URL: a call made at one counter reaches only the screens of "
                                        "the same process; set LOKET_REDIS_URL=redis://127.0.0.1:6379/0 for all")
        return Check("redis", OK, "LOKET_REDIS_URL is not set: right for one `loket serve` process "
                                  "(several processes need it)")
    shown = _hide_password(url)
    try:
        import redis
    except ImportError:
        return Check("redis", FAIL, "LOKET_REDIS_URL is set but the redis package is missing: "
                                    "`pip install 'loket[redis]'` in Loket's virtual environment")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return Check("redis", FAIL, f"Redis at {shown} does not answer ({_one_line(exc)}): "
                                    "`systemctl enable --now redis-server`, or fix LOKET_REDIS_URL")
    return Check("redis", OK, f"Redis at {shown} answers")


# --- the command -------------------------------------------------------------------------------

@click.command("doctor", help="Check this installation: public URL, printers, office hours, clock, backups, disk "
                              "space, schema, scheduled jobs, Redis, secret key. One line per check with the fix; "
                              "exit 1 when any check fails.")
def doctor():
    from loket.cli import app_context

    with app_context(schema=False):  # a database that is behind is one of the things to report
        results = checks()
        db.session.remove()
    for result in results:
        click.echo(result.line())
    failed = sum(r.status == FAIL for r in results)
    warned = sum(r.status == WARN for r in results)
    click.echo(f"{failed} failed, {warned} warning(s), {len(results) - failed - warned} ok")
    sys.exit(1 if failed else 0)


command = doctor
