"""Counting working days: plain functions over plain values, no database.

A day is a working day by the weekend rule (Monday to Friday) unless the holiday arrangement of its year
says otherwise. Only years whose arrangement is complete (`known_years`) use their special days: for any
other year the weekend rule alone applies, and the result says so (`assumed_years`) so a page can warn.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

SATURDAY = 5


@dataclass(frozen=True)
class WorkdayResult:
    """A deadline, and the years on its way whose arrangement was unknown (weekends only were assumed)."""

    date: date
    assumed_years: tuple[int, ...] = ()


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


def is_workday(day: date, special: Mapping[date, bool], known_years: Set[int]) -> bool:
    """`special` maps a day that breaks the weekend rule to whether it is worked (True: make-up workday)."""
    if day.year in known_years:
        override = special.get(day)
        if override is not None:
            return override
    return not is_weekend(day)


def add_working_days(start: date, days: int, special: Mapping[date, bool], known_years: Set[int]) -> WorkdayResult:
    """The day on which the `days`-th working day after `start` falls.

    The day of `start` itself never counts (the day of receipt is not counted: the first working day is the
    next one), so a filing received on a Friday with 1 working day is due on Monday.
    """
    if isinstance(start, datetime) or not isinstance(start, date):
        # A timestamp would silently miss every special day: take its Shanghai date first.
        raise TypeError(f"start must be a date (timezone.localdate(timestamp) for a timestamp), not {start!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a whole number of at least 1, not {days!r}")
    assumed: set[int] = set()
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if day.year not in known_years:
            assumed.add(day.year)
        if is_workday(day, special, known_years):
            remaining -= 1
    return WorkdayResult(date=day, assumed_years=tuple(sorted(assumed)))
