"""Coordination cases (一事一议): opening, steps, closing; who sees and works them; validation; list queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities import services
from facilities.models import CaseStatus, CaseStep, CoordinationCase
from facilities.selectors_coordination import case_get_for, case_list_for
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.regions.models import District

GUSU = "320508"
WUJIANG = "320509"
LIST = "/facilities/cases/"


def _facility(actor, *, name="姑苏区小橘子托育园", code=GUSU):
    return services.facility_create(
        actor=actor, data={"name": name, "category": "social", "district": District.objects.get(code=code)}
    )


@pytest.fixture
def facility(gusu_officer):
    """A `known` facility of 姑苏区 that the unit entered."""
    return _facility(gusu_officer)


@pytest.fixture
def operated(operator):
    """A draft of 姑苏区 that the `operator` runs."""
    return _facility(operator, name="姑苏区小苗托育中心")


def _open(actor, facility, **overrides):
    kwargs = {
        "topic": "fire_safety",
        "summary": "消防验收因建筑原用途为办公，无法通过。",
        "departments": ["消防救援大队", "住建局"],
        **overrides,
    }
    return services.case_open(actor=actor, facility=facility, **kwargs)


def _backdate(case, days: int) -> CoordinationCase:
    CoordinationCase.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=days))
    case.refresh_from_db()
    return case


def _case_audit(facility):
    return list(
        AuditEntry.objects.filter(object_id=str(facility.pk), action__startswith="facility.case_")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- the officer's whole path through the pages ----------------------------------------------------------------


def test_an_officer_opens_a_case_records_steps_and_closes_it(gusu_officer, facility, web_client_for):
    web = web_client_for(gusu_officer)
    assert web.get(f"{LIST}open/{facility.pk}/").status_code == 200
    response = web.post(
        f"{LIST}open/{facility.pk}/",
        {
            "topic": "premises",
            "summary": "租赁场地为工业用地，需办理临时改变用途。",
            "departments": ["自然资源和规划局", "住建局"],
            "other_departments": "街道办事处、 民政局",
        },
    )
    case = CoordinationCase.objects.get(facility=facility)
    assert response.status_code == 302 and response["Location"] == f"{LIST}{case.pk}/"
    assert case.departments == ["自然资源和规划局", "住建局", "街道办事处", "民政局"]
    assert case.status == CaseStatus.OPEN and case.opened_by == gusu_officer
    _backdate(case, 10)

    today = timezone.localdate()
    for days_ago, department, action in (
        (7, "自然资源和规划局", "召开一事一议协调会，规划局同意临时改变用途。"),
        (2, "市场监管局", "市场监管局核准经营范围增加托育服务。"),
    ):
        response = web.post(
            f"{LIST}{case.pk}/",
            {
                "form": "step",
                "step-happened_on": (today - timedelta(days=days_ago)).isoformat(),
                "step-department": department,
                "step-action": action,
            },
        )
        assert response.status_code == 302
    page = web.get(f"{LIST}{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "召开一事一议协调会" in html and "核准经营范围" in html
    assert html.index("召开一事一议协调会") < html.index("核准经营范围")  # the timeline runs oldest first
    case.refresh_from_db()
    assert "市场监管局" in case.departments  # a department that took a step is involved

    response = web.post(
        f"{LIST}{case.pk}/",
        {"form": "close", "close-result": "resolved", "close-outcome": "已取得消防验收，转入备案。"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.closed_at is not None and case.closed_by == gusu_officer
    assert case.outcome == "已取得消防验收，转入备案。"
    closed_page = web.get(f"{LIST}{case.pk}/")
    assert closed_page.context["editable"] is False
    assert 'name="form" value="step"' not in closed_page.content.decode()
    assert _case_audit(facility) == [
        "facility.case_open",
        "facility.case_step",
        "facility.case_step",
        "facility.case_close",
    ]


def test_the_audit_entries_say_who_and_what(gusu_officer, facility):
    case = _open(gusu_officer, facility)
    services.case_close(actor=gusu_officer, case=case, resolved=False, outcome="场地无法整改，机构另行选址。")
    opened, closed = AuditEntry.objects.filter(
        object_id=str(facility.pk), action__startswith="facility.case_"
    ).order_by("pk")
    assert opened.actor == gusu_officer and opened.after["summary"] == case.summary
    assert closed.before["status"] == "open" and closed.after["status"] == "closed_unresolved"


# --- who sees and who works a case -------------------------------------------------------------------------------


def test_the_city_admin_sees_every_unit_and_works_its_cases(city_admin, gusu_officer, facility, web_client_for):
    case = _open(gusu_officer, facility)
    web = web_client_for(city_admin)
    listing = web.get(LIST)
    assert listing.status_code == 200 and facility.name in listing.content.decode()
    assert web.get(f"{LIST}{case.pk}/").status_code == 200
    step = services.case_add_step(
        actor=city_admin, case=case, happened_on=timezone.localdate(), department="住建局", action="市级协调会。"
    )
    assert step.recorded_by == city_admin
    services.case_close(actor=city_admin, case=case, resolved=True, outcome="市级协调解决。")
    assert CoordinationCase.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    wujiang = _facility(city_admin, name="吴江区托育园", code=WUJIANG)
    assert web.get(f"{LIST}open/{wujiang.pk}/").status_code == 200


def test_another_units_officer_gets_404_on_pages_and_services(gusu_officer, wujiang_officer, facility, web_client_for):
    case = _open(gusu_officer, facility)
    web = web_client_for(wujiang_officer)
    assert web.get(f"{LIST}{case.pk}/").status_code == 404
    assert (
        web.post(f"{LIST}{case.pk}/", {"form": "close", "close-result": "resolved", "close-outcome": "x"}).status_code
        == 404
    )
    assert web.get(f"{LIST}open/{facility.pk}/").status_code == 404
    assert web.get(f"{LIST}open/", {"facility": facility.pk}).status_code == 404
    assert facility.name not in web.get(LIST).content.decode()
    with pytest.raises(NotFound):
        case_get_for(user=wujiang_officer, pk=case.pk)
    with pytest.raises(NotFound):
        _open(wujiang_officer, facility)
    with pytest.raises(NotFound):
        services.case_add_step(
            actor=wujiang_officer, case=case, happened_on=timezone.localdate(), department="住建局", action="x"
        )
    with pytest.raises(NotFound):
        services.case_close(actor=wujiang_officer, case=case, resolved=True, outcome="x")
    assert CoordinationCase.objects.get(pk=case.pk).status == CaseStatus.OPEN
    assert not CaseStep.objects.exists()


def test_an_operator_cannot_open_a_case(operator, operated, web_client_for):
    web = web_client_for(operator)
    assert web.get(f"{LIST}open/{operated.pk}/").status_code == 404
    payload = {"topic": "planning", "summary": "规划问题", "departments": ["住建局"]}
    assert web.post(f"{LIST}open/{operated.pk}/", payload).status_code == 404
    with pytest.raises(PermissionDenied):
        _open(operator, operated)
    assert not CoordinationCase.objects.exists()
    assert _case_audit(operated) == []


def test_an_operator_reads_the_cases_of_their_own_facility_only(
    operator, make_user, gusu_officer, operated, facility, web_client_for
):
    own = _open(gusu_officer, operated)
    other = _open(gusu_officer, facility)
    web = web_client_for(operator)
    listing = web.get(LIST).content.decode()
    assert operated.name in listing and facility.name not in listing
    page = web.get(f"{LIST}{own.pk}/")
    assert page.status_code == 200 and page.context["editable"] is False
    assert web.get(f"{LIST}{other.pk}/").status_code == 404
    # They may see the case, not work it.
    step = {"form": "step", "step-happened_on": timezone.localdate().isoformat(), "step-department": "住建局"}
    assert web.post(f"{LIST}{own.pk}/", {**step, "step-action": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.case_add_step(
            actor=operator, case=own, happened_on=timezone.localdate(), department="住建局", action="x"
        )
    with pytest.raises(PermissionDenied):
        services.case_close(actor=operator, case=own, resolved=True, outcome="x")
    assert not CaseStep.objects.exists()
    stranger = make_user("operator", username="other_operator")
    assert web_client_for(stranger).get(f"{LIST}{own.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["inspector", "citywide_inspector", "training_base", "mch_assessor"])
def test_other_roles_have_no_case_pages(users, gusu_officer, facility, web_client_for, role):
    case = _open(gusu_officer, facility)
    web = web_client_for(users[role])
    assert web.get(LIST).status_code == 404
    assert web.get(f"{LIST}{case.pk}/").status_code == 404
    assert web.get(f"{LIST}open/{facility.pk}/").status_code == 404
    assert list(case_list_for(user=users[role])) == []
    with pytest.raises(PermissionDenied):
        _open(users[role], facility)


def test_an_unknown_case_is_404(gusu_officer, web_client_for):
    web = web_client_for(gusu_officer)
    assert web.get(f"{LIST}999999/").status_code == 404
    assert web.get(f"{LIST}open/999999/").status_code == 404
    with pytest.raises(NotFound):
        case_get_for(user=gusu_officer, pk="abc")


def test_the_list_picker_leads_to_the_open_page(gusu_officer, facility, web_client_for):
    web = web_client_for(gusu_officer)
    assert facility.name in web.get(LIST).content.decode()
    response = web.get(f"{LIST}open/", {"facility": facility.pk})
    assert response.status_code == 302 and response["Location"] == f"{LIST}open/{facility.pk}/"


# --- validation --------------------------------------------------------------------------------------------------


def test_opening_without_summary_or_department_writes_nothing(gusu_officer, facility, web_client_for):
    with pytest.raises(ValidationFailed) as raised:
        _open(gusu_officer, facility, summary="   ", departments=["", " "], topic="weather")
    assert set(raised.value.fields) == {"summary", "departments", "topic"}
    response = web_client_for(gusu_officer).post(
        f"{LIST}open/{facility.pk}/", {"topic": "planning", "summary": " ", "other_departments": " 、 "}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"summary", "departments"}  # every problem at once
    assert "is-invalid" in response.content.decode()
    assert not CoordinationCase.objects.exists()
    assert _case_audit(facility) == []


def test_steps_are_not_in_the_future_nor_before_the_case_opened(gusu_officer, facility, web_client_for):
    case = _backdate(_open(gusu_officer, facility), 3)
    today = timezone.localdate()
    for day in (today + timedelta(days=1), today - timedelta(days=4)):
        with pytest.raises(ValidationFailed) as raised:
            services.case_add_step(actor=gusu_officer, case=case, happened_on=day, department="住建局", action="x")
        assert set(raised.value.fields) == {"happened_on"}
    with pytest.raises(ValidationFailed) as raised:
        services.case_add_step(actor=gusu_officer, case=case, happened_on=today, department=" ", action="")
    assert set(raised.value.fields) == {"department", "action"}
    response = web_client_for(gusu_officer).post(
        f"{LIST}{case.pk}/",
        {
            "form": "step",
            "step-happened_on": (today + timedelta(days=5)).isoformat(),
            "step-department": "住建局",
            "step-action": "提前登记",
        },
    )
    assert response.status_code == 400
    assert response.context["step_form"].errors["happened_on"]
    assert not CaseStep.objects.exists()
    assert _case_audit(facility) == ["facility.case_open"]
    step = services.case_add_step(
        actor=gusu_officer, case=case, happened_on=today - timedelta(days=3), department="住建局", action="受理"
    )
    assert step.pk  # the day the case was opened is allowed


def test_closing_needs_an_outcome(gusu_officer, facility, web_client_for):
    case = _open(gusu_officer, facility)
    with pytest.raises(ValidationFailed) as raised:
        services.case_close(actor=gusu_officer, case=case, resolved=True, outcome="  ")
    assert set(raised.value.fields) == {"outcome"}
    response = web_client_for(gusu_officer).post(
        f"{LIST}{case.pk}/", {"form": "close", "close-result": "resolved", "close-outcome": ""}
    )
    assert response.status_code == 400 and response.context["close_form"].errors["outcome"]
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.closed_at is None
    assert _case_audit(facility) == ["facility.case_open"]


def test_a_closed_case_takes_no_more_steps(gusu_officer, facility, web_client_for):
    case = _open(gusu_officer, facility)
    services.case_close(actor=gusu_officer, case=case, resolved=False, outcome="机构放弃该场地。")
    with pytest.raises(Conflict):
        services.case_add_step(
            actor=gusu_officer, case=case, happened_on=timezone.localdate(), department="住建局", action="x"
        )
    with pytest.raises(Conflict):
        services.case_close(actor=gusu_officer, case=case, resolved=True, outcome="再次结案")
    response = web_client_for(gusu_officer).post(
        f"{LIST}{case.pk}/",
        {
            "form": "step",
            "step-happened_on": timezone.localdate().isoformat(),
            "step-department": "住建局",
            "step-action": "x",
        },
    )
    assert response.status_code == 409
    assert not CaseStep.objects.exists()
    assert CoordinationCase.objects.get(pk=case.pk).status == CaseStatus.CLOSED_UNRESOLVED


# --- the list ------------------------------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_unit(city_admin, gusu_officer, wujiang_officer, facility, web_client_for):
    open_case = _open(gusu_officer, facility)
    wujiang = _facility(wujiang_officer, name="吴江区托育园", code=WUJIANG)
    closed = _open(wujiang_officer, wujiang, topic="planning")
    services.case_close(actor=wujiang_officer, case=closed, resolved=True, outcome="已解决")
    web = web_client_for(city_admin)
    rows = lambda **query: [c.pk for c in web.get(LIST, query).context["page"].object_list]  # noqa: E731
    assert set(rows()) == {open_case.pk, closed.pk}
    assert rows(status="open") == [open_case.pk]
    assert rows(status="resolved") == [closed.pk]
    assert rows(district=WUJIANG) == [closed.pk]
    assert rows(district=WUJIANG, status="open") == []
    assert set(rows(status="nonsense")) == {open_case.pk, closed.pk}
    # A unit's officer cannot widen their view with the unit filter.
    assert [c.pk for c in case_list_for(user=gusu_officer, district=WUJIANG)] == []


def test_the_list_counts_steps(gusu_officer, facility):
    case = _backdate(_open(gusu_officer, facility), 5)
    today = timezone.localdate()
    for days in (4, 1):
        services.case_add_step(
            actor=gusu_officer, case=case, happened_on=today - timedelta(days=days), department="住建局", action="x"
        )
    _open(gusu_officer, facility, topic="other")
    rows = {c.pk: c for c in case_list_for(user=gusu_officer)}
    assert rows[case.pk].step_count == 2 and rows[case.pk].last_step_on == today - timedelta(days=1)
    assert [c.step_count for pk, c in rows.items() if pk != case.pk] == [0]


@pytest.mark.parametrize("user_fixture", ["city_admin", "gusu_officer", "operator"])
def test_the_list_runs_the_same_number_of_queries_for_3_and_20_cases(
    request, gusu_officer, operator, web_client_for, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    web = web_client_for(user)
    web.get(LIST)  # the session's first request warms what is cached per process
    counts = {}
    made = 0
    for target in (3, 20):
        while made < target:
            facility = _facility(operator, name=f"托育机构{made:02d}")
            case = _open(gusu_officer, facility)
            services.case_add_step(
                actor=gusu_officer, case=case, happened_on=timezone.localdate(), department="住建局", action="x"
            )
            made += 1
        with CaptureQueriesContext(connection) as queries:
            response = web.get(LIST)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == target
        assert all(c.step_count == 1 for c in response.context["page"].object_list)
        counts[target] = len(queries)
    assert counts[3] == counts[20], counts
