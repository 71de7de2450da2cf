"""The calendar's pages: the city admin adds years and days and marks a year complete; to others they do not exist."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.workdays.models import CalendarYear, SpecialDay
from suzhou_childcare.workdays.services import (
    add_working_days,
    calendar_year_add,
    calendar_year_set,
    deadline_warning,
)

pytestmark = pytest.mark.django_db

NOTICE_2027 = "国务院办公厅关于2027年部分节假日安排的通知"


def database_state() -> tuple:
    return (
        sorted(CalendarYear.objects.values_list("year", "source", "is_complete")),
        sorted(SpecialDay.objects.values_list("date", "is_workday", "name")),
        AuditEntry.objects.count(),
    )


def day_post(**overrides) -> dict:
    data = {"day-day": "2027-01-01", "day-is_workday": "holiday", "day-name": "元旦"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin_browser(city_admin, web_client_for):
    return web_client_for(city_admin)


@pytest.fixture
def year_2027(city_admin) -> CalendarYear:
    return calendar_year_add(actor=city_admin, year=2027, source=NOTICE_2027)


# --- the list -----------------------------------------------------------------------------------------------


def test_city_admin_sees_every_year_with_its_counts_and_flag(admin_browser):
    response = admin_browser.get("/workdays/")

    assert response.status_code == 200
    years = {y.year: y for y in response.context["years"]}
    assert list(years) == list(range(2026, 2019, -1))
    assert (years[2025].holiday_count, years[2025].makeup_count, years[2025].is_complete) == (18, 5, True)
    content = response.content.decode()
    assert 'href="/workdays/2025/"' in content
    assert 'name="year-year"' in content


def test_the_list_warns_while_next_years_arrangement_is_missing(admin_browser, city_admin):
    next_year = timezone.localdate().year + 1
    response = admin_browser.get("/workdays/")
    assert response.context["next_year"] == next_year
    complete = CalendarYear.objects.filter(year=next_year, is_complete=True).exists()
    assert response.context["next_year_complete"] is complete
    assert ("alert-warning" in response.content.decode()) is not complete

    calendar_year_set(actor=city_admin, year=next_year, source="通知", is_complete=True)
    response = admin_browser.get("/workdays/")
    assert response.context["next_year_complete"] is True
    assert "alert-warning" not in response.content.decode()


def test_city_admin_adds_a_year_and_lands_on_its_page(admin_browser):
    response = admin_browser.post("/workdays/", {"year-year": "2027", "year-source": NOTICE_2027}, follow=True)

    assert response.redirect_chain == [("/workdays/2027/", 302)]
    assert [str(m) for m in response.context["messages"]]
    assert CalendarYear.objects.filter(year=2027, is_complete=False, source=NOTICE_2027).exists()
    assert AuditEntry.objects.filter(action="workdays.year_add", object_id="2027").count() == 1


@pytest.mark.parametrize(("year", "why"), [("2025", "exists"), ("1999", "too early"), ("", "missing"), ("x", "text")])
def test_adding_a_bad_year_re_shows_the_form_with_a_field_error(admin_browser, year, why):
    before = database_state()
    response = admin_browser.post("/workdays/", {"year-year": year, "year-source": ""})

    assert response.status_code == 400, why
    errors = response.context["form"].errors
    assert list(errors) == ["year"]
    assert errors["year"][0] in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert database_state() == before


def test_the_list_runs_the_same_queries_for_more_years(admin_browser, city_admin):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_browser.get("/workdays/").status_code == 200
        return len(captured)

    few = queries()
    for year in range(2030, 2040):
        calendar_year_add(actor=city_admin, year=year)
    assert queries() == few


# --- a year's page ------------------------------------------------------------------------------------------


def test_a_years_page_lists_its_days_with_weekday_and_kind(admin_browser):
    response = admin_browser.get("/workdays/2025/")

    assert response.status_code == 200
    days = list(response.context["special_days"])
    assert len(days) == 23
    assert days[0].date == date(2025, 1, 1)
    content = response.content.decode()
    assert "2025-10-11" in content
    assert "中秋" in content
    assert content.count('name="remove"') == 23
    assert 'name="day-day"' in content
    assert 'name="year-is_complete"' in content
    assert "checked" in content


def test_the_weekday_and_kind_are_shown_in_english_for_an_english_user(city_admin, web_client_for):
    city_admin.language = "en"
    city_admin.save()
    content = web_client_for(city_admin).get("/workdays/2025/").content.decode()
    row = content[content.index("2025-10-11") :][:600]
    assert "Saturday" in row
    assert "Make-up workday" in row


def test_a_year_not_in_the_calendar_is_404(admin_browser):
    assert admin_browser.get("/workdays/2031/").status_code == 404


def test_city_admin_enters_2027_new_years_day_marks_it_complete_and_the_warning_disappears(admin_browser, year_2027):
    assert deadline_warning(add_working_days(date(2026, 12, 28), 5)) is not None

    response = admin_browser.post("/workdays/2027/", day_post(), follow=True)
    assert response.redirect_chain == [("/workdays/2027/", 302)]
    assert "元旦" in response.content.decode()
    assert SpecialDay.objects.get(date=date(2027, 1, 1)).is_workday is False
    assert deadline_warning(add_working_days(date(2026, 12, 28), 5)) is not None  # not complete yet

    response = admin_browser.post("/workdays/2027/", {"year-source": NOTICE_2027, "year-is_complete": "on"})
    assert response.status_code == 302

    result = add_working_days(date(2026, 12, 28), 5)
    assert result.date == date(2027, 1, 5)
    assert deadline_warning(result) is None
    assert list(AuditEntry.objects.filter(object_id="2027").values_list("action", flat=True).order_by("pk")) == [
        "workdays.year_add",
        "workdays.day_set",
        "workdays.year_set",
    ]


def test_unchecking_the_switch_reopens_the_year(admin_browser):
    response = admin_browser.post("/workdays/2026/", {"year-source": "chinesecalendar"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2026).is_complete is False


def test_marking_complete_without_a_source_is_a_field_error(admin_browser, year_2027):
    before = database_state()
    response = admin_browser.post("/workdays/2027/", {"year-source": " ", "year-is_complete": "on"})

    assert response.status_code == 400
    errors = response.context["year_form"].errors
    assert list(errors) == ["source"]
    assert errors["source"][0] in response.content.decode()
    assert database_state() == before


def test_a_make_up_workday_is_entered_through_the_form(admin_browser, year_2027):
    response = admin_browser.post(
        "/workdays/2027/", day_post(**{"day-day": "2027-02-20", "day-is_workday": "makeup", "day-name": "春节"})
    )
    assert response.status_code == 302
    day = SpecialDay.objects.get(date=date(2027, 2, 20))
    assert (day.is_workday, day.name, day.year_id) == (True, "春节", 2027)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"day-day": "2027-01-02"}, "day"),  # a holiday on a Saturday
        ({"day-day": "2027-01-06", "day-is_workday": "makeup"}, "day"),  # a make-up workday on a Wednesday
        ({"day-day": "2026-12-31"}, "day"),  # another year than the page's
        ({"day-day": "not a date"}, "day"),
        ({"day-is_workday": "weekend"}, "is_workday"),
        ({"day-name": " "}, "name"),
    ],
    ids=["holiday-saturday", "workday-wednesday", "other-year", "bad-date", "bad-kind", "blank-name"],
)
def test_a_bad_day_re_shows_the_form_with_a_field_error_and_writes_nothing(admin_browser, year_2027, overrides, field):
    before = database_state()
    response = admin_browser.post("/workdays/2027/", day_post(**overrides))

    assert response.status_code == 400
    errors = response.context["day_form"].errors
    assert list(errors) == [field]
    content = response.content.decode()
    assert "is-invalid" in content
    assert errors[field][0].replace("'", "&#x27;") in content
    assert database_state() == before


def test_city_admin_removes_a_day(admin_browser):
    response = admin_browser.post("/workdays/2025/", {"remove": "2025-10-11"}, follow=True)

    assert response.redirect_chain == [("/workdays/2025/", 302)]
    assert "2025-10-11" not in response.content.decode()
    assert not SpecialDay.objects.filter(date=date(2025, 10, 11)).exists()
    assert AuditEntry.objects.filter(action="workdays.day_remove", object_id="2025").count() == 1


@pytest.mark.parametrize("value", ["2025-10-09", "2026-01-01", "garbage"])
def test_removing_a_day_that_is_not_on_the_page_is_404(admin_browser, value):
    before = database_state()
    assert admin_browser.post("/workdays/2025/", {"remove": value}).status_code == 404
    assert database_state() == before


def test_the_years_history_shows_the_changes(admin_browser):
    admin_browser.post("/workdays/2025/", {"remove": "2025-10-11"})
    response = admin_browser.get("/history/workdays.calendaryear/2025/")
    assert response.status_code == 200
    entry, _changes = response.context["rows"][0]
    assert entry.action == "workdays.day_remove"


# --- everyone else ------------------------------------------------------------------------------------------


OTHER_ROLES = ["gusu_officer", "gusu_inspector", "citywide_inspector", "operator", "training_base", "mch_assessor"]


@pytest.mark.parametrize("role_fixture", OTHER_ROLES)
def test_the_pages_do_not_exist_for_other_roles(request, web_client_for, role_fixture):
    browser = web_client_for(request.getfixturevalue(role_fixture))
    before = database_state()

    for path in ("/workdays/", "/workdays/2025/", "/history/workdays.calendaryear/2025/"):
        assert browser.get(path).status_code == 404, path
    assert browser.post("/workdays/", {"year-year": "2027", "year-source": ""}).status_code == 404
    assert browser.post("/workdays/2025/", day_post(**{"day-day": "2025-10-09"})).status_code == 404
    assert browser.post("/workdays/2025/", {"remove": "2025-10-11"}).status_code == 404
    assert browser.post("/workdays/2025/", {"year-source": "x"}).status_code == 404
    assert database_state() == before


def test_a_statistics_client_gets_no_page(stats_client, web_client_for):
    assert web_client_for(stats_client).get("/workdays/").status_code == 404


def test_anonymous_is_sent_to_login(client):
    for path in ("/workdays/", "/workdays/2025/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_the_navigation_shows_the_calendar_to_the_city_admin_only(admin_browser, gusu_officer, web_client_for):
    assert 'href="/workdays/"' in admin_browser.get("/").content.decode()
    assert 'href="/workdays/"' not in web_client_for(gusu_officer).get("/").content.decode()
