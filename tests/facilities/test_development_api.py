"""REST for development targets, progress, build projects and guidance activities: per role, foreign 404,
bad input 400 with fields and nothing saved, lists at a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities.models import BuildProject, DevelopmentTarget, GuidanceActivity
from facilities.services.development import GUIDANCE_CLAUSE, project_create
from suzhou_childcare.regions.models import Street

from .test_development import GUSU, WUJIANG, make_facility, model_facility, opened_project, project_data

pytestmark = pytest.mark.django_db

TARGETS = "/api/v1/development-targets/"
PROGRESS = "/api/v1/target-progress/"
PROJECTS = "/api/v1/build-projects/"
GUIDANCE = "/api/v1/guidance-activities/"


def _warm(api):
    api.get("/api/v1/me/")  # the token's first use records its last-use time once
    return api


# --- targets ---


def test_the_city_admin_sets_a_target(city_admin, api_client_for):
    api = api_client_for(city_admin)
    body = {"district": GUSU, "year": 2026, "indicator": "model_facilities", "value": "3", "source": "测试"}
    created = api.post(TARGETS, body, format="json")
    assert created.status_code == 201
    data = created.json()
    assert (data["district"], data["value"], data["indicator"], data["is_default"]) == (
        GUSU,
        "3.00",
        "model_facilities",
        False,
    )
    city = api.post(TARGETS, {**body, "district": None, "from_year": 2021}, format="json").json()
    assert (city["district"], city["from_year"]) == (None, 2021)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "-1"}, "value"),
        ({"value": "x"}, "value"),
        ({"indicator": "streets_with_inclusive_share", "value": "120"}, "value"),
        ({"year": "twenty"}, "year"),
        ({"district": "32050"}, "district"),
        ({"district": "999999"}, "district"),
        ({"from_year": 2030}, "from_year"),
        ({"source": ""}, "source"),
    ],
)
def test_a_bad_target_is_a_400_naming_the_field(city_admin, api_client_for, changes, field):
    before = DevelopmentTarget.objects.count()
    body = {"district": GUSU, "year": 2026, "indicator": "model_facilities", "value": "3", "source": "S", **changes}
    response = api_client_for(city_admin).post(TARGETS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert DevelopmentTarget.objects.count() == before


@pytest.mark.parametrize("user_fixture", ["gusu_officer", "gusu_inspector"])
def test_officers_read_targets_but_cannot_set_them(request, api_client_for, city_admin, user_fixture):
    api = api_client_for(request.getfixturevalue(user_fixture))
    body = {"district": GUSU, "year": 2026, "indicator": "model_facilities", "value": "3", "source": "S"}
    assert api.post(TARGETS, body, format="json").status_code == 403
    api_client_for(city_admin).post(TARGETS, body, format="json")
    api_client_for(city_admin).post(TARGETS, {**body, "district": WUJIANG}, format="json")
    listed = api.get(TARGETS, {"year": 2026}).json()["results"]
    assert [row["district"] for row in listed] == [GUSU]
    seeded = api.get(TARGETS, {"district": "city"}).json()["results"]
    assert {row["year"] for row in seeded} == {2021, 2025} and all(row["is_default"] is False for row in seeded)


def test_the_city_admin_reads_every_target(city_admin, api_client_for):
    rows = api_client_for(city_admin).get(TARGETS, {"page_size": 100}).json()["results"]
    assert len(rows) == DevelopmentTarget.objects.count() == 4


@pytest.mark.parametrize("user_fixture", ["operator", "training_base", "mch_assessor", "stats_client"])
def test_targets_progress_and_projects_are_absent_for_other_roles(request, api_client_for, user_fixture):
    api = api_client_for(request.getfixturevalue(user_fixture))
    for url in (TARGETS, PROGRESS, PROJECTS):
        assert api.get(url).status_code == 404
    body = {"district": GUSU, "year": 2026, "indicator": "model_facilities", "value": "3", "source": "S"}
    assert api.post(TARGETS, body, format="json").status_code == 404


def test_the_stats_client_does_not_see_guidance(stats_client, api_client_for):
    assert api_client_for(stats_client).get(GUIDANCE).status_code == 404


# --- progress ---


def test_progress_per_role(city_admin, gusu_officer, citywide_inspector, api_client_for):
    opened_project(GUSU, target_year=2025, opened_on=date(2025, 5, 1))
    city = api_client_for(city_admin).get(PROGRESS, {"year": 2025}).json()
    assert city["year"] == 2025 and city["as_of"] == "2025-12-31"
    assert len(city["rows"]) == 11 and city["rows"][-1]["is_city"]
    gusu = next(row for row in city["rows"] if row["code"] == GUSU)
    built = next(c for c in gusu["indicators"] if c["indicator"] == "inclusive_facilities_built")
    assert built["actual"] == "1.00" and built["target"] is None
    seeded = next(c for c in city["rows"][-1]["indicators"] if c["indicator"] == "model_facilities")
    assert (seeded["target"], seeded["from_year"]) == ("50.00", 2021)
    own = api_client_for(gusu_officer).get(PROGRESS, {"year": 2025}).json()
    assert [row["code"] for row in own["rows"]] == [GUSU]
    assert len(api_client_for(citywide_inspector).get(PROGRESS, {"year": 2025}).json()["rows"]) == 11
    current = api_client_for(city_admin).get(PROGRESS).json()
    assert current["year"] == timezone.localdate().year and current["as_of"] == timezone.localdate().isoformat()


@pytest.mark.parametrize("year", ["abc", "1800", "99999999999"])
def test_a_bad_progress_year_is_a_400(city_admin, api_client_for, year):
    response = api_client_for(city_admin).get(PROGRESS, {"year": year})
    assert response.status_code == 400 and "year" in response.json()["fields"]


# --- build projects ---


def _api_project(**overrides):
    return {
        "name": "新建普惠托育中心",
        "programme": "实事项目",
        "district": GUSU,
        "target_year": 2026,
        "planned_slots": 60,
        **overrides,
    }


def test_an_officer_creates_patches_and_advances_a_project(gusu_officer, api_client_for):
    api = api_client_for(gusu_officer)
    street = Street.objects.create(district_id=GUSU, name="平江街道")
    created = api.post(PROJECTS, _api_project(street=street.pk, planned_opening_on="2026-12-01"), format="json")
    assert created.status_code == 201
    project = created.json()
    assert (project["status"], project["street_name"], project["planned_opening_on"]) == (
        "planned",
        "平江街道",
        "2026-12-01",
    )
    url = f"{PROJECTS}{project['id']}/"
    patched = api.patch(url, {"planned_slots": 90, "note": "扩建"}, format="json")
    assert patched.status_code == 200 and patched.json()["planned_slots"] == 90
    today = timezone.localdate()
    steps = [("under_construction", today - timedelta(days=60)), ("completed", today - timedelta(days=3))]
    for status, day in steps:
        response = api.post(f"{url}advance/", {"status": status, "on": day.isoformat()}, format="json")
        assert response.status_code == 200, response.json()
    facility = make_facility(GUSU)
    opened = api.post(f"{url}advance/", {"status": "opened", "on": today.isoformat(), "facility": facility.pk})
    assert opened.status_code == 200
    assert (opened.json()["status"], opened.json()["facility"]) == ("opened", facility.pk)
    assert api.get(url).json()["opened_on"] == today.isoformat()


def test_project_rules_answer_with_their_status(city_admin, api_client_for):
    api = api_client_for(city_admin)
    project = api.post(PROJECTS, _api_project(), format="json").json()
    url = f"{PROJECTS}{project['id']}/advance/"
    today = timezone.localdate().isoformat()
    skipped = api.post(url, {"status": "opened", "on": today, "facility": make_facility().pk}, format="json")
    assert skipped.status_code == 409 and skipped.json()["code"] == "project_transition"
    future = api.post(url, {"status": "under_construction", "on": "2999-01-01"}, format="json")
    assert future.status_code == 400 and "on" in future.json()["fields"]
    no_reason = api.post(url, {"status": "cancelled", "on": today}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    planned = api.post(url, {"status": "planned", "on": today}, format="json")
    assert planned.status_code == 400 and "status" in planned.json()["fields"]
    assert BuildProject.objects.get().status == "planned"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_slots": 0}, "planned_slots"),
        ({"planned_slots": "x"}, "planned_slots"),
        ({"target_year": 1900}, "target_year"),
        ({"district": "abc"}, "district"),
        ({"district": WUJIANG}, "district"),  # an officer enters projects of their own unit only
        ({"name": ""}, "name"),
        ({"street": 2**40}, "street"),
        ({"planned_opening_on": "next year"}, "planned_opening_on"),
    ],
)
def test_a_bad_project_is_a_400_and_saves_nothing(gusu_officer, api_client_for, changes, field):
    response = api_client_for(gusu_officer).post(PROJECTS, _api_project(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not BuildProject.objects.exists()


def test_a_patch_of_a_read_only_field_is_a_400(city_admin, api_client_for):
    project = project_create(actor=city_admin, data=project_data())
    api = api_client_for(city_admin)
    for body in ({"status": "opened"}, {"facility": 1}, [1], 5):
        response = api.patch(f"{PROJECTS}{project.pk}/", body, format="json")
        assert response.status_code == 400
    project.refresh_from_db()
    assert project.status == "planned"


@pytest.mark.parametrize("user_fixture", ["gusu_inspector", "citywide_inspector"])
def test_inspectors_read_projects_but_do_not_write(request, api_client_for, city_admin, user_fixture):
    project = project_create(actor=city_admin, data=project_data())
    api = api_client_for(request.getfixturevalue(user_fixture))
    assert api.get(f"{PROJECTS}{project.pk}/").status_code == 200
    assert api.patch(f"{PROJECTS}{project.pk}/", {"note": "x"}, format="json").status_code == 403
    assert api.post(PROJECTS, _api_project(), format="json").status_code == 403
    advance = {"status": "under_construction", "on": timezone.localdate().isoformat()}
    assert api.post(f"{PROJECTS}{project.pk}/advance/", advance, format="json").status_code == 403


def test_a_foreign_project_is_404(city_admin, wujiang_officer, api_client_for):
    project = project_create(actor=city_admin, data=project_data())
    api = api_client_for(wujiang_officer)
    assert api.get(f"{PROJECTS}{project.pk}/").status_code == 404
    assert api.patch(f"{PROJECTS}{project.pk}/", {"note": "x"}, format="json").status_code == 404
    advance = {"status": "under_construction", "on": timezone.localdate().isoformat()}
    assert api.post(f"{PROJECTS}{project.pk}/advance/", advance, format="json").status_code == 404
    assert api.get(f"{PROJECTS}abc/").status_code == 404
    assert api.get(PROJECTS).json()["count"] == 0
    project.refresh_from_db()
    assert project.note == "" and project.status == "planned"


def test_a_facility_outside_the_officers_reach_cannot_open_a_project(city_admin, gusu_officer, api_client_for):
    project = project_create(actor=city_admin, data=project_data())
    today = timezone.localdate()
    BuildProject.objects.filter(pk=project.pk).update(
        status="completed", started_on=today - timedelta(days=9), completed_on=today - timedelta(days=2)
    )
    foreign = make_facility(WUJIANG)
    response = api_client_for(gusu_officer).post(
        f"{PROJECTS}{project.pk}/advance/",
        {"status": "opened", "on": today.isoformat(), "facility": foreign.pk},
        format="json",
    )
    assert response.status_code == 400 and "facility" in response.json()["fields"]


def test_the_project_list_filters(city_admin, api_client_for):
    project_create(actor=city_admin, data=project_data(name="甲", target_year=2025))
    project_create(actor=city_admin, data=project_data(name="乙", district=WUJIANG))
    api = api_client_for(city_admin)
    assert [r["name"] for r in api.get(PROJECTS, {"year": 2025}).json()["results"]] == ["甲"]
    assert [r["name"] for r in api.get(PROJECTS, {"district": WUJIANG}).json()["results"]] == ["乙"]
    assert api.get(PROJECTS, {"status": "opened"}).json()["count"] == 0
    assert api.get(PROJECTS, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize("user_fixture", ["city_admin", "gusu_officer"])
def test_the_project_list_runs_the_same_queries_at_page_sizes_10_and_100(request, api_client_for, user_fixture):
    street = Street.objects.create(district_id=GUSU, name="平江街道")
    for i in range(120):
        project = opened_project(GUSU if i % 2 else WUJIANG, target_year=2025, opened_on=date(2025, 1, 2))
        if i % 2:
            project.street = street
            project.save()
    api = _warm(api_client_for(request.getfixturevalue(user_fixture)))
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(PROJECTS, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


# --- guidance ---


def _guidance(facility, **overrides):
    return {
        "facility": facility.pk,
        "kind": "open_day",
        "held_on": timezone.localdate().isoformat(),
        "title": "开放日",
        "participants": 25,
        **overrides,
    }


def test_an_operator_records_guidance_for_a_model_facility(operator, api_client_for):
    facility = model_facility(operator)
    api = api_client_for(operator)
    created = api.post(GUIDANCE, _guidance(facility), format="json")
    assert created.status_code == 201
    data = created.json()
    assert (data["facility"], data["kind"], data["participants"], data["recognition_kind"]) == (
        facility.pk,
        "open_day",
        25,
        "municipal_model",
    )
    assert [row["id"] for row in api.get(GUIDANCE).json()["results"]] == [data["id"]]


def test_guidance_for_a_facility_that_is_not_a_model_is_a_422_naming_the_clause(operator, api_client_for):
    facility = make_facility(operator=operator)
    response = api_client_for(operator).post(GUIDANCE, _guidance(facility), format="json")
    assert response.status_code == 422
    assert response.json()["clause"] == GUIDANCE_CLAUSE and response.json()["code"] == "not_a_model_facility"
    assert not GuidanceActivity.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participants": -1}, "participants"),
        ({"participants": 100_001}, "participants"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"held_on": "yesterday"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"kind": "mentoring"}, "mentored_facility"),
        ({"kind": "mentoring", "mentored_facility": 2**31 - 1}, "mentored_facility"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_guidance_is_a_400_and_saves_nothing(operator, api_client_for, changes, field):
    facility = model_facility(operator)
    response = api_client_for(operator).post(GUIDANCE, _guidance(facility, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not GuidanceActivity.objects.exists()


def test_guidance_of_a_foreign_facility_is_404(operator, make_user, wujiang_officer, api_client_for):
    facility = model_facility(operator)
    api_client_for(operator).post(GUIDANCE, _guidance(facility), format="json")
    for user in (make_user("operator", username="other_op"), wujiang_officer):
        api = api_client_for(user)
        assert api.post(GUIDANCE, _guidance(facility), format="json").status_code == 404
        assert api.get(GUIDANCE).json()["count"] == 0
    assert GuidanceActivity.objects.count() == 1


def test_a_unit_facility_cannot_be_named_as_mentored_by_an_outsider_unless_filed(operator, api_client_for):
    facility = model_facility(operator)
    unfiled = make_facility(WUJIANG)
    response = api_client_for(operator).post(
        GUIDANCE, _guidance(facility, kind="mentoring", mentored_facility=unfiled.pk), format="json"
    )
    assert response.status_code == 400 and "mentored_facility" in response.json()["fields"]


@pytest.mark.parametrize("user_fixture", ["gusu_officer", "gusu_inspector", "city_admin"])
def test_staff_list_guidance_in_their_scope(request, api_client_for, operator, city_admin, user_fixture):
    gusu = model_facility(operator)
    wujiang = model_facility(None, district=WUJIANG)
    api_client_for(operator).post(GUIDANCE, _guidance(gusu), format="json")
    api_client_for(city_admin).post(GUIDANCE, _guidance(wujiang, kind="community_class"), format="json")
    rows = api_client_for(request.getfixturevalue(user_fixture)).get(GUIDANCE).json()["results"]
    expected = {gusu.pk, wujiang.pk} if user_fixture == "city_admin" else {gusu.pk}
    assert {row["facility"] for row in rows} == expected
    filtered = api_client_for(city_admin).get(GUIDANCE, {"kind": "community_class"}).json()["results"]
    assert [row["facility"] for row in filtered] == [wujiang.pk]


def test_an_inspector_cannot_record_guidance(operator, gusu_inspector, api_client_for):
    facility = model_facility(operator)
    assert api_client_for(gusu_inspector).post(GUIDANCE, _guidance(facility), format="json").status_code == 403


@pytest.mark.parametrize("user_fixture", ["city_admin", "operator"])
def test_the_guidance_list_runs_the_same_queries_at_page_sizes_10_and_100(
    request, api_client_for, operator, gusu_officer, user_fixture
):
    facilities = [model_facility(operator), model_facility(operator)]
    other = make_facility(WUJIANG)
    GuidanceActivity.objects.bulk_create(
        GuidanceActivity(
            facility=facilities[i % 2],
            recognition=facilities[i % 2].recognitions.get(),
            kind="mentoring" if i % 3 == 0 else "open_day",
            mentored_facility=other if i % 3 == 0 else None,
            held_on=timezone.localdate() - timedelta(days=i),
            title=f"活动{i}",
            participants=i,
            recorded_by=gusu_officer,
        )
        for i in range(150)
    )
    api = _warm(api_client_for(request.getfixturevalue(user_fixture)))
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(GUIDANCE, {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


def test_the_target_list_runs_the_same_queries_at_page_sizes_10_and_100(city_admin, api_client_for):
    DevelopmentTarget.objects.bulk_create(
        DevelopmentTarget(
            district_id=code, year=year, indicator="model_facilities", value=2, source="S", set_by=city_admin
        )
        for code in (GUSU, WUJIANG, "320505", "320506", "320507")
        for year in range(2019, 2049)
    )
    api = _warm(api_client_for(city_admin))
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(TARGETS, {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


def test_blank_filters_mean_not_chosen(city_admin, api_client_for):
    project_create(actor=city_admin, data=project_data())
    api = api_client_for(city_admin)
    assert api.get(PROJECTS, {"status": "", "year": " ", "district": ""}).json()["count"] == 1
    assert api.get(GUIDANCE, {"kind": "", "date_from": ""}).status_code == 200
    assert api.get(PROGRESS, {"year": ""}).json()["year"] == timezone.localdate().year


def test_the_endpoints_are_documented_under_development():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    mine = [
        path
        for path in paths
        if path.split("/")[3] in {"development-targets", "target-progress", "build-projects", "guidance-activities"}
    ]
    assert len(mine) == 6
    assert {tag for path in mine for operation in paths[path].values() for tag in operation["tags"]} == {"development"}
