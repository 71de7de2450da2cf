"""Recognition criteria (普惠 / 示范认定) as pure checks over plain facts.

A criteria set is data (`CriteriaSet` + `Criterion` rows); each row names one of the registered checks below
with its parameters, clause and source. `evaluate` runs every row over `RecognitionFacts` and returns one
result per criterion with the evidence a reviewer reads, so a failure always says which criterion and why.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FILED_STATES = ("filed", "verified", "change_pending")
GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class RecognitionFacts:
    """What the criteria read about a facility on a day; JSON-serialisable through `as_json`/`from_json`."""

    on: date
    filing_status: str
    filing_number: str = ""
    filed_on: date | None = None
    category: str = ""
    district: str = ""
    full_day_fee: Decimal | None = None
    fee_reference: Decimal | None = None
    fee_reference_year: int | None = None
    agreement_signed_on: date | None = None
    agreement_reference: str = ""
    serious_violation_on: date | None = None
    serious_violation_reference: str = ""
    quality_grade: str = ""
    quality_assessed_on: date | None = None
    training_compliant: bool | None = None
    training_gaps: tuple = field(default_factory=tuple)
    guidance_accepted: bool = False
    inclusive_in_force: tuple[str, ...] = field(default_factory=tuple)
    slots: int = 0
    enrolled: int = 0
    opened_on: date | None = None

    def as_json(self) -> dict:
        out = {}
        for key, value in asdict(self).items():
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping) -> RecognitionFacts:
        values = dict(data)
        for key in (
            "on",
            "filed_on",
            "agreement_signed_on",
            "serious_violation_on",
            "quality_assessed_on",
            "opened_on",
        ):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        for key in ("full_day_fee", "fee_reference"):
            if values.get(key) is not None:
                values[key] = Decimal(values[key])
        for key in ("training_gaps", "inclusive_in_force"):
            values[key] = tuple(values.get(key) or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


@dataclass(frozen=True)
class CriterionRow:
    """A criterion as stored: the check it runs, its parameters, and where it comes from."""

    check_code: str
    params: Mapping = field(default_factory=dict)
    clause: str = ""
    source: str = ""
    is_default: bool = False


@dataclass(frozen=True)
class CriterionResult:
    check_code: str
    label: str
    passed: bool
    evidence: str
    clause: str
    source: str
    is_default: bool

    def as_json(self) -> dict:
        return asdict(self)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _years_before(day: date, years: int) -> date:
    return months_before(day, 12 * years)


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


# --- the checks: (facts, params) -> (passed, evidence) ---


def _filed(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    if facts.filing_status in FILED_STATES:
        return True, _("Filed: number %(number)s, filed on %(date)s.") % {
            "number": facts.filing_number or "—",
            "date": _text(facts.filed_on or "—"),
        }
    return False, _("The facility is not filed (filing status: %(status)s).") % {"status": facts.filing_status}


def _fee_within_reference(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    if facts.full_day_fee is None:
        return False, _("The facility offers no full-day service: the reference compares the full-day fee.")
    if facts.fee_reference is None:
        return False, _("No full-day fee reference is set for this unit in %(year)s.") % {
            "year": facts.fee_reference_year or facts.on.year
        }
    values = {"fee": facts.full_day_fee, "reference": facts.fee_reference, "year": facts.fee_reference_year}
    if facts.full_day_fee <= facts.fee_reference:
        return True, _("Full-day fee ¥%(fee)s a month, within the %(year)s reference of ¥%(reference)s.") % values
    return False, _("Full-day fee ¥%(fee)s a month exceeds the %(year)s reference of ¥%(reference)s.") % values


def _agreement(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    if facts.agreement_signed_on and facts.agreement_signed_on <= facts.on:
        return True, _("Support agreement %(reference)s signed on %(date)s.") % {
            "reference": facts.agreement_reference or "—",
            "date": facts.agreement_signed_on.isoformat(),
        }
    if facts.agreement_signed_on:
        return False, _("The support agreement is dated %(date)s, after the day of the check.") % {
            "date": facts.agreement_signed_on.isoformat()
        }
    return False, _("No signed support agreement with the unit's health commission is recorded.")


def _no_serious_violation(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    months = int(params.get("months", 12))
    since = months_before(facts.on, months)
    if facts.serious_violation_on is None or facts.serious_violation_on > facts.on:
        return True, _("No serious violation decided.")
    if facts.serious_violation_on <= since:
        return True, _("Last serious violation decided on %(date)s, more than %(months)d months ago.") % {
            "date": facts.serious_violation_on.isoformat(),
            "months": months,
        }
    return False, _("Serious violation decided on %(date)s (%(reference)s), within the last %(months)d months.") % {
        "date": facts.serious_violation_on.isoformat(),
        "reference": facts.serious_violation_reference or "—",
        "months": months,
    }


def _inclusive_or_filed_years(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    years = int(params.get("years", 2))
    if facts.inclusive_in_force:
        return True, _("Recognised as inclusive (%(kinds)s).") % {"kinds": ", ".join(facts.inclusive_in_force)}
    if facts.filing_status in FILED_STATES and facts.filed_on and facts.filed_on <= _years_before(facts.on, years):
        return True, _("Filed on %(date)s, at least %(years)d years ago.") % {
            "date": facts.filed_on.isoformat(),
            "years": years,
        }
    return False, _("Neither recognised as inclusive nor filed for %(years)d years (filed on %(date)s).") % {
        "years": years,
        "date": _text(facts.filed_on or "—"),
    }


def _quality_grade(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    grades = tuple(params.get("grades", ("A", "B")))
    if not facts.quality_grade or (facts.quality_assessed_on and facts.quality_assessed_on > facts.on):
        return False, _("No quality assessment grade is recorded; grade %(grades)s is required.") % {
            "grades": "/".join(grades)
        }
    values = {
        "grade": facts.quality_grade,
        "date": _text(facts.quality_assessed_on or "—"),
        "grades": "/".join(grades),
    }
    if facts.quality_grade in grades:
        return True, _("Latest quality grade %(grade)s (assessed on %(date)s).") % values
    return False, _("Latest quality grade %(grade)s (assessed on %(date)s); grade %(grades)s is required.") % values


def _training(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    if facts.training_compliant is True:
        return True, _("Every staff member meets the training requirements.")
    if facts.training_compliant is None:
        return False, _("Staff training compliance has not been checked yet.")
    return False, _("%(count)d training requirement(s) not met by the staff.") % {"count": len(facts.training_gaps)}


def _guidance(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    if facts.guidance_accepted:
        return True, _("The facility accepts the guidance duties of a model facility.")
    return False, _("The facility has not accepted the guidance duties of a model facility.")


def _min_slots(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    minimum = int(params.get("slots", 0))
    values = {"slots": facts.slots, "minimum": minimum}
    if facts.slots >= minimum:
        return True, _("%(slots)d slots (at least %(minimum)d).") % values
    return False, _("%(slots)d slots, fewer than %(minimum)d.") % values


def _min_occupancy(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    minimum = Decimal(str(params.get("percent", 0)))
    rate = (Decimal(facts.enrolled) * 100 / facts.slots).quantize(Decimal("0.1")) if facts.slots else Decimal(0)
    values = {"rate": rate, "minimum": minimum, "enrolled": facts.enrolled, "slots": facts.slots}
    if rate >= minimum:
        return True, _("Occupancy %(rate)s%% (%(enrolled)d of %(slots)d), at least %(minimum)s%%.") % values
    return False, _("Occupancy %(rate)s%% (%(enrolled)d of %(slots)d), below %(minimum)s%%.") % values


def _min_operating_years(facts: RecognitionFacts, params: Mapping) -> tuple[bool, str]:
    years = int(params.get("years", 1))
    if facts.opened_on and facts.opened_on <= _years_before(facts.on, years):
        return True, _("Operating since %(date)s, at least %(years)d year(s).") % {
            "date": facts.opened_on.isoformat(),
            "years": years,
        }
    return False, _("Operating since %(date)s, less than %(years)d year(s).") % {
        "date": _text(facts.opened_on or "—"),
        "years": years,
    }


@dataclass(frozen=True)
class Check:
    label: object  # lazily translated
    run: Callable[[RecognitionFacts, Mapping], tuple[bool, str]]
    params: Mapping[str, type] = field(default_factory=dict)


CHECKS: dict[str, Check] = {
    "filed": Check(gettext_lazy("Filed (已备案)"), _filed),
    "full_day_fee_within_reference": Check(
        gettext_lazy("Full-day fee within the unit's reference fee"), _fee_within_reference
    ),
    "support_agreement_signed": Check(gettext_lazy("Support agreement signed"), _agreement),
    "no_serious_violation": Check(
        gettext_lazy("No serious violation within the period"), _no_serious_violation, {"months": int}
    ),
    "inclusive_or_filed_years": Check(
        gettext_lazy("Recognised as inclusive, or filed for a number of years"),
        _inclusive_or_filed_years,
        {"years": int},
    ),
    "quality_grade": Check(gettext_lazy("Latest quality grade"), _quality_grade, {"grades": list}),
    "training_compliant": Check(gettext_lazy("Staff training compliant"), _training),
    "guidance_duties_accepted": Check(gettext_lazy("Guidance duties accepted (示范带动)"), _guidance),
    "min_slots": Check(gettext_lazy("Minimum number of slots"), _min_slots, {"slots": int}),
    "min_occupancy": Check(gettext_lazy("Minimum occupancy (%)"), _min_occupancy, {"percent": Decimal}),
    "min_operating_years": Check(gettext_lazy("Minimum years in operation"), _min_operating_years, {"years": int}),
}


# Beyond these a date computed from the parameter leaves the calendar (a window of 5,000 years).
INT_LIMITS = {"years": 100, "months": 1200, "slots": 100_000}


def params_problems(check_code: str, params: Mapping) -> list[str]:
    """What is wrong with a criterion the city admin enters (unknown check, missing or bad parameters)."""
    check = CHECKS.get(check_code)
    if check is None:
        return [_("Unknown check “%(code)s”.") % {"code": check_code}]
    problems = []
    unknown = set(params) - set(check.params)
    if unknown:
        problems.append(_("Unknown parameter(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name, kind in check.params.items():
        if name not in params:
            problems.append(_("The parameter “%(name)s” is required.") % {"name": name})
            continue
        value = params[name]
        if kind is int:
            high = INT_LIMITS.get(name, 10_000)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > high:
                problems.append(
                    _("“%(name)s” must be a whole number from 0 to %(high)s.") % {"name": name, "high": f"{high:,}"}
                )
        elif kind is Decimal:
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or number < 0 or number > 100:
                problems.append(_("“%(name)s” must be a number from 0 to 100.") % {"name": name})
        elif kind is list and (not isinstance(value, list) or not value or any(grade not in GRADES for grade in value)):
            problems.append(_("“%(name)s” must list grades among A, B, C and D.") % {"name": name})
    return problems


def evaluate(criteria: Iterable[CriterionRow], facts: RecognitionFacts) -> list[CriterionResult]:
    results = []
    for row in criteria:
        check = CHECKS.get(row.check_code)
        if check is None:
            passed, evidence, label = False, _("Unknown check “%(code)s”.") % {"code": row.check_code}, row.check_code
        else:
            passed, evidence = check.run(facts, row.params or {})
            label = str(check.label)
        results.append(
            CriterionResult(
                check_code=row.check_code,
                label=label,
                passed=passed,
                evidence=evidence,
                clause=row.clause,
                source=row.source,
                is_default=row.is_default,
            )
        )
    return results


def failures(results: Iterable[CriterionResult]) -> list[CriterionResult]:
    return [result for result in results if not result.passed]
