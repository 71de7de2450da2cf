from decimal import Decimal

import pytest

from suzhou_childcare.money import round_fen


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), (800, "800.00")],
)
def test_rounding_is_half_up_to_the_fen(amount, expected):
    assert round_fen(Decimal(amount) if isinstance(amount, str) else amount) == Decimal(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        round_fen(2.675)
