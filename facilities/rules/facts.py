"""The plain values the rules read (facts about a facility, standards in force) and what they return (findings)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from facilities.models import FacilityForm, InsuranceMode


@dataclass(frozen=True)
class RuleValue:
    """One figure of a standard as in force, with the clause and source a finding cites."""

    value: object
    clause: str
    source: str
    is_default: bool = False


Standards = Mapping[str, RuleValue]


def standards_from_rows(rows: Iterable[Mapping], *, on: date | None = None) -> dict[str, RuleValue]:
    """One `RuleValue` per code: the row with the latest `effective_from` (among those in force `on`, if given).

    `effective_to` is exclusive, like `FacilityVersion.valid_to`.
    """
    chosen: dict[str, tuple[date, RuleValue]] = {}
    for row in rows:
        start = row.get("effective_from") or date.min
        end = row.get("effective_to")
        if on is not None and (start > on or (end is not None and end <= on)):
            continue
        if row["code"] in chosen and chosen[row["code"]][0] > start:
            continue
        rule = RuleValue(row["value"], row.get("clause", ""), row.get("source", ""), bool(row.get("is_default")))
        chosen[row["code"]] = (start, rule)
    return {code: rule for code, (_start, rule) in chosen.items()}


@dataclass(frozen=True)
class ClassFacts:
    class_type: str
    capacity: int
    enrolled: int
    carers: int
    youngest_months: int | None = None
    label: str = ""


@dataclass(frozen=True)
class StaffFacts:
    role: str
    full_time: bool = True
    education: str = ""
    years_of_experience: int | None = None
    post_training_done: bool = False
    health_certificate_expires_on: date | None = None
    no_criminal_record_on_file: bool = False
    guard_licence_number: str = ""
    name: str = ""


@dataclass(frozen=True)
class MaterialFacts:
    kind: str
    expires_on: date | None = None


@dataclass(frozen=True)
class FacilityFacts:
    name: str = ""
    registration_route: str = ""
    uscc: str = ""
    category: str = ""
    form: str = FacilityForm.STANDALONE.value
    district_code: str = ""
    address: str = ""
    slots: int = 0
    enrolled: int = 0
    meals_served: bool = False
    premises_tenure: str = ""
    lease_start: date | None = None
    lease_end: date | None = None
    lowest_floor: int | None = None
    highest_floor: int | None = None
    observation_room_area: Decimal | None = None
    surveillance_covers_infant_areas: bool = False
    surveillance_retention_days: int | None = None
    one_click_alarm: bool = False
    licensed_guard: bool = False
    insurance_mode: str = InsuranceMode.NONE.value
    policy_expires_on: date | None = None
    full_day_fee: Decimal | None = None
    classes: tuple[ClassFacts, ...] = ()
    staff: tuple[StaffFacts, ...] = ()
    materials: tuple[MaterialFacts, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A failed rule: a stable `code`, the `field` it concerns, a translated message and the clause it rests on.

    `blocking` findings refuse a submission; the others are warnings. `is_default` marks a city default figure.
    """

    code: str
    field: str
    message: str
    clause: str = ""
    source: str = ""
    blocking: bool = False
    is_default: bool = False


def choice_label(choices, value: str) -> str:
    """The translated label of a TextChoices value, or the value itself when it is not one of them."""
    return str(choices(value).label) if value in choices.values else value
