"""Staff training compliance of one facility: pure rules over plain values (no ORM), tested without a database.

Each gap names the role, the person as the facility's roster names them (never an ID number), the
requirement that failed and the clause it comes from. Requirements the city sets where no national text
fixes the detail are marked as city defaults in their clause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

DIRECTOR = "director"
CARER = "carer"
HEALTH_CARE = "health_care"
PASSED = "passed"

# Fallback only: the figure in force is the standards row `director.min_post_training_hours` (WS/T 821—2023).
DIRECTOR_MIN_HOURS = Decimal("60")
CARER_COURSE_TARGETS = frozenset({"carer", "nursery_teacher", "infant_carer"})

CITY_DEFAULT = "（苏州市默认口径，可调整）"

# requirement code -> clause it comes from
CLAUSES: dict[str, str] = {
    "director_on_roster": "托育机构设置标准（试行）（国卫人口发〔2019〕58号）：托育机构应当有负责人" + CITY_DEFAULT,
    "director_training": "WS/T 821—2023：托育机构负责人岗位培训≥60学时",
    "health_care_assessment": "托儿所幼儿园卫生保健管理办法（卫生部令第76号）：卫生保健人员经妇幼保健机构培训考核合格"
    + CITY_DEFAULT,
    "carer_training": "托育机构设置标准（试行）（国卫人口发〔2019〕58号）：保育人员受过婴幼儿保育相关培训；"
    "保育师/育婴员职业培训亦可" + CITY_DEFAULT,
    "health_certificate": "托儿所幼儿园卫生保健管理办法（卫生部令第76号）："
    "工作人员健康检查合格后方可上岗，在岗定期体检",
    "no_criminal_record": "托育机构管理规范（试行）（国卫人口发〔2019〕58号）：工作人员背景审查（无犯罪记录证明）"
    + CITY_DEFAULT,
}


@dataclass(frozen=True)
class StaffFacts:
    person_id: int
    name: str
    role: str
    health_certificate_expires_on: date | None
    no_criminal_record_on_file: bool


@dataclass(frozen=True)
class TrainingFacts:
    person_id: int
    target: str
    result: str
    hours: Decimal
    certificate_valid_until: date | None


@dataclass(frozen=True)
class AssessmentFacts:
    person_id: int
    passed: bool
    valid_until: date | None


def _valid_on(valid_until: date | None, today: date) -> bool:
    """A document without an end date stays valid; one with an end date is valid through that day."""
    return valid_until is None or valid_until >= today


def _gap(role: str, person: str, requirement: str) -> dict[str, Any]:
    return {"role": role, "person": person, "requirement": requirement, "clause": CLAUSES[requirement]}


def _has_training(records: Iterable[TrainingFacts], targets: frozenset[str], today: date, min_hours=None) -> bool:
    return any(
        r.target in targets
        and r.result == PASSED
        and _valid_on(r.certificate_valid_until, today)
        and (min_hours is None or Decimal(r.hours) >= min_hours)
        for r in records
    )


def compliance(
    staff: list,
    records: Iterable,
    assessments: Iterable,
    today: date,
    *,
    director_min_hours: Decimal = DIRECTOR_MIN_HOURS,
) -> tuple[bool, list[dict]]:
    """Whether the current roster meets the training and staffing-document requirements, and every gap.

    `staff`, `records` and `assessments` are objects with the attributes of `StaffFacts`, `TrainingFacts`
    and `AssessmentFacts` (plain dataclasses or anything alike).
    """
    records_by_person: dict[int, list] = {}
    for record in records:
        records_by_person.setdefault(record.person_id, []).append(record)
    assessments_by_person: dict[int, list] = {}
    for assessment in assessments:
        assessments_by_person.setdefault(assessment.person_id, []).append(assessment)

    gaps: list[dict] = []
    if not any(member.role == DIRECTOR for member in staff):
        gaps.append(_gap(DIRECTOR, "", "director_on_roster"))
    for member in staff:
        own_records = records_by_person.get(member.person_id, [])
        if member.role == DIRECTOR and not _has_training(
            own_records, frozenset({DIRECTOR}), today, min_hours=director_min_hours
        ):
            gaps.append(_gap(member.role, member.name, "director_training"))
        if member.role == HEALTH_CARE and not any(
            a.passed and _valid_on(a.valid_until, today) for a in assessments_by_person.get(member.person_id, [])
        ):
            gaps.append(_gap(member.role, member.name, "health_care_assessment"))
        if member.role == CARER and not _has_training(own_records, CARER_COURSE_TARGETS, today):
            gaps.append(_gap(member.role, member.name, "carer_training"))
        expires = member.health_certificate_expires_on
        if expires is None or expires < today:
            gaps.append(_gap(member.role, member.name, "health_certificate"))
        if not member.no_criminal_record_on_file:
            gaps.append(_gap(member.role, member.name, "no_criminal_record"))
    return not gaps, gaps
