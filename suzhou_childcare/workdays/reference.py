"""The holiday arrangements chinesecalendar knows, as rows of the portal's own calendar.

chinesecalendar carries the State Council's arrangements (国务院办公厅关于部分节假日安排的通知) for the years
announced when the package was released; it raises NotImplementedError for any later year. The portal seeds
its table from it (from 2020, the first year any deadline still open could start in) and the city admin enters
each later year when its arrangement is published.
Used by the data migration (with its historical models) and wherever the calendar must be restored after a
database flush (transactional tests).
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import Holiday

FIRST_SEEDED_YEAR = 2020
SOURCE = f"chinesecalendar {chinese_calendar.__version__} (国务院办公厅 holiday arrangements)"

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}


def last_known_year(first: int = FIRST_SEEDED_YEAR) -> int:
    """The last year chinesecalendar has an arrangement for (`first - 1` if it knows none from `first`)."""
    year = first
    while year <= 2100:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            break
        year += 1
    return year - 1


def special_days_of(year: int) -> list[tuple[date, bool, str]]:
    """(date, is_workday, Chinese name) of each day of `year` that breaks the weekend rule."""
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        workday = chinese_calendar.is_workday(day)
        if workday == (day.weekday() >= 5):
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            fallback = "调休上班" if workday else "休息日"
            rows.append((day, workday, _CHINESE_NAMES.get(name, name) or fallback))
        day += timedelta(days=1)
    return rows


def seed_from_chinesecalendar(calendar_year_model, special_day_model) -> None:
    """Idempotent: adds the years that are missing, never touches a year someone already entered or corrected."""
    for year in range(FIRST_SEEDED_YEAR, last_known_year() + 1):
        _calendar_year, created = calendar_year_model.objects.get_or_create(
            year=year, defaults={"source": SOURCE, "is_complete": True}
        )
        if created:
            special_day_model.objects.bulk_create(
                special_day_model(date=day, year_id=year, is_workday=workday, name=name)
                for day, workday, name in special_days_of(year)
            )
