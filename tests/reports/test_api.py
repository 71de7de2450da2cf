"""The population statistics endpoint: per unit and for the city, by year, with estimates marked."""

from __future__ import annotations

import pytest
from django.utils import timezone

from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.services import district_population_set

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics/population/"
GUSU = "320508"
CHANGSHU = "320581"
ERROR_KEYS = {"code", "message", "fields", "clause"}


@pytest.fixture
def stats_api(stats_client, api_client_for):
    client = api_client_for(stats_client)
    client.raise_request_exception = False
    return client


def set_population(code: str, year: int, population: int, status: str) -> None:
    district_population_set(
        actor=None, district=District.objects.get(code=code), year=year, population=population, status=status
    )


def units_by_code(body: dict) -> dict:
    return {unit["code"]: unit for unit in body["units"]}


def test_2020_figures_for_the_units_and_the_city(stats_api):
    response = stats_api.get(URL, {"year": "2020"})

    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2020
    assert body["city_population"] == 12_748_262
    assert body["city_includes_estimates"] is True
    units = units_by_code(body)
    assert len(units) == 10
    assert sum(unit["population"] for unit in units.values()) == body["city_population"]
    assert units[CHANGSHU] == {
        "code": CHANGSHU,
        "name": "常熟市",
        "kind": "county_city",
        "population": 1_677_700,
        "population_year": 2020,
        "is_estimate": False,
    }
    assert units[GUSU]["name"] == "姑苏区"
    assert units[GUSU]["population"] == 922_900
    assert units[GUSU]["is_estimate"] is True


def test_without_a_year_the_figures_are_this_years(stats_api):
    set_population(GUSU, 2023, 950_000, "official")
    body = stats_api.get(URL).json()
    assert body["year"] == timezone.localdate().year
    assert units_by_code(body)[GUSU]["population_year"] == 2023
    assert body["city_population"] == 12_748_262 - 922_900 + 950_000


@pytest.mark.parametrize(
    ("year", "population", "population_year", "is_estimate"),
    [(2022, 922_900, 2020, True), (2023, 950_000, 2023, False), (2030, 950_000, 2023, False)],
)
def test_the_year_parameter_picks_each_units_latest_figure_at_or_before_it(
    stats_api, year, population, population_year, is_estimate
):
    set_population(GUSU, 2023, 950_000, "official")

    body = stats_api.get(URL, {"year": str(year)}).json()

    gusu = units_by_code(body)[GUSU]
    assert body["year"] == year
    assert (gusu["population"], gusu["population_year"], gusu["is_estimate"]) == (
        population,
        population_year,
        is_estimate,
    )
    assert body["city_population"] == 12_748_262 - 922_900 + population


def test_a_year_before_any_figure_has_no_unit_populations(stats_api):
    body = stats_api.get(URL, {"year": "2019"}).json()
    assert body["year"] == 2019
    assert all(unit["population"] is None for unit in body["units"])
    assert body["city_includes_estimates"] is False


def test_the_city_is_not_flagged_once_no_unit_is_an_estimate(stats_api):
    for code in District.objects.values_list("code", flat=True):
        set_population(code, 2021, 1_000_000, "census")

    body = stats_api.get(URL, {"year": "2021"}).json()

    assert body["city_population"] == 10_000_000
    assert body["city_includes_estimates"] is False
    assert not any(unit["is_estimate"] for unit in body["units"])


@pytest.mark.parametrize("year", ["abc", "1800", "1948", "2101", "-2020", "2020.5", "", " 2020"])
def test_a_bad_year_is_400_in_the_error_shape_naming_the_year(stats_api, year):
    response = stats_api.get(URL, {"year": year})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid"
    assert body["message"]
    assert list(body["fields"]) == ["year"]
    assert body["fields"]["year"][0]


def test_a_superscript_year_is_400_not_a_server_error(stats_api):
    response = stats_api.get(URL, {"year": "²"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["year"]


def test_the_boundary_years_are_accepted(stats_api):
    assert stats_api.get(URL, {"year": "1949"}).status_code == 200
    assert stats_api.get(URL, {"year": "2100"}).json()["city_population"] == 12_748_262


def test_the_statistics_are_read_only(stats_api):
    response = stats_api.post(URL, {"year": 2020}, format="json")
    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS


def test_district_officer_reads_the_same_city_statistics(gusu_officer, api_client_for):
    body = api_client_for(gusu_officer).get(URL, {"year": "2020"}).json()
    assert body["city_population"] == 12_748_262
    assert len(body["units"]) == 10
