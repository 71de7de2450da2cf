"""REST of inspections and rectification orders: each role that may use an endpoint, foreign users (404 in
the error shape), refusals as field errors, uploads, and constant query counts on the lists."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inspections.models import Evidence, Inspection, RectificationOrder
from inspections.services import rectification

from .factories import (
    WUJIANG,
    completed,
    facility_of,
    finding_on,
    inspection_of,
    inspector_of,
    operator_account,
    upload,
)

pytestmark = pytest.mark.django_db
DAY = date(2025, 9, 30)
ERROR_KEYS = {"code", "message", "fields", "clause"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def facility(operator):
    return facility_of(operator)


@pytest.fixture
def wujiang_inspector(db):
    return inspector_of(WUJIANG, username="wujiang_inspector")


@pytest.fixture
def other_operator(db):
    return operator_account(username="other_operator")


@pytest.fixture
def inspection(facility, gusu_inspector):
    return inspection_of(facility, actor=gusu_inspector, inspected_on=DAY)


@pytest.fixture
def order(inspection, gusu_inspector):
    return finding_on(inspection, actor=gusu_inspector, weight="serious").order


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code:
        assert body["code"] == code
    return body


# --- inspections ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gusu_inspector", "gusu_officer", "citywide_inspector", "city_admin", "operator"])
def test_each_role_of_the_unit_lists_and_reads_the_inspection(request, inspection, api_client_for, who):
    api = api_client_for(request.getfixturevalue(who))
    listing = api.get("/api/v1/inspections/")
    assert listing.status_code == 200
    (row,) = listing.json()["results"]
    assert (row["id"], row["facility"], row["kind"], row["status"]) == (
        inspection.pk,
        inspection.facility_id,
        "routine",
        "draft",
    )
    assert row["item_count"] == row["unchecked_count"] == inspection.items.count()
    detail = api.get(f"/api/v1/inspections/{inspection.pk}/")
    assert detail.status_code == 200
    assert [item["code"] for item in detail.json()["items"]] == list(inspection.items.values_list("code", flat=True))


@pytest.mark.parametrize("who", ["wujiang_inspector", "other_operator", "wujiang_officer"])
def test_a_foreign_user_gets_404_on_inspections(request, inspection, api_client_for, who):
    api = api_client_for(request.getfixturevalue(who))
    assert api.get("/api/v1/inspections/").json()["count"] == 0
    error(api.get(f"/api/v1/inspections/{inspection.pk}/"), 404, "not_found")
    error(
        api.post(f"/api/v1/inspections/{inspection.pk}/findings/", {"weight": "minor", "description": "x"}),
        404,
        "not_found",
    )


def test_anonymous_gets_401():
    error(APIClient().get("/api/v1/inspections/"), 401, "not_authenticated")
    error(APIClient().get("/api/v1/rectifications/"), 401, "not_authenticated")


def test_the_list_filters_by_kind_status_and_date(facility, inspection, gusu_inspector, api_client_for):
    done = completed(inspection_of(facility, actor=gusu_inspector, inspected_on=date(2025, 6, 1)), actor=gusu_inspector)
    api = api_client_for(gusu_inspector)
    assert [r["id"] for r in api.get("/api/v1/inspections/", {"status": "completed"}).json()["results"]] == [done.pk]
    ids = [r["id"] for r in api.get("/api/v1/inspections/", {"date_from": "2025-09-01"}).json()["results"]]
    assert ids == [inspection.pk]
    error(api.get("/api/v1/inspections/", {"kind": "visit"}), 400, "invalid")


def test_an_inspector_starts_an_inspection(facility, gusu_inspector, citywide_inspector, api_client_for):
    response = api_client_for(gusu_inspector).post(
        "/api/v1/inspections/",
        {
            "facility": facility.pk,
            "kind": "campaign",
            "inspected_on": "2025-09-30",
            "inspectors": [gusu_inspector.pk, citywide_inspector.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "campaign" and body["status"] == "draft"
    assert {i["username"] for i in body["inspectors"]} == {"gusu_inspector", "city_inspector"}
    assert body["items"][0]["code"] == "surveillance_coverage" and body["items"][0]["clause"]
    assert Inspection.objects.get().created_by == gusu_inspector


def test_starting_with_wrong_inspectors_is_a_field_error(facility, gusu_inspector, wujiang_inspector, api_client_for):
    api = api_client_for(gusu_inspector)
    body = error(
        api.post(
            "/api/v1/inspections/",
            {
                "facility": facility.pk,
                "kind": "routine",
                "inspected_on": "2025-09-30",
                "inspectors": [wujiang_inspector.pk],
            },
            format="json",
        ),
        400,
        "invalid",
    )
    assert list(body["fields"]) == ["inspectors"]
    foreign = body["fields"]["inspectors"]
    body = error(
        api.post(
            "/api/v1/inspections/",
            {"facility": facility.pk, "kind": "routine", "inspected_on": "2025-09-30", "inspectors": [999999]},
            format="json",
        ),
        400,
    )
    # A foreign inspector and a missing account read the same: the endpoint reveals no account.
    assert body["fields"]["inspectors"] == foreign
    assert wujiang_inspector.username not in str(foreign)
    body = error(api.post("/api/v1/inspections/", {"facility": facility.pk}, format="json"), 400)
    assert {"kind", "inspected_on", "inspectors"} <= set(body["fields"])
    assert not Inspection.objects.exists()


def test_starting_on_a_foreign_facility_is_404_and_the_operator_is_refused(
    facility, wujiang_inspector, operator, gusu_inspector, api_client_for
):
    data = {"facility": facility.pk, "kind": "routine", "inspected_on": "2025-09-30", "inspectors": [gusu_inspector.pk]}
    error(api_client_for(wujiang_inspector).post("/api/v1/inspections/", data, format="json"), 404, "not_found")
    error(api_client_for(operator).post("/api/v1/inspections/", data, format="json"), 403, "permission_denied")


def test_a_finding_gets_its_order_and_deadline(inspection, gusu_inspector, operator, api_client_for):
    response = api_client_for(gusu_inspector).post(
        f"/api/v1/inspections/{inspection.pk}/findings/",
        {"weight": "moderate", "description": "晨检记录缺失", "item_code": "morning_checks"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order"]["deadline"] == "2025-10-21" and body["order"]["status"] == "open"
    assert body["clause"] == inspection.items.get(code="morning_checks").clause
    order = api_client_for(operator).get(f"/api/v1/rectifications/{body['order']['id']}/").json()
    assert order["description"] == "晨检记录缺失" and order["is_overdue"] is True  # 2025 is long past


def test_a_finding_with_a_photo_in_multipart(media, inspection, gusu_inspector, api_client_for):
    api = api_client_for(gusu_inspector)
    response = api.post(
        f"/api/v1/inspections/{inspection.pk}/findings/",
        {"weight": "serious", "description": "监控未覆盖", "evidence": upload("jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (evidence,) = response.json()["evidence"]
    assert evidence["content_type"] == "image/jpeg"
    download = api.get(evidence["download"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert response.json()["order"]["deadline"] == "2025-10-11"


@pytest.mark.parametrize("kind", ["exe", "oversize"])
def test_a_refused_file_refuses_the_finding_and_stores_nothing(
    media, settings, inspection, gusu_inspector, api_client_for, kind
):
    settings.MATERIAL_MAX_BYTES = 1024
    file = upload("exe", name="photo.jpg") if kind == "exe" else upload("pdf", size=4096)
    body = error(
        api_client_for(gusu_inspector).post(
            f"/api/v1/inspections/{inspection.pk}/findings/",
            {"weight": "serious", "description": "监控未覆盖", "evidence": file},
            format="multipart",
        ),
        400,
        "invalid",
    )
    assert list(body["fields"]) == ["evidence"]
    assert not RectificationOrder.objects.exists() and not Evidence.objects.exists()
    assert not (media / "evidence").exists()


def test_a_finding_on_a_completed_inspection_is_a_conflict(inspection, gusu_inspector, api_client_for):
    completed(inspection, actor=gusu_inspector)
    error(
        api_client_for(gusu_inspector).post(
            f"/api/v1/inspections/{inspection.pk}/findings/", {"weight": "minor", "description": "x"}, format="json"
        ),
        409,
        "completed",
    )


def test_evidence_of_a_foreign_facility_is_404(inspection, gusu_inspector, wujiang_inspector, api_client_for):
    from inspections.services import records

    finding = finding_on(inspection, actor=gusu_inspector)
    evidence = records.evidence_upload(actor=gusu_inspector, finding=finding, upload=upload())
    error(api_client_for(wujiang_inspector).get(f"/api/v1/evidence/{evidence.pk}/"), 404, "not_found")


# --- rectification orders ---------------------------------------------------------------------------------


@pytest.fixture
def foreign_order(other_operator):
    facility = facility_of(other_operator, district_code=WUJIANG, name="吴江小海豚托育园")
    inspector = inspector_of(WUJIANG, username="wujiang_inspector_2")
    inspection = inspection_of(facility, actor=inspector, inspected_on=DAY)
    return finding_on(inspection, actor=inspector, weight="moderate").order


@pytest.mark.parametrize("who", ["operator", "gusu_officer", "gusu_inspector"])
def test_the_unit_and_the_operator_list_the_order(request, order, foreign_order, api_client_for, who):
    api = api_client_for(request.getfixturevalue(who))
    body = api.get("/api/v1/rectifications/").json()
    assert [r["id"] for r in body["results"]] == [order.pk]
    assert body["results"][0]["deadline"] == "2025-10-11"
    assert api.get(f"/api/v1/rectifications/{order.pk}/").status_code == 200


def test_the_city_lists_every_units_overdue_orders(order, foreign_order, city_admin, api_client_for):
    body = api_client_for(city_admin).get("/api/v1/rectifications/", {"overdue": "true"}).json()
    assert {r["id"] for r in body["results"]} == {order.pk, foreign_order.pk}
    assert {r["district"] for r in body["results"]} == {"320508", WUJIANG}
    assert all(r["is_overdue"] for r in body["results"])


def test_the_filters_status_and_overdue(order, facility, gusu_inspector, operator, api_client_for):
    from django.utils import timezone

    fresh = finding_on(
        inspection_of(facility, actor=gusu_inspector, inspected_on=timezone.localdate()), actor=gusu_inspector
    ).order
    rectification.order_respond(actor=operator, order=fresh, response="已整改")
    api = api_client_for(operator)
    ids = lambda **query: [r["id"] for r in api.get("/api/v1/rectifications/", query).json()["results"]]  # noqa: E731
    assert ids(overdue="true") == [order.pk]
    assert ids(overdue="false") == [fresh.pk]
    assert ids(status="responded") == [fresh.pk]
    assert ids(status="open") == [order.pk]
    assert sorted(ids()) == sorted([order.pk, fresh.pk])
    error(api.get("/api/v1/rectifications/", {"status": "pending"}), 400, "invalid")


@pytest.mark.parametrize("who", ["wujiang_inspector", "other_operator", "wujiang_officer"])
def test_a_foreign_user_gets_404_on_orders(request, order, api_client_for, who):
    api = api_client_for(request.getfixturevalue(who))
    assert order.pk not in [r["id"] for r in api.get("/api/v1/rectifications/").json()["results"]]
    error(api.get(f"/api/v1/rectifications/{order.pk}/"), 404, "not_found")
    error(api.post(f"/api/v1/rectifications/{order.pk}/respond/", {"response": "x"}), 404, "not_found")


def test_the_operator_responds_with_a_file(media, order, operator, gusu_officer, api_client_for):
    response = api_client_for(operator).post(
        f"/api/v1/rectifications/{order.pk}/respond/",
        {"response": "已更换摄像头", "evidence": upload("png")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "responded" and body["response"] == "已更换摄像头"
    assert len(body["evidence"]) == 1
    error(
        api_client_for(operator).post(f"/api/v1/rectifications/{order.pk}/respond/", {"response": "再次"}),
        409,
        "not_open",
    )


def test_a_response_with_a_refused_file_is_400_and_stores_nothing(media, order, operator, api_client_for):
    body = error(
        api_client_for(operator).post(
            f"/api/v1/rectifications/{order.pk}/respond/",
            {"response": "已整改", "evidence": upload("exe", name="photo.png")},
            format="multipart",
        ),
        400,
    )
    assert list(body["fields"]) == ["evidence"]
    order.refresh_from_db()
    assert order.status == "open" and not Evidence.objects.exists() and not (media / "evidence").exists()


def test_staff_do_not_respond_for_the_operator(order, gusu_inspector, api_client_for):
    error(
        api_client_for(gusu_inspector).post(f"/api/v1/rectifications/{order.pk}/respond/", {"response": "x"}),
        403,
        "permission_denied",
    )


# --- query counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city_admin", "gusu_officer", "operator"])
def test_the_lists_run_the_same_queries_at_page_sizes_2_and_20(request, facility, gusu_inspector, api_client_for, who):
    for n in range(12):
        inspection = inspection_of(facility, actor=gusu_inspector, inspected_on=date(2025, 9, 1 + n))
        finding_on(inspection, actor=gusu_inspector, weight="minor")
    api = api_client_for(request.getfixturevalue(who))
    api.get("/api/v1/me/")  # the token's first use records its last-use time once: not part of the lists
    for path in ("/api/v1/inspections/", "/api/v1/rectifications/"):
        counts = {}
        for size in (2, 20):
            with CaptureQueriesContext(connection) as queries:
                response = api.get(path, {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == min(size, 12)
            counts[size] = len(queries)
        assert counts[2] == counts[20], (path, counts)
