"""The facilities REST contract: scoping (404), read-only fields, actions, materials, errors."""

from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from facilities.models import Facility, FilingStatus, Material

from .factories import PDF, PNG, complete_draft, valid_uscc

LIST = "/api/v1/facilities/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_operator(make_user):
    return make_user("operator", username="other_operator")


def test_an_operator_creates_a_draft_and_becomes_its_operator(operator, api_client_for):
    api = api_client_for(operator)
    response = api.post(
        LIST,
        {
            "name": "苏州小苗托育",
            "uscc": valid_uscc("9"),
            "category": "social",
            "form": "standalone",
            "district": "320508",
            "slots": 40,
            "enrolled": 12,
            "monthly_fee": "3200.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filing_status"] == "draft"
    assert body["filing_number"] is None
    assert body["offerings"] == [{"service_form": "full_day", "monthly_fee": "3200.00"}]
    assert body["blocking"], "an empty draft lists what is missing"
    facility = Facility.objects.get(pk=body["id"])
    assert list(facility.operators.all()) == [operator]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "social", "district": "320508", "slots": 1, "enrolled": 0}, "name"),
        ({"name": "x", "category": "zoo", "district": "320508", "slots": 1, "enrolled": 0}, "category"),
        ({"name": "x", "category": "social", "district": "999999", "slots": 1, "enrolled": 0}, "district"),
        ({"name": "x", "category": "social", "district": "320508", "slots": -1, "enrolled": 0}, "slots"),
        ({"name": "x", "category": "social", "district": "320508", "slots": 1, "enrolled": 0, "uscc": "123"}, "uscc"),
        (
            {"name": "x", "category": "social", "district": "320508", "slots": 1, "enrolled": 0, "monthly_fee": "abc"},
            "monthly_fee",
        ),
    ],
)
def test_bad_input_on_create_is_a_400_naming_the_field_and_creates_nothing(operator, api_client_for, payload, field):
    response = api_client_for(operator).post(LIST, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields", "clause"}
    assert field in body["fields"]
    assert not Facility.objects.exists()


def test_operators_cannot_change_read_only_fields(operator, api_client_for):
    facility = complete_draft(operator)
    api = api_client_for(operator)
    for field, value in [
        ("filing_status", "filed"),
        ("filing_number", "320508-2025-9999"),
        ("record_deadline", "2030-01-01"),
    ]:
        response = api.patch(f"{LIST}{facility.pk}/", {field: value}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "read_only"
        assert field in response.json()["fields"]
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.DRAFT and facility.filing_number is None


def test_patch_edits_a_draft(operator, api_client_for):
    facility = complete_draft(operator)
    response = api_client_for(operator).patch(
        f"{LIST}{facility.pk}/", {"slots": 45, "monthly_fee": "3300"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["slots"] == 45
    assert response.json()["offerings"][0]["monthly_fee"] == "3300.00"


def test_the_whole_lifecycle_over_rest(operator, gusu_officer, api_client_for):
    facility = complete_draft(operator)
    op, officer = api_client_for(operator), api_client_for(gusu_officer)
    assert op.post(f"{LIST}{facility.pk}/submit/").json()["filing_status"] == "submitted"
    recorded = officer.post(f"{LIST}{facility.pk}/record/").json()
    assert recorded["filing_status"] == "filed" and recorded["filing_number"].startswith("320508-")
    verified = officer.post(f"{LIST}{facility.pk}/verify/", {"conforming": True}, format="json").json()
    assert verified["filing_status"] == "verified"


def test_a_refused_transition_is_a_4xx_in_the_error_shape(operator, gusu_officer, api_client_for):
    facility = complete_draft(operator)
    response = api_client_for(gusu_officer).post(f"{LIST}{facility.pk}/record/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    response = api_client_for(operator).post(f"{LIST}{facility.pk}/verify/")
    assert response.status_code == 409
    incomplete = complete_draft(operator, name="缺材料", skip=["fire_safety"])
    response = api_client_for(operator).post(f"{LIST}{incomplete.pk}/submit/")
    assert response.status_code == 422
    assert "materials.fire_safety" in response.json()["fields"]


def test_foreign_users_get_404_on_a_facility_and_its_materials(
    operator, other_operator, wujiang_officer, gusu_officer, stats_client, api_client_for
):
    facility = complete_draft(operator)
    material = facility.materials.first()
    urls = [
        f"{LIST}{facility.pk}/",
        f"{LIST}{facility.pk}/materials/",
        f"{LIST}{facility.pk}/materials/{material.pk}/",
    ]
    for user in (other_operator, wujiang_officer, stats_client):
        api = api_client_for(user)
        for url in urls:
            assert api.get(url).status_code == 404, (user.username, url)
        assert api.post(f"{LIST}{facility.pk}/submit/").status_code == 404
        assert api.patch(f"{LIST}{facility.pk}/", {"slots": 1}, format="json").status_code == 404
    # The unit's officer and the operator do see it.
    for user in (operator, gusu_officer):
        api = api_client_for(user)
        assert api.get(urls[0]).status_code == 200
        download = api.get(urls[2])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF


def test_the_list_is_scoped_and_filtered(
    operator, other_operator, gusu_officer, wujiang_officer, city_admin, api_client_for
):
    mine = complete_draft(operator)
    complete_draft(other_operator, district_code="320509", name="吴江托育")
    assert [f["id"] for f in api_client_for(operator).get(LIST).json()["results"]] == [mine.pk]
    assert [f["name"] for f in api_client_for(gusu_officer).get(LIST).json()["results"]] == [mine.name]
    assert [f["name"] for f in api_client_for(wujiang_officer).get(LIST).json()["results"]] == ["吴江托育"]
    everything = api_client_for(city_admin).get(LIST).json()
    assert everything["count"] == 2
    filtered = api_client_for(city_admin).get(LIST, {"district": "320509"}).json()
    assert [f["name"] for f in filtered["results"]] == ["吴江托育"]
    assert api_client_for(city_admin).get(LIST, {"q": "吴江"}).json()["count"] == 1
    bad = api_client_for(city_admin).get(LIST, {"filing_status": "approved"})
    assert bad.status_code == 400 and "filing_status" in bad.json()["fields"]


def _upload(api, facility, content: bytes, name: str, kind: str = "other"):
    return api.post(
        f"{LIST}{facility.pk}/materials/",
        {"kind": kind, "file": SimpleUploadedFile(name, content), "expires_on": "2030-01-01"},
        format="multipart",
    )


def test_materials_accept_pdf_and_png_checked_from_the_content(operator, api_client_for):
    facility = complete_draft(operator)
    api = api_client_for(operator)
    response = _upload(api, facility, PNG, "photo.png")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"MZ\x90\x00 not a pdf", "licence.pdf"), (b"<html><script>", "x.png"), (b"", "empty.pdf")],
    ids=["exe-named-pdf", "html-named-png", "empty"],
)
def test_a_wrong_file_type_is_a_400_and_nothing_is_stored(operator, api_client_for, settings, content, name):
    facility = complete_draft(operator)
    before = Material.objects.count()
    stored_before = set(default_storage.listdir(f"materials/{facility.pk}")[1])
    response = _upload(api_client_for(operator), facility, content, name)
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert Material.objects.count() == before
    assert set(default_storage.listdir(f"materials/{facility.pk}")[1]) == stored_before


def test_an_oversized_upload_is_a_400_and_nothing_is_stored(operator, api_client_for, settings):
    settings.MATERIAL_MAX_BYTES = 1024
    facility = complete_draft(operator)
    stored_before = set(default_storage.listdir(f"materials/{facility.pk}")[1])
    response = _upload(api_client_for(operator), facility, PDF + b"0" * 2048, "big.pdf")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert set(default_storage.listdir(f"materials/{facility.pk}")[1]) == stored_before


def test_materials_are_not_served_from_a_public_media_url(client, operator):
    facility = complete_draft(operator)
    material = facility.materials.first()
    assert client.get(f"/media/{material.file.name}").status_code == 404


def test_deadline_fields_come_back_in_the_detail(operator, api_client_for):
    from facilities import services

    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility, today=date(2025, 9, 30))
    body = api_client_for(operator).get(f"{LIST}{facility.pk}/").json()
    assert body["record_deadline"] == "2025-10-14"


def test_the_staff_roster_shows_masked_id_numbers_only(operator, gusu_officer, other_operator, api_client_for):
    facility = complete_draft(operator)
    response = api_client_for(gusu_officer).get(f"{LIST}{facility.pk}/staff/")
    assert response.status_code == 200
    roster = response.json()
    assert len(roster) == 6
    for member in roster:
        assert member["id_number"].startswith("3205") and "**********" in member["id_number"]
    full = [m.person.id_number for m in facility.staff.select_related("person")]
    assert not any(number in response.content.decode() for number in full)
    assert api_client_for(other_operator).get(f"{LIST}{facility.pk}/staff/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "名" * 201), ("address", "路" * 301), ("insurer", "保" * 201), ("surveillance_retention_days", 10**12)],
)
def test_values_beyond_a_columns_limits_are_field_errors_not_server_errors(operator, api_client_for, field, value):
    facility = complete_draft(operator)
    response = api_client_for(operator).patch(f"{LIST}{facility.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_fee_beyond_the_column_is_a_field_error(operator, api_client_for):
    facility = complete_draft(operator)
    response = api_client_for(operator).patch(f"{LIST}{facility.pk}/", {"monthly_fee": "123456789.00"}, format="json")
    assert response.status_code == 400
