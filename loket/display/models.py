"""Waiting-room displays (TVs) and what each one shows.

A display serves one office or several (`offices`); with no services/counters selected it shows
every active one of its offices. The selections are ids, since codes and numbers repeat across offices.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loket.extensions import db
from loket.offices.models import Office, display_offices


class Display(db.Model):
    __tablename__ = "displays"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    service_ids: Mapped[list] = mapped_column(JSON, default=list)
    counter_ids: Mapped[list] = mapped_column(JSON, default=list)
    running_text: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    offices: Mapped[list[Office]] = relationship(secondary=display_offices, order_by=(Office.position, Office.id))
