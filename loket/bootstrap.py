"""First start: the default office with the bundled standard, kiosk 1 and display 1 serving it, a
counter per service and the first (installation-wide) admin account, so a new office can try
everything at once.
"""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select

from loket.auth.models import ADMIN, User
from loket.catalogue import loader
from loket.display.models import Display
from loket.extensions import db
from loket.kiosk.models import Kiosk
from loket.offices.scope import ensure_default_office
from loket.queue.models import Counter, Service


def ensure_ready() -> dict:
    """Idempotent: creates only what is missing. Returns what it did (admin password once)."""
    done: dict = {}
    office = ensure_default_office()
    if db.session.scalar(select(func.count()).select_from(Service)) == 0:
        done["catalogue"] = loader.load_file(current_app.config.get("LOKET_CATALOGUE") or None, office)
    if db.session.get(Kiosk, "1") is None:
        db.session.add(Kiosk(id="1", name="Kios 1", printer={"kind": "preview", "paper": "80mm", "qr": "native"},
                             offices=[office]))
        done["kiosk"] = "1"
    if db.session.get(Display, "1") is None:
        db.session.add(Display(id="1", name="Layar 1", offices=[office]))
        done["display"] = "1"
    if db.session.scalar(select(func.count()).select_from(Counter)) == 0:
        done["counters"] = len(add_counters(office))
    if db.session.scalar(select(func.count()).select_from(User).where(User.role == ADMIN)) == 0:
        password = secrets.token_urlsafe(12)
        # Printed once at the first start: the admin must choose their own at the first login.
        admin = User(username="admin", display_name="Administrator", role=ADMIN, must_change_password=True)
        admin.set_password(password)
        db.session.add(admin)
        done["admin_password"] = password
    db.session.commit()
    return done


def add_counters(office) -> list[Counter]:
    """One counter per active service of an office that has none yet ("Loket 1" serves service 1…)."""
    if db.session.scalar(select(func.count()).select_from(Counter).where(Counter.office_id == office.id)):
        return []
    services = list(db.session.scalars(select(Service).where(Service.office_id == office.id,
                                                             Service.active.is_(True)).order_by(Service.position)))
    counters = [Counter(office_id=office.id, number=number, name=f"Loket {number}", services=[service])
                for number, service in enumerate(services, 1)]
    db.session.add_all(counters)
    return counters
