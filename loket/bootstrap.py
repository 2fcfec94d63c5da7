"""First start: load the bundled standard and create kiosk 1, display 1, a counter per service
and the first admin account, so a new office can try everything at once.
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
from loket.queue.models import Counter, Service


def ensure_ready() -> dict:
    """Idempotent: creates only what is missing. Returns what it did (admin password once)."""
    done: dict = {}
    if db.session.scalar(select(func.count()).select_from(Service)) == 0:
        done["catalogue"] = loader.load_file(current_app.config.get("LOKET_CATALOGUE") or None)
    if db.session.get(Kiosk, "1") is None:
        db.session.add(Kiosk(id="1", name="Kiosk 1", printer={"kind": "preview", "paper": "80mm", "qr": "native"}))
        done["kiosk"] = "1"
    if db.session.get(Display, "1") is None:
        db.session.add(Display(id="1", name="Display 1"))
        done["display"] = "1"
    if db.session.scalar(select(func.count()).select_from(Counter)) == 0:
        services = list(db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.position)))
        for number, service in enumerate(services, 1):
            db.session.add(Counter(number=number, name=f"Loket {number}", services=[service]))
        done["counters"] = len(services)
    if db.session.scalar(select(func.count()).select_from(User).where(User.role == ADMIN)) == 0:
        password = secrets.token_urlsafe(12)
        admin = User(username="admin", display_name="Administrator", role=ADMIN)
        admin.set_password(password)
        db.session.add(admin)
        done["admin_password"] = password
    db.session.commit()
    return done
