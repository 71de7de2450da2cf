"""The operator's step-by-step filing form and the facility page's actions, as a browser would post them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from facilities.models import Facility, FilingStatus, Material

from .factories import PDF, complete_draft, valid_id_number, valid_uscc


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def step(pk, name):
    return f"/facilities/{pk}/file/{name}/"


def test_an_operator_files_in_one_sitting(operator, gusu_officer, web_client_for):
    web = web_client_for(operator)
    today = timezone.localdate()
    response = web.post(
        "/facilities/new/",
        {
            "name": "小太阳托育园",
            "registration_route": "enterprise",
            "uscc": valid_uscc("9"),
            "category": "social",
            "form": "standalone",
            "district": "320508",
            "address": "姑苏区干将西路1号",
            "opened_on": (today - timedelta(days=10)).isoformat(),
        },
    )
    facility = Facility.objects.get(name="小太阳托育园")
    assert response.status_code == 302 and response["Location"] == step(facility.pk, "premises")
    assert list(facility.operators.all()) == [operator] and facility.filing_status == FilingStatus.DRAFT

    response = web.post(
        step(facility.pk, "premises"),
        {
            "premises_tenure": "owned",
            "lowest_floor": 1,
            "highest_floor": 2,
            "observation_room_area": "7.5",
            "surveillance_covers_infant_areas": "on",
            "surveillance_retention_days": 90,
            "one_click_alarm": "on",
            "licensed_guard": "on",
            "insurance_mode": "district_group",
        },
    )
    assert response.status_code == 302
    response = web.post(
        step(facility.pk, "capacity"), {"op": "save", "slots": 30, "enrolled": 8, "full_day_fee": "2980"}
    )
    assert response.status_code == 302
    response = web.post(
        step(facility.pk, "capacity"),
        {
            "op": "add_class",
            "class-class_type": "toddler",
            "class-capacity": 15,
            "class-enrolled": 8,
            "class-carers": 2,
        },
    )
    assert response.status_code == 302
    for name, role, extra in [
        ("周燕", "director", {"staff-education": "college", "staff-years_of_experience": 6}),
        ("吴倩", "carer", {}),
        ("郑洁", "carer", {}),
        ("孙琳", "health_care", {}),
        ("钱刚", "security_guard", {"staff-guard_licence_number": "苏保0002"}),
    ]:
        response = web.post(
            step(facility.pk, "staff"),
            {
                "staff-name": name,
                "staff-id_number": valid_id_number(),
                "staff-role": role,
                "staff-full_time": "on",
                "staff-health_certificate_expires_on": (today + timedelta(days=200)).isoformat(),
                "staff-no_criminal_record_on_file": "on",
                "staff-employed_from": (today - timedelta(days=10)).isoformat(),
                **extra,
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    for kind in ("business_licence", "premises_proof", "staff_qualifications", "health_evaluation", "fire_safety"):
        response = web.post(
            step(facility.pk, "materials"),
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF), "expires_on": "2030-12-31"},
        )
        assert response.status_code == 302
    page = web.get(step(facility.pk, "submit"))
    assert page.status_code == 200 and not page.context["all_blocking"]
    # Without the commitment it is not submitted.
    web.post(f"/facilities/{facility.pk}/do/submit/", {})
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.DRAFT
    response = web.post(f"/facilities/{facility.pk}/do/submit/", {"commitment": "on"})
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.SUBMITTED
    assert "5" in web.get(response["Location"]).content.decode()

    officer = web_client_for(gusu_officer)
    detail = officer.get(f"/facilities/{facility.pk}/")
    assert "record" in detail.context["actions"]
    officer.post(f"/facilities/{facility.pk}/do/record/")
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.FILED and facility.filing_number


def test_a_wrong_file_type_is_shown_next_to_the_field_and_stores_nothing(operator, web_client_for):
    facility = complete_draft(operator, skip=["fire_safety"])
    before = Material.objects.count()
    response = web_client_for(operator).post(
        step(facility.pk, "materials"),
        {"kind": "fire_safety", "file": SimpleUploadedFile("fire.pdf", b"GIF89a not a pdf")},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert "is-invalid" in response.content.decode()
    assert Material.objects.count() == before


def test_an_oversized_upload_is_shown_next_to_the_field(operator, web_client_for, settings):
    settings.MATERIAL_MAX_BYTES = 1000
    facility = complete_draft(operator, skip=["fire_safety"])
    response = web_client_for(operator).post(
        step(facility.pk, "materials"),
        {"kind": "fire_safety", "file": SimpleUploadedFile("fire.pdf", PDF + b"x" * 2000)},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not facility.materials.filter(kind="fire_safety").exists()


def test_a_missing_material_is_named_on_the_materials_step_and_blocks(operator, web_client_for):
    facility = complete_draft(operator, skip=["fire_safety"])
    web = web_client_for(operator)
    page = web.get(step(facility.pk, "materials"))
    assert any(f.field == "materials.fire_safety" for f in page.context["blocking"])
    web.post(f"/facilities/{facility.pk}/do/submit/", {"commitment": "on"})
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.DRAFT


def test_bad_input_in_a_step_is_a_400_with_field_errors_and_saves_nothing(operator, web_client_for):
    facility = complete_draft(operator)
    response = web_client_for(operator).post(
        step(facility.pk, "capacity"), {"op": "save", "slots": "many", "enrolled": 5}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["slots"]
    facility.refresh_from_db()
    assert facility.slots == 40


def test_an_invalid_id_number_is_a_field_error(operator, web_client_for):
    facility = complete_draft(operator)
    count = facility.staff.count()
    response = web_client_for(operator).post(
        step(facility.pk, "staff"),
        {
            "staff-name": "错号",
            "staff-id_number": "110105194912310021",
            "staff-role": "carer",
            "staff-health_certificate_expires_on": "2030-01-01",
            "staff-employed_from": "2025-01-01",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"]
    assert facility.staff.count() == count


def test_the_officer_returns_a_filing_with_reasons_shown_to_the_operator(operator, gusu_officer, web_client_for):
    facility = complete_draft(operator)
    web_client_for(operator).post(f"/facilities/{facility.pk}/do/submit/", {"commitment": "on"})
    officer = web_client_for(gusu_officer)
    officer.post(f"/facilities/{facility.pk}/do/reject/", {"reason": ""})
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.SUBMITTED  # a return needs its reasons
    officer.post(f"/facilities/{facility.pk}/do/reject/", {"reason": "请补充消防验收意见书原件扫描件"})
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.DRAFT
    assert "消防验收意见书" in web_client_for(operator).get(f"/facilities/{facility.pk}/").content.decode()


@pytest.mark.parametrize("path", ["/", "file/basic/", "file/materials/"])
def test_foreign_users_get_404_on_the_pages(operator, make_user, wujiang_officer, web_client_for, path):
    facility = complete_draft(operator)
    other = make_user("operator", username="other_operator")
    for user in (other, wujiang_officer):
        assert web_client_for(user).get(f"/facilities/{facility.pk}/{path.lstrip('/')}").status_code == 404
    assert web_client_for(other).post(f"/facilities/{facility.pk}/do/submit/", {"commitment": "on"}).status_code == 404


def test_only_operators_start_new_filings(gusu_officer, web_client_for):
    assert web_client_for(gusu_officer).get("/facilities/new/").status_code == 404
