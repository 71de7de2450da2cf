"""Reading the calendar: what a deadline needs (anyone's services call it), and the city admin's pages."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import Capability, can

from .models import CalendarYear, SpecialDay


def working_calendar_between(*, first: date, last: date) -> tuple[dict[date, bool], frozenset[int]]:
    """The special days from `first` to `last` (inclusive) of complete years, and those complete years.

    Two small queries whatever the span; one when no year in the span is complete. Days of a year whose
    arrangement is still being entered are left out: deadlines in it count weekends only until it is complete.
    """
    known_years = frozenset(
        CalendarYear.objects.filter(is_complete=True, year__gte=first.year, year__lte=last.year).values_list(
            "year", flat=True
        )
    )
    if not known_years:
        return {}, known_years
    special = dict(
        SpecialDay.objects.filter(date__gte=first, date__lte=last, year__in=known_years).values_list(
            "date", "is_workday"
        )
    )
    return special, known_years


def _require_calendar_editor(user) -> None:
    # The calendar's pages are the city admin's; to anyone else they do not exist.
    if not can(user, Capability.EDIT_REFERENCE_DATA):
        raise NotFound


def calendar_year_list_for(*, user) -> QuerySet[CalendarYear]:
    """Every year, newest first, with its counts of holidays and make-up workdays (one query)."""
    _require_calendar_editor(user)
    return CalendarYear.objects.annotate(
        holiday_count=Count("special_days", filter=Q(special_days__is_workday=False)),
        makeup_count=Count("special_days", filter=Q(special_days__is_workday=True)),
    ).order_by("-year")


def calendar_year_get_for(*, user, year: int) -> CalendarYear:
    _require_calendar_editor(user)
    calendar_year = CalendarYear.objects.filter(year=year).first()
    if calendar_year is None:
        raise NotFound
    return calendar_year


def special_day_list(*, calendar_year: CalendarYear) -> QuerySet[SpecialDay]:
    return SpecialDay.objects.filter(year=calendar_year).order_by("date")


def calendar_year_history_scope(*, user) -> QuerySet[CalendarYear]:
    if not can(user, Capability.EDIT_REFERENCE_DATA):
        return CalendarYear.objects.none()
    return CalendarYear.objects.all()


def incomplete_years_among(years: set[int]) -> list[int]:
    """Of `years`, those whose holiday arrangement nobody has entered (deadlines there count weekends only)."""
    if not years:
        return []
    complete = set(CalendarYear.objects.filter(is_complete=True, year__in=years).values_list("year", flat=True))
    return sorted(set(years) - complete)
