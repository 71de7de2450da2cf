"""The legal range of a penalty (人口与计划生育法 2021, Art. 41), judged without a database."""

from decimal import Decimal

import pytest

from inspections.reference import PENALTY_RULES
from inspections.rules_penalties import penalty_problems, yuan

RULES = {kind: (low, high, clause) for kind, low, high, _serious, clause in PENALTY_RULES}


def fields(kind, amount):
    return [field for field, _message, _clause in penalty_problems(kind, amount, RULES[kind])]


@pytest.mark.parametrize(
    ("kind", "amount", "ok"),
    [
        ("fine", Decimal("5000"), True),
        ("fine", Decimal("5000.00"), True),
        ("fine", Decimal("4999.99"), False),
        ("fine", Decimal("50000"), True),
        ("fine", Decimal("50000.01"), False),
        ("fine", Decimal("0"), False),
        ("fine", Decimal("-5000"), False),
        ("suspension", Decimal("50000"), True),
        ("suspension", Decimal("49999.99"), False),
        ("suspension", Decimal("100000.00"), True),
        ("suspension", Decimal("100000.01"), False),
        ("suspension", Decimal("75000.5"), True),
    ],
)
def test_fines_are_within_their_legal_range_both_limits_included(kind, amount, ok):
    assert (fields(kind, amount) == []) is ok


@pytest.mark.parametrize("kind", ["warning", "lifetime_ban"])
def test_a_warning_or_a_ban_takes_no_amount(kind):
    assert penalty_problems(kind, None, RULES[kind]) == []
    [(field, message, clause)] = penalty_problems(kind, Decimal("5000"), RULES[kind])
    assert field == "amount" and message
    assert "第四十一条" in clause


@pytest.mark.parametrize("kind", ["fine", "suspension"])
def test_a_fine_or_a_stop_of_service_needs_an_amount(kind):
    [(field, _message, clause)] = penalty_problems(kind, None, RULES[kind])
    assert field == "amount" and "第四十一条" in clause


def test_an_amount_is_stated_to_the_fen():
    assert fields("fine", Decimal("5000.001")) == ["amount"]
    assert fields("fine", Decimal("5000.000")) == []  # three decimals, but a whole number of fen


def test_money_is_never_a_float_and_never_nan():
    assert fields("fine", 5000.0) == ["amount"]
    assert fields("fine", Decimal("NaN")) == ["amount"]
    assert fields("fine", True) == ["amount"]
    assert fields("fine", 5000) == []  # an int is an exact amount


def test_the_message_names_the_range_and_the_clause_is_the_rule():
    low, high, clause = RULES["fine"]
    [(_field, message, got_clause)] = penalty_problems("fine", Decimal("4999.99"), (low, high, clause))
    assert "5,000" in message and "50,000" in message
    assert got_clause == clause


def test_a_changed_rule_is_data_not_a_literal():
    rule = (Decimal("10000"), Decimal("20000"), "新条款")
    assert penalty_problems("fine", Decimal("5000"), rule)[0][2] == "新条款"
    assert penalty_problems("fine", Decimal("15000"), rule) == []


def test_yuan_formats_for_people():
    assert yuan(Decimal("50000")) == "50,000"
    assert yuan(Decimal("4999.99")) == "4,999.99"
