"""Eligibility for the city's talent awards: pure functions over plain values (no ORM).

`conditions` is an `AwardRule.conditions` mapping; every key is optional and only the keys present are
checked. `facts` describes the applicant on the day of the check. Each problem is one sentence; the caller
names the rule's source as the clause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

FILED_STATUSES = frozenset({"filed", "verified", "change_pending"})


@dataclass(frozen=True)
class AwardFacts:
    on: date
    role: str
    employed_from: date
    facility_filing_status: str
    facility_grade: str = ""
    serious_violation_on: date | None = None
    # Vocational targets (`CourseTarget`) with a passed record whose certificate is valid on `on`.
    valid_certificate_targets: frozenset[str] = field(default_factory=frozenset)
    banned: bool = False


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 always exists


def full_years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)


def award_eligibility(rule_conditions: Mapping, facts: AwardFacts) -> list[str]:
    """The reasons the applicant is not eligible; an empty list means eligible."""
    problems: list[str] = []
    if facts.banned:
        problems.append(_("The person is banned from childcare."))
    roles = rule_conditions.get("roles")
    if roles and facts.role not in roles:
        problems.append(_("The award is not open to the applicant's role."))
    targets = rule_conditions.get("certificate_targets")
    if targets and not (set(targets) & set(facts.valid_certificate_targets)):
        problems.append(_("No passed vocational certificate (保育师 or 育婴员) valid on the day."))
    min_years = rule_conditions.get("min_years_at_filed_facility")
    if min_years is not None:
        if facts.facility_filing_status not in FILED_STATUSES:
            problems.append(_("The facility is not filed."))
        if full_years_between(facts.employed_from, facts.on) < int(min_years):
            problems.append(_("Fewer than %(years)s full years at the facility.") % {"years": min_years})
    grades = rule_conditions.get("facility_grades")
    if grades and facts.facility_grade not in grades:
        problems.append(_("The facility's quality grade is not one of %(grades)s.") % {"grades": "/".join(grades)})
    months = rule_conditions.get("no_serious_violation_months")
    recent = months is not None and facts.serious_violation_on is not None
    if recent and facts.serious_violation_on > _months_before(facts.on, int(months)):
        problems.append(_("A serious violation was decided within the last %(months)s months.") % {"months": months})
    return problems
