"""The recognition criteria as pure rules: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from facilities.rules.recognition import (
    CriterionRow,
    RecognitionFacts,
    evaluate,
    failures,
    months_before,
    params_problems,
)

ON = date(2021, 12, 31)


def facts(**overrides) -> RecognitionFacts:
    values = {
        "on": ON,
        "filing_status": "filed",
        "filing_number": "320508-2021-0001",
        "filed_on": date(2021, 3, 1),
        "full_day_fee": Decimal("3000.00"),
        "fee_reference": Decimal("3500.00"),
        "fee_reference_year": 2021,
        "agreement_signed_on": date(2021, 6, 1),
        "agreement_reference": "姑卫〔2021〕1号",
        "training_compliant": True,
        "guidance_accepted": True,
        "quality_grade": "B",
        "quality_assessed_on": date(2021, 10, 1),
        "slots": 40,
        "enrolled": 30,
        "opened_on": date(2019, 9, 1),
    }
    values.update(overrides)
    return RecognitionFacts(**values)


def one(check_code: str, subject: RecognitionFacts, **params):
    # The evidence is read in English here so that assertions on its words do not depend on the active language.
    with translation.override("en"):
        (result,) = evaluate([CriterionRow(check_code, params, clause="条款", source="来源")], subject)
    return result


@pytest.mark.parametrize("status", ["filed", "verified", "change_pending"])
def test_filed_states_pass(status):
    assert one("filed", facts(filing_status=status)).passed


@pytest.mark.parametrize("status", ["draft", "submitted", "nonconforming", "cancelled", "known"])
def test_other_states_fail_and_say_the_state(status):
    result = one("filed", facts(filing_status=status))
    assert not result.passed
    assert status in result.evidence


def test_fee_at_the_reference_passes_one_fen_above_fails():
    assert one("full_day_fee_within_reference", facts(full_day_fee=Decimal("3500.00"))).passed
    result = one("full_day_fee_within_reference", facts(full_day_fee=Decimal("3500.01")))
    assert not result.passed
    assert "3500.01" in result.evidence and "3500.00" in result.evidence


def test_no_full_day_service_or_no_reference_fails_with_the_reason():
    assert "full-day" in one("full_day_fee_within_reference", facts(full_day_fee=None)).evidence
    assert "2021" in one("full_day_fee_within_reference", facts(fee_reference=None)).evidence


def test_agreement_must_be_signed_by_the_day():
    assert one("support_agreement_signed", facts()).passed
    assert not one("support_agreement_signed", facts(agreement_signed_on=None)).passed
    assert not one("support_agreement_signed", facts(agreement_signed_on=date(2022, 1, 1))).passed


def test_serious_violation_window_is_counted_in_months():
    window = {"months": 12}
    assert one("no_serious_violation", facts(serious_violation_on=None), **window).passed
    assert one("no_serious_violation", facts(serious_violation_on=date(2020, 12, 31)), **window).passed
    assert not one("no_serious_violation", facts(serious_violation_on=date(2021, 1, 1)), **window).passed
    # A violation decided after the day of the check is not counted in that check.
    assert one("no_serious_violation", facts(serious_violation_on=date(2022, 1, 5)), **window).passed


def test_model_prerequisite_inclusive_or_filed_years():
    assert one("inclusive_or_filed_years", facts(inclusive_in_force=("municipal_inclusive",)), years=2).passed
    assert one("inclusive_or_filed_years", facts(filed_on=date(2019, 12, 31)), years=2).passed
    assert not one("inclusive_or_filed_years", facts(filed_on=date(2020, 1, 1)), years=2).passed


def test_quality_grade():
    assert one("quality_grade", facts(quality_grade="A"), grades=["A", "B"]).passed
    assert not one("quality_grade", facts(quality_grade="C"), grades=["A", "B"]).passed
    assert not one("quality_grade", facts(quality_grade=""), grades=["A", "B"]).passed
    # A grade assessed after the day of the check did not exist on that day.
    assert not one("quality_grade", facts(quality_assessed_on=date(2022, 3, 1)), grades=["A", "B"]).passed


def test_training_and_guidance():
    assert not one("training_compliant", facts(training_compliant=False, training_gaps=("a", "b"))).passed
    assert "2" in one("training_compliant", facts(training_compliant=False, training_gaps=("a", "b"))).evidence
    assert not one("training_compliant", facts(training_compliant=None)).passed
    assert not one("guidance_duties_accepted", facts(guidance_accepted=False)).passed


def test_city_added_criteria():
    assert one("min_slots", facts(slots=40), slots=40).passed
    assert not one("min_slots", facts(slots=39), slots=40).passed
    assert one("min_occupancy", facts(slots=40, enrolled=30), percent=75).passed
    assert not one("min_occupancy", facts(slots=40, enrolled=29), percent=75).passed
    assert not one("min_occupancy", facts(slots=0, enrolled=0), percent=1).passed
    assert one("min_operating_years", facts(opened_on=date(2019, 12, 31)), years=2).passed
    assert not one("min_operating_years", facts(opened_on=None), years=1).passed


def test_every_failure_names_its_clause_and_source():
    rows = [
        CriterionRow("filed", {}, "备案条款", "国卫办人口发〔2019〕25号"),
        CriterionRow("min_slots", {"slots": 99}, "托位", "本市"),
    ]
    failed = failures(evaluate(rows, facts(filing_status="draft")))
    assert [(f.check_code, f.clause, f.source) for f in failed] == [
        ("filed", "备案条款", "国卫办人口发〔2019〕25号"),
        ("min_slots", "托位", "本市"),
    ]


def test_unknown_check_fails_rather_than_passing():
    (result,) = evaluate([CriterionRow("no_such_check")], facts())
    assert not result.passed


@pytest.mark.parametrize(
    ("check_code", "params"),
    [
        ("no_such_check", {}),
        ("min_slots", {}),
        ("min_slots", {"slots": -1}),
        ("min_slots", {"slots": "ten"}),
        ("min_slots", {"slots": True}),
        ("min_slots", {"slots": 5, "extra": 1}),
        ("min_occupancy", {"percent": "NaN"}),
        ("min_occupancy", {"percent": 101}),
        ("quality_grade", {"grades": ["E"]}),
        ("quality_grade", {"grades": []}),
    ],
)
def test_bad_parameters_are_named(check_code, params):
    assert params_problems(check_code, params)


def test_good_parameters_pass():
    assert params_problems("min_occupancy", {"percent": "60.5"}) == []
    assert params_problems("quality_grade", {"grades": ["A"]}) == []
    assert params_problems("filed", {}) == []


def test_facts_round_trip_through_json():
    subject = facts(inclusive_in_force=("municipal_inclusive",), training_gaps=("x",))
    assert RecognitionFacts.from_json(subject.as_json()) == subject


def test_months_before_clamps_to_month_end():
    assert months_before(date(2021, 3, 31), 1) == date(2021, 2, 28)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2021, 1, 15), -12) == date(2022, 1, 15)


@pytest.mark.parametrize(
    ("check_code", "params"), [("min_operating_years", {"years": 5000}), ("no_serious_violation", {"months": 99999})]
)
def test_windows_beyond_the_calendar_are_refused(check_code, params):
    assert params_problems(check_code, params)
