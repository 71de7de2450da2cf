"""Complaints (social supervision): the public form with its rate limit, staff intake with the 12345 ticket,
triage, linking an inspection, reply, closure, and the complainant's contact as personal data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.models import Complaint, ComplaintStatus, InspectionKind
from inspections.services import complaints as services
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.notices.models import Notice

from ..accounts.factories import district
from .factories import GUSU, WUJIANG, facility_of, inspection_of

pytestmark = pytest.mark.django_db

FORM = "/public/complaints/"
STATUS = "/public/complaints/status/"
NAME = "王小明"
PHONE = "13912345678"
PHONE_MASKED = "139****5678"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # The rate limit counts in the (per-process) cache; every test starts with an empty window.
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides) -> dict:
    return {
        "district": GUSU,
        "facility_name": "苏州小苗托育中心",
        "subject": "午睡室无人看护",
        "description": "9月28日下午午睡时间，午睡室内没有保育人员。",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        **overrides,
    }


def submit(**overrides) -> Complaint:
    data = form_data(**overrides)
    return services.complaint_submit_public(
        district=district(data["district"]),
        facility_name=data["facility_name"],
        subject=data["subject"],
        description=data["description"],
        complainant_name=data["complainant_name"],
        complainant_phone=data["complainant_phone"],
    )


def intake(actor, **overrides) -> Complaint:
    values = {
        "channel": "hotline_12345",
        "hotline_ticket": "SZ12345-2025-000101",
        "district": district(GUSU),
        "facility_name": "苏州小苗托育中心",
        "subject": "收费不透明",
        "description": "家长反映额外收取材料费。",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        **overrides,
    }
    return services.complaint_intake(actor=actor, **values)


@pytest.fixture
def facility(operator):
    return facility_of(operator)


# --- the public form ---------------------------------------------------------------------------------------


def test_anonymous_submission_is_received_and_notifies_the_unit(gusu_officer, wujiang_officer):
    anonymous = Client()
    page = anonymous.get(FORM)
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()

    response = anonymous.post(FORM, form_data(), REMOTE_ADDR="10.0.0.1")

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:done", args=[complaint.tracking_code])
    assert complaint.channel == "public_form"
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.district.code == GUSU
    assert complaint.created_by is None
    done = anonymous.get(response["Location"])
    assert complaint.tracking_code in done.content.decode()
    # Officers of the facility's unit are told, with a link to the complaint; the other unit is not.
    notice = Notice.objects.get(recipient=gusu_officer)
    assert notice.kind == "complaint.received"
    assert notice.link == reverse("inspections:complaint_detail", args=[complaint.pk])
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()
    assert AuditEntry.objects.filter(action="complaint.submit_public", object_id=str(complaint.pk)).exists()


def test_public_form_refuses_incomplete_input_with_field_errors():
    response = Client().post(FORM, form_data(subject="", complainant_phone="call me"), REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"subject", "complainant_phone"}
    assert not Complaint.objects.exists()


def test_sixth_submission_from_one_address_within_an_hour_is_refused_and_stores_nothing(gusu_officer):
    anonymous = Client()
    for _ in range(5):
        assert anonymous.post(FORM, form_data(), REMOTE_ADDR="10.0.0.3").status_code == 302

    refused = anonymous.post(FORM, form_data(subject="第六次"), REMOTE_ADDR="10.0.0.3")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "rate_limited" in refused.content.decode()
    assert Complaint.objects.count() == 5
    assert not Complaint.objects.filter(subject="第六次").exists()
    assert Notice.objects.filter(recipient=gusu_officer).count() == 5
    # Another address is not affected.
    assert anonymous.post(FORM, form_data(), REMOTE_ADDR="10.0.0.4").status_code == 302


def test_refused_input_does_not_use_up_the_limit():
    anonymous = Client()
    for _ in range(6):
        assert anonymous.post(FORM, form_data(subject=""), REMOTE_ADDR="10.0.0.5").status_code == 400
    assert anonymous.post(FORM, form_data(), REMOTE_ADDR="10.0.0.5").status_code == 302


def test_rate_limit_key_does_not_hold_the_address():
    Client().post(FORM, form_data(), REMOTE_ADDR="10.9.8.7")
    keys = list(cache._cache.keys())  # LocMemCache, as in the test settings
    assert keys
    assert not any("10.9.8.7" in key for key in keys)


def test_public_status_shows_status_and_reply_date_only(gusu_officer):
    complaint = submit()
    complaint = services.complaint_triage(actor=gusu_officer, complaint=complaint, weight="minor")
    complaint = services.complaint_reply(actor=gusu_officer, complaint=complaint, reply="经核查，已责令整改。")

    response = Client().get(STATUS, {"code": complaint.tracking_code.lower()})

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["status"]["status"] == ComplaintStatus.REPLIED
    assert response.context["status"]["replied_on"] == complaint.replied_on
    for private in (NAME, PHONE, PHONE_MASKED, "午睡室无人看护", "经核查", "苏州小苗托育中心"):
        assert private not in body


def test_public_status_of_an_unknown_code_is_404():
    assert Client().get(STATUS, {"code": "FFFFFFFFFFFF"}).status_code == 404
    assert Client().get(STATUS).status_code == 200


# --- the complainant's contact is personal data --------------------------------------------------------------


def test_contact_is_ciphertext_in_the_database_and_absent_from_audit_and_notices(gusu_officer):
    complaint = submit()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complainant_name, complainant_phone FROM inspections_complaint WHERE id = %s", [complaint.pk]
        )
        stored_name, stored_phone = cursor.fetchone()
    assert stored_name and stored_phone
    assert NAME not in stored_name
    assert PHONE not in stored_phone
    assert Complaint.objects.get(pk=complaint.pk).complainant_phone == PHONE
    for entry in AuditEntry.objects.all():
        assert PHONE not in str(entry.after) and NAME not in str(entry.after)
    for notice in Notice.objects.all():
        assert PHONE not in notice.body + notice.title and NAME not in notice.body + notice.title


def test_contact_never_shown_in_full_on_pages_or_api(gusu_officer, web_client_for, api_client_for):
    complaint = submit()
    web = web_client_for(gusu_officer)
    api = api_client_for(gusu_officer)

    listing = web.get(reverse("inspections:complaint_list")).content.decode()
    assert complaint.tracking_code in listing
    for value in (NAME, PHONE, PHONE_MASKED):
        assert value not in listing

    detail = web.get(reverse("inspections:complaint_detail", args=[complaint.pk])).content.decode()
    assert NAME not in detail and PHONE not in detail
    assert PHONE_MASKED in detail and "王**" in detail

    api_list = api.get("/api/v1/complaints/").content.decode()
    api_detail = api.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert complaint.tracking_code in api_list
    for value in (NAME, PHONE, PHONE_MASKED):
        assert value not in api_list
    assert api_detail["complainant_phone"] == PHONE_MASKED
    assert api_detail["complainant_name"] == "王**"
    assert NAME not in str(api_detail) and PHONE not in str(api_detail)


def test_reveal_needs_a_reason_and_is_audited(gusu_officer):
    complaint = submit()
    with pytest.raises(ValidationFailed) as refused:
        services.complaint_reveal_contact(actor=gusu_officer, complaint=complaint, reason=" ")
    assert "reason" in refused.value.fields
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()

    revealed = services.complaint_reveal_contact(actor=gusu_officer, complaint=complaint, reason="电话回访投诉人")

    assert revealed == {"complainant_name": NAME, "complainant_phone": PHONE}
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert entry.actor == gusu_officer
    assert entry.object_id == str(complaint.pk)
    assert entry.reason == "电话回访投诉人"
    assert PHONE not in str(entry.after)


def test_reveal_refused_without_the_unmask_capability_or_outside_the_unit(gusu_inspector, wujiang_officer):
    complaint = submit()
    with pytest.raises(PermissionDenied):
        services.complaint_reveal_contact(actor=gusu_inspector, complaint=complaint, reason="电话回访投诉人")
    with pytest.raises(NotFound):
        services.complaint_reveal_contact(actor=wujiang_officer, complaint=complaint, reason="电话回访投诉人")
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


def test_reveal_on_the_page(gusu_officer, web_client_for):
    complaint = submit()
    url = reverse("inspections:complaint_detail", args=[complaint.pk])
    web = web_client_for(gusu_officer)

    without_reason = web.post(url, {"action": "reveal", "reason": ""})
    assert without_reason.status_code == 400
    assert PHONE not in without_reason.content.decode()

    shown = web.post(url, {"action": "reveal", "reason": "电话回访投诉人"})
    assert shown.status_code == 200
    assert PHONE in shown.content.decode() and NAME in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert AuditEntry.objects.filter(action="personal_data.reveal", reason="电话回访投诉人").count() == 1


# --- scope -------------------------------------------------------------------------------------------------


def test_officer_of_another_unit_gets_404(wujiang_officer, web_client_for, api_client_for):
    complaint = submit()
    web = web_client_for(wujiang_officer)
    api = api_client_for(wujiang_officer)

    assert web.get(reverse("inspections:complaint_detail", args=[complaint.pk])).status_code == 404
    assert complaint.tracking_code not in web.get(reverse("inspections:complaint_list")).content.decode()
    assert api.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert api.post(f"/api/v1/complaints/{complaint.pk}/triage/", {"weight": "minor"}).status_code == 404
    assert api.get("/api/v1/complaints/").json()["count"] == 0
    with pytest.raises(NotFound):
        services.complaint_triage(actor=wujiang_officer, complaint=complaint, weight="minor")


def test_city_roles_see_every_unit_and_operators_see_none(
    city_admin, citywide_inspector, operator, web_client_for, api_client_for
):
    gusu = submit()
    wujiang = submit(district=WUJIANG)
    for user in (city_admin, citywide_inspector):
        ids = {row["id"] for row in api_client_for(user).get("/api/v1/complaints/").json()["results"]}
        assert ids == {gusu.pk, wujiang.pk}
    assert web_client_for(operator).get(reverse("inspections:complaint_list")).status_code == 404
    assert api_client_for(operator).get(f"/api/v1/complaints/{gusu.pk}/").status_code == 404


def test_list_runs_a_constant_number_of_queries(gusu_officer, web_client_for, api_client_for):
    web = web_client_for(gusu_officer)
    api = api_client_for(gusu_officer)
    # Warm up: the session, the content types, the token's first-use stamp.
    web.get(reverse("inspections:complaint_list"))
    api.get("/api/v1/complaints/")

    def count(n: int) -> tuple[int, int]:
        while Complaint.objects.count() < n:
            submit()
        with CaptureQueriesContext(connection) as page_queries:
            assert web.get(reverse("inspections:complaint_list")).status_code == 200
        with CaptureQueriesContext(connection) as api_queries:
            assert api.get("/api/v1/complaints/", {"page_size": n}).json()["count"] == n
        return len(page_queries), len(api_queries)

    assert count(2) == count(12)


# --- staff intake ------------------------------------------------------------------------------------------


def test_hotline_ticket_is_required_for_the_12345_channel(gusu_officer, api_client_for):
    with pytest.raises(ValidationFailed) as refused:
        intake(gusu_officer, hotline_ticket="")
    assert "hotline_ticket" in refused.value.fields

    response = api_client_for(gusu_officer).post(
        "/api/v1/complaints/",
        {"channel": "hotline_12345", "district": GUSU, "facility_name": "某托育", "subject": "s", "description": "d"},
        format="json",
    )
    assert response.status_code == 400
    assert "hotline_ticket" in response.json()["fields"]
    assert not Complaint.objects.exists()


def test_hotline_ticket_is_unique_in_the_unit(gusu_officer, wujiang_officer):
    intake(gusu_officer)
    with pytest.raises(ValidationFailed) as refused:
        intake(gusu_officer)
    assert "hotline_ticket" in refused.value.fields
    # The same number in another unit is another ticket.
    other = intake(wujiang_officer, district=district(WUJIANG))
    assert other.hotline_ticket == "SZ12345-2025-000101"


def test_staff_intake_through_the_api_and_page(gusu_officer, gusu_inspector, api_client_for, web_client_for):
    response = api_client_for(gusu_inspector).post(
        "/api/v1/complaints/",
        {
            "channel": "hotline_12345",
            "hotline_ticket": "SZ-0001",
            "district": GUSU,
            "facility_name": "某托育",
            "subject": "投诉",
            "description": "描述",
            "complainant_phone": PHONE,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["hotline_ticket"] == "SZ-0001"
    assert body["complainant_phone"] == PHONE_MASKED
    complaint = Complaint.objects.get(pk=body["id"])
    assert complaint.created_by == gusu_inspector
    assert Notice.objects.filter(recipient=gusu_officer, kind="complaint.received").exists()

    page = web_client_for(gusu_officer).post(
        reverse("inspections:complaint_intake"),
        {"channel": "letter", "district": GUSU, "facility_name": "某托育", "subject": "来信", "description": "内容"},
    )
    assert page.status_code == 302
    assert Complaint.objects.filter(channel="letter", created_by=gusu_officer).exists()


def test_staff_of_another_unit_cannot_take_in_for_this_unit(wujiang_officer):
    with pytest.raises(PermissionDenied):
        intake(wujiang_officer)


# --- triage, inspection, reply, closure -----------------------------------------------------------------------


def test_the_whole_path_from_triage_to_closure(gusu_officer, gusu_inspector, facility, web_client_for):
    complaint = submit()
    services.complaint_triage(actor=gusu_officer, complaint=complaint, weight="serious", facility=facility)
    inspection = inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.COMPLAINT)

    web = web_client_for(gusu_officer)
    url = reverse("inspections:complaint_detail", args=[complaint.pk])
    assert web.post(url, {"action": "link", "inspection": inspection.pk}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert complaint.inspection == inspection

    assert web.post(url, {"action": "reply", "reply": "经核查属实，已责令整改。"}).status_code == 302
    assert web.post(url, {"action": "close"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.replied_on and complaint.closed_on
    actions = set(AuditEntry.objects.filter(object_id=str(complaint.pk)).values_list("action", flat=True))
    assert {"complaint.triage", "complaint.link_inspection", "complaint.reply", "complaint.close"} <= actions


def test_link_refuses_an_inspection_of_another_facility_or_kind(gusu_officer, gusu_inspector, facility, make_user):
    other = facility_of(make_user("operator"), name="另一家托育")
    complaint = submit()
    services.complaint_triage(actor=gusu_officer, complaint=complaint, weight="minor", facility=facility)
    elsewhere = inspection_of(other, actor=gusu_inspector, kind=InspectionKind.COMPLAINT)
    routine = inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.ROUTINE)
    for inspection in (elsewhere, routine):
        with pytest.raises(ValidationFailed) as refused:
            services.complaint_link_inspection(actor=gusu_officer, complaint=complaint, inspection=inspection)
        assert "inspection" in refused.value.fields
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.TRIAGED


def test_triage_refuses_a_facility_of_another_unit(gusu_officer, make_user):
    foreign = facility_of(make_user("operator"), district_code=WUJIANG, name="吴江托育")
    with pytest.raises(ValidationFailed) as refused:
        services.complaint_triage(actor=gusu_officer, complaint=submit(), weight="minor", facility=foreign)
    assert "facility" in refused.value.fields


def test_close_before_reply_is_refused(gusu_officer, api_client_for):
    complaint = submit()
    with pytest.raises(Conflict):
        services.complaint_close(actor=gusu_officer, complaint=complaint)

    api = api_client_for(gusu_officer)
    refused = api.post(f"/api/v1/complaints/{complaint.pk}/close/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_replied"

    # An untriaged complaint cannot be answered either: it would close without ever being weighed.
    untriaged = api.post(f"/api/v1/complaints/{complaint.pk}/reply/", {"reply": "已处理"}, format="json")
    assert untriaged.status_code == 409 and untriaged.json()["code"] == "not_triaged"
    services.complaint_triage(actor=gusu_officer, complaint=complaint, weight="minor")
    assert api.post(f"/api/v1/complaints/{complaint.pk}/reply/", {"reply": "已处理"}, format="json").status_code == 200
    closed = api.post(f"/api/v1/complaints/{complaint.pk}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_api_triage_and_empty_reply(gusu_inspector, facility, api_client_for):
    complaint = submit()
    api = api_client_for(gusu_inspector)
    triaged = api.post(
        f"/api/v1/complaints/{complaint.pk}/triage/", {"weight": "moderate", "facility": facility.pk}, format="json"
    )
    assert triaged.status_code == 200
    assert triaged.json()["status"] == "triaged"
    assert triaged.json()["facility"] == facility.pk
    empty = api.post(f"/api/v1/complaints/{complaint.pk}/reply/", {"reply": " "}, format="json")
    assert empty.status_code == 400
    assert "reply" in empty.json()["fields"]
