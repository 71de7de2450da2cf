"""Abuse and edge cases found in review: scope through every lookup, no 500 on odd input, no leaks."""

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from facilities import services
from facilities.models import Facility, FilingStatus, StandardRule
from suzhou_childcare.errors import ValidationFailed

from .factories import complete_draft, valid_id_number

LIST = "/api/v1/facilities/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_hub_in_another_unit_is_as_unknown_as_a_missing_one(operator, make_user, api_client_for):
    other = make_user("operator", username="wj_op")
    foreign_hub = complete_draft(other, name="吴江中心", district_code="320509", form="comprehensive_center")
    mine = complete_draft(operator)
    response = api_client_for(operator).patch(f"{LIST}{mine.pk}/", {"hub": foreign_hub.pk}, format="json")
    assert response.status_code == 400 and "hub" in response.json()["fields"]
    mine.refresh_from_db()
    assert mine.hub_id is None


def test_an_officer_cannot_move_a_known_facility_out_of_the_unit(gusu_officer, api_client_for):
    known = services.facility_create(
        actor=gusu_officer, data={"name": "在营机构", "category": "social", "district": "320508"}
    )
    response = api_client_for(gusu_officer).patch(f"{LIST}{known.pk}/", {"district": "320509"}, format="json")
    assert response.status_code == 400
    known.refresh_from_db()
    assert known.district_id == "320508"


def test_a_patch_body_that_is_not_an_object_is_a_400(operator, api_client_for):
    facility = complete_draft(operator)
    for body in (5, [{}], [["x"]]):
        assert api_client_for(operator).patch(f"{LIST}{facility.pk}/", body, format="json").status_code == 400


def test_the_excel_export_writes_formulas_as_text(make_user, city_admin, web_client_for):
    op = make_user("operator", username="sly")
    complete_draft(op, name='=HYPERLINK("http://evil.example","点我")')
    export = web_client_for(city_admin).get("/facilities/export.xlsx")
    sheet = load_workbook(BytesIO(export.content)).active
    value = sheet.cell(row=2, column=1).value
    assert value.startswith("'=") and sheet.cell(row=2, column=1).data_type == "s"


