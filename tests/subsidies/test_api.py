"""REST under /api/v1/subsidies/: each endpoint per role and for a foreign user (404), money as strings with two
decimals, months as YYYY-MM in and out, bad input a 400 naming the fields with nothing saved, the
maker–checker rule (403 `maker_checker`, nothing changed), the calculation queued as a job, query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subsidies.models import (
    BatchApproval,
    BatchStatus,
    EnrolmentReport,
    PaymentBatch,
    RuleSet,
    RuleSetStatus,
    Statement,
)
from subsidies.services.batches import batch_prepare
from subsidies.services.calculation import period_calculate
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.outbox.models import Job, OutboxMessage

from .helpers import MAY, example_facility, example_rule_set, may_report

pytestmark = pytest.mark.django_db

GUSU, WUJIANG = "320508", "320509"
API = "/api/v1/subsidies"
ERROR_KEYS = {"code", "message", "fields", "clause"}


@pytest.fixture
def world(operator, gusu_officer, wujiang_officer, make_user):
    example_rule_set(GUSU)
    example_rule_set(WUJIANG)
    gusu = example_facility(operator, gusu_officer)
    wujiang_operator = make_user(Role.OPERATOR, username="op_wujiang")
    wujiang = example_facility(wujiang_operator, wujiang_officer, name="吴江示例托育中心", district_code=WUJIANG)
    gusu_report = may_report(operator, gusu)
    wujiang_report = may_report(wujiang_operator, wujiang)
    period_calculate(period=MAY, district_code=GUSU)
    period_calculate(period=MAY, district_code=WUJIANG)
    return {
        "gusu": gusu,
        "wujiang": wujiang,
        "wujiang_operator": wujiang_operator,
        "gusu_report": gusu_report,
        "wujiang_report": wujiang_report,
        "gusu_statement": Statement.objects.get(facility=gusu, period=MAY),
        "wujiang_statement": Statement.objects.get(facility=wujiang, period=MAY),
        "gusu_batch": batch_prepare(actor=gusu_officer, district_code=GUSU, period_start=MAY, period_end=MAY),
        "wujiang_batch": batch_prepare(actor=wujiang_officer, district_code=WUJIANG, period_start=MAY, period_end=MAY),
    }


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code:
        assert body["code"] == code
    return body


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:400]
    return {row["id"] for row in response.json()["results"]}


# --- who reaches what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/statements/", "/reports/", "/batches/", "/rule-sets/"],
)
def test_roles_without_subsidies_get_404(world, api_client_for, gusu_inspector, training_base, path):
    for user in (gusu_inspector, training_base):
        error(api_client_for(user).get(API + path), 404)


def test_statistics_clients_get_404(world, api_client_for, stats_client):
    error(api_client_for(stats_client).get(API + "/statements/"), 404)


def test_anonymous_gets_401(world, client):
    assert client.get(API + "/statements/").status_code == 401


# --- statements ----------------------------------------------------------------------------------------------


def test_an_operator_sees_only_their_statements(world, api_client_for, operator):
    api = api_client_for(operator)
    assert ids(api.get(API + "/statements/")) == {world["gusu_statement"].pk}
    error(api.get(f"{API}/statements/{world['wujiang_statement'].pk}/"), 404)


def test_unit_officers_and_the_city(world, api_client_for, wujiang_officer, city_admin):
    assert ids(api_client_for(wujiang_officer).get(API + "/statements/")) == {world["wujiang_statement"].pk}
    error(api_client_for(wujiang_officer).get(f"{API}/statements/{world['gusu_statement'].pk}/"), 404)
    assert ids(api_client_for(city_admin).get(API + "/statements/")) == {
        world["gusu_statement"].pk,
        world["wujiang_statement"].pk,
    }


def test_a_statement_with_its_lines_money_as_strings_and_months_as_yyyy_mm(world, api_client_for, operator):
    body = api_client_for(operator).get(f"{API}/statements/{world['gusu_statement'].pk}/").json()
    assert body["period"] == "2026-05" and body["total"] == "18600.00" and body["eligible"] is True
    assert [(line["code"], line["amount"]) for line in body["lines"]] == [
        ("base", "18000.00"),
        ("class_supplement.infant", "600.00"),
    ]
    assert body["lines"][0]["quantity"] == "36.00" and body["lines"][0]["rate"] == "500.0000"
    assert body["lines"][0]["code_label"] and "工作示例 2026" in body["lines"][0]["rule"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"period": "2026-05"}, {"gusu", "wujiang"}),
        ({"period": "2026-04"}, set()),
        ({"district": WUJIANG}, {"wujiang"}),
        ({"eligible": "true"}, {"gusu", "wujiang"}),
        ({"eligible": "false"}, set()),
        ({"kind": "regular"}, {"gusu", "wujiang"}),
        ({"kind": "adjustment"}, set()),
    ],
)
def test_statement_filters(world, api_client_for, city_admin, query, expected):
    found = ids(api_client_for(city_admin).get(API + "/statements/", query))
    assert found == {world[f"{name}_statement"].pk for name in expected}


def test_statement_filters_by_facility_and_batch(world, api_client_for, city_admin):
    api = api_client_for(city_admin)
    assert ids(api.get(API + "/statements/", {"facility": world["gusu"].pk})) == {world["gusu_statement"].pk}
    assert ids(api.get(API + "/statements/", {"batch": world["wujiang_batch"].pk})) == {world["wujiang_statement"].pk}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"period": "2026-05-01"}, "period"),
        ({"district": "999999"}, "district"),
        ({"district": "abc"}, "district"),
        ({"facility": "-1"}, "facility"),
        ({"kind": "bonus"}, "kind"),
        ({"eligible": "maybe"}, "eligible"),
    ],
)
def test_bad_statement_filters_are_a_400_with_fields(world, api_client_for, city_admin, query, field):
    body = error(api_client_for(city_admin).get(API + "/statements/", query), 400, "invalid")
    assert field in body["fields"]


# --- reports -------------------------------------------------------------------------------------------------


def _june(facility, **overrides):
    body = {
        "facility": facility.pk,
        "period": "2026-06",
        "lines": [
            {"class_type": "infant", "enrolled": 6, "attendance_days": 120, "carers": 2},
            {"class_type": "toddler", "enrolled": 12, "attendance_days": 240, "carers": 3},
        ],
    }
    return body | overrides


def test_reports_are_scoped(world, api_client_for, operator, wujiang_officer):
    api = api_client_for(operator)
    assert ids(api.get(API + "/reports/")) == {world["gusu_report"].pk}
    error(api.get(f"{API}/reports/{world['wujiang_report'].pk}/"), 404)
    assert ids(api_client_for(wujiang_officer).get(API + "/reports/")) == {world["wujiang_report"].pk}
    error(api_client_for(wujiang_officer).get(f"{API}/reports/{world['gusu_report'].pk}/"), 404)
    body = api.get(f"{API}/reports/{world['gusu_report'].pk}/").json()
    assert body["period"] == "2026-05" and len(body["lines"]) == 3


def test_an_operator_files_and_corrects_a_month(world, api_client_for, operator):
    api = api_client_for(operator)
    response = api.post(API + "/reports/", _june(world["gusu"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["period"] == "2026-06" and response.json()["revision"] == 1
    body = error(api.post(API + "/reports/", _june(world["gusu"]), format="json"), 400)
    assert "correction_reason" in body["fields"]
    response = api.post(API + "/reports/", _june(world["gusu"], correction_reason="更正"), format="json")
    assert response.status_code == 201 and response.json()["revision"] == 2
    history = api.get(API + "/reports/", {"period": "2026-06", "history": "true"})
    assert len(ids(history)) == 2


def test_the_service_names_the_row_field_and_clause(world, api_client_for, operator):
    lines = [{"class_type": "toddler", "enrolled": 16, "attendance_days": 300, "carers": 4}]
    body = error(
        api_client_for(operator).post(API + "/reports/", _june(world["gusu"], lines=lines), format="json"), 422
    )
    assert "lines.0.enrolled" in body["fields"] and body["clause"]
    assert not EnrolmentReport.objects.filter(period=date(2026, 6, 1)).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"lines": [{"class_type": "infant", "enrolled": -1, "attendance_days": 0}]}, "lines.0.enrolled"),
        ({"lines": [{"class_type": "infant", "enrolled": 1, "attendance_days": -5}]}, "lines.0.attendance_days"),
        ({"lines": [{"class_type": "giant", "enrolled": 1, "attendance_days": 5}]}, "lines.0.class_type"),
        ({"lines": []}, "lines"),
        ({"facility": "x"}, "facility"),
    ],
)
def test_bad_reports_are_a_400_with_fields_and_save_nothing(world, api_client_for, operator, overrides, field):
    before = EnrolmentReport.objects.count()
    body = error(api_client_for(operator).post(API + "/reports/", _june(world["gusu"]) | overrides, format="json"), 400)
    assert field in body["fields"], body
    assert EnrolmentReport.objects.count() == before


def test_an_operator_cannot_report_for_another_facility(world, api_client_for, operator, wujiang_officer):
    error(api_client_for(operator).post(API + "/reports/", _june(world["wujiang"]), format="json"), 404)
    error(api_client_for(wujiang_officer).post(API + "/reports/", _june(world["gusu"]), format="json"), 404)
    assert not EnrolmentReport.objects.filter(period=date(2026, 6, 1)).exists()


# --- batches -------------------------------------------------------------------------------------------------


def test_operators_have_no_batches(world, api_client_for, operator):
    error(api_client_for(operator).get(API + "/batches/"), 404)
    error(api_client_for(operator).get(f"{API}/batches/{world['gusu_batch'].pk}/"), 404)


def test_a_wujiang_officer_gets_404_on_a_gusu_batch(world, api_client_for, wujiang_officer):
    api = api_client_for(wujiang_officer)
    pk = world["gusu_batch"].pk
    assert ids(api.get(API + "/batches/")) == {world["wujiang_batch"].pk}
    error(api.get(f"{API}/batches/{pk}/"), 404)
    error(api.post(f"{API}/batches/{pk}/approve/", {"approve": True}, format="json"), 404)
    error(api.post(f"{API}/batches/{pk}/paid/"), 404)
    assert not BatchApproval.objects.exists()


def test_the_batch_shows_its_sample_seed_and_next_step(world, api_client_for, gusu_officer, city_admin):
    body = api_client_for(gusu_officer).get(f"{API}/batches/{world['gusu_batch'].pk}/").json()
    assert body["sample_seed"] == str(world["gusu_batch"].sample_seed)
    assert body["sample"] == [world["gusu_statement"].pk] and body["total"] == "18600.00"
    assert body["period_start"] == "2026-05" and body["next_role"] == "district_officer"
    assert body["may_decide"] is False and body["why_not"]
    assert len(ids(api_client_for(city_admin).get(API + "/batches/"))) == 2


def test_the_preparer_cannot_approve(world, api_client_for, gusu_officer):
    batch = world["gusu_batch"]
    response = api_client_for(gusu_officer).post(f"{API}/batches/{batch.pk}/approve/", {"approve": True}, format="json")
    error(response, 403, "maker_checker")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED and not BatchApproval.objects.filter(batch=batch).exists()


def test_an_earlier_approver_cannot_approve_the_next_step(world, api_client_for, make_user, city_admin):
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    api = api_client_for(second)
    response = api.post(f"{API}/batches/{batch.pk}/approve/", {"approve": True, "opinion": "核对无误"}, format="json")
    assert response.status_code == 200 and response.json()["next_role"] == "city_admin"
    error(api.post(f"{API}/batches/{batch.pk}/approve/", {"approve": True}, format="json"), 403, "maker_checker")
    assert BatchApproval.objects.filter(batch=batch).count() == 1
    response = api_client_for(city_admin).post(f"{API}/batches/{batch.pk}/approve/", {"approve": True}, format="json")
    assert response.json()["status"] == "approved"
    response = api_client_for(second).post(f"{API}/batches/{batch.pk}/paid/")
    assert response.status_code == 200 and response.json()["status"] == "paid"
    error(api_client_for(second).post(f"{API}/batches/{batch.pk}/paid/"), 409)


def test_a_rejection_needs_an_opinion(world, api_client_for, make_user):
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    body = error(
        api_client_for(second).post(f"{API}/batches/{batch.pk}/approve/", {"approve": False}, format="json"), 400
    )
    assert "opinion" in body["fields"]
    body = error(api_client_for(second).post(f"{API}/batches/{batch.pk}/approve/", {}, format="json"), 400)
    assert "approve" in body["fields"]
    assert not BatchApproval.objects.exists()


def test_preparing_a_batch_through_the_api(world, api_client_for, operator, gusu_officer, wujiang_officer):
    from subsidies.services.reports import report_submit

    june = date(2026, 6, 1)
    report_submit(
        actor=operator,
        facility=world["gusu"],
        period=june,
        lines=[{"class_type": "older", "enrolled": 18, "attendance_days": 300, "carers": 3}],
    )
    period_calculate(period=june, district_code=GUSU)
    error(
        api_client_for(wujiang_officer).post(
            API + "/batches/", {"district": GUSU, "period_start": "2026-06", "period_end": "2026-06"}, format="json"
        ),
        404,
    )
    response = api_client_for(gusu_officer).post(
        API + "/batches/", {"period_start": "2026-06", "period_end": "2026-06"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "9000.00" and response.json()["district"] == GUSU


@pytest.mark.parametrize(
    "body, field",
    [
        ({"district": "999999", "period_start": "2026-06", "period_end": "2026-06"}, "district"),
        ({"district": GUSU, "period_start": "2026-13", "period_end": "2026-06"}, "period_start"),
        ({"district": GUSU, "period_start": "abc", "period_end": "abc"}, "period_start"),
        ({"district": GUSU, "period_start": "2026-06", "period_end": "2026-08"}, "period_end"),
        ({"district": GUSU, "period_start": "2099-01", "period_end": "2099-01"}, "period_end"),
        ({"period_start": "2026-06", "period_end": "2026-06"}, "district"),
    ],
)
def test_bad_batches_are_a_400_with_fields_and_save_nothing(world, api_client_for, city_admin, body, field):
    before = PaymentBatch.objects.count()
    response = error(api_client_for(city_admin).post(API + "/batches/", body, format="json"), 400)
    assert field in response["fields"], response
    assert PaymentBatch.objects.count() == before


# --- the calculation -----------------------------------------------------------------------------------------


def test_a_calculation_is_a_job_and_an_outbox_message(world, api_client_for, gusu_officer):
    response = api_client_for(gusu_officer).post(API + "/calculations/", {"period": "2026-06"}, format="json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(kind="subsidies.calculate")
    assert response.json() == {
        "job": str(job.id),
        "job_url": f"/api/v1/jobs/{job.id}/",
        "period": "2026-06",
        "district": GUSU,
    }
    message = OutboxMessage.objects.get(task_name="subsidies.calculate_period")
    assert message.kwargs == {"period": "2026-06-01", "district_code": GUSU, "job_id": str(job.id)}
    assert api_client_for(gusu_officer).get(f"/api/v1/jobs/{job.id}/").status_code == 200


def test_an_officer_cannot_calculate_another_unit(world, api_client_for, wujiang_officer, operator):
    api = api_client_for(wujiang_officer)
    error(api.post(API + "/calculations/", {"period": "2026-06", "district": GUSU}, format="json"), 404)
    error(api_client_for(operator).post(API + "/calculations/", {"period": "2026-06"}, format="json"), 404)
    assert not Job.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"period": "2099-01"}, "period"),
        ({}, "period"),
        ({"period": "2026-06", "district": "999999"}, "district"),
    ],
)
def test_bad_calculations_are_a_400_and_queue_nothing(world, api_client_for, city_admin, body, field):
    response = error(api_client_for(city_admin).post(API + "/calculations/", body, format="json"), 400)
    assert field in response["fields"]
    assert not Job.objects.exists() and not OutboxMessage.objects.exists()


# --- rule sets -----------------------------------------------------------------------------------------------

DRAFT = {
    "district": GUSU,
    "edition": "姑苏区 2027",
    "effective_from": "2027-01",
    "payment_period": "monthly",
    "approval_chain": ["district_officer", "city_admin"],
    "terms": {"base_rates": [{"recognition": None, "amount": "600.00"}]},
    "source": "测试",
}


def test_rule_sets_are_read_by_the_city_and_by_officers_for_their_unit(
    world, api_client_for, city_admin, wujiang_officer
):
    every = ids(api_client_for(city_admin).get(API + "/rule-sets/", {"page_size": 100}))
    assert every == set(RuleSet.objects.values_list("pk", flat=True))
    own = ids(api_client_for(wujiang_officer).get(API + "/rule-sets/", {"page_size": 100}))
    city_wide = set(RuleSet.objects.filter(district__isnull=True).values_list("pk", flat=True))
    assert city_wide and own == city_wide | {RuleSet.objects.get(district_id=WUJIANG).pk}
    gusu = RuleSet.objects.get(district_id=GUSU)
    error(api_client_for(wujiang_officer).get(f"{API}/rule-sets/{gusu.pk}/"), 404)
    body = api_client_for(city_admin).get(f"{API}/rule-sets/{gusu.pk}/").json()
    assert body["effective_from"] == "2026-01" and body["payment_period"] == "monthly"


def test_the_city_admin_drafts_edits_and_activates(world, api_client_for, city_admin, gusu_officer):
    api = api_client_for(city_admin)
    error(api_client_for(gusu_officer).post(API + "/rule-sets/", DRAFT, format="json"), 403)
    response = api.post(API + "/rule-sets/", DRAFT, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["effective_from"] == "2027-01"
    error(api_client_for(gusu_officer).patch(f"{API}/rule-sets/{pk}/", {"edition": "x"}, format="json"), 403)
    response = api.patch(f"{API}/rule-sets/{pk}/", {"edition": "姑苏区 2027 修订"}, format="json")
    assert response.status_code == 200 and response.json()["edition"] == "姑苏区 2027 修订"
    assert response.json()["terms"] == DRAFT["terms"]
    response = api.post(f"{API}/rule-sets/{pk}/activate/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    error(api.patch(f"{API}/rule-sets/{pk}/", {"edition": "改不了"}, format="json"), 409, "rules_in_use")
    assert RuleSet.objects.get(pk=pk).edition == "姑苏区 2027 修订"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"terms": {"base_rates": [{"amount": "-5"}]}}, "terms"),
        ({"terms": [1, 2]}, "terms"),
        ({"effective_from": "2027-13"}, "effective_from"),
        ({"effective_from": "abc"}, "effective_from"),
        ({"district": "999999"}, "district"),
        ({"approval_chain": ["operator"]}, "approval_chain"),
        ({"payment_period": "weekly"}, "payment_period"),
    ],
)
def test_bad_drafts_are_a_400_with_fields_and_save_nothing(world, api_client_for, city_admin, overrides, field):
    before = RuleSet.objects.count()
    body = error(api_client_for(city_admin).post(API + "/rule-sets/", DRAFT | overrides, format="json"), 400)
    assert any(key.startswith(field) for key in body["fields"]), body
    assert RuleSet.objects.count() == before


def test_terms_problems_are_named_by_path(world, api_client_for, city_admin):
    body = error(
        api_client_for(city_admin).post(
            API + "/rule-sets/", DRAFT | {"terms": {"base_rates": [{"amount": "-5"}]}}, format="json"
        ),
        400,
    )
    assert any(problem.startswith("base_rates[0].amount") for problem in body["fields"]["terms"])


def test_the_simulator(world, api_client_for, city_admin, gusu_officer):
    api = api_client_for(city_admin)
    pk = api.post(API + "/rule-sets/", DRAFT, format="json").json()["id"]
    body = api.get(f"{API}/rule-sets/{pk}/simulate/", {"period": "2026-05"}).json()
    (unit,) = body["units"]
    assert unit["district"] == GUSU and unit["draft"] == "21600.00" and unit["active"] == "18600.00"
    assert unit["difference"] == "3000.00" and body["period"] == "2026-05"
    assert body["facilities"][0]["facility"] == world["gusu"].pk and body["facility_count"] == 1
    body = error(api.get(f"{API}/rule-sets/{pk}/simulate/", {"period": "2026-13"}), 400)
    assert "period" in body["fields"]
    error(api.get(f"{API}/rule-sets/{pk}/simulate/"), 400)
    error(api_client_for(gusu_officer).get(f"{API}/rule-sets/{pk}/simulate/", {"period": "2026-05"}), 403)


def test_rule_sets_in_force_are_not_activated_twice(world, api_client_for, city_admin):
    gusu = RuleSet.objects.get(district_id=GUSU)
    error(api_client_for(city_admin).post(f"{API}/rule-sets/{gusu.pk}/activate/"), 409)
    assert RuleSet.objects.get(pk=gusu.pk).status == RuleSetStatus.ACTIVE


# --- query counts at two sizes ---------------------------------------------------------------------------------


def _count(api, url: str, size: int) -> int:
    api.get(url, {"page_size": size})
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, {"page_size": size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == size
    return len(queries)


@pytest.fixture
def many(world, operator, gusu_officer):
    """Twelve more Gusu facilities of the operator, with May reported and calculated; twelve more batches."""
    for n in range(12):
        may_report(operator, example_facility(operator, gusu_officer, name=f"更多托育中心{n}"))
    period_calculate(period=MAY, district_code=GUSU)
    PaymentBatch.objects.bulk_create(
        PaymentBatch(
            district_id=GUSU,
            period_start=date(2025, month, 1),
            period_end=date(2025, month, 1),
            prepared_by=gusu_officer,
            prepared_at=world["gusu_batch"].prepared_at,
            sample_seed=month,
        )
        for month in range(1, 13)
    )


@pytest.mark.parametrize("url", ["/statements/", "/reports/", "/batches/"])
@pytest.mark.parametrize("role", ["city_admin", "gusu_officer"])
def test_lists_run_the_same_queries_at_two_page_sizes(many, api_client_for, request, url, role):
    api = api_client_for(request.getfixturevalue(role))
    assert _count(api, API + url, 2) == _count(api, API + url, 10)


@pytest.mark.parametrize("url", ["/statements/", "/reports/"])
def test_the_operators_lists_run_the_same_queries_at_two_page_sizes(many, api_client_for, operator, url):
    api = api_client_for(operator)
    assert _count(api, API + url, 2) == _count(api, API + url, 10)


def test_statement_pages_follow_the_cursor(many, api_client_for, city_admin):
    api = api_client_for(city_admin)
    first = api.get(API + "/statements/", {"page_size": 5}).json()
    second = api.get(first["next"]).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert len(second["results"]) == 5
