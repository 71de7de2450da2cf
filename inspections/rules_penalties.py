"""The amount of an administrative penalty against its legal range (人口与计划生育法 2021, Art. 41).

Pure: plain values in, problems out, no database. The range and its clause come from the `PenaltyRule` row
in force (versioned data), passed in as ``(min, max, clause)``; a rule without a range (warning, lifetime
ban) takes no amount at all.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

FEN = Decimal("0.01")

Rule = tuple[Decimal | None, Decimal | None, str]
Problem = tuple[str, str, str]  # (field, message, clause)


def yuan(amount: Decimal) -> str:
    """`Decimal("50000")` -> `50,000`; `Decimal("4999.99")` -> `4,999.99` (for messages)."""
    return f"{amount:,.2f}".removesuffix(".00")


def penalty_problems(kind: str, amount: Decimal | None, rule: Rule) -> list[Problem]:
    """What is wrong with `amount` for a penalty of `kind` under `rule`; empty when it may be imposed.

    - a rule with no range (warning, lifetime ban) refuses any amount;
    - a rule with a range (fine, suspension) needs an amount: a `Decimal` (never a float), at most two
      decimal places (the fen), inside the range with both limits included (五千元以上五万元以下: 以上/以下
      include the figure itself).
    """
    low, high, clause = rule
    if low is None and high is None:
        if amount is not None:
            return [("amount", _("This kind of penalty takes no fine amount; leave the amount empty."), clause)]
        return []
    if amount is None:
        return [("amount", _("Enter the fine in yuan."), clause)]
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        return [("amount", _("Enter the fine in yuan as a number such as 5000.00."), clause)]
    amount = Decimal(amount)
    if not amount.is_finite():
        return [("amount", _("Enter the fine in yuan as a number such as 5000.00."), clause)]
    try:
        in_fen = amount == amount.quantize(FEN)
    except InvalidOperation:  # more digits than the decimal context holds: certainly not a legal fine
        in_fen = False
    if not in_fen:
        return [("amount", _("A fine is stated to the fen: at most two decimal places."), clause)]
    if (low is not None and amount < low) or (high is not None and amount > high):
        if low is not None and high is not None:
            message = _("The fine must be from ¥%(min)s to ¥%(max)s (both included).") % {
                "min": yuan(low),
                "max": yuan(high),
            }
        elif low is not None:
            message = _("The fine must be at least ¥%(min)s.") % {"min": yuan(low)}
        else:
            message = _("The fine must be at most ¥%(max)s.") % {"max": yuan(high)}
        return [("amount", message, clause)]
    return []
