"""Deadlines in working days (for every app), and the city admin's edits of the calendar, each audited.

Other apps call `add_working_days(start, days)` and show `deadline_warning(result)` next to the deadline:
a year nobody entered yet never fails a deadline, it counts weekends only and says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can

from . import rules
from .models import FIRST_CALENDAR_YEAR, LAST_CALENDAR_YEAR, CalendarYear, SpecialDay
from .rules import WorkdayResult
from .selectors import working_calendar_between

# Generous room for the holidays on the way; a span that still falls short is loaded again, twice as long.
_HOLIDAY_ROOM_DAYS = 30


def add_working_days(start: date, days: int) -> WorkdayResult:
    """The date of the `days`-th working day after `start` (the day of `start` does not count).

    E.g. a filing received on `start` must be recorded by `add_working_days(start, 5).date`.
    Raises ValueError when `days` < 1 and TypeError when `start` is not a plain date (for a timestamp pass
    `timezone.localdate(received_at)`): programming errors, not user input.
    """
    if isinstance(start, datetime) or not isinstance(start, date):
        raise TypeError(f"start must be a date (timezone.localdate(timestamp) for a timestamp), not {start!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a whole number of at least 1, not {days!r}")
    span = days * 7 // 5 + _HOLIDAY_ROOM_DAYS
    while True:
        last = start + timedelta(days=span)
        special, known_years = working_calendar_between(first=start + timedelta(days=1), last=last)
        result = rules.add_working_days(start, days, special, known_years)
        if result.date <= last:
            return result
        span *= 2


def deadline_warning(result: WorkdayResult) -> str | None:
    """A message to show beside a deadline that assumed weekends only, or None when the calendar was known."""
    if not result.assumed_years:
        return None
    years = ", ".join(str(year) for year in result.assumed_years)
    return ngettext(
        "The holiday arrangement for %(years)s has not been entered; this deadline counts weekends only.",
        "The holiday arrangements for %(years)s have not been entered; this deadline counts weekends only.",
        len(result.assumed_years),
    ) % {"years": years}


def _require_editor(actor) -> None:
    if actor is not None and not can(actor, Capability.EDIT_REFERENCE_DATA):
        raise PermissionDenied(_("Only the city health commission edits the working-day calendar."))


def _year_errors(year) -> list[str]:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_CALENDAR_YEAR <= year <= LAST_CALENDAR_YEAR:
        bounds = {"first": FIRST_CALENDAR_YEAR, "last": LAST_CALENDAR_YEAR}
        return [_("Enter a year between %(first)d and %(last)d.") % bounds]
    return []


def _clean_source(source) -> str:
    return (source or "").strip()[:500]


@transaction.atomic
def calendar_year_add(*, actor, year: int, source: str = "") -> CalendarYear:
    """Open a new year (arrangement not complete yet) for its days to be entered."""
    _require_editor(actor)
    errors = _year_errors(year)
    if not errors and CalendarYear.objects.filter(year=year).exists():
        errors = [_("%(year)d is already in the calendar.") % {"year": year}]
    if errors:
        raise ValidationFailed(fields={"year": errors})
    calendar_year = CalendarYear.objects.create(year=year, source=_clean_source(source), is_complete=False)
    audit_record(actor=actor, action="workdays.year_add", target=calendar_year, after=audit_snapshot(calendar_year))
    return calendar_year


@transaction.atomic
def calendar_year_set(*, actor, year: int, source: str, is_complete: bool) -> CalendarYear:
    """Create or update a year: its source, and whether its arrangement is entered completely.

    A complete year must name the notice its arrangement comes from.
    """
    _require_editor(actor)
    errors: dict[str, list[str]] = {}
    if year_errors := _year_errors(year):
        errors["year"] = year_errors
    if not isinstance(is_complete, bool):
        errors["is_complete"] = [_("Say whether the arrangement of the year is complete.")]
    source = _clean_source(source)
    if is_complete is True and not source:
        errors["source"] = [_("Name the notice the arrangement comes from before marking the year complete.")]
    if errors:
        raise ValidationFailed(fields=errors)
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = audit_snapshot(calendar_year, fields=["year", "source", "is_complete"]) if calendar_year else None
    if calendar_year is None:
        calendar_year = CalendarYear(year=year)
    calendar_year.source = source
    calendar_year.is_complete = is_complete
    calendar_year.save()
    audit_record(
        actor=actor,
        action="workdays.year_set",
        target=calendar_year,
        before=before,
        after=audit_snapshot(calendar_year, fields=["year", "source", "is_complete"]),
    )
    return calendar_year


def _locked_year_of(day: date) -> CalendarYear | None:
    return CalendarYear.objects.select_for_update().filter(year=day.year).first()


def _touch(calendar_year: CalendarYear) -> None:
    calendar_year.save(update_fields=["updated_at"])


@transaction.atomic
def special_day_set(*, actor, day: date, is_workday: bool, name: str) -> SpecialDay:
    """Enter (or correct) a day of a year's arrangement.

    A holiday is entered only on a weekday and a make-up workday only on a weekend: any other day already
    follows the weekend rule.
    """
    _require_editor(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    calendar_year = None
    if not isinstance(day, date) or isinstance(day, datetime):
        errors["day"] = [_("Enter a date.")]
    if not isinstance(is_workday, bool):
        errors["is_workday"] = [_("Choose holiday or make-up workday.")]
    if not name:
        errors["name"] = [_("Enter the name of the holiday, e.g. 国庆节.")]
    elif len(name) > 100:
        errors["name"] = [_("The name may have at most 100 characters.")]
    if "day" not in errors:
        weekday = date_format(day, "l")
        calendar_year = _locked_year_of(day)
        if calendar_year is None:
            errors["day"] = [_("Add the year %(year)d to the calendar first.") % {"year": day.year}]
        elif is_workday is False and rules.is_weekend(day):
            errors["day"] = [
                _("%(day)s is a %(weekday)s: a holiday is entered only on a weekday (weekends are off anyway).")
                % {"day": day.isoformat(), "weekday": weekday}
            ]
        elif is_workday is True and not rules.is_weekend(day):
            errors["day"] = [
                _("%(day)s is a %(weekday)s: a make-up workday is entered only on a Saturday or Sunday.")
                % {"day": day.isoformat(), "weekday": weekday}
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    special_day = SpecialDay.objects.filter(date=day).first()
    before = audit_snapshot(special_day) if special_day else None
    if special_day is None:
        special_day = SpecialDay(date=day, year=calendar_year)
    special_day.is_workday = is_workday
    special_day.name = name
    special_day.save()
    _touch(calendar_year)
    audit_record(
        actor=actor, action="workdays.day_set", target=calendar_year, before=before, after=audit_snapshot(special_day)
    )
    return special_day


@transaction.atomic
def special_day_remove(*, actor, day: date) -> None:
    """Take a day out of its year's arrangement: it follows the weekend rule again."""
    _require_editor(actor)
    valid_day = isinstance(day, date) and not isinstance(day, datetime)
    calendar_year = _locked_year_of(day) if valid_day else None
    special_day = SpecialDay.objects.filter(date=day).first() if calendar_year else None
    if special_day is None:
        raise NotFound(_("That day is not in the calendar."))
    before = audit_snapshot(special_day)
    special_day.delete()
    _touch(calendar_year)
    audit_record(actor=actor, action="workdays.day_remove", target=calendar_year, before=before)
