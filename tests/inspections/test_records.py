"""Inspection records: starting one (who, with whom), its checklist, findings with their orders and deadlines,
evidence files, completion; the pages, on their own and for foreign users."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities.models import Facility
from inspections.models import (
    ChecklistItem,
    Evidence,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    OrderStatus,
    RectificationOrder,
)
from inspections.services import records
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.notices.models import Notice

from .factories import (
    WUJIANG,
    check_all,
    facility_of,
    finding_on,
    inspection_of,
    inspector_of,
    operator_account,
    upload,
)

pytestmark = pytest.mark.django_db
DAY = date(2025, 9, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_evidence(media) -> list:
    folder = media / "evidence"
    return list(folder.iterdir()) if folder.exists() else []


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


# --- the Done-when deadlines ------------------------------------------------------------------------------


def test_a_serious_finding_of_30_september_2025_is_due_on_the_make_up_saturday(inspection, gusu_inspector, operator):
    finding = finding_on(inspection, actor=gusu_inspector, weight="serious")
    order = finding.order
    assert finding.recorded_on == DAY
    assert (order.issued_on, order.deadline, order.status) == (DAY, date(2025, 10, 11), OrderStatus.OPEN)
    assert order.deadline.weekday() == 5  # the Saturday worked after the National Day holiday
    notice = Notice.objects.get(recipient=operator, kind="rectification.issued")
    assert "2025-10-11" in notice.title
    assert notice.link == f"/supervision/rectifications/{order.pk}/"


def test_a_moderate_finding_of_30_september_2025_is_due_on_21_october(inspection, gusu_inspector):
    assert finding_on(inspection, actor=gusu_inspector, weight="moderate").order.deadline == date(2025, 10, 21)


def test_a_minor_finding_counts_twenty_working_days(inspection, gusu_inspector):
    # 9, 10, 11 (worked Saturday) Oct, three full weeks, then 3 and 4 Nov: 20 working days.
    assert finding_on(inspection, actor=gusu_inspector, weight="minor").order.deadline == date(2025, 11, 4)


def test_a_later_deadline_rule_applies_from_its_first_day(facility, gusu_inspector):
    from inspections.models import RectificationDeadlineRule

    RectificationDeadlineRule.objects.create(
        weight="serious", working_days=5, effective_from=date(2025, 9, 1), source="测试"
    )
    inspection = inspection_of(facility, actor=gusu_inspector, inspected_on=DAY)
    assert finding_on(inspection, actor=gusu_inspector).order.deadline == date(2025, 10, 14)


# --- starting an inspection -------------------------------------------------------------------------------


def test_the_checklist_follows_the_standards_and_the_facility(inspection):
    codes = list(inspection.items.values_list("code", flat=True))
    assert codes[:5] == [
        "surveillance_coverage",
        "surveillance_retention",
        "one_click_alarm",
        "licensed_guard",
        "infant_insurance",
    ]
    assert "class.infant" in codes and "class.toddler" not in codes  # the facility has one infant class
    assert "food_licence" not in codes  # no meals served
    assert inspection.items.get(code="surveillance_retention").clause.endswith("录像资料保存不少于90日")
    assert all(item.result == ItemResult.UNCHECKED for item in inspection.items.all())
    assert [item.position for item in inspection.items.all()] == list(range(1, len(codes) + 1))


def test_a_facility_serving_meals_gets_the_food_licence_item(operator, gusu_officer, gusu_inspector):
    facility = facility_of(operator, name="供餐托育园", meals_served=True)
    inspection = inspection_of(facility, actor=gusu_officer, inspectors=[gusu_inspector])
    assert inspection.items.filter(code="food_licence").exists()


@pytest.mark.parametrize("who", ["gusu_inspector", "gusu_officer", "citywide_inspector"])
def test_unit_staff_and_city_inspectors_start_inspections(request, facility, gusu_inspector, who):
    actor = request.getfixturevalue(who)
    inspection = inspection_of(facility, actor=actor, inspectors=[gusu_inspector])
    assert inspection.created_by == actor
    assert list(inspection.inspectors.all()) == [gusu_inspector]
    entry = AuditEntry.objects.get(action="inspection.start")
    assert entry.object_id == str(facility.pk) and entry.actor == actor


def test_an_inspector_of_another_unit_and_another_operator_do_not_find_the_facility(
    facility, wujiang_inspector, other_operator, wujiang_officer
):
    for actor in (wujiang_inspector, other_operator, wujiang_officer):
        with pytest.raises(NotFound):
            inspection_of(facility, actor=actor, inspectors=[wujiang_inspector])
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("who", ["operator", "city_admin"])
def test_roles_that_see_the_facility_but_do_not_inspect_are_refused(request, facility, gusu_inspector, who):
    with pytest.raises(PermissionDenied):
        inspection_of(facility, actor=request.getfixturevalue(who), inspectors=[gusu_inspector])


def test_the_inspectors_named_must_inspect_in_the_unit_or_city_wide(
    facility, gusu_officer, gusu_inspector, citywide_inspector, wujiang_inspector
):
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(facility, actor=gusu_officer, inspectors=[gusu_inspector, wujiang_inspector, gusu_officer])
    messages = refused.value.fields["inspectors"]
    # One refusal naming the unit, none of the accounts: the form must not tell who holds which account.
    assert len(messages) == 1 and "姑苏区" in messages[0]
    assert "wujiang_inspector" not in messages[0] and "gusu_officer" not in messages[0]
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(facility, actor=gusu_officer, inspectors=[])
    assert "inspectors" in refused.value.fields
    inspection = inspection_of(facility, actor=gusu_officer, inspectors=[gusu_inspector, citywide_inspector])
    assert inspection.inspectors.count() == 2


def test_a_date_in_the_future_and_an_unknown_type_are_field_errors(facility, gusu_inspector):
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(
            facility, actor=gusu_inspector, inspected_on=timezone.localdate() + timedelta(days=1), kind="visit"
        )
    assert set(refused.value.fields) == {"inspected_on", "kind"}


def test_a_follow_up_names_an_open_order_of_the_facility_and_checks_it_first(
    facility, inspection, gusu_inspector, operator
):
    order = finding_on(inspection, actor=gusu_inspector, description="一键报警按钮失灵").order
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.FOLLOW_UP)
    assert "follow_up_of" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.ROUTINE, follow_up_of=order)
    assert "kind" in refused.value.fields
    other = facility_of(operator, name="另一家托育园")
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(other, actor=gusu_inspector, kind=InspectionKind.FOLLOW_UP, follow_up_of=order)
    assert "follow_up_of" in refused.value.fields

    follow_up = inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.FOLLOW_UP, follow_up_of=order)
    first = follow_up.items.first()
    assert first.code == records.RECTIFICATION_ITEM and "一键报警按钮失灵" in first.label


# --- checklist, findings, completion ----------------------------------------------------------------------


def test_an_item_result_is_recorded_and_audited(inspection, gusu_inspector):
    item = inspection.items.get(code="one_click_alarm")
    records.checklist_item_set(actor=gusu_inspector, item=item, result=ItemResult.FAIL, note="按钮无响应")
    item.refresh_from_db()
    assert (item.result, item.note) == (ItemResult.FAIL, "按钮无响应")
    entry = AuditEntry.objects.get(action="inspection.item_set")
    assert entry.before["result"] == "unchecked" and entry.after["result"] == "fail"
    with pytest.raises(ValidationFailed) as refused:
        records.checklist_item_set(actor=gusu_inspector, item=item, result="maybe", note="x" * 501)
    assert set(refused.value.fields) == {"result", "note"}


def test_a_finding_on_an_item_fails_it_and_cites_its_clause(inspection, gusu_inspector):
    item = inspection.items.get(code="surveillance_retention")
    finding = finding_on(inspection, actor=gusu_inspector, item_code="surveillance_retention", weight="moderate")
    item.refresh_from_db()
    assert item.result == ItemResult.FAIL
    assert finding.clause == item.clause
    entry = AuditEntry.objects.get(action="inspection.finding_add")
    assert entry.after["order"]["deadline"] == "2025-10-21" and entry.after["working_days"] == 10


def test_a_finding_needs_a_weight_a_description_and_an_item_of_the_checklist(inspection, gusu_inspector):
    with pytest.raises(ValidationFailed) as refused:
        finding_on(inspection, actor=gusu_inspector, weight="grave", description="  ", item_code="nothing")
    assert set(refused.value.fields) == {"weight", "description", "item_code"}
    assert not RectificationOrder.objects.exists()


def test_completion_needs_every_item_checked_and_names_those_left(inspection, gusu_inspector):
    check_all(inspection, actor=gusu_inspector, one_click_alarm=ItemResult.UNCHECKED, morning_checks="unchecked")
    with pytest.raises(ValidationFailed) as refused:
        records.inspection_complete(actor=gusu_inspector, inspection=inspection)
    assert set(refused.value.fields) == {"items.one_click_alarm", "items.morning_checks"}
    assert "2" in str(refused.value.message)
    # A failed item without a finding is allowed.
    check_all(inspection, actor=gusu_inspector, one_click_alarm=ItemResult.FAIL)
    done = records.inspection_complete(actor=gusu_inspector, inspection=inspection, summary="整体良好")
    assert (done.status, done.summary) == (InspectionStatus.COMPLETED, "整体良好")
    assert done.completed_at is not None
    with pytest.raises(Conflict):
        finding_on(done, actor=gusu_inspector)
    with pytest.raises(Conflict):
        records.checklist_item_set(actor=gusu_inspector, item=done.items.first(), result="pass")


# --- evidence ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pdf", "jpeg", "png"])
def test_evidence_of_an_accepted_type_is_stored(media, inspection, gusu_inspector, kind):
    finding = finding_on(inspection, actor=gusu_inspector)
    evidence = records.evidence_upload(actor=gusu_inspector, finding=finding, upload=upload(kind))
    assert evidence.content_type == {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[kind]
    assert len(evidence.sha256) == 64 and evidence.uploaded_by == gusu_inspector
    assert len(stored_evidence(media)) == 1


def test_evidence_of_the_wrong_type_or_too_large_is_refused_and_not_stored(media, settings, inspection, gusu_inspector):
    finding = finding_on(inspection, actor=gusu_inspector)
    with pytest.raises(ValidationFailed) as refused:
        records.evidence_upload(actor=gusu_inspector, finding=finding, upload=upload("exe", name="photo.pdf"))
    assert "JPEG" in refused.value.fields["file"][0]
    settings.MATERIAL_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as refused:
        records.evidence_upload(actor=gusu_inspector, finding=finding, upload=upload("pdf", size=2048))
    assert "MB" in refused.value.fields["file"][0]
    with pytest.raises(ValidationFailed):
        finding_on(inspection, actor=gusu_inspector, evidence=upload("exe"))
    assert not Evidence.objects.exists()
    assert stored_evidence(media) == []
    assert RectificationOrder.objects.count() == 1  # the finding with a refused file was not recorded


def test_a_foreign_inspector_cannot_add_evidence(inspection, gusu_inspector, wujiang_inspector):
    finding = finding_on(inspection, actor=gusu_inspector)
    with pytest.raises(NotFound):
        records.evidence_upload(actor=wujiang_inspector, finding=finding, upload=upload())


# --- pages ------------------------------------------------------------------------------------------------


def test_the_inspector_starts_an_inspection_from_the_facility(facility, gusu_inspector, web_client_for):
    web = web_client_for(gusu_inspector)
    page = web.get(f"/supervision/inspections/start/?facility={facility.pk}")
    assert page.status_code == 200
    assert page.context["form"]["facility"].value() == facility.pk
    response = web.post(
        "/supervision/inspections/start/",
        {"facility": facility.pk, "kind": "routine", "inspected_on": "2025-09-30", "inspectors": [gusu_inspector.pk]},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/inspections/{inspection.pk}/"


def test_an_invalid_start_form_answers_400_with_field_errors(
    facility, gusu_inspector, wujiang_inspector, web_client_for
):
    response = web_client_for(gusu_inspector).post(
        "/supervision/inspections/start/",
        {
            "facility": facility.pk,
            "kind": "routine",
            "inspected_on": "2025-09-30",
            "inspectors": [wujiang_inspector.pk],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["inspectors"]
    response = web_client_for(gusu_inspector).post("/supervision/inspections/start/", {"facility": facility.pk})
    assert response.status_code == 400
    assert {"kind", "inspected_on", "inspectors"} <= set(response.context["form"].errors)
    assert not Inspection.objects.exists()


def test_a_foreign_facility_cannot_be_preselected(facility, wujiang_inspector, web_client_for):
    assert (
        web_client_for(wujiang_inspector).get(f"/supervision/inspections/start/?facility={facility.pk}").status_code
        == 404
    )


def test_the_checklist_form_records_results_on_the_page(inspection, gusu_inspector, web_client_for):
    web = web_client_for(gusu_inspector)
    page = web.get(f"/supervision/inspections/{inspection.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="viewport"' in content and "btn-check" in content
    items = list(inspection.items.all())
    data = {f"result_{item.pk}": "pass" for item in items}
    data[f"result_{items[2].pk}"] = "fail"
    data[f"note_{items[2].pk}"] = "未安装"
    response = web.post(f"/supervision/inspections/{inspection.pk}/checklist/", data)
    assert response.status_code == 302
    assert inspection.items.filter(result="pass").count() == len(items) - 1
    assert inspection.items.get(pk=items[2].pk).note == "未安装"
    bad = web.post(f"/supervision/inspections/{inspection.pk}/checklist/", {f"result_{items[0].pk}": "maybe"})
    assert bad.status_code == 400


def test_a_finding_with_a_photo_is_added_on_the_page(media, inspection, gusu_inspector, web_client_for):
    web = web_client_for(gusu_inspector)
    response = web.post(
        f"/supervision/inspections/{inspection.pk}/findings/",
        {
            "weight": "serious",
            "description": "监控未覆盖午睡室",
            "item_code": "surveillance_coverage",
            "evidence": upload("jpeg"),
        },
    )
    assert response.status_code == 302
    order = RectificationOrder.objects.get()
    assert order.deadline == date(2025, 10, 11)
    assert order.finding.evidence.count() == 1 and len(stored_evidence(media)) == 1
    page = web.get(f"/supervision/inspections/{inspection.pk}/")
    assert "监控未覆盖午睡室" in page.content.decode()
    evidence = order.finding.evidence.get()
    download = web.get(f"/supervision/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"


def test_a_finding_with_a_refused_file_answers_400_and_stores_nothing(
    media, inspection, gusu_inspector, web_client_for
):
    response = web_client_for(gusu_inspector).post(
        f"/supervision/inspections/{inspection.pk}/findings/",
        {"weight": "serious", "description": "监控未覆盖午睡室", "evidence": upload("exe", name="photo.jpg")},
    )
    assert response.status_code == 400
    assert response.context["finding_form"].errors["evidence"]
    assert not RectificationOrder.objects.exists() and stored_evidence(media) == []


def test_completing_with_items_left_answers_400_naming_them(inspection, gusu_inspector, web_client_for):
    web = web_client_for(gusu_inspector)
    response = web.post(f"/supervision/inspections/{inspection.pk}/complete/", {"summary": ""})
    assert response.status_code == 400
    errors = response.context["complete_form"].non_field_errors()
    labels = list(inspection.items.values_list("label", flat=True))
    assert all(any(label in error for error in errors) for label in labels)  # each unchecked item is named
    check_all(inspection, actor=gusu_inspector)
    assert web.post(f"/supervision/inspections/{inspection.pk}/complete/", {"summary": "良好"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.COMPLETED


@pytest.mark.parametrize("who", ["gusu_inspector", "gusu_officer", "citywide_inspector", "city_admin", "operator"])
def test_each_role_of_the_unit_sees_the_inspection(request, inspection, web_client_for, who):
    web = web_client_for(request.getfixturevalue(who))
    listing = web.get("/supervision/inspections/")
    assert listing.status_code == 200
    assert [i.pk for i in listing.context["page"].object_list] == [inspection.pk]
    assert web.get(f"/supervision/inspections/{inspection.pk}/").status_code == 200


def test_the_operator_sees_the_record_but_no_forms(inspection, operator, web_client_for):
    page = web_client_for(operator).get(f"/supervision/inspections/{inspection.pk}/")
    assert page.context["editable"] is False
    assert "checklist/" not in page.content.decode()


@pytest.mark.parametrize("who", ["wujiang_inspector", "other_operator", "wujiang_officer"])
def test_a_foreign_user_gets_404_on_the_inspection_pages(request, inspection, gusu_inspector, web_client_for, who):
    finding = finding_on(inspection, actor=gusu_inspector)
    evidence = records.evidence_upload(actor=gusu_inspector, finding=finding, upload=upload())
    web = web_client_for(request.getfixturevalue(who))
    assert web.get("/supervision/inspections/").context["page"].paginator.count == 0
    for path in (
        f"/supervision/inspections/{inspection.pk}/",
        f"/supervision/evidence/{evidence.pk}/",
    ):
        assert web.get(path).status_code == 404, path
    for path in (
        f"/supervision/inspections/{inspection.pk}/checklist/",
        f"/supervision/inspections/{inspection.pk}/findings/",
        f"/supervision/inspections/{inspection.pk}/complete/",
        f"/supervision/findings/{finding.pk}/evidence/",
    ):
        assert web.post(path, {}).status_code == 404, path


def test_roles_without_supervision_get_404(inspection, training_base, web_client_for):
    web = web_client_for(training_base)
    assert web.get("/supervision/inspections/").status_code == 404
    assert web.get(f"/supervision/inspections/{inspection.pk}/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, inspection):
    response = client.get(f"/supervision/inspections/{inspection.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- query counts -----------------------------------------------------------------------------------------


def _more_inspections(facility, inspector, count: int) -> None:
    inspections = Inspection.objects.bulk_create(
        Inspection(facility=facility, kind="routine", inspected_on=DAY - timedelta(days=n), created_by=inspector)
        for n in range(count)
    )
    for inspection in inspections:
        inspection.inspectors.add(inspector)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(inspection=inspection, code=f"c{n}", label="项", position=n, result=r)
            for n, r in enumerate(["pass", "fail", "unchecked"])
        )


@pytest.mark.parametrize("who", ["gusu_inspector", "city_admin", "operator"])
def test_the_inspection_list_page_runs_the_same_queries_for_3_or_60_rows(
    request, facility, gusu_inspector, web_client_for, who
):
    web = web_client_for(request.getfixturevalue(who))
    counts = []
    for total in (3, 60):
        _more_inspections(facility, gusu_inspector, total - Inspection.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/supervision/inspections/")
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(total, 50)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Facility.objects.count() == 1
