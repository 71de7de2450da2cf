"""REST of inspection plans (/api/v1/inspection-plans/) and quality assessments (/api/v1/assessments/)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import InspectionPlan, PlanTarget, QualityAssessment
from inspections.reference import SCHEME
from inspections.services.assessments import assessment_record
from inspections.services.planning import plan_draw
from suzhou_childcare.accounts.models import Role

from .test_planning import GUSU, WUJIANG, make_facility, make_inspectors, new_plan

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "fields", "clause"}
FULL = {code: dimension["max"] for code, dimension in SCHEME["dimensions"].items()}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def gusu(city_admin, make_user):
    return {
        "facilities": [make_facility(city_admin, f"姑苏托育{n}") for n in range(5)],
        "inspectors": make_inspectors(make_user, GUSU, 3, "gusu_insp"),
    }


@pytest.fixture
def plans(gusu, city_admin, gusu_officer, wujiang_officer):
    return {
        "gusu": new_plan(gusu_officer, title="姑苏计划"),
        "city": new_plan(city_admin, district_code=None, title="全市计划"),
        "wujiang": new_plan(wujiang_officer, district_code=WUJIANG, title="吴江计划"),
    }


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {row["title"] for row in response.json()["results"]}


# --- plans ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_admin", {"姑苏计划", "全市计划", "吴江计划"}),
        ("district_officer", {"姑苏计划", "全市计划"}),
        ("wujiang_officer", {"吴江计划", "全市计划"}),
        ("inspector", set()),  # drawn in no plan yet
    ],
)
def test_plan_list_is_scoped(plans, users, api_client_for, role, expected):
    assert titles(api_client_for(users[role]).get("/api/v1/inspection-plans/")) == expected


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor", "statistics_client"])
def test_roles_without_plans_get_404(plans, users, api_client_for, role):
    client = api_client_for(users[role])
    assert_error(client.get("/api/v1/inspection-plans/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/inspection-plans/{plans['gusu'].pk}/"), 404, "not_found")
    assert_error(client.post(f"/api/v1/inspection-plans/{plans['gusu'].pk}/draw/"), 404, "not_found")


def test_the_units_officer_draws_and_gets_the_seed_and_targets(plans, gusu, gusu_officer, api_client_for):
    plan = plans["gusu"]
    response = api_client_for(gusu_officer).post(f"/api/v1/inspection-plans/{plan.pk}/draw/")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    plan.refresh_from_db()
    assert body["draw_seed"] == str(plan.draw_seed)  # a string: 63 bits do not fit a JavaScript number
    assert body["reproducible"] is True
    assert len(body["targets"]) == 3
    stored = list(PlanTarget.objects.filter(plan=plan).order_by("position").prefetch_related("inspectors"))
    assert [t["facility"] for t in body["targets"]] == [t.facility_id for t in stored]
    assert [sorted(t["inspectors"]) for t in body["targets"]] == [
        sorted(p.pk for p in t.inspectors.all()) for t in stored
    ]
    assert all(len(t["inspectors"]) == 2 for t in body["targets"])


def test_a_second_draw_is_a_conflict(plans, gusu, gusu_officer, api_client_for):
    client = api_client_for(gusu_officer)
    plan = plans["gusu"]
    first = client.post(f"/api/v1/inspection-plans/{plan.pk}/draw/").json()
    assert_error(client.post(f"/api/v1/inspection-plans/{plan.pk}/draw/"), 409, "plan_already_drawn")
    again = client.get(f"/api/v1/inspection-plans/{plan.pk}/").json()
    assert again["draw_seed"] == first["draw_seed"]
    assert again["targets"] == first["targets"]


def test_a_seed_sent_by_the_client_is_ignored(plans, gusu, gusu_officer, api_client_for):
    plan = plans["gusu"]
    api_client_for(gusu_officer).post(f"/api/v1/inspection-plans/{plan.pk}/draw/", {"seed": 1}, format="json")
    plan.refresh_from_db()
    assert plan.draw_seed != 1


def test_too_few_inspectors_is_a_rule_violation_naming_the_clause(city_admin, gusu_officer, api_client_for):
    make_facility(city_admin, "只有一家")
    plan = new_plan(gusu_officer)
    body = assert_error(
        api_client_for(gusu_officer).post(f"/api/v1/inspection-plans/{plan.pk}/draw/"), 422, "too_few_inspectors"
    )
    assert "行政处罚法" in body["clause"]


@pytest.mark.parametrize("role", ["wujiang_officer", "wujiang_inspector"])
def test_another_units_officer_or_inspector_gets_404(plans, users, make_user, api_client_for, role):
    user = (
        make_user(Role.INSPECTOR, district_code=WUJIANG, username="wj_inspector")
        if role == "wujiang_inspector"
        else users[role]
    )
    client = api_client_for(user)
    assert_error(client.get(f"/api/v1/inspection-plans/{plans['gusu'].pk}/"), 404, "not_found")
    assert_error(client.post(f"/api/v1/inspection-plans/{plans['gusu'].pk}/draw/"), 404, "not_found")
    assert InspectionPlan.objects.get(pk=plans["gusu"].pk).draw_seed is None


def test_a_district_officer_reads_but_does_not_draw_a_city_wide_plan(plans, gusu_officer, api_client_for):
    client = api_client_for(gusu_officer)
    assert client.get(f"/api/v1/inspection-plans/{plans['city'].pk}/").status_code == 200
    assert_error(client.post(f"/api/v1/inspection-plans/{plans['city'].pk}/draw/"), 403, "permission_denied")


def test_a_drawn_inspector_sees_the_plan_but_does_not_draw(plans, gusu, gusu_officer, api_client_for):
    plan = plan_draw(actor=gusu_officer, plan=plans["gusu"], seed=5)
    on_it = PlanTarget.objects.filter(plan=plan).first().inspectors.first()
    client = api_client_for(on_it)
    assert titles(client.get("/api/v1/inspection-plans/")) == {"姑苏计划"}
    detail = client.get(f"/api/v1/inspection-plans/{plan.pk}/")
    assert detail.status_code == 200
    assert detail.json()["draw_seed"] == "5"
    other = plans["wujiang"]
    assert_error(client.get(f"/api/v1/inspection-plans/{other.pk}/"), 404)


def test_plan_list_queries_do_not_grow_with_the_page_size(gusu, gusu_officer, api_client_for):
    client = api_client_for(gusu_officer)
    for n in range(6):
        plan = new_plan(gusu_officer, title=f"计划{n}")
        if n % 2:
            plan_draw(actor=gusu_officer, plan=plan, seed=n)

    def measure(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response

    small, small_response = measure("/api/v1/inspection-plans/?page_size=2")
    large, large_response = measure("/api/v1/inspection-plans/?page_size=6")
    assert len(small_response.json()["results"]) == 2
    assert len(large_response.json()["results"]) == 6
    assert {row["target_count"] for row in large_response.json()["results"]} == {0, 3}
    assert small == large


# --- assessments ---------------------------------------------------------------------------------------------


@pytest.fixture
def facility(city_admin, operator):
    facility = make_facility(city_admin, "苏州小苗托育中心")
    facility.operators.add(operator)
    return facility


def payload(facility, **changes) -> dict:
    return {
        "facility": facility.pk,
        "assessed_on": timezone.localdate().isoformat(),
        "scores": dict(FULL),
        "vetoes_failed": [],
        **changes,
    }


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "inspector", "citywide_inspector"])
def test_assessors_record_through_the_api(facility, users, api_client_for, role):
    response = api_client_for(users[role]).post("/api/v1/assessments/", payload(facility), format="json")
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert (body["total"], body["grade"]) == ("1000.00", "A")
    assert body["scores"]["health"] == "210.00"


def test_a_veto_gives_d_through_the_api_and_on_the_facility(facility, gusu_inspector, api_client_for):
    client = api_client_for(gusu_inspector)
    body = client.post("/api/v1/assessments/", payload(facility, vetoes_failed=["false_materials"]), format="json")
    assert body.status_code == 201
    assert (body.json()["total"], body.json()["grade"]) == ("1000.00", "D")
    assert client.get(f"/api/v1/facilities/{facility.pk}/").status_code == 200
    facility.refresh_from_db()
    assert facility.quality_grade == "D"


def test_points_over_a_maximum_are_field_errors_naming_the_dimension(facility, gusu_officer, api_client_for):
    scores = {**FULL, "parenting_support": 81}
    body = assert_error(
        api_client_for(gusu_officer).post("/api/v1/assessments/", payload(facility, scores=scores), format="json"),
        400,
        "invalid",
    )
    assert list(body["fields"]) == ["scores.parenting_support"]
    assert "养育支持" in body["fields"]["scores.parenting_support"][0]
    assert not QualityAssessment.objects.exists()


def test_not_a_number_is_a_field_error_too(facility, gusu_officer, api_client_for):
    scores = {**FULL, "care": "lots"}
    body = assert_error(
        api_client_for(gusu_officer).post("/api/v1/assessments/", payload(facility, scores=scores), format="json"),
        400,
    )
    assert "scores.care" in body["fields"]


@pytest.mark.parametrize("role", ["wujiang_officer", "wujiang_inspector", "other_operator", "training_base"])
def test_foreign_users_get_404_on_assessments(facility, city_admin, users, make_user, api_client_for, role):
    assessment = assessment_record(
        actor=city_admin, facility=facility, assessed_on=timezone.localdate(), scores=FULL, vetoes_failed=[]
    )
    if role == "wujiang_inspector":
        user = make_user(Role.INSPECTOR, district_code=WUJIANG, username="wj_inspector")
    elif role == "other_operator":
        user = make_user(Role.OPERATOR, username="other_operator")
    else:
        user = users[role]
    client = api_client_for(user)
    assert_error(client.get(f"/api/v1/assessments/{assessment.pk}/"), 404, "not_found")
    assert_error(client.post("/api/v1/assessments/", payload(facility), format="json"), 404, "not_found")
    listing = client.get("/api/v1/assessments/")
    if role == "training_base":
        assert_error(listing, 404, "not_found")
    else:
        assert listing.status_code == 200
        assert listing.json()["results"] == []
    assert QualityAssessment.objects.count() == 1


def test_an_operator_reads_their_own_assessments_but_does_not_record(facility, city_admin, operator, api_client_for):
    assessment = assessment_record(
        actor=city_admin, facility=facility, assessed_on=timezone.localdate(), scores=FULL, vetoes_failed=[]
    )
    client = api_client_for(operator)
    assert [row["id"] for row in client.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]
    assert client.get(f"/api/v1/assessments/{assessment.pk}/").json()["grade"] == "A"
    assert_error(client.post("/api/v1/assessments/", payload(facility), format="json"), 403, "permission_denied")


def test_assessment_list_filters_by_facility_and_keeps_constant_queries(city_admin, gusu_officer, api_client_for):
    facilities = [make_facility(city_admin, f"评估{n}") for n in range(6)]
    for f in facilities:
        assessment_record(actor=city_admin, facility=f, assessed_on=timezone.localdate(), scores=FULL, vetoes_failed=[])
    client = api_client_for(gusu_officer)
    only = client.get(f"/api/v1/assessments/?facility={facilities[0].pk}").json()["results"]
    assert [row["facility"] for row in only] == [facilities[0].pk]

    def measure(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response

    small, small_response = measure("/api/v1/assessments/?page_size=2")
    large, large_response = measure("/api/v1/assessments/?page_size=6")
    assert len(small_response.json()["results"]) == 2
    assert len(large_response.json()["results"]) == 6
    assert small == large
