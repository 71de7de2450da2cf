"""The overdue list and the standards page."""

from datetime import date, timedelta

from django.utils import timezone

from facilities import services
from facilities.models import StandardRule
from suzhou_childcare.audit.models import AuditEntry

from .factories import complete_draft


def test_the_overdue_list_shows_the_units_late_filings_only(
    operator, gusu_officer, wujiang_officer, city_admin, web_client_for
):
    late = complete_draft(operator, name="逾期未备案机构")
    services.facility_submit(actor=operator, facility=late, today=timezone.localdate() - timedelta(days=30))
    fresh = complete_draft(operator, name="刚提交机构")
    services.facility_submit(actor=operator, facility=fresh)
    gusu = web_client_for(gusu_officer).get("/facilities/overdue/").content.decode()
    assert "逾期未备案机构" in gusu and "刚提交机构" not in gusu
    assert "逾期未备案机构" in web_client_for(city_admin).get("/facilities/overdue/").content.decode()
    assert "逾期未备案机构" not in web_client_for(wujiang_officer).get("/facilities/overdue/").content.decode()


def test_operators_and_statistics_clients_do_not_get_the_overdue_list(operator, web_client_for):
    assert web_client_for(operator).get("/facilities/overdue/").status_code == 404


def test_the_overdue_list_warns_about_years_nobody_entered(operator, gusu_officer, web_client_for):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility, today=date(2020, 1, 2))
    facility.refresh_from_db()
    from suzhou_childcare.workdays.models import CalendarYear

    CalendarYear.objects.filter(year=2020).update(is_complete=False)
    page = web_client_for(gusu_officer).get("/facilities/overdue/")
    assert page.status_code == 200
    assert "2020" in page.context["assumed_years"].__str__()


def test_the_standards_page_shows_clauses_and_defaults(gusu_officer, web_client_for):
    page = web_client_for(gusu_officer).get("/facilities/standards/").content.decode()
    assert "class.infant.max_size" in page and "58号" in page
    assert "new-" not in page  # officers read, the city edits


def test_the_city_admin_adds_a_new_version_and_the_old_one_ends(city_admin, web_client_for):
    web = web_client_for(city_admin)
    response = web.post(
        "/facilities/standards/",
        {
            "code": "class.mixed.children_per_carer",
            "value": "4",
            "effective_from": "2026-01-01",
            "clause": "苏州市托育机构混合班配比（本市规定）",
            "source": "苏卫人口〔2025〕示例",
        },
    )
    assert response.status_code == 302
    rows = StandardRule.objects.filter(code="class.mixed.children_per_carer").order_by("effective_from")
    assert [(r.value, r.effective_to) for r in rows] == [(5, date(2026, 1, 1)), (4, None)]
    assert AuditEntry.objects.filter(action="standard.new_version").exists()


def test_a_bad_new_version_is_a_400_and_changes_nothing(city_admin, gusu_officer, web_client_for):
    payload = {
        "code": "class.infant.max_size",
        "value": "12",
        "effective_from": "2010-01-01",
        "clause": "",
        "source": "",
    }
    response = web_client_for(city_admin).post("/facilities/standards/", payload)
    assert response.status_code == 400
    assert StandardRule.objects.filter(code="class.infant.max_size").count() == 1
    assert web_client_for(gusu_officer).post("/facilities/standards/", payload).status_code == 403


def test_the_overdue_api_lists_the_same(operator, gusu_officer, wujiang_officer, api_client_for):
    late = complete_draft(operator, name="逾期未备案机构")
    services.facility_submit(actor=operator, facility=late, today=timezone.localdate() - timedelta(days=30))
    body = api_client_for(gusu_officer).get("/api/v1/facilities/overdue/").json()
    assert [r["name"] for r in body["results"]] == ["逾期未备案机构"]
    assert api_client_for(wujiang_officer).get("/api/v1/facilities/overdue/").json()["count"] == 0
    assert api_client_for(operator).get("/api/v1/facilities/overdue/").status_code == 404
