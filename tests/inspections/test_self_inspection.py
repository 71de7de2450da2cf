"""Self-inspection (自查): once per facility and quarter on the inspectors' checklist, gaps with a day to
rectify by, the units' list of who has not self-inspected; pages and API for each role, foreign → 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities.models import Facility, FilingStatus
from inspections.models import SelfInspection, SelfInspectionItem
from inspections.selectors.self_inspection import missing_self_inspections_for, quarter_end, quarter_start
from inspections.services import self_inspection as services
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.workdays.services import add_working_days

from .factories import WUJIANG, facility_of, officer_of, operator_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility(operator):
    return facility_of(operator)


@pytest.fixture
def other_operator(db):
    return operator_account(username="other_operator")


def answers(facility, result: str = "pass", **overrides: str) -> dict[str, tuple[str, str]]:
    return {spec.code: (overrides.get(spec.code, result), "") for spec in services.self_checklist_for(facility)}


def submit(facility, actor, *, period: date | None = None, **overrides: str) -> SelfInspection:
    return services.self_inspection_submit(
        actor=actor, facility=facility, period=period or timezone.localdate(), results=answers(facility, **overrides)
    )


# --- rules of the quarter ----------------------------------------------------------------------------------


def test_quarter_bounds():
    assert quarter_start(date(2025, 11, 30)) == date(2025, 10, 1)
    assert quarter_end(date(2025, 10, 1)) == date(2025, 12, 31)
    assert quarter_start(date(2025, 3, 31)) == date(2025, 1, 1)
    assert quarter_end(date(2025, 5, 2)) == date(2025, 6, 30)


# --- services -----------------------------------------------------------------------------------------------


def test_operator_self_inspects_once_per_quarter_on_the_inspectors_checklist(facility, operator):
    today = timezone.localdate()
    record = submit(facility, operator, period=today)
    assert record.period == quarter_start(today)
    codes = [spec.code for spec in services.self_checklist_for(facility)]
    assert list(record.items.order_by("position").values_list("code", flat=True)) == codes
    assert "one_click_alarm" in codes and "class.infant" in codes
    assert AuditEntry.objects.filter(action="self_inspection.submit", object_id=str(facility.pk)).count() == 1

    with pytest.raises(Conflict):
        submit(facility, operator, period=quarter_start(today))
    assert SelfInspection.objects.count() == 1
    # The previous quarter is another period.
    submit(facility, operator, period=quarter_start(today) - timedelta(days=1))
    assert SelfInspection.objects.count() == 2


def test_a_failed_item_becomes_a_gap_to_rectify_by_working_days(facility, operator):
    record = submit(facility, operator, one_click_alarm="fail", licensed_guard="na")
    gap = record.items.get(code="one_click_alarm")
    expected = add_working_days(record.submitted_on, services.SELF_RECTIFICATION_WORKING_DAYS).date
    assert gap.rectify_by == expected
    assert not record.items.exclude(code="one_click_alarm").filter(rectify_by__isnull=False).exists()

    services.self_item_rectified(actor=operator, item=gap, on=timezone.localdate())
    gap.refresh_from_db()
    assert gap.rectified_on == timezone.localdate()
    with pytest.raises(Conflict):
        services.self_item_rectified(actor=operator, item=gap, on=timezone.localdate())
    with pytest.raises(Conflict):
        services.self_item_rectified(
            actor=operator, item=record.items.get(code="licensed_guard"), on=timezone.localdate()
        )


def test_every_item_needs_a_result_and_a_refusal_writes_nothing(facility, operator):
    results = answers(facility)
    del results["one_click_alarm"]
    results["fire_safety"] = ("maybe", "")
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.self_inspection_submit(actor=operator, facility=facility, period=timezone.localdate(), results=results)
    assert {"items.one_click_alarm", "items.fire_safety"} <= set(caught.value.fields)
    assert SelfInspection.objects.count() == 0 and SelfInspectionItem.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_a_quarter_not_begun_is_refused(facility, operator):
    next_quarter = quarter_end(timezone.localdate()) + timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        submit(facility, operator, period=next_quarter)
    assert "period" in caught.value.fields
    assert SelfInspection.objects.count() == 0


def test_only_the_facilitys_operator_self_inspects(facility, other_operator, gusu_officer, wujiang_officer):
    with pytest.raises(NotFound):
        submit(facility, other_operator)
    with pytest.raises(NotFound):
        submit(facility, wujiang_officer)
    with pytest.raises(PermissionDenied):
        submit(facility, gusu_officer)
    assert SelfInspection.objects.count() == 0


def test_the_missing_list_names_exactly_the_operating_facilities_without_one(
    operator, gusu_officer, city_admin, gusu_inspector
):
    today = timezone.localdate()
    done = facility_of(operator, name="已自查托育中心")
    missing = facility_of(operator, name="未自查托育中心")
    foreign = facility_of(operator, name="吴江未自查托育中心", district_code=WUJIANG)
    cancelled = facility_of(operator, name="已注销托育中心")
    not_open = facility_of(operator, name="尚未开业托育中心")
    Facility.objects.filter(pk=cancelled.pk).update(filing_status=FilingStatus.CANCELLED)
    Facility.objects.filter(pk=not_open.pk).update(opened_on=quarter_end(today) + timedelta(days=1))
    submit(done, operator)
    # A self-inspection of another quarter does not count for this one.
    submit(missing, operator, period=quarter_start(today) - timedelta(days=1))

    def names(user, period=today):
        return set(missing_self_inspections_for(user=user, period=period).values_list("name", flat=True))

    assert names(gusu_officer) == {missing.name}
    assert names(gusu_inspector) == {missing.name}
    assert names(city_admin) == {missing.name, foreign.name}


# --- pages --------------------------------------------------------------------------------------------------


def test_operator_fills_the_checklist_form_with_toggles(facility, operator, web_client_for):
    web = web_client_for(operator)
    url = f"/supervision/self-inspections/new/{facility.pk}/"
    page = web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="result__one_click_alarm"' in html and 'type="radio"' in html and 'value="na"' in html

    data = {"period": quarter_start(timezone.localdate()).isoformat()}
    data |= {f"result__{code}": result for code, (result, _note) in answers(facility).items()}
    data["result__fire_safety"] = "fail"
    data["note__fire_safety"] = "消防检查证明过期"
    incomplete = {k: v for k, v in data.items() if k != "result__one_click_alarm"}
    refused = web.post(url, incomplete)
    assert refused.status_code == 400
    assert SelfInspection.objects.count() == 0

    response = web.post(url, data)
    assert response.status_code == 302
    record = SelfInspection.objects.get()
    assert record.items.get(code="fire_safety").note == "消防检查证明过期"
    detail = web.get(response["Location"])
    assert detail.status_code == 200
    assert "消防检查证明过期" in detail.content.decode()

    gap = record.items.get(code="fire_safety")
    marked = web.post(response["Location"], {"item": gap.pk, "on": timezone.localdate().isoformat()})
    assert marked.status_code == 302
    gap.refresh_from_db()
    assert gap.rectified_on == timezone.localdate()


@pytest.mark.parametrize("who", ["gusu_officer", "gusu_inspector", "citywide_inspector", "city_admin", "operator"])
def test_each_role_of_the_unit_sees_the_record(request, facility, operator, web_client_for, who):
    record = submit(facility, operator)
    web = web_client_for(request.getfixturevalue(who))
    assert web.get("/supervision/self-inspections/").status_code == 200
    assert web.get(f"/supervision/self-inspections/{record.pk}/").status_code == 200


def test_foreign_users_get_404_on_pages(facility, operator, other_operator, wujiang_officer, web_client_for):
    record = submit(facility, operator)
    foreign_inspector = officer_of(WUJIANG, username="wj2")  # any role of another unit
    for user in (other_operator, wujiang_officer, foreign_inspector):
        web = web_client_for(user)
        assert web.get(f"/supervision/self-inspections/{record.pk}/").status_code == 404
        assert web.get(f"/supervision/self-inspections/new/{facility.pk}/").status_code == 404
        listing = web.get("/supervision/self-inspections/")
        assert listing.status_code == 200 and not list(listing.context["page"].object_list)
    assert web_client_for(other_operator).get("/supervision/self-inspections/missing/").status_code == 404


def test_the_missing_page_lists_who_has_not_self_inspected(operator, gusu_officer, web_client_for):
    done = facility_of(operator, name="已自查托育中心")
    missing = facility_of(operator, name="未自查托育中心")
    submit(done, operator)
    page = web_client_for(gusu_officer).get("/supervision/self-inspections/missing/")
    assert page.status_code == 200
    assert [f.pk for f in page.context["page"].object_list] == [missing.pk]


def _quarters_back(count: int) -> list[date]:
    start = quarter_start(timezone.localdate())
    quarters = []
    for _index in range(count):
        quarters.append(start)
        start = quarter_start(start - timedelta(days=1))
    return quarters


def _records(facility, operator, total: int) -> None:
    existing = set(SelfInspection.objects.values_list("period", flat=True))
    for period in _quarters_back(total):
        if period in existing:
            continue
        record = SelfInspection.objects.create(
            facility=facility, period=period, submitted_on=period, submitted_by=operator
        )
        SelfInspectionItem.objects.bulk_create(
            SelfInspectionItem(self_inspection=record, code=f"c{i}", label="x", result=r, position=i)
            for i, r in enumerate(["pass", "fail", "na"])
        )


def test_list_queries_are_constant(facility, operator, gusu_officer, web_client_for, api_client_for):
    web, api = web_client_for(gusu_officer), api_client_for(gusu_officer)
    api.get("/api/v1/me/")  # the token's first use is recorded once; not part of the list
    page_counts, api_counts = [], []
    for total in (3, 60):
        _records(facility, operator, total)
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/supervision/self-inspections/")
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(total, 50)
        page_counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/self-inspections/?page_size=100")
        assert response.status_code == 200 and len(response.json()["results"]) == total
        api_counts.append(len(queries))
    assert page_counts[0] == page_counts[1], page_counts
    assert api_counts[0] == api_counts[1], api_counts
    row = api.get("/api/v1/self-inspections/").json()["results"][0]
    assert (row["item_count"], row["gap_count"], row["open_gap_count"]) == (3, 1, 1)


# --- API ----------------------------------------------------------------------------------------------------


def _payload(facility, **overrides: str) -> dict:
    return {
        "facility": facility.pk,
        "period": timezone.localdate().isoformat(),
        "items": [{"code": code, "result": result} for code, (result, _n) in answers(facility, **overrides).items()],
    }


def test_api_operator_submits_and_reads(facility, operator, api_client_for):
    api = api_client_for(operator)
    response = api.post("/api/v1/self-inspections/", _payload(facility, one_click_alarm="fail"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["period"] == quarter_start(timezone.localdate()).isoformat()
    gap = next(item for item in body["items"] if item["code"] == "one_click_alarm")
    assert gap["rectify_by"] is not None
    again = api.post("/api/v1/self-inspections/", _payload(facility), format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    assert api.get(f"/api/v1/self-inspections/{body['id']}/").status_code == 200


def test_api_refusals_are_field_errors_and_write_nothing(facility, operator, api_client_for):
    payload = _payload(facility)
    payload["items"] = [item for item in payload["items"] if item["code"] != "one_click_alarm"]
    response = api_client_for(operator).post("/api/v1/self-inspections/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields", "clause"}
    assert "items.one_click_alarm" in body["fields"]
    assert SelfInspection.objects.count() == 0


def test_api_foreign_users_get_404(facility, operator, other_operator, wujiang_officer, api_client_for):
    record = submit(facility, operator)
    for user in (other_operator, wujiang_officer):
        api = api_client_for(user)
        assert api.get(f"/api/v1/self-inspections/{record.pk}/").status_code == 404
        assert api.get("/api/v1/self-inspections/").json()["results"] == []
    refused = api_client_for(other_operator).post("/api/v1/self-inspections/", _payload(facility), format="json")
    assert refused.status_code == 404
