"""Counting working days, without the database: the rules over plain dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from suzhou_childcare.workdays.reference import last_known_year, special_days_of
from suzhou_childcare.workdays.rules import WorkdayResult, add_working_days, is_weekend, is_workday

# National Day and Mid-autumn 2025 (国办发明电〔2024〕12号): 10-01..08 off, 09-28 (Sun) and 10-11 (Sat) worked.
NATIONAL_DAY_2025 = {
    date(2025, 9, 28): True,
    date(2025, 10, 1): False,
    date(2025, 10, 2): False,
    date(2025, 10, 3): False,
    date(2025, 10, 6): False,
    date(2025, 10, 7): False,
    date(2025, 10, 8): False,
    date(2025, 10, 11): True,
}
KNOWN_2025 = frozenset({2025})


def calendar_from_chinesecalendar() -> tuple[dict[date, bool], frozenset[int]]:
    years = range(2020, last_known_year() + 1)
    special = {day: workday for year in years for day, workday, _name in special_days_of(year)}
    return special, frozenset(years)


# --- the filing deadlines around National Day 2025 ----------------------------------------------------------


def test_filing_received_before_national_day_is_recorded_within_5_working_days():
    assert add_working_days(date(2025, 9, 30), 5, NATIONAL_DAY_2025, KNOWN_2025) == WorkdayResult(
        date=date(2025, 10, 14), assumed_years=()
    )


def test_non_conformity_notice_within_15_working_days_of_that_filing():
    result = add_working_days(date(2025, 9, 30), 15, NATIONAL_DAY_2025, KNOWN_2025)
    assert result == WorkdayResult(date=date(2025, 10, 28), assumed_years=())


def test_without_the_arrangement_the_same_filing_would_be_due_a_week_earlier():
    # The weekend rule alone: 10-01 Wed is day 1, so day 5 is Tuesday 10-07.
    assert add_working_days(date(2025, 9, 30), 5, {}, KNOWN_2025).date == date(2025, 10, 7)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 28), True),  # Sunday, make-up workday
        (date(2025, 10, 1), False),  # Wednesday, National Day
        (date(2025, 10, 4), False),  # Saturday inside the holiday: a weekend day anyway
        (date(2025, 10, 6), False),  # Monday, Mid-autumn
        (date(2025, 10, 9), True),  # Thursday after the holiday
        (date(2025, 10, 11), True),  # Saturday, make-up workday
        (date(2025, 10, 12), False),  # Sunday
    ],
)
def test_is_workday_follows_the_arrangement(day, expected):
    assert is_workday(day, NATIONAL_DAY_2025, KNOWN_2025) is expected


# --- the day of receipt does not count ----------------------------------------------------------------------


def test_day_of_receipt_is_not_counted_friday_plus_one_is_monday():
    assert add_working_days(date(2025, 11, 14), 1, {}, KNOWN_2025).date == date(2025, 11, 17)


def test_a_filing_received_on_a_working_day_plus_one_is_the_next_working_day():
    assert add_working_days(date(2025, 11, 17), 1, {}, KNOWN_2025).date == date(2025, 11, 18)


def test_a_filing_received_on_a_holiday_counts_from_the_next_working_day():
    # Received during the holiday (10-03): the first working day is 10-09.
    assert add_working_days(date(2025, 10, 3), 1, NATIONAL_DAY_2025, KNOWN_2025).date == date(2025, 10, 9)


def test_a_filing_received_on_a_make_up_workday_does_not_count_that_day_either():
    assert add_working_days(date(2025, 10, 11), 1, NATIONAL_DAY_2025, KNOWN_2025).date == date(2025, 10, 13)


@pytest.mark.parametrize("days", [0, -1, 1.5, True, "5"])
def test_days_must_be_a_whole_number_of_at_least_one(days):
    with pytest.raises(ValueError, match="days"):
        add_working_days(date(2025, 9, 30), days, {}, KNOWN_2025)


def test_a_timestamp_is_refused_rather_than_silently_missing_the_holidays():
    with pytest.raises(TypeError, match="localdate"):
        add_working_days(datetime(2025, 9, 30, 9, 0, tzinfo=UTC), 5, NATIONAL_DAY_2025, KNOWN_2025)


# --- years whose arrangement is unknown ---------------------------------------------------------------------


def test_a_deadline_crossing_into_an_unknown_year_counts_weekends_only_and_says_so():
    special, known = calendar_from_chinesecalendar()
    assert 2027 not in known
    # Mon 2026-12-28: 29, 30, 31, then Fri 2027-01-01 (weekday, assumed worked) and Mon 01-04.
    result = add_working_days(date(2026, 12, 28), 5, special, known)
    assert result == WorkdayResult(date=date(2027, 1, 4), assumed_years=(2027,))


def test_days_of_an_incomplete_year_are_not_used():
    special = {date(2027, 1, 1): False}
    assert is_workday(date(2027, 1, 1), special, frozenset({2026})) is True
    assert is_workday(date(2027, 1, 1), special, frozenset({2026, 2027})) is False
    result = add_working_days(date(2026, 12, 31), 1, special, frozenset({2026}))
    assert result == WorkdayResult(date=date(2027, 1, 1), assumed_years=(2027,))


def test_once_the_year_is_known_its_holidays_count_and_nothing_is_assumed():
    special, known = calendar_from_chinesecalendar()
    special = {**special, date(2027, 1, 1): False}
    result = add_working_days(date(2026, 12, 28), 5, special, known | {2027})
    assert result == WorkdayResult(date=date(2027, 1, 5), assumed_years=())


def test_every_unknown_year_crossed_is_reported_once_in_order():
    result = add_working_days(date(2026, 12, 30), 300, {}, frozenset({2026}))
    assert result.date.year == 2028
    assert result.assumed_years == (2027, 2028)


def test_a_deadline_inside_a_known_year_assumes_nothing_even_if_the_start_year_is_unknown():
    # The day of receipt is not counted, so its year is not crossed.
    result = add_working_days(date(2024, 12, 31), 1, {}, frozenset({2025}))
    assert result == WorkdayResult(date=date(2025, 1, 1), assumed_years=())


def test_the_result_is_frozen():
    result = add_working_days(date(2025, 9, 30), 5, NATIONAL_DAY_2025, KNOWN_2025)
    with pytest.raises(AttributeError):
        result.date = date(2025, 10, 15)


# --- agreement with chinesecalendar -------------------------------------------------------------------------


def naive_deadline(start: date, days: int) -> date:
    day = start
    while days:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            days -= 1
    return day


@pytest.mark.parametrize("days", [1, 5, 15, 30])
def test_only_storing_the_exceptions_gives_the_same_deadlines_as_chinesecalendar(days):
    special, known = calendar_from_chinesecalendar()
    last_start = date(last_known_year(), 12, 31) - timedelta(days=days * 3)
    start = date(2020, 1, 1)
    while start <= last_start:
        result = add_working_days(start, days, special, known)
        assert result.date == naive_deadline(start, days), start
        assert result.assumed_years == ()
        start += timedelta(days=3)


def test_is_weekend():
    assert [is_weekend(date(2025, 11, d)) for d in range(10, 17)] == [False] * 5 + [True, True]


def test_chinesecalendar_knows_2020_to_2026_and_not_2027():
    assert last_known_year() == 2026
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))


def test_the_2025_exceptions_are_the_weekday_holidays_and_weekend_make_up_days():
    rows = {day: (workday, name) for day, workday, name in special_days_of(2025)}
    assert len(rows) == 23
    assert rows[date(2025, 10, 11)] == (True, "国庆节")
    assert rows[date(2025, 10, 6)] == (False, "中秋")
    assert rows[date(2025, 1, 1)] == (False, "元旦")
    assert date(2025, 10, 4) not in rows  # a Saturday off is no exception
    assert {day: workday for day, (workday, _name) in rows.items() if day.month >= 9} == NATIONAL_DAY_2025
