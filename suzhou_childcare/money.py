"""Money is Decimal, rounded once, half up, to the fen (0.01 yuan)."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def round_fen(amount: Decimal | int | str) -> Decimal:
    """Round an amount in yuan to the fen, half up. Floats are refused: they cannot hold money exactly."""
    if isinstance(amount, float):
        raise TypeError("Money must not be a float; pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)
