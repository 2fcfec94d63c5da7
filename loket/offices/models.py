"""An office (unit layanan): its name, address and Maklumat Pelayanan, loaded from its standard's data
file, and the prefix its ticket numbers carry so they stay unambiguous on a shared kiosk or TV.

Kiosks and displays serve one office or several (`kiosk_offices`, `display_offices`).
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db

# The office a first start creates, and the one a migrated single-office installation becomes.
DEFAULT_CODE = "utama"

kiosk_offices = Table(
    "kiosk_offices",
    db.metadata,
    Column("kiosk_id", ForeignKey("kiosks.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)

display_offices = Table(
    "display_offices",
    db.metadata,
    Column("display_id", ForeignKey("displays.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


class Office(db.Model):
    __tablename__ = "office"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Short, URL-safe and stable: `loket catalogue load FILE --office CODE`, /kiosk/1/kantor/CODE.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # Letters before every ticket number of this office ("DK-A-001"); one office may have none
    # (a single office keeps its plain "A-001"), so the unique index allows "" once.
    prefix: Mapped[str] = mapped_column(String(3), unique=True, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    short_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    maklumat: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # the standard file's office section
    # What the office set on its settings page (loket.offices.settings), over the LOKET_* defaults;
    # apart from `data` so loading a new standard file keeps it. None = nothing set yet.
    settings: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    @property
    def label(self) -> str:
        return self.short_name or self.name or self.code

    def __repr__(self) -> str:
        return f"<Office {self.code}>"
