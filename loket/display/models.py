"""Waiting-room displays (TVs) and what each one shows.

A display with no services/counters selected shows them all.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loket.extensions import db


class Display(db.Model):
    __tablename__ = "displays"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    service_codes: Mapped[list] = mapped_column(JSON, default=list)
    counter_numbers: Mapped[list] = mapped_column(JSON, default=list)
    running_text: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
