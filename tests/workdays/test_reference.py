"""The data migration seeded the calendar from chinesecalendar: only the exceptions to the weekend rule."""

from __future__ import annotations

from datetime import date

import pytest

from suzhou_childcare.workdays.models import CalendarYear, SpecialDay
from suzhou_childcare.workdays.reference import SOURCE, seed_from_chinesecalendar, special_days_of

pytestmark = pytest.mark.django_db


def test_every_year_chinesecalendar_knows_from_2020_is_seeded_complete_with_its_source():
    years = list(CalendarYear.objects.values_list("year", "is_complete", "source"))
    assert years == [(year, True, SOURCE) for year in range(2020, 2027)]
    assert SOURCE == "chinesecalendar 1.11.0 (国务院办公厅 holiday arrangements)"
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_2025_national_day_is_seeded_as_holidays_and_make_up_workdays():
    days = {d.date: (d.is_workday, d.name, d.year_id) for d in SpecialDay.objects.filter(year=2025)}
    assert days[date(2025, 10, 11)] == (True, "国庆节", 2025)  # Saturday worked
    assert days[date(2025, 9, 28)] == (True, "国庆节", 2025)  # Sunday worked
    assert days[date(2025, 10, 6)] == (False, "中秋", 2025)  # Monday off
    assert days[date(2025, 10, 1)] == (False, "国庆节", 2025)
    assert date(2025, 10, 4) not in days  # a Saturday off breaks no rule: not stored
    assert date(2025, 10, 9) not in days  # an ordinary Thursday


@pytest.mark.parametrize("year", range(2020, 2027))
def test_each_year_holds_exactly_the_exceptions_chinesecalendar_gives(year):
    stored = sorted(SpecialDay.objects.filter(year=year).values_list("date", "is_workday", "name"))
    assert stored == special_days_of(year)
    assert all(is_workday == (day.weekday() >= 5) for day, is_workday, _name in stored)


def test_seeding_again_adds_what_is_missing_and_keeps_what_someone_corrected():
    SpecialDay.objects.filter(date=date(2025, 10, 6)).update(name="中秋节")
    SpecialDay.objects.filter(year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    count = SpecialDay.objects.count()

    seed_from_chinesecalendar(CalendarYear, SpecialDay)

    assert SpecialDay.objects.get(date=date(2025, 10, 6)).name == "中秋节"
    assert SpecialDay.objects.filter(year=2024).count() == len(special_days_of(2024))
    assert SpecialDay.objects.count() == count + len(special_days_of(2024))
