"""The completion rate of each target the city set, as indicators: one per target indicator, per unit and the
city, for the year of the period as it stood on the period's as-of day. Read from the targets' own aggregate
(`facilities.selectors_development.target_progress`), so the dashboard, the assessment table and the statistics
agree. A unit or city without a target for the year has no completion: `unavailable`, never 0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from facilities.models import TargetIndicator
from facilities.selectors_development import target_progress

CODES = [f"target_completion_{indicator}" for indicator in TargetIndicator.values]


def target_figures(*, period: date, day: date) -> dict[str | None, dict[str, tuple[Decimal, Decimal, Decimal] | None]]:
    """{unit code or None for the city: {indicator code: (completion %, actual, target) or None}}."""
    progress = target_progress(year=period.year, citywide=True, today=day)
    out: dict[str | None, dict] = {}
    for row in progress["rows"]:
        code = row.get("code") if row.get("code") else None
        figures = {}
        for cell in row["indicators"]:
            key = f"target_completion_{cell['indicator']}"
            if cell["completion"] is None or cell["actual"] is None or not cell["target"]:
                figures[key] = None
            else:
                figures[key] = (
                    (Decimal(cell["completion"]) * 100).quantize(Decimal("0.0001")),
                    Decimal(cell["actual"]),
                    Decimal(cell["target"]),
                )
        out[code] = figures
    return out
