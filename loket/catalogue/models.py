"""The office itself: its name, address and Maklumat Pelayanan, loaded from the standard's data file.

One row; another office loads its own file.
"""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db


class Office(db.Model):
    __tablename__ = "office"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200), default="")
    short_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    maklumat: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    @classmethod
    def current(cls) -> "Office":
        return db.session.get(cls, 1) or cls(id=1, name="Loket", short_name="Loket")
