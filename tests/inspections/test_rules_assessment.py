"""Scoring a quality assessment (WS/T 821—2023) as a pure function. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inspections.reference import SCHEME as SEEDED
from inspections.rules_assessment import Scheme, assess, grade_for

SCHEME = Scheme(dimensions=SEEDED["dimensions"], thresholds=SEEDED["grade_thresholds"], vetoes=SEEDED["veto_items"])
FULL = {code: dimension["max"] for code, dimension in SEEDED["dimensions"].items()}


def scores(**changes) -> dict:
    return {**FULL, **changes}


def test_the_seeded_scheme_has_seven_dimensions_adding_up_to_1000():
    assert len(SCHEME.dimensions) == 7
    assert SCHEME.maximum == 1000
    assert [d["max"] for d in SCHEME.dimensions.values()] == [100, 140, 200, 210, 80, 200, 70]


def test_full_points_give_grade_a():
    total, grade, problems = assess(SCHEME, FULL, [])
    assert (total, grade, problems) == (Decimal("1000.00"), "A", [])


def test_a_failed_veto_item_gives_grade_d_whatever_the_points():
    total, grade, problems = assess(SCHEME, FULL, ["abuse"])
    assert problems == []
    assert total == Decimal("1000.00")
    assert grade == "D"


@pytest.mark.parametrize(
    ("care", "grade"),
    [
        ("200", "A"),  # 1000
        ("100", "A"),  # 900: the threshold itself
        ("99.99", "B"),  # 899.99
        ("-50", None),  # negative points are refused, not graded
    ],
)
def test_grade_thresholds(care, grade):
    result = assess(SCHEME, scores(care=Decimal(care)), [])
    assert result.grade == grade


@pytest.mark.parametrize(
    ("total", "grade"),
    [("900", "A"), ("899.99", "B"), ("750", "B"), ("749.5", "C"), ("600", "C"), ("599.99", "D"), ("0", "D")],
)
def test_grade_for_totals(total, grade):
    assert grade_for(Decimal(total), SEEDED["grade_thresholds"]) == grade


def test_thresholds_are_read_from_the_highest_down_whatever_their_order():
    assert grade_for(Decimal("800"), [["D", 0], ["B", 750], ["A", 900], ["C", 600]]) == "B"


def test_decimal_points_are_added_exactly():
    result = assess(SCHEME, scores(conditions="95.5", workforce=Decimal("130.25"), care=180.1), [])
    assert result.problems == []
    assert result.total == Decimal(1000) - Decimal("4.5") - Decimal("9.75") - Decimal("19.9")


def test_points_over_a_maximum_are_a_problem_naming_the_dimension():
    _total, grade, problems = assess(SCHEME, scores(safety=201), [])
    assert grade is None
    assert [p.field for p in problems] == ["scores.safety"]
    assert "安全保障" in problems[0].message
    assert "200" in problems[0].message


def test_every_bad_dimension_is_reported_at_once():
    bad = scores(conditions=-1, workforce="many", care="10.123")
    del bad["management"]
    problems = assess(SCHEME, bad, []).problems
    fields = {p.field: p.message for p in problems}
    assert set(fields) == {"scores.conditions", "scores.workforce", "scores.care", "scores.management"}
    assert "办托条件" in fields["scores.conditions"]
    assert "托育队伍" in fields["scores.workforce"]
    assert "保育照护" in fields["scores.care"]
    assert "机构管理" in fields["scores.management"]


def test_a_dimension_the_scheme_does_not_have_is_refused():
    problems = assess(SCHEME, scores(kindness=10), []).problems
    assert [p.field for p in problems] == ["scores.kindness"]


def test_unknown_veto_codes_are_refused():
    result = assess(SCHEME, FULL, ["abuse", "bad_weather"])
    assert result.grade is None
    assert [p.field for p in result.problems] == ["vetoes_failed"]
    assert "bad_weather" in result.problems[0].message


def test_a_boolean_is_not_a_number_of_points():
    assert [p.field for p in assess(SCHEME, scores(conditions=True), []).problems] == ["scores.conditions"]
