"""A service's case milestones, lead time and intake channels, read from its stored standard.

The Standar Pelayanan file lists them per service (`[[services.milestones]]`, `[services.lead_time]`,
`intake`); `loket.catalogue.loader` validates them on load, so reading here trusts the stored data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

WORKING = "working_days"    # hari kerja: the office's working days only
CALENDAR = "calendar_days"  # hari kalender: every day, holidays too
UNITS = (WORKING, CALENDAR)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # milestone, variant and intake keys


@dataclass(frozen=True)
class Variant:
    """An alternative length of one milestone (a selection method, an escalation)."""

    key: str
    name: str
    days: int


@dataclass(frozen=True)
class Milestone:
    """One step the standard promises a time for. `days` is None when only a variant gives it
    (the selection method decides the length of Pemilihan Penyedia's last step)."""

    key: str
    name: str
    days: int | None
    unit: str
    variants: tuple[Variant, ...] = ()

    def variant(self, key: str | None) -> Variant | None:
        return next((v for v in self.variants if v.key == key), None) if key else None

    def days_for(self, variant: str | None = None) -> int | None:
        """The length with `variant` chosen (when this milestone has it), else its own."""
        chosen = self.variant(variant)
        return chosen.days if chosen is not None else self.days


@dataclass(frozen=True)
class LeadTime:
    """How long before the activity a request must arrive (bimtek: 5 working days)."""

    days: int
    unit: str


@dataclass(frozen=True)
class Intake:
    """A way the standard says a request letter reaches the office (e-Surat, courier)."""

    kind: str
    label: str


def milestones_of(standard: dict | None) -> tuple[Milestone, ...]:
    """The milestones of a stored standard, in order; () for a visit-only service."""
    return tuple(
        Milestone(key=item["key"], name=item["name"], days=item.get("days"), unit=item["unit"],
                  variants=tuple(Variant(v["key"], v["name"], v["days"]) for v in item.get("variants") or ()))
        for item in (standard or {}).get("milestones") or ())


def lead_time_of(standard: dict | None) -> LeadTime | None:
    rule = (standard or {}).get("lead_time")
    return LeadTime(rule["days"], rule["unit"]) if rule else None


def intake_of(standard: dict | None) -> tuple[Intake, ...]:
    return tuple(Intake(item["kind"], item["label"]) for item in (standard or {}).get("intake") or ())
