"""Kiosks at the entrance, each with its own printer configuration.

The printer settings are a plain dict understood by `loket.printers.connections.make_printer`.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.extensions import db
from loket.offices.models import Office, kiosk_offices


class Kiosk(db.Model):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    printer: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The offices whose services this kiosk lists (a mall's entrance kiosk: every agency).
    offices: Mapped[list[Office]] = relationship(secondary=kiosk_offices, order_by=(Office.position, Office.id))


# Print jobs belong to kiosks; importing them here puts their table in the metadata
# (loket.printers is a plain package, not a blueprint area the app factory scans).
from loket.printers.models import PrintJob  # noqa: E402,F401
