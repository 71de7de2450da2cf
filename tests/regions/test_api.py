"""REST: the county-level units, with their latest population and the estimate flag."""

from __future__ import annotations

import pytest

from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.services import district_population_set, street_add

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
ERROR_KEYS = {"code", "message", "fields", "clause"}


@pytest.fixture
def admin_api(city_admin, api_client_for):
    return api_client_for(city_admin)


def rows_by_code(response) -> dict:
    return {row["code"]: row for row in response.json()["results"]}


def test_city_admin_lists_the_ten_units_with_2020_figures(admin_api):
    response = admin_api.get("/api/v1/regions/districts/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 10
    rows = rows_by_code(response)
    assert rows[GUSU] == {
        "code": GUSU,
        "name": "姑苏区",
        "kind": "district",
        "population": 922_900,
        "population_year": 2020,
        "population_is_estimate": True,
        "street_count": 0,
    }
    assert rows["320581"]["name"] == "常熟市"
    assert rows["320581"]["kind"] == "county_city"
    assert rows["320581"]["population_is_estimate"] is False
    assert sum(row["population"] for row in rows.values()) == 12_748_262


def test_a_new_figure_and_a_new_street_show_in_the_api(admin_api, city_admin):
    gusu = District.objects.get(code=GUSU)
    district_population_set(actor=city_admin, district=gusu, year=2024, population=930_123, status="official")
    street_add(actor=city_admin, district=gusu, name="平江街道")

    row = admin_api.get(f"/api/v1/regions/districts/{GUSU}/").json()

    assert (row["population"], row["population_year"], row["population_is_estimate"]) == (930_123, 2024, False)
    assert row["street_count"] == 1


def test_page_size_is_honoured_and_pages_link_on(admin_api):
    first = admin_api.get("/api/v1/regions/districts/?page_size=3").json()
    assert [row["code"] for row in first["results"]] == ["320505", "320506", "320507"]
    assert first["count"] == 10
    assert first["next"]
    second = admin_api.get("/api/v1/regions/districts/?page_size=3&page=2").json()
    assert [row["code"] for row in second["results"]] == [GUSU, WUJIANG, "320571"]


def test_page_size_is_capped(admin_api, settings):
    settings.API_MAX_PAGE_SIZE = 4
    body = admin_api.get("/api/v1/regions/districts/?page_size=1000").json()
    assert len(body["results"]) == 4


def test_a_page_past_the_end_is_404_in_the_error_shape(admin_api):
    response = admin_api.get("/api/v1/regions/districts/?page=99")
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_officer_reads_own_unit_and_not_the_neighbour(gusu_officer, api_client_for):
    client = api_client_for(gusu_officer)
    assert client.get(f"/api/v1/regions/districts/{GUSU}/").json()["name"] == "姑苏区"
    response = client.get(f"/api/v1/regions/districts/{WUJIANG}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_units_api_is_read_only(admin_api, method):
    response = getattr(admin_api, method)(f"/api/v1/regions/districts/{GUSU}/", {"name": "改名"}, format="json")
    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS
    assert District.objects.get(code=GUSU).name == "姑苏区"
