"""The units' pages: the city admin edits populations and streets through the forms; others only read."""

from __future__ import annotations

import re

import pytest

from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.regions.models import DistrictPopulation, Street

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
CJK = re.compile(r"[\u4e00-\u9fff]")


def population_post(**overrides) -> dict:
    data = {"pop-year": "2024", "pop-population": "930123", "pop-status": "official", "pop-source": "苏州统计年鉴2025"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def database_state() -> tuple:
    return (
        sorted(DistrictPopulation.objects.values_list("district_id", "year", "population", "status")),
        sorted(Street.objects.values_list("district_id", "name")),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def admin_browser(city_admin, web_client_for):
    return web_client_for(city_admin)


# --- setting a population -----------------------------------------------------------------------------------


def test_city_admin_sets_a_population_and_sees_it_in_the_list_and_the_history(admin_browser):
    response = admin_browser.post(f"/regions/{GUSU}/", population_post(), follow=True)

    assert response.redirect_chain == [(f"/regions/{GUSU}/", 302)]
    assert [str(m) for m in response.context["messages"]], "no confirmation shown"
    assert "930,123" in response.content.decode()

    listing = admin_browser.get("/regions/")
    gusu = next(d for d in listing.context["districts"] if d.code == GUSU)
    assert (gusu.population, gusu.population_year, gusu.population_status) == (930123, 2024, "official")
    assert "930,123" in listing.content.decode()

    history = admin_browser.get(f"/history/regions.district/{GUSU}/")
    entry, changes = history.context["rows"][0]
    assert entry.action == "region.population_set"
    assert entry.actor_username == "city_admin"
    assert ("population", None, 930123) in changes
    assert "930123" in history.content.decode()


def test_city_admin_corrects_an_existing_year_in_place(admin_browser):
    response = admin_browser.post(
        f"/regions/{GUSU}/", population_post(**{"pop-year": "2020", "pop-population": "925000", "pop-status": "census"})
    )
    assert response.status_code == 302

    rows = DistrictPopulation.objects.filter(district_id=GUSU, year=2020)
    assert [(r.population, r.status) for r in rows] == [(925000, "census")]
    entry = AuditEntry.objects.get(action="region.population_set")
    assert entry.before["population"] == 922900
    assert entry.after["population"] == 925000

    listing = admin_browser.get("/regions/")
    assert listing.context["total"] == 12_748_262 - 922_900 + 925_000


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pop-year": "1800"}, "year"),
        ({"pop-year": "2101"}, "year"),
        ({"pop-population": "0"}, "population"),
        ({"pop-population": "-5"}, "population"),
        ({"pop-population": "abc"}, "population"),
        ({"pop-population": "12.5"}, "population"),
        ({"pop-status": None}, "status"),
        ({"pop-status": "guess"}, "status"),
        ({"pop-year": ""}, "year"),
    ],
    ids=[
        "year-1800",
        "year-2101",
        "population-0",
        "population-negative",
        "population-abc",
        "population-fraction",
        "status-missing",
        "status-unknown",
        "year-empty",
    ],
)
def test_bad_population_input_re_shows_the_form_with_a_chinese_field_error_and_writes_nothing(
    admin_browser, overrides, field
):
    before = database_state()
    response = admin_browser.post(f"/regions/{GUSU}/", population_post(**overrides))

    assert response.status_code == 400
    errors = response.context["population_form"].errors
    assert list(errors) == [field]
    assert all(CJK.search(message) for message in errors[field]), errors[field]
    content = response.content.decode()
    assert "is-invalid" in content
    assert errors[field][0] in content
    assert database_state() == before


def test_several_bad_fields_are_all_reported_at_once(admin_browser):
    before = database_state()
    response = admin_browser.post(
        f"/regions/{GUSU}/", population_post(**{"pop-year": "1800", "pop-population": "0", "pop-status": None})
    )
    assert response.status_code == 400
    assert set(response.context["population_form"].errors) == {"year", "population", "status"}
    assert database_state() == before


