"""Writes on regions: only the city admin (or the system), validated, each with an audit entry."""

from __future__ import annotations

import pytest

from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.regions.models import District, DistrictPopulation, Street
from suzhou_childcare.regions.services import district_population_set, street_add

pytestmark = pytest.mark.django_db

GUSU = "320508"


@pytest.fixture
def gusu(db) -> District:
    return District.objects.get(code=GUSU)


def database_state() -> tuple:
    return (
        sorted(DistrictPopulation.objects.values_list("district_id", "year", "population", "status", "source")),
        sorted(Street.objects.values_list("district_id", "name", "kind")),
        AuditEntry.objects.count(),
    )


# --- district_population_set --------------------------------------------------------------------------------


def test_city_admin_sets_a_new_year_and_it_is_audited(city_admin, gusu):
    row = district_population_set(
        actor=city_admin, district=gusu, year=2024, population=930_123, status="official", source="  统计年鉴  "
    )

    row.refresh_from_db()
    assert (row.district_id, row.year, row.population, row.status, row.source) == (
        GUSU,
        2024,
        930_123,
        "official",
        "统计年鉴",
    )
    entry = AuditEntry.objects.get(action="region.population_set")
    assert entry.actor == city_admin
    assert entry.object_id == GUSU
    assert entry.object_repr == "姑苏区"
    assert entry.before is None
    assert entry.after["population"] == 930_123
    assert entry.after["year"] == 2024


def test_setting_an_existing_year_corrects_it_and_records_before_and_after(city_admin, gusu):
    district_population_set(actor=city_admin, district=gusu, year=2020, population=925_000, status="census")

    assert list(DistrictPopulation.objects.filter(district=gusu).values_list("year", "population", "status")) == [
        (2020, 925_000, "census")
    ]
    entry = AuditEntry.objects.get(action="region.population_set")
    assert (entry.before["population"], entry.before["status"]) == (922_900, "estimate")
    assert (entry.after["population"], entry.after["status"]) == (925_000, "census")


def test_the_system_may_set_populations_without_an_actor(gusu):
    district_population_set(actor=None, district=gusu, year=2021, population=1, status="estimate")
    assert AuditEntry.objects.get(action="region.population_set").actor_username == "system"


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"year": 1800}, {"year"}),
        ({"year": 2101}, {"year"}),
        ({"year": "2024"}, {"year"}),
        ({"population": 0}, {"population"}),
        ({"population": -1}, {"population"}),
        ({"population": "abc"}, {"population"}),
        ({"population": 1.5}, {"population"}),
        ({"status": ""}, {"status"}),
        ({"status": "guess"}, {"status"}),
        ({"year": 1800, "population": 0, "status": ""}, {"year", "population", "status"}),
    ],
    ids=[
        "year-1800",
        "year-2101",
        "year-text",
        "population-0",
        "population-negative",
        "population-abc",
        "population-float",
        "status-missing",
        "status-unknown",
        "all-three",
    ],
)
def test_bad_input_is_refused_with_field_errors_and_writes_nothing(city_admin, gusu, kwargs, fields):
    before = database_state()
    arguments = {"year": 2024, "population": 930_123, "status": "official", **kwargs}

    with pytest.raises(ValidationFailed) as caught:
        district_population_set(actor=city_admin, district=gusu, **arguments)

    assert caught.value.status_code == 400
    assert set(caught.value.fields) == fields
    assert all(messages and all(messages) for messages in caught.value.fields.values())
    body = caught.value.as_dict()
    assert set(body) == {"code", "message", "fields", "clause"}
    assert database_state() == before


@pytest.mark.parametrize("actor_fixture", ["gusu_officer", "gusu_inspector", "operator", "stats_client"])
def test_only_the_city_admin_edits_populations(request, gusu, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    before = database_state()

    with pytest.raises(PermissionDenied) as caught:
        district_population_set(actor=actor, district=gusu, year=2024, population=930_123, status="official")

    assert caught.value.status_code == 403
    assert str(caught.value.message)
    assert database_state() == before


def test_a_long_source_is_cut_to_the_column_length(city_admin, gusu):
    row = district_population_set(
        actor=city_admin, district=gusu, year=2024, population=1, status="official", source="源" * 600
    )
    row.refresh_from_db()
    assert row.source == "源" * 500


# --- street_add ---------------------------------------------------------------------------------------------


def test_city_admin_adds_a_town_and_it_is_audited(city_admin, gusu):
    street = street_add(actor=city_admin, district=gusu, name=" 沧浪街道 ", kind="street")

    assert (street.district_id, street.name, street.kind) == (GUSU, "沧浪街道", "street")
    entry = AuditEntry.objects.get(action="region.street_add")
    assert entry.object_id == GUSU
    assert entry.actor == city_admin
    assert entry.after["name"] == "沧浪街道"


def test_a_duplicate_street_in_the_same_unit_is_a_field_error(city_admin, gusu):
    street_add(actor=city_admin, district=gusu, name="沧浪街道")
    before = database_state()

    with pytest.raises(ValidationFailed) as caught:
        street_add(actor=city_admin, district=gusu, name="沧浪街道 ")

    assert set(caught.value.fields) == {"name"}
    assert caught.value.fields["name"][0]
    assert database_state() == before


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"name": "   "}, "name"), ({"name": "某镇", "kind": "village"}, "kind")]
)
def test_street_input_is_validated(city_admin, gusu, kwargs, field):
    before = database_state()
    with pytest.raises(ValidationFailed) as caught:
        street_add(actor=city_admin, district=gusu, **kwargs)
    assert set(caught.value.fields) == {field}
    assert database_state() == before


def test_an_officer_cannot_add_a_street(gusu_officer, gusu):
    with pytest.raises(PermissionDenied):
        street_add(actor=gusu_officer, district=gusu, name="沧浪街道")
    assert not Street.objects.exists()
    assert not AuditEntry.objects.filter(action="region.street_add").exists()
