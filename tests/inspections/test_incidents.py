"""Incidents and alarms: due within the hours of the rule in force, late reports marked, the unit's officers
notified at once (another unit's not), the unit's follow-up; pages and API for each role, foreign → 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import Incident, IncidentReportRule, IncidentStatus
from inspections.selectors.incidents import incident_list_for
from inspections.services import incidents as services
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.notices.models import Notice

from .factories import WUJIANG, facility_of, inspector_of, operator_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility(operator):
    return facility_of(operator)


@pytest.fixture
def other_operator(db):
    return operator_account(username="other_operator")


@pytest.fixture
def wujiang_inspector(db):
    return inspector_of(WUJIANG, username="wujiang_inspector")


def report(facility, actor, *, hours_ago: float = 1, kind: str = "injury", **extra) -> Incident:
    values = {"children_affected": 1, "description": "午睡起床时一名幼儿摔伤额头", **extra}
    return services.incident_report(
        actor=actor,
        facility=facility,
        kind=kind,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        **values,
    )


# --- services -----------------------------------------------------------------------------------------------


def test_reported_within_the_time_is_not_late_and_the_unit_is_told_at_once(
    facility, operator, gusu_officer, wujiang_officer
):
    incident = report(facility, operator, hours_ago=1)
    assert not incident.reported_late
    assert incident.report_due_at == incident.occurred_at + timedelta(hours=2)  # injury: the city's 2 hours
    notices = Notice.objects.filter(recipient=gusu_officer)
    assert [n.kind for n in notices] == ["incident.reported"]
    assert notices[0].link == f"/supervision/incidents/{incident.pk}/"
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()
    assert AuditEntry.objects.filter(action="incident.report", object_id=str(facility.pk)).count() == 1


def test_reported_after_the_time_is_late_and_the_notice_says_so(facility, operator, gusu_officer, wujiang_officer):
    incident = report(facility, operator, hours_ago=3)
    assert incident.reported_late
    (notice,) = Notice.objects.filter(recipient=gusu_officer)
    assert notice.kind == "incident.reported_late"
    assert "迟报" in notice.title or "late" in notice.title
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()
    assert list(incident_list_for(user=gusu_officer, filters={"late": True})) == [incident]
    assert list(incident_list_for(user=gusu_officer, filters={"late": False})) == []


def test_the_rule_in_force_on_the_day_of_the_incident_applies(facility, operator):
    occurred = timezone.now() - timedelta(hours=3)
    IncidentReportRule.objects.create(
        kind="injury", hours=24, effective_from=timezone.localdate(occurred), source="测试", is_default=False
    )
    incident = services.incident_report(
        actor=operator, facility=facility, kind="injury", occurred_at=occurred, children_affected=0, description="x"
    )
    assert incident.report_due_at == occurred + timedelta(hours=24)
    assert not incident.reported_late


def test_an_incident_in_the_future_is_refused_and_nothing_is_written(facility, operator):
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        report(facility, operator, hours_ago=-2, description="")
    assert {"occurred_at", "description"} <= set(caught.value.fields)
    assert Incident.objects.count() == 0 and Notice.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_only_the_facilitys_operator_reports(facility, other_operator, gusu_officer, wujiang_officer):
    with pytest.raises(NotFound):
        report(facility, other_operator)
    with pytest.raises(NotFound):
        report(facility, wujiang_officer)
    with pytest.raises(PermissionDenied):
        report(facility, gusu_officer)
    assert Incident.objects.count() == 0


def test_the_unit_follows_up_and_closes(
    facility, operator, gusu_officer, gusu_inspector, wujiang_officer, wujiang_inspector
):
    incident = report(facility, operator)
    with pytest.raises(NotFound):
        services.incident_follow_up(actor=wujiang_officer, incident=incident, follow_up="x")
    with pytest.raises(NotFound):
        services.incident_follow_up(actor=wujiang_inspector, incident=incident, follow_up="x")
    with pytest.raises(PermissionDenied):
        services.incident_follow_up(actor=operator, incident=incident, follow_up="x")
    with pytest.raises(ValidationFailed):
        services.incident_follow_up(actor=gusu_officer, incident=incident, follow_up="  ")

    services.incident_follow_up(actor=gusu_inspector, incident=incident, follow_up="已到园核查监控录像")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FOLLOWING_UP and incident.handled_by == gusu_inspector
    services.incident_follow_up(actor=gusu_officer, incident=incident, follow_up="家长已确认，结案", close=True)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_on == timezone.localdate()
    assert "已到园核查监控录像" in incident.follow_up and "家长已确认" in incident.follow_up
    with pytest.raises(Conflict):
        services.incident_follow_up(actor=gusu_officer, incident=incident, follow_up="again")
    assert Notice.objects.filter(recipient=operator, kind__startswith="incident.").count() == 2


# --- pages --------------------------------------------------------------------------------------------------


def test_operator_reports_on_the_page_and_the_officer_follows_up(facility, operator, gusu_officer, web_client_for):
    web = web_client_for(operator)
    url = f"/supervision/incidents/new/{facility.pk}/"
    assert web.get(url).status_code == 200
    occurred = timezone.localtime() - timedelta(minutes=30)
    future = web.post(
        url,
        {
            "kind": "alarm",
            "occurred_at": (occurred + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "children_affected": 0,
            "description": "一键报警误触",
        },
    )
    assert future.status_code == 400 and Incident.objects.count() == 0
    response = web.post(
        url,
        {
            "kind": "alarm",
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
            "children_affected": 0,
            "description": "一键报警误触",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert not incident.reported_late
    assert Notice.objects.filter(recipient=gusu_officer).count() == 1

    officer = web_client_for(gusu_officer)
    page = officer.get(response["Location"])
    assert page.status_code == 200 and "一键报警误触" in page.content.decode()
    assert officer.post(response["Location"], {"follow_up": "已电话核实", "close": "on"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert web.post(response["Location"], {"follow_up": "operator"}).status_code == 403


@pytest.mark.parametrize("who", ["gusu_officer", "gusu_inspector", "citywide_inspector", "city_admin", "operator"])
def test_each_role_of_the_unit_sees_the_incident(request, facility, operator, web_client_for, who):
    incident = report(facility, operator)
    web = web_client_for(request.getfixturevalue(who))
    listing = web.get("/supervision/incidents/")
    assert listing.status_code == 200 and list(listing.context["page"].object_list) == [incident]
    assert web.get(f"/supervision/incidents/{incident.pk}/").status_code == 200


def test_foreign_users_get_404_on_pages(
    facility, operator, other_operator, wujiang_officer, wujiang_inspector, web_client_for
):
    incident = report(facility, operator)
    for user in (other_operator, wujiang_officer, wujiang_inspector):
        web = web_client_for(user)
        assert web.get(f"/supervision/incidents/{incident.pk}/").status_code == 404
        assert web.post(f"/supervision/incidents/{incident.pk}/", {"follow_up": "x"}).status_code == 404
        assert web.get(f"/supervision/incidents/new/{facility.pk}/").status_code == 404
        assert list(web.get("/supervision/incidents/").context["page"].object_list) == []


def _more_incidents(facility, operator, total: int) -> None:
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            facility=facility,
            kind="injury",
            occurred_at=now - timedelta(hours=n + 1),
            reported_at=now,
            report_due_at=now - timedelta(hours=n - 1),
            description="x",
            reported_by=operator,
        )
        for n in range(Incident.objects.count(), total)
    )


def test_list_queries_are_constant(facility, operator, gusu_officer, web_client_for, api_client_for):
    web, api = web_client_for(gusu_officer), api_client_for(gusu_officer)
    api.get("/api/v1/me/")  # the token's first use is recorded once; not part of the list
    page_counts, api_counts = [], []
    for total in (3, 60):
        _more_incidents(facility, operator, total)
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/supervision/incidents/")
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(total, 50)
        page_counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/incidents/?page_size=100")
        assert response.status_code == 200 and len(response.json()["results"]) == total
        api_counts.append(len(queries))
    assert page_counts[0] == page_counts[1], page_counts
    assert api_counts[0] == api_counts[1], api_counts


# --- API ----------------------------------------------------------------------------------------------------


def test_api_operator_reports_and_the_unit_follows_up(facility, operator, gusu_officer, api_client_for):
    occurred = timezone.now() - timedelta(hours=5)
    response = api_client_for(operator).post(
        "/api/v1/incidents/",
        {
            "facility": facility.pk,
            "kind": "infectious_cluster",
            "occurred_at": occurred.isoformat(),
            "children_affected": 4,
            "description": "同班4名幼儿出现手足口病症状",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_late"] is True and body["status"] == "reported"
    officer = api_client_for(gusu_officer)
    assert [row["id"] for row in officer.get("/api/v1/incidents/?late=true").json()["results"]] == [body["id"]]
    assert officer.get("/api/v1/incidents/?late=false").json()["results"] == []
    followed = officer.post(f"/api/v1/incidents/{body['id']}/follow-up/", {"follow_up": "已通知疾控"}, format="json")
    assert followed.status_code == 200 and followed.json()["status"] == "following_up"


def test_api_refusals_are_field_errors_and_write_nothing(facility, operator, api_client_for):
    response = api_client_for(operator).post(
        "/api/v1/incidents/",
        {
            "facility": facility.pk,
            "kind": "injury",
            "occurred_at": (timezone.now() + timedelta(hours=1)).isoformat(),
            "children_affected": 1,
            "description": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields", "clause"} and "occurred_at" in body["fields"]
    assert Incident.objects.count() == 0 and Notice.objects.count() == 0


def test_api_foreign_users_get_404(
    facility, operator, other_operator, wujiang_officer, wujiang_inspector, api_client_for
):
    incident = report(facility, operator)
    for user in (other_operator, wujiang_officer, wujiang_inspector):
        api = api_client_for(user)
        assert api.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
        assert api.get("/api/v1/incidents/").json()["results"] == []
        follow = api.post(f"/api/v1/incidents/{incident.pk}/follow-up/", {"follow_up": "x"}, format="json")
        assert follow.status_code == 404
    refused = api_client_for(other_operator).post(
        "/api/v1/incidents/",
        {
            "facility": facility.pk,
            "kind": "injury",
            "occurred_at": timezone.now().isoformat(),
            "children_affected": 0,
            "description": "x",
        },
        format="json",
    )
    assert refused.status_code == 404
    assert Incident.objects.count() == 1