def test_the_reminder_does_not_redirect_off_site(operator, gusu_officer, web_client_for):
    draft = complete_draft(operator)
    response = web_client_for(gusu_officer).post(f"/facilities/{draft.pk}/remind/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/facilities/"


def test_a_roster_shows_the_name_its_facility_entered_not_the_registrys(operator, make_user, api_client_for):
    number = valid_id_number()
    first = complete_draft(operator, name="甲")
    services.staff_add(
        actor=operator, facility=first, name="王五", id_number=number, role="carer", employed_from=date(2025, 1, 1)
    )
    other = make_user("operator", username="op_b")
    second = complete_draft(other, name="乙", district_code="320509")
    services.staff_add(
        actor=other, facility=second, name="随便写", id_number=number, role="carer", employed_from=date(2025, 2, 1)
    )
    roster = api_client_for(other).get(f"{LIST}{second.pk}/staff/").content.decode()
    assert "随便写" in roster and "王五" not in roster


def test_the_same_person_cannot_be_on_one_roster_twice(operator):
    facility = complete_draft(operator)
    number = valid_id_number()
    services.staff_add(
        actor=operator,
        facility=facility,
        name="甲",
        id_number=number,
        role="health_care",
        employed_from=date(2025, 1, 1),
    )
    with pytest.raises(ValidationFailed) as info:
        services.staff_add(
            actor=operator,
            facility=facility,
            name="甲",
            id_number=number,
            role="health_care",
            employed_from=date(2025, 1, 1),
        )
    assert "id_number" in info.value.fields


def test_an_absurd_experience_is_a_field_error_not_a_database_error(operator, web_client_for):
    facility = complete_draft(operator)
    response = web_client_for(operator).post(
        f"/facilities/{facility.pk}/file/staff/",
        {
            "staff-name": "某",
            "staff-id_number": valid_id_number(),
            "staff-role": "director",
            "staff-years_of_experience": 40000,
            "staff-health_certificate_expires_on": "2030-01-01",
            "staff-employed_from": "2025-01-01",
        },
    )
    assert response.status_code == 400 and response.context["form"].errors["years_of_experience"]


@pytest.mark.parametrize("class_id", ["", "abc", "999999"])
def test_removing_an_odd_class_id_never_fails_with_a_server_error(operator, web_client_for, class_id):
    facility = complete_draft(operator)
    response = web_client_for(operator).post(
        f"/facilities/{facility.pk}/file/capacity/", {"op": "delete_class", "class_id": class_id}
    )
    assert response.status_code == 302
    assert facility.classes.count() == 1


def test_a_standard_cannot_be_set_to_zero_and_a_decimal_may_replace_a_whole_number(city_admin):
    with pytest.raises(ValidationFailed):
        services.standard_rule_new_version(
            actor=city_admin,
            code="health_staff.children_per_full_time",
            value=0,
            effective_from=date(2026, 1, 1),
            clause="x",
            source="y",
            is_default=True,
        )
    row = services.standard_rule_new_version(
        actor=city_admin,
        code="premises.min_observation_room_m2",
        value=6.5,
        effective_from=date(2026, 1, 1),
        clause="本市规定",
        source="苏卫示例",
        is_default=True,
    )
    assert row.value == 6.5
    assert StandardRule.objects.filter(code="health_staff.children_per_full_time").count() == 1


def test_the_public_page_is_not_publicly_cacheable_for_someone_with_a_session(operator, gusu_officer, web_client_for):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    logged_in = web_client_for(gusu_officer).get(f"/verify/{facility.filing_number}/")
    assert "public" not in logged_in["Cache-Control"] and "private" in logged_in["Cache-Control"]
    anonymous = Client().get(f"/verify/{facility.filing_number}/")
    assert "public" in anonymous["Cache-Control"]


def test_recording_a_change_keeps_the_filing_verified_with_its_dates(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility, today=date(2025, 9, 1))
    facility = services.facility_record(actor=gusu_officer, facility=facility, today=date(2025, 9, 2))
    facility = services.facility_verify(actor=gusu_officer, facility=facility, conforming=True, today=date(2025, 9, 20))
    services.facility_start_change(actor=operator, facility=facility, today=date(2026, 3, 2))
    services.facility_update(actor=operator, facility=facility, data={"slots": 45})
    facility = services.facility_record(actor=gusu_officer, facility=facility, today=date(2026, 3, 3))
    assert facility.filing_status == FilingStatus.VERIFIED
    assert (facility.filed_on, facility.verified_on, facility.slots) == (date(2025, 9, 2), date(2025, 9, 20), 45)
    assert facility.record_deadline is None


def test_an_officer_cannot_start_a_draft_nobody_can_file(gusu_officer):
    from suzhou_childcare.errors import PermissionDenied

    known = services.facility_create(
        actor=gusu_officer, data={"name": "在营机构", "category": "social", "district": "320508"}
    )
    with pytest.raises(PermissionDenied):
        services.facility_start_draft(actor=gusu_officer, facility=known)
    assert Facility.objects.get(pk=known.pk).filing_status == FilingStatus.KNOWN


def test_a_facilitys_history_is_visible_to_its_unit_and_404_elsewhere(
    operator, gusu_officer, wujiang_officer, web_client_for, api_client_for
):
    facility = complete_draft(operator)
    page = web_client_for(gusu_officer).get(f"/history/facilities.facility/{facility.pk}/")
    assert page.status_code == 200 and "facility.create" in page.content.decode()
    assert web_client_for(wujiang_officer).get(f"/history/facilities.facility/{facility.pk}/").status_code == 404
    assert api_client_for(wujiang_officer).get(f"/api/v1/history/facilities.facility/{facility.pk}/").status_code == 404
    assert api_client_for(gusu_officer).get(f"/api/v1/history/facilities.facility/{facility.pk}/").status_code == 200


@pytest.mark.parametrize("action", ["record", "verify", "reject"])
def test_a_foreign_officer_cannot_act_on_a_filing(operator, wujiang_officer, web_client_for, action):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    response = web_client_for(wujiang_officer).post(
        f"/facilities/{facility.pk}/do/{action}/", {"reason": "x", "conforming": "1"}
    )
    assert response.status_code == 404
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.SUBMITTED


def test_a_change_filing_is_judged_against_the_earlier_proposed_changes(operator, gusu_officer):
    facility = complete_draft(
        operator, premises_tenure="leased", lease_start=date(2025, 1, 1), lease_end=date(2029, 1, 1)
    )
    services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    facility = services.facility_start_change(actor=operator, facility=facility)
    services.facility_update(actor=operator, facility=facility, data={"lease_end": date(2026, 1, 1)})
    facility.refresh_from_db()
    with pytest.raises(ValidationFailed):
        # Fine against the filed lease (ending 2029), but it would end before it starts with the first proposal.
        services.facility_update(actor=operator, facility=facility, data={"lease_start": date(2027, 1, 1)})
    with pytest.raises(ValidationFailed):
        services.facility_update(actor=operator, facility=facility, data={}, offerings={"full_day": "abc"})
    facility.refresh_from_db()
    assert "offerings" not in facility.pending_changes and "lease_start" not in facility.pending_changes
