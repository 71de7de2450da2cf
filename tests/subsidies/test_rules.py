"""The pure calculation and the terms' validation: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from subsidies.rules import MonthFacts, TermsError, calculate, parse_terms

BASE = {"base_rates": [{"recognition": None, "amount": "500.00"}], "eligibility": {"fee_within_reference": False}}


@pytest.mark.parametrize(
    "broken",
    [
        {"deductions": "x"},
        {"caps": [1]},
        {"awards": 5},
        {"base_rates": 3},
        {"eligibility": "all"},
        {"class_supplements": [1]},
    ],
)
def test_terms_of_the_wrong_shape_are_named_not_crashed(broken):
    with pytest.raises(TermsError) as refused:
        parse_terms({**BASE, **broken})
    assert set(refused.value.problems) & {next(iter(broken))}


def test_deductions_together_never_exceed_the_subtotal():
    terms = parse_terms({**BASE, "deductions": {"serious_violation_share": "0.8", "per_decided_penalty_share": "0.5"}})
    facts = MonthFacts(
        facility_id=1,
        period=date(2026, 5, 1),
        category="social",
        filing_status="filed",
        full_day_fee=Decimal(1),
        fee_reference=Decimal(2),
        report_present=True,
        enrolled_by_class=(("older", 10),),
        serious_violation_open=True,
        penalties_decided=2,
    )
    result = calculate(terms, facts, rule_ref="R")
    assert result.total == Decimal("0.00")
    assert [line.amount for line in result.lines] == [Decimal("5000.00"), Decimal("-4000.00"), Decimal("-1000.00")]
