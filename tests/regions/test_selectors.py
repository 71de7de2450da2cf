"""Reading regions: scoped unit lists, and the population figures the statistics rest on."""

from __future__ import annotations

import pytest

from suzhou_childcare.errors import NotFound
from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.selectors import (
    city_population,
    district_get_for,
    district_history_scope,
    district_list_for,
    population_by_district,
)
from suzhou_childcare.regions.services import district_population_set, street_add

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
CITY_2020 = 12_748_262


def set_population(code: str, year: int, population: int, status: str = "official") -> None:
    district_population_set(
        actor=None, district=District.objects.get(code=code), year=year, population=population, status=status
    )


# --- the city total -----------------------------------------------------------------------------------------


def test_city_population_2020_is_the_sum_of_the_ten_units():
    rows = population_by_district(year=2020)
    assert len(rows) == 10
    assert city_population(year=2020) == sum(row["population"] for row in rows) == CITY_2020


def test_the_2020_figures_include_estimates():
    statuses = {row["code"]: row["population_status"] for row in population_by_district(year=2020)}
    assert "estimate" in statuses.values()
    assert statuses["320581"] == "census"  # 常熟市, 7th census
    assert statuses[GUSU] == "estimate"


def test_city_population_follows_a_corrected_unit():
    set_population(GUSU, 2023, 950_000)
    assert city_population(year=2023) == CITY_2020 - 922_900 + 950_000
    assert city_population(year=2022) == CITY_2020


def test_city_population_before_any_figure_is_none():
    assert city_population(year=2019) is None


# --- population_by_district picks the latest figure at or before the year -----------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2019, (None, None, None)),
        (2020, (922_900, 2020, "estimate")),
        (2022, (922_900, 2020, "estimate")),
        (2023, (950_000, 2023, "official")),
        (2024, (950_000, 2023, "official")),
        (2030, (960_000, 2025, "census")),
    ],
)
def test_population_by_district_picks_the_latest_year_at_or_before(year, expected):
    set_population(GUSU, 2023, 950_000, "official")
    set_population(GUSU, 2025, 960_000, "census")

    row = next(r for r in population_by_district(year=year) if r["code"] == GUSU)

    assert (row["population"], row["population_year"], row["population_status"]) == expected
    assert row["name"] == "姑苏区"


def test_population_by_district_leaves_other_units_at_their_own_latest_year():
    set_population(GUSU, 2023, 950_000)
    rows = {r["code"]: r for r in population_by_district(year=2023)}
    assert rows[WUJIANG]["population_year"] == 2020
    assert rows[WUJIANG]["population"] == 1_544_062


# --- district_list_for / district_get_for -------------------------------------------------------------------


def test_city_admin_lists_every_unit_with_its_latest_figure(city_admin):
    set_population(GUSU, 2023, 950_000)
    units = {d.code: d for d in district_list_for(user=city_admin)}
    assert len(units) == 10
    assert (units[GUSU].population, units[GUSU].population_year) == (950_000, 2023)
    assert (units[WUJIANG].population, units[WUJIANG].population_year) == (1_544_062, 2020)


def test_district_list_for_a_year_uses_the_figure_of_that_time(city_admin):
    set_population(GUSU, 2023, 950_000)
    gusu = district_list_for(user=city_admin, year=2021).get(code=GUSU)
    assert (gusu.population, gusu.population_year) == (922_900, 2020)


def test_district_list_counts_streets(city_admin):
    gusu = District.objects.get(code=GUSU)
    street_add(actor=None, district=gusu, name="平江街道")
    street_add(actor=None, district=gusu, name="沧浪街道")
    units = {d.code: d for d in district_list_for(user=city_admin)}
    assert units[GUSU].street_count == 2
    assert units[WUJIANG].street_count == 0


@pytest.mark.parametrize(
    ("user_fixture", "codes"),
    [
        ("gusu_officer", [GUSU]),
        ("wujiang_officer", [WUJIANG]),
        ("gusu_inspector", [GUSU]),
        ("operator", []),
        ("training_base", []),
        ("mch_assessor", []),
        ("stats_client", []),
    ],
)
def test_district_list_is_scoped_to_the_users_unit(request, user_fixture, codes):
    user = request.getfixturevalue(user_fixture)
    assert [d.code for d in district_list_for(user=user)] == codes
    assert [d.code for d in district_history_scope(user=user)] == codes


def test_citywide_inspector_lists_every_unit(citywide_inspector):
    assert district_list_for(user=citywide_inspector).count() == 10


def test_an_inactive_officer_sees_no_unit(gusu_officer):
    gusu_officer.is_active = False
    gusu_officer.save()
    assert list(district_list_for(user=gusu_officer)) == []


def test_district_get_for_a_foreign_unit_raises_not_found(gusu_officer):
    assert district_get_for(user=gusu_officer, code=GUSU).name == "姑苏区"
    with pytest.raises(NotFound):
        district_get_for(user=gusu_officer, code=WUJIANG)
