"""Scoring a quality assessment (WS/T 821—2023 托育机构质量评估标准), as a pure function.

The scheme is data (`AssessmentScheme`): seven dimensions with their maximum points (1000 in all), grade
thresholds from A down (city defaults: the standard's own cut-offs were not found in a public text), and the
basic items (否决项) any one of which fails the result whatever the points: grade D.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

CLAUSE = "WS/T 821—2023 托育机构质量评估标准"
VETO_GRADE = "D"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Scheme:
    """dimensions: {code: {"label", "max"}}; thresholds: [[grade, minimum total], ...]; vetoes: {code: label}."""

    dimensions: Mapping[str, Mapping[str, Any]]
    thresholds: list[list[Any]]
    vetoes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> Scheme:
        return cls(dimensions=row.dimensions, thresholds=row.grade_thresholds, vetoes=row.veto_items)

    @property
    def maximum(self) -> Decimal:
        return sum((Decimal(str(d["max"])) for d in self.dimensions.values()), Decimal(0))


class Problem(NamedTuple):
    """A field (`scores.<dimension code>` or `vetoes_failed`) and what is wrong with it, naming the dimension."""

    field: str
    message: str


class Result(NamedTuple):
    total: Decimal
    grade: str | None  # None while there are problems
    problems: list[Problem]


def points(value: Any) -> Decimal | None:
    """The points entered, as a Decimal; None when they are not a number."""
    if value is None or isinstance(value, bool):
        return None
    # Through str(): a float's shortest repr (95.5, 0.1), never its binary expansion.
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def grade_for(total: Decimal, thresholds: Iterable[Iterable[Any]]) -> str:
    """The first grade, from the highest threshold down, whose minimum the total reaches (the lowest otherwise)."""
    ordered = sorted(((str(g), Decimal(str(m))) for g, m in thresholds), key=lambda pair: pair[1], reverse=True)
    for grade, minimum in ordered:
        if total >= minimum:
            return grade
    return ordered[-1][0] if ordered else VETO_GRADE


def assess(scheme: Scheme, scores: Mapping[str, Any], vetoes_failed: Iterable[str]) -> Result:
    """Total, grade and problems. Every dimension must be scored within 0..its maximum, in hundredths at most;
    a failed veto item gives grade D whatever the points."""
    problems: list[Problem] = []
    total = Decimal(0)
    scores = dict(scores or {})
    for code, dimension in scheme.dimensions.items():
        label = dimension["label"]
        maximum = Decimal(str(dimension["max"]))
        name = f"scores.{code}"
        if code not in scores or scores[code] in (None, ""):
            problems.append(
                Problem(
                    name, _("%(dimension)s: enter the points (0 to %(max)s).") % {"dimension": label, "max": maximum}
                )
            )
            continue
        entered = points(scores[code])
        if entered is None:
            problems.append(Problem(name, _("%(dimension)s: the points must be a number.") % {"dimension": label}))
        elif entered < 0 or entered > maximum:
            problems.append(
                Problem(
                    name,
                    _("%(dimension)s: the points must be between 0 and %(max)s (maximum of this dimension).")
                    % {"dimension": label, "max": maximum},
                )
            )
        elif entered != entered.quantize(CENT):
            problems.append(Problem(name, _("%(dimension)s: points have at most two decimals.") % {"dimension": label}))
        else:
            total += entered
    problems.extend(
        Problem(f"scores.{code}", _("“%(code)s” is not a dimension of this scheme.") % {"code": code})
        for code in sorted(set(scores) - set(scheme.dimensions))
    )
    failed = list(dict.fromkeys(str(code) for code in (vetoes_failed or ())))
    unknown = [code for code in failed if code not in scheme.vetoes]
    if unknown:
        problems.append(
            Problem(
                "vetoes_failed",
                _("Not a veto item of this scheme: %(codes)s.") % {"codes": "、".join(unknown)},
            )
        )
    total = total.quantize(CENT)
    if problems:
        return Result(total, None, problems)
    grade = VETO_GRADE if failed else grade_for(total, scheme.thresholds)
    return Result(total, grade, [])
