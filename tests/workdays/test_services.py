"""Deadlines through the database, and the city admin's edits of the calendar: validated, audited, guarded."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.workdays.models import CalendarYear, SpecialDay
from suzhou_childcare.workdays.rules import WorkdayResult
from suzhou_childcare.workdays.services import (
    add_working_days,
    calendar_year_add,
    calendar_year_set,
    deadline_warning,
    special_day_remove,
    special_day_set,
)

pytestmark = pytest.mark.django_db

NOTICE_2027 = "国务院办公厅关于2027年部分节假日安排的通知"
WARNING_2027 = "The holiday arrangement for 2027 has not been entered; this deadline counts weekends only."


def database_state() -> tuple:
    return (
        sorted(CalendarYear.objects.values_list("year", "source", "is_complete")),
        sorted(SpecialDay.objects.values_list("date", "is_workday", "name")),
        AuditEntry.objects.count(),
    )


def english_warning(result: WorkdayResult) -> str | None:
    with translation.override("en"):
        return deadline_warning(result)


# --- deadlines ----------------------------------------------------------------------------------------------


def test_filing_deadlines_around_national_day_2025_from_the_seeded_calendar():
    assert add_working_days(date(2025, 9, 30), 5) == WorkdayResult(date=date(2025, 10, 14), assumed_years=())
    assert add_working_days(date(2025, 9, 30), 15) == WorkdayResult(date=date(2025, 10, 28), assumed_years=())
    assert add_working_days(date(2025, 11, 14), 1).date == date(2025, 11, 17)


def test_a_deadline_in_a_known_year_has_no_warning():
    assert deadline_warning(add_working_days(date(2025, 9, 30), 5)) is None


def test_a_deadline_crossing_into_2027_counts_weekends_only_and_warns_instead_of_failing():
    result = add_working_days(date(2026, 12, 28), 5)

    assert result == WorkdayResult(date=date(2027, 1, 4), assumed_years=(2027,))
    assert english_warning(result) == WARNING_2027


def test_the_warning_names_every_unknown_year():
    result = add_working_days(date(2026, 12, 30), 300)
    assert result.assumed_years == (2027, 2028)
    assert english_warning(result) == (
        "The holiday arrangements for 2027, 2028 have not been entered; this deadline counts weekends only."
    )


def test_city_admin_enters_2027_new_years_day_and_the_warning_disappears_once_complete(city_admin):
    calendar_year_add(actor=city_admin, year=2027, source=NOTICE_2027)
    special_day_set(actor=city_admin, day=date(2027, 1, 1), is_workday=False, name="元旦")

    # Still being entered: weekends only, and the warning stays.
    draft = add_working_days(date(2026, 12, 28), 5)
    assert draft == WorkdayResult(date=date(2027, 1, 4), assumed_years=(2027,))
    assert english_warning(draft) == WARNING_2027

    calendar_year_set(actor=city_admin, year=2027, source=NOTICE_2027, is_complete=True)

    result = add_working_days(date(2026, 12, 28), 5)
    assert result == WorkdayResult(date=date(2027, 1, 5), assumed_years=())
    assert deadline_warning(result) is None


def test_a_deadline_reads_the_calendar_in_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        add_working_days(date(2025, 9, 30), 15)


def test_a_deadline_entirely_in_unknown_years_needs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        result = add_working_days(date(2027, 3, 1), 5)
    assert result.assumed_years == (2027,)


def test_a_very_long_deadline_loads_more_of_the_calendar_and_still_agrees_with_the_rules():
    from suzhou_childcare.workdays import rules

    special = dict(SpecialDay.objects.values_list("date", "is_workday"))
    known = frozenset(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    for days in (250, 1000, 1500):
        assert add_working_days(date(2020, 1, 2), days) == rules.add_working_days(
            date(2020, 1, 2), days, special, known
        )


def test_days_below_one_or_a_timestamp_is_a_programming_error():
    with pytest.raises(ValueError, match="days"):
        add_working_days(date(2025, 9, 30), 0)
    with pytest.raises(TypeError, match="localdate"):
        add_working_days(datetime(2025, 9, 30, 9, 0), 5)  # noqa: DTZ001


# --- calendar_year_add / calendar_year_set ------------------------------------------------------------------


def test_city_admin_adds_a_year_which_starts_incomplete_and_is_audited(city_admin):
    calendar_year = calendar_year_add(actor=city_admin, year=2027, source=f"  {NOTICE_2027} ")

    calendar_year.refresh_from_db()
    assert (calendar_year.year, calendar_year.source, calendar_year.is_complete) == (2027, NOTICE_2027, False)
    entry = AuditEntry.objects.get(action="workdays.year_add")
    assert (entry.actor, entry.object_id, entry.content_type.model) == (city_admin, "2027", "calendaryear")
    assert entry.before is None
    assert entry.after["year"] == 2027


@pytest.mark.parametrize(("year", "field"), [(2025, "year"), (1999, "year"), (2101, "year"), ("2027", "year")])
def test_adding_an_existing_or_impossible_year_is_a_field_error(city_admin, year, field):
    before = database_state()
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_add(actor=city_admin, year=year)
    assert set(caught.value.fields) == {field}
    assert caught.value.fields[field][0]
    assert database_state() == before


def test_marking_a_year_complete_records_before_and_after(city_admin):
    calendar_year_add(actor=city_admin, year=2027)
    calendar_year_set(actor=city_admin, year=2027, source=NOTICE_2027, is_complete=True)

    assert CalendarYear.objects.get(year=2027).is_complete is True
    entry = AuditEntry.objects.get(action="workdays.year_set")
    assert entry.before == {"year": 2027, "source": "", "is_complete": False}
    assert entry.after == {"year": 2027, "source": NOTICE_2027, "is_complete": True}


def test_calendar_year_set_creates_a_missing_year(city_admin):
    calendar_year_set(actor=city_admin, year=2028, source="", is_complete=False)
    assert CalendarYear.objects.filter(year=2028, is_complete=False).exists()
    assert AuditEntry.objects.get(action="workdays.year_set").before is None


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"source": "  ", "is_complete": True}, {"source"}),
        ({"year": 1999}, {"year"}),
        ({"is_complete": "yes"}, {"is_complete"}),
        ({"year": 3000, "source": "", "is_complete": True}, {"year", "source"}),
    ],
    ids=["complete-without-source", "year-1999", "complete-not-bool", "year-and-source"],
)
def test_calendar_year_set_validates(city_admin, kwargs, fields):
    calendar_year_add(actor=city_admin, year=2027)
    before = database_state()
    arguments = {"year": 2027, "source": NOTICE_2027, "is_complete": True, **kwargs}

    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(actor=city_admin, **arguments)

    assert set(caught.value.fields) == fields
    assert database_state() == before


def test_a_year_can_be_reopened_and_its_deadlines_warn_again(city_admin):
    calendar_year_set(actor=city_admin, year=2026, source="chinesecalendar", is_complete=False)
    assert add_working_days(date(2026, 9, 30), 5).assumed_years == (2026,)


# --- special_day_set ----------------------------------------------------------------------------------------


@pytest.fixture
def year_2027(city_admin) -> CalendarYear:
    return calendar_year_add(actor=city_admin, year=2027, source=NOTICE_2027)


def test_city_admin_enters_a_holiday_and_a_make_up_workday(city_admin, year_2027):
    special_day_set(actor=city_admin, day=date(2027, 1, 1), is_workday=False, name=" 元旦 ")
    special_day_set(actor=city_admin, day=date(2027, 2, 20), is_workday=True, name="春节")

    assert list(SpecialDay.objects.filter(year=2027).values_list("date", "is_workday", "name")) == [
        (date(2027, 1, 1), False, "元旦"),
        (date(2027, 2, 20), True, "春节"),
    ]
    entries = AuditEntry.objects.filter(action="workdays.day_set").order_by("pk")
    assert [(e.object_id, e.before, e.after["date"], e.after["name"]) for e in entries] == [
        ("2027", None, "2027-01-01", "元旦"),
        ("2027", None, "2027-02-20", "春节"),
    ]
    assert all(e.actor == city_admin for e in entries)


def test_entering_a_date_again_changes_it_in_place(city_admin):
    special_day_set(actor=city_admin, day=date(2025, 10, 6), is_workday=False, name="中秋节")

    assert SpecialDay.objects.get(date=date(2025, 10, 6)).name == "中秋节"
    assert SpecialDay.objects.filter(year=2025).count() == 23
    entry = AuditEntry.objects.get(action="workdays.day_set")
    assert (entry.object_id, entry.before["name"], entry.after["name"]) == ("2025", "中秋", "中秋节")


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"day": date(2027, 1, 2), "is_workday": False}, {"day"}),  # a holiday on a Saturday
        ({"day": date(2027, 1, 3), "is_workday": False}, {"day"}),  # a holiday on a Sunday
        ({"day": date(2027, 1, 6), "is_workday": True}, {"day"}),  # a make-up workday on a Wednesday
        ({"day": date(2028, 1, 3)}, {"day"}),  # 2028 not in the calendar
        ({"day": "2027-01-01"}, {"day"}),
        ({"day": datetime(2027, 1, 1, 9, 0)}, {"day"}),  # noqa: DTZ001 - a datetime is not a day
        ({"name": "   "}, {"name"}),
        ({"name": "节" * 101}, {"name"}),
        ({"is_workday": None}, {"is_workday"}),
        ({"day": date(2027, 1, 2), "is_workday": False, "name": ""}, {"day", "name"}),
    ],
    ids=[
        "holiday-saturday",
        "holiday-sunday",
        "workday-wednesday",
        "year-missing",
        "day-text",
        "day-datetime",
        "name-blank",
        "name-too-long",
        "kind-missing",
        "day-and-name",
    ],
)
def test_bad_days_are_refused_with_field_errors_and_write_nothing(city_admin, year_2027, kwargs, fields):
    before = database_state()
    updated_at = CalendarYear.objects.get(year=2027).updated_at
    arguments = {"day": date(2027, 1, 1), "is_workday": False, "name": "元旦", **kwargs}

    with pytest.raises(ValidationFailed) as caught:
        special_day_set(actor=city_admin, **arguments)

    assert set(caught.value.fields) == fields
    assert all(messages and all(messages) for messages in caught.value.fields.values())
    assert caught.value.status_code == 400
    assert database_state() == before
    assert CalendarYear.objects.get(year=2027).updated_at == updated_at


def test_a_holiday_on_a_saturday_names_the_weekday(city_admin, year_2027):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        special_day_set(actor=city_admin, day=date(2027, 1, 2), is_workday=False, name="元旦")
    assert "2027-01-02" in caught.value.fields["day"][0]
    assert "Saturday" in caught.value.fields["day"][0]


def test_the_database_refuses_a_day_that_breaks_no_rule_even_past_the_service():
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(date=date(2025, 10, 4), year_id=2025, is_workday=False, name="国庆节")


def test_the_database_refuses_a_day_filed_under_another_year():
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(date=date(2025, 12, 31), year_id=2026, is_workday=False, name="元旦")


# --- special_day_remove -------------------------------------------------------------------------------------


def test_removing_a_day_restores_the_weekend_rule_and_is_audited(city_admin):
    assert add_working_days(date(2025, 10, 10), 1).date == date(2025, 10, 11)

    special_day_remove(actor=city_admin, day=date(2025, 10, 11))

    assert not SpecialDay.objects.filter(date=date(2025, 10, 11)).exists()
    assert add_working_days(date(2025, 10, 10), 1).date == date(2025, 10, 13)
    entry = AuditEntry.objects.get(action="workdays.day_remove")
    assert (entry.object_id, entry.before["name"], entry.before["is_workday"], entry.after) == (
        "2025",
        "国庆节",
        True,
        None,
    )


@pytest.mark.parametrize("day", [date(2025, 10, 9), date(2031, 1, 1), "2025-10-11"])
def test_removing_a_day_that_is_not_there_is_not_found(city_admin, day):
    before = database_state()
    with pytest.raises(NotFound):
        special_day_remove(actor=city_admin, day=day)
    assert database_state() == before


# --- who may write ------------------------------------------------------------------------------------------


WRITES = {
    "year_add": lambda actor: calendar_year_add(actor=actor, year=2027, source=NOTICE_2027),
    "year_set": lambda actor: calendar_year_set(actor=actor, year=2025, source="x", is_complete=False),
    "day_set": lambda actor: special_day_set(actor=actor, day=date(2025, 10, 9), is_workday=False, name="x"),
    "day_remove": lambda actor: special_day_remove(actor=actor, day=date(2025, 10, 11)),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("actor_fixture", ["gusu_officer", "citywide_inspector", "operator", "stats_client"])
def test_only_the_city_admin_edits_the_calendar(request, actor_fixture, write):
    actor = request.getfixturevalue(actor_fixture)
    before = database_state()

    with pytest.raises(PermissionDenied) as caught:
        WRITES[write](actor)

    assert caught.value.status_code == 403
    assert str(caught.value.message)
    assert database_state() == before


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_of_the_city_admin_leaves_one_audit_entry_on_the_year(city_admin, write):
    WRITES[write](city_admin)
    entry = AuditEntry.objects.get()
    assert entry.action == f"workdays.{write}"
    assert entry.actor == city_admin
    assert entry.content_type.app_label == "workdays"
    assert entry.content_type.model == "calendaryear"