@pytest.mark.parametrize("role_fixture", ["gusu_officer", "gusu_inspector"])
def test_roles_of_the_unit_cannot_set_its_population(request, web_client_for, role_fixture):
    browser = web_client_for(request.getfixturevalue(role_fixture))
    before = database_state()

    response = browser.post(f"/regions/{GUSU}/", population_post())

    assert response.status_code == 403
    assert database_state() == before
    assert "930,123" not in browser.get(f"/regions/{GUSU}/").content.decode()


def test_a_foreign_officer_posting_the_form_gets_404_and_nothing_changes(wujiang_officer, web_client_for):
    before = database_state()
    response = web_client_for(wujiang_officer).post(f"/regions/{GUSU}/", population_post())
    assert response.status_code == 404
    assert database_state() == before


def test_officer_sees_the_figures_but_not_the_edit_forms(gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).get(f"/regions/{GUSU}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "922,900" in content
    assert 'name="pop-year"' not in content
    assert 'name="street-name"' not in content


def test_city_admin_sees_the_edit_forms(admin_browser):
    content = admin_browser.get(f"/regions/{GUSU}/").content.decode()
    assert 'name="pop-year"' in content
    assert 'name="street-name"' in content


# --- streets ------------------------------------------------------------------------------------------------


def test_city_admin_adds_a_street_which_shows_on_the_unit_and_in_the_count(admin_browser):
    response = admin_browser.post(
        f"/regions/{GUSU}/", {"street-name": "平江街道", "street-kind": "street"}, follow=True
    )
    assert response.redirect_chain == [(f"/regions/{GUSU}/", 302)]
    assert "平江街道" in response.content.decode()

    listing = admin_browser.get("/regions/")
    gusu = next(d for d in listing.context["districts"] if d.code == GUSU)
    assert gusu.street_count == 1
    assert AuditEntry.objects.filter(action="region.street_add", object_id=GUSU).count() == 1


def test_adding_a_duplicate_street_gives_a_field_error(admin_browser):
    admin_browser.post(f"/regions/{GUSU}/", {"street-name": "平江街道", "street-kind": "street"})
    before = database_state()

    response = admin_browser.post(f"/regions/{GUSU}/", {"street-name": " 平江街道 ", "street-kind": "street"})

    assert response.status_code == 400
    errors = response.context["street_form"].errors
    assert list(errors) == ["name"]
    assert errors["name"][0]
    assert errors["name"][0] in response.content.decode()
    assert database_state() == before


def test_the_same_street_name_may_exist_in_another_unit(admin_browser):
    admin_browser.post(f"/regions/{GUSU}/", {"street-name": "城南街道", "street-kind": "street"})
    response = admin_browser.post(f"/regions/{WUJIANG}/", {"street-name": "城南街道", "street-kind": "street"})
    assert response.status_code == 302
    assert Street.objects.filter(name="城南街道").count() == 2


def test_officer_cannot_add_a_street(gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).post(
        f"/regions/{GUSU}/", {"street-name": "平江街道", "street-kind": "street"}
    )
    assert response.status_code == 403
    assert not Street.objects.exists()


# --- the list and the city total ----------------------------------------------------------------------------


def test_city_total_is_the_sum_of_the_units_and_flagged_as_including_estimates(admin_browser):
    response = admin_browser.get("/regions/")
    districts = response.context["districts"]

    assert len(districts) == 10
    assert response.context["total"] == sum(d.population for d in districts) == 12_748_262
    assert response.context["has_estimate"] is True
    assert "12,748,262" in response.content.decode()


def test_estimate_badges_mark_only_the_estimated_units(admin_browser):
    districts = {d.code: d for d in admin_browser.get("/regions/").context["districts"]}
    assert districts["320581"].population_status == "census"
    assert districts[GUSU].population_status == "estimate"


def test_total_is_no_longer_flagged_once_every_unit_has_an_official_figure(admin_browser):
    from suzhou_childcare.regions.models import District
    from suzhou_childcare.regions.services import district_population_set

    for district in District.objects.all():
        district_population_set(actor=None, district=district, year=2021, population=1_000_000, status="official")

    response = admin_browser.get("/regions/")
    assert response.context["has_estimate"] is False
    assert response.context["total"] == 10_000_000
    assert "10,000,000" in response.content.decode()
