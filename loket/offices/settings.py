"""Office settings: what an office sets in the browser (name, public address, hours, exceptions,
complaint response days, retention, report letterhead) over the `LOKET_*` defaults, and the holiday calendar.

`get(office_id, key)` reads one setting: the office's stored value, else the environment's default
(which stays the first-start value). `update()` validates, stores in `office.settings` (the name in
the office's own columns), audits and publishes, in one transaction. Nothing here knows about HTTP.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from flask import current_app

from loket import audit
from loket.events import DomainEvent, commit_and_publish, office_room
from loket.extensions import db
from loket.offices.models import Office
from loket.offices.scope import active_offices, default_office
from loket.queue import hours
from loket.queue.errors import InvalidInput, NotFound


def N_(message: str) -> str:
    return message


NAME_MAX, SHORT_NAME_MAX, URL_MAX, NOTE_MAX, HOLIDAY_NAME_MAX = 200, 120, 200, 120, 200
RESPONSE_DAYS = (1, 60)
RETENTION_DAYS = (7, 3650)
YEARS = (2000, 2100)
# The printed reports' letterhead (kop surat) and signature block; "" until an office sets them.
HEADER_LINES, HEADER_LINE_MAX, HEAD_TITLE_MAX, HEAD_NAME_MAX, NIP_DIGITS, NIP_MAX = 3, 100, 150, 120, 18, 40
LETTERHEAD = ("report_header", "head_title", "head_name", "head_nip")
STORED = ("public_base_url", "hours", "exceptions", "complaint_response_days", "contact_retention_days") + LETTERHEAD
KEYS = ("name", "short_name") + STORED
DAY_LABELS = {"mon": N_("Senin"), "tue": N_("Selasa"), "wed": N_("Rabu"), "thu": N_("Kamis"),
              "fri": N_("Jumat"), "sat": N_("Sabtu"), "sun": N_("Minggu")}

SPAN_MESSAGES = {
    "format": N_("Tulis jam seperti 07:30-12:00; pisahkan beberapa rentang dengan koma, misalnya "
                 "07:30-12:00, 13:00-15:30."),
    "time": N_("'%(part)s' bukan jam yang ada: pakai 00:00 sampai 23:59 (24:00 untuk tengah malam)."),
    "order": N_("Rentang %(part)s selesai sebelum dimulai."),
    "overlap": N_("Rentang jam bertumpuk (%(part)s): istirahat siang dimulai setelah rentang pagi selesai, "
                  "misalnya 07:30-12:00, 13:00-15:30."),
}


class SettingsInputError(InvalidInput):
    """Bad input for one setting (`field`: the form field it belongs beside)."""

    def __init__(self, field: str, message: str, **params):
        super().__init__(message, **params)
        self.field = field


# --- reading --------------------------------------------------------------------------------

def _office(office_id: int | None) -> Office | None:
    return db.session.get(Office, office_id) if office_id is not None else default_office()


def stored(office_id: int | None = None) -> dict:
    """What an office (default: the first) set itself; {} when nothing."""
    office = _office(office_id)
    return dict(office.settings or {}) if office is not None else {}


def default(key: str):
    """The environment's value of a setting (LOKET_*), the first-start default."""
    config = current_app.config
    if key == "public_base_url":
        return (config.get("LOKET_PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if key == "hours":
        return week_to_json(hours.parse(config.get("LOKET_OFFICE_HOURS") or hours.DEFAULT_HOURS))
    if key == "exceptions":
        return {}
    if key == "complaint_response_days":
        return int(config.get("LOKET_COMPLAINT_RESPONSE_DAYS") or 5)
    if key == "contact_retention_days":
        return int(config.get("LOKET_CONTACT_RETENTION_DAYS") or 90)
    if key in LETTERHEAD:
        return ""
    raise KeyError(key)


def get(office_id: int | None, key: str):
    """One setting of an office (None: the first office): stored, else the default. The public
    address is the server's, so an office without its own uses the first office's."""
    office = _office(office_id)
    if key in ("name", "short_name"):
        return getattr(office, key, "") or ""
    value = (office.settings or {}).get(key) if office is not None else None
    if value is None and key == "public_base_url" and office is not None:
        first = default_office()
        if first is not None and first.id != office.id:
            value = (first.settings or {}).get(key)
    return default(key) if value is None else value


def letterhead(office_id: int | None) -> dict:
    """What a printed report's letterhead and signature block show for an office (None: the first)."""
    office = _office(office_id)
    return {"header_lines": get(office_id, "report_header").splitlines(),
            "name": getattr(office, "name", "") or "", "address": getattr(office, "address", "") or "",
            "phone": getattr(office, "phone", "") or "",
            **{key: get(office_id, key) for key in ("head_title", "head_name", "head_nip")}}


def week_to_json(week: dict[int, list]) -> dict[str, list]:
    return {day: hours.spans_to_json(week.get(index, [])) for index, day in enumerate(hours.DAYS)}


def week_texts(office_id: int | None) -> dict[str, str]:
    """Each weekday's spans as the form shows them: "07:30-12:00, 13:00-15:30" ("" = closed)."""
    week = get(office_id, "hours")
    return {day: hours.format_spans(hours.spans_from_json(week.get(day))) for day in hours.DAYS}


def exceptions(office_id: int | None) -> list[dict]:
    """Per-date exceptions by date: {"day": date, "spans": text ("" = closed), "note": str}."""
    items = get(office_id, "exceptions") or {}
    return [{"day": date.fromisoformat(day), "spans": hours.format_spans(hours.spans_from_json(item.get("spans"))),
             "note": item.get("note", "")} for day, item in sorted(items.items())]


# --- validating -----------------------------------------------------------------------------

def clean_spans(text: str, field: str) -> list[list[str]]:
    """Spans typed in a form ("07:30-12:00, 13:00-15:30"; empty = closed) as stored."""
    try:
        return hours.spans_to_json(hours.parse_spans(text or ""))
    except hours.HoursError as exc:
        raise SettingsInputError(field, SPAN_MESSAGES[exc.reason], part=exc.part) from None


def _spans(value, field: str) -> list[list[str]]:
    """Spans as typed (text) or as stored (a list of [from, to])."""
    if value is None or isinstance(value, str):
        return clean_spans(value or "", field)
    return clean_spans(hours.format_spans(hours.spans_from_json(value)), field)


def clean_url(text: str) -> str | None:
    """An http(s) address with a server name and no query or fragment; "" = unset (None)."""
    url = (text or "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise SettingsInputError("public_base_url", N_("Tulis alamat lengkap yang diawali http:// atau https://, "
                                                       "misalnya https://antrean.klungkungkab.go.id."))
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise SettingsInputError("public_base_url", N_("Alamat publik tanpa tanda ? atau #: tulis alamat "
                                                       "dasarnya saja, misalnya https://antrean.klungkungkab.go.id."))
    if parts.username or parts.password:
        raise SettingsInputError("public_base_url", N_("Alamat publik tidak boleh memuat nama pengguna atau kata sandi."))
    return url


def clean_header(text: str) -> str | None:
    """The letterhead's lines above the office name, one per line (blank lines dropped); "" = unset."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > HEADER_LINES:
        raise SettingsInputError("report_header", N_("Paling banyak %(max)d baris."), max=HEADER_LINES)
    for number, line in enumerate(lines, start=1):
        if len(line) > HEADER_LINE_MAX:
            raise SettingsInputError("report_header", N_("Baris %(line)d lebih dari %(max)d karakter."),
                                     line=number, max=HEADER_LINE_MAX)
    return "\n".join(lines) or None


def clean_nip(text: str) -> str | None:
    """A NIP as typed (18 digits, spaces allowed: "19700101 199503 1 001"); "" = unset."""
    nip = (text or "").strip()
    if not nip:
        return None
    if len(nip) > NIP_MAX or not re.fullmatch(r"[0-9 ]+", nip) or len(nip.replace(" ", "")) != NIP_DIGITS:
        raise SettingsInputError("head_nip", N_("NIP terdiri dari 18 angka."))
    return nip


def _text(key: str, value, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise SettingsInputError(key, N_("Paling banyak %(max)d karakter."), max=limit)
    return text or None


def _whole_number(key: str, value, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise SettingsInputError(key, N_("Isi dengan bilangan bulat %(min)d sampai %(max)d."), min=low, max=high)
    return number


def clean(key: str, value):
    """A setting as stored, from what a form gives; SettingsInputError beside its field."""
    if key == "name":
        name = (value or "").strip()
        if not name or len(name) > NAME_MAX:
            raise SettingsInputError("name", N_("Nama kantor wajib diisi, paling banyak %(max)d karakter."),
                                     max=NAME_MAX)
        return name
    if key == "short_name":
        short = (value or "").strip()
        if len(short) > SHORT_NAME_MAX:
            raise SettingsInputError("short_name", N_("Paling banyak %(max)d karakter."), max=SHORT_NAME_MAX)
        return short
    if key == "public_base_url":
        return clean_url(value)
    if key == "hours":
        return {day: _spans(value.get(day), f"hours_{day}") for day in hours.DAYS}
    if key == "exceptions":
        return {_day(day).isoformat(): {"spans": _spans(item.get("spans"), "spans"),
                                        "note": (item.get("note") or "").strip()[:NOTE_MAX]}
                for day, item in (value or {}).items()}
    if key == "complaint_response_days":
        return _whole_number(key, value, *RESPONSE_DAYS)
    if key == "contact_retention_days":
        return _whole_number(key, value, *RETENTION_DAYS)
    if key == "report_header":
        return clean_header(value)
    if key == "head_title":
        return _text(key, value, HEAD_TITLE_MAX)
    if key == "head_name":
        return _text(key, value, HEAD_NAME_MAX)
    if key == "head_nip":
        return clean_nip(value)
    raise SettingsInputError("", N_("Pengaturan tidak dikenal."))


def _day(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SettingsInputError("day", N_("Tanggal tidak valid.")) from None


# --- changing -------------------------------------------------------------------------------

def snapshot(office: Office) -> dict:
    """What the audit log keeps of an office's settings (the effective values, readable)."""
    return {
        "nama": office.name, "nama_singkat": office.short_name,
        "alamat_publik": get(office.id, "public_base_url") or "",
        "jam_buka": "; ".join(f"{day} {text or '-'}" for day, text in week_texts(office.id).items()),
        "pengecualian": {item["day"].isoformat(): item["spans"] or "tutup" for item in exceptions(office.id)},
        "hari_tanggapan": get(office.id, "complaint_response_days"),
        "retensi_kontak": get(office.id, "contact_retention_days"),
        "kop_laporan": " / ".join(get(office.id, "report_header").splitlines()),
        "jabatan_penanda_tangan": get(office.id, "head_title"),
        "nama_penanda_tangan": get(office.id, "head_name"),
        "nip_penanda_tangan": get(office.id, "head_nip"),
    }


def update(office: Office, changes: dict, actor) -> list[str]:
    """Validate and store `changes` (key → value as a form gives it) for `office`, audit and publish
    them; returns the keys that changed. A value equal to what is in effect is not stored, so a
    setting nobody changed keeps following its LOKET_* default."""
    clean_values = {key: clean(key, value) for key, value in changes.items()}
    before = snapshot(office)
    own = dict(office.settings or {})
    changed = []
    for key, value in clean_values.items():
        if key in ("name", "short_name"):
            if getattr(office, key) != value:
                setattr(office, key, value)
                changed.append(key)
        elif value is None:  # emptied: back to the default
            if own.pop(key, None) is not None:
                changed.append(key)
        elif value != get(office.id, key):
            own[key] = value
            changed.append(key)
    if not changed:
        return []
    office.settings = own  # a new dict: JSON columns do not see changes made in place
    audit.record("office.settings", "office", office.id, label=office.label, office_id=office.id, actor=actor,
                 before=before, after=snapshot(office))
    commit_and_publish(DomainEvent("office.settings", {"office": office.id, "changed": changed},
                                   rooms=(office_room(office.id),)))
    return changed


def set_exception(office: Office, day, spans: str, note: str, actor) -> bool:
    """Open `day` with other spans than its weekday's, or close it (no spans); True when it replaced the
    day's earlier exception (the audit log keeps that one). A past day is allowed: an unplanned closure
    recorded afterwards still moves the due dates counted over it."""
    items = dict(get(office.id, "exceptions") or {})
    key = _day(day).isoformat()
    replaced = key in items
    items[key] = {"spans": spans or "", "note": note or ""}
    update(office, {"exceptions": items}, actor)
    return replaced


def remove_exception(office: Office, day, actor) -> None:
    items = dict(get(office.id, "exceptions") or {})
    if items.pop(_day(day).isoformat(), None) is None:
        raise NotFound(N_("Tanggal itu tidak ada di daftar pengecualian."))
    update(office, {"exceptions": items}, actor)


# --- the holiday calendar (shared by every office of the installation) ---------------------

def _holiday_event(office: Office) -> DomainEvent:
    # Every office's kiosks follow the shared calendar.
    return DomainEvent("office.holidays", {"office": office.id}, rooms=tuple(office_room(o.id) for o in active_offices()))


def add_holiday(office: Office, day, name: str, actor) -> None:
    """A local day off such as Galungan, Kuningan or Nyepi, for every office."""
    day = _day(day)
    name = (name or "").strip()
    if not name or len(name) > HOLIDAY_NAME_MAX:
        raise SettingsInputError("name", N_("Nama hari libur wajib diisi, paling banyak %(max)d karakter."),
                                 max=HOLIDAY_NAME_MAX)
    existing = db.session.get(hours.Holiday, day)
    if existing is not None:
        raise SettingsInputError("day", N_("Tanggal %(day)s sudah ada di kalender: %(name)s."),
                                 day=day.strftime("%d-%m-%Y"), name=existing.name)
    hours.add_holiday(day, name, commit=False)
    audit.record("holiday.added", "holiday", day.isoformat(), label=name, office_id=office.id, actor=actor,
                 after={"tanggal": day.isoformat(), "nama": name})
    commit_and_publish(_holiday_event(office))


def remove_holiday(office: Office, day, actor) -> None:
    day = _day(day)
    holiday = db.session.get(hours.Holiday, day)
    if holiday is None:
        raise NotFound(N_("Tanggal itu tidak ada di kalender libur."))
    before = {"tanggal": day.isoformat(), "nama": holiday.name, "sumber": holiday.source}
    hours.remove_holiday(day, commit=False)
    audit.record("holiday.removed", "holiday", day.isoformat(), label=before["nama"], office_id=office.id,
                 actor=actor, before=before)
    commit_and_publish(_holiday_event(office))


def import_national(office: Office, year: int, actor) -> int:
    """Copy a year's national holidays and cuti bersama from the `holidays` package (LOKET_HOLIDAY_COUNTRY,
    Indonesia when it is empty); days already in the calendar are kept. Returns how many were added."""
    year = check_year(year)
    try:
        added = hours.import_calendar(year, hours.holiday_country() or "ID", commit=False)
    except hours.HoursError:
        db.session.rollback()
        raise InvalidInput(N_("Kalender hari libur nasional tidak tersedia untuk negara yang diatur.")) from None
    audit.record("holiday.imported", "holiday", str(year), label=str(year), office_id=office.id, actor=actor,
                 after={"tahun": year, "ditambahkan": added})
    commit_and_publish(_holiday_event(office))
    return added


def check_year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        raise InvalidInput(N_("Tahun harus antara %(low)d dan %(high)d."), low=YEARS[0], high=YEARS[1])
    return year
