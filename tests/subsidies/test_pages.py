"""The subsidy pages, per role: operators' reports and statements, the units' totals, statements, batches (with
the maker–checker rule and the second-review sample), the Excel exports, the calculation button, and the city
admin's rule sets and simulator. Foreign objects are 404; bad input is a 400 that saves nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from facilities.models import Facility
from subsidies.models import (
    BatchApproval,
    BatchStatus,
    EnrolmentReport,
    PaymentBatch,
    RuleSet,
    RuleSetStatus,
    Statement,
)
from subsidies.services.batches import batch_decide, batch_prepare
from subsidies.services.calculation import period_calculate
from subsidies.services.reports import report_submit
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.outbox.models import Job, OutboxMessage

from .helpers import MAY, example_facility, example_rule_set, may_report

pytestmark = pytest.mark.django_db

GUSU, WUJIANG = "320508", "320509"


@pytest.fixture
def web(web_client_for):
    """A browser session in English (the portal's own strings are asserted, not their translations)."""

    def make(user):
        user.language = "en"
        user.save(update_fields=["language"])
        return web_client_for(user)

    return make


@pytest.fixture
def world(operator, gusu_officer, wujiang_officer, city_admin, make_user):
    """May calculated in Gusu and Wujiang, one facility each (different operators), each unit's batch prepared."""
    example_rule_set(GUSU)
    example_rule_set(WUJIANG)
    gusu = example_facility(operator, gusu_officer)
    wujiang_operator = make_user(Role.OPERATOR, username="op_wujiang")
    wujiang = example_facility(wujiang_operator, wujiang_officer, name="吴江示例托育中心", district_code=WUJIANG)
    gusu_report = may_report(operator, gusu)
    wujiang_report = may_report(wujiang_operator, wujiang)
    period_calculate(period=MAY, district_code=GUSU)
    period_calculate(period=MAY, district_code=WUJIANG)
    gusu_batch = batch_prepare(actor=gusu_officer, district_code=GUSU, period_start=MAY, period_end=MAY)
    wujiang_batch = batch_prepare(actor=wujiang_officer, district_code=WUJIANG, period_start=MAY, period_end=MAY)
    return {
        "gusu": gusu,
        "wujiang": wujiang,
        "wujiang_operator": wujiang_operator,
        "gusu_report": gusu_report,
        "wujiang_report": wujiang_report,
        "gusu_statement": Statement.objects.get(facility=gusu, period=MAY),
        "wujiang_statement": Statement.objects.get(facility=wujiang, period=MAY),
        "gusu_batch": gusu_batch,
        "wujiang_batch": wujiang_batch,
    }


def text(response) -> str:
    return response.content.decode()


# --- who reaches which page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/subsidies/",
        "/subsidies/statements/export.xlsx",
        "/subsidies/batches/",
        "/subsidies/batches/new/",
        "/subsidies/calculate/",
        "/subsidies/rules/",
        "/subsidies/rules/new/",
    ],
)
def test_operators_and_inspectors_find_no_staff_pages(world, web, operator, gusu_inspector, path):
    if path != "/subsidies/":
        assert web(operator).get(path).status_code == 404
    assert web(gusu_inspector).get(path).status_code == 404


def test_an_operator_landing_on_the_totals_goes_to_their_statements(world, web, operator):
    response = web(operator).get("/subsidies/")
    assert response.status_code == 302 and response["Location"] == "/subsidies/statements/"


@pytest.mark.parametrize("path", ["/subsidies/reports/", "/subsidies/statements/"])
def test_inspectors_and_training_bases_have_no_subsidy_lists(world, web, gusu_inspector, training_base, path):
    assert web(gusu_inspector).get(path).status_code == 404
    assert web(training_base).get(path).status_code == 404


def test_the_rule_pages_are_the_city_admins_only(world, web, gusu_officer):
    rule_set = RuleSet.objects.filter(district_id=GUSU).first()
    for path in (
        "/subsidies/rules/",
        f"/subsidies/rules/{rule_set.pk}/",
        f"/subsidies/rules/{rule_set.pk}/edit/",
        f"/subsidies/rules/{rule_set.pk}/simulate/?period=2026-05",
    ):
        assert web(gusu_officer).get(path).status_code == 404, path
    assert web(gusu_officer).post(f"/subsidies/rules/{rule_set.pk}/activate/").status_code == 404


# --- operators: reports ----------------------------------------------------------------------------------------


def test_an_operator_sees_their_reports_only(world, web, operator):
    page = text(web(operator).get("/subsidies/reports/"))
    assert world["gusu"].name in page and world["wujiang"].name not in page
    assert web(operator).get(f"/subsidies/reports/{world['gusu_report'].pk}/").status_code == 200
    assert web(operator).get(f"/subsidies/reports/{world['wujiang_report'].pk}/").status_code == 404


def test_unit_officers_read_their_units_reports_only(world, web, wujiang_officer, city_admin):
    page = text(web(wujiang_officer).get("/subsidies/reports/"))
    assert world["wujiang"].name in page and world["gusu"].name not in page
    assert web(wujiang_officer).get(f"/subsidies/reports/{world['gusu_report'].pk}/").status_code == 404
    page = text(web(city_admin).get("/subsidies/reports/"))
    assert world["wujiang"].name in page and world["gusu"].name in page


def test_the_report_form_has_one_row_per_filed_class_type(world, web, operator):
    response = web(operator).get("/subsidies/reports/new/", {"facility": world["gusu"].pk, "period": "2026-06"})
    assert response.status_code == 200
    page = text(response)
    for class_type in ("infant", "toddler", "older"):
        assert f'name="enrolled_{class_type}"' in page
    assert 'name="enrolled_mixed"' not in page
    assert 'name="correction_reason"' not in page  # June is not reported yet


def _june(facility, **overrides):
    data = {"facility": facility.pk, "period": "2026-06", "correction_reason": ""}
    for class_type, enrolled, carers in (("infant", 6, 2), ("toddler", 12, 3), ("older", 18, 3)):
        data |= {
            f"enrolled_{class_type}": enrolled,
            f"attendance_days_{class_type}": enrolled * 20,
            f"carers_{class_type}": carers,
        }
    return data | overrides


def test_an_operator_files_a_month(world, web, operator):
    response = web(operator).post("/subsidies/reports/new/", _june(world["gusu"]))
    assert response.status_code == 302
    report = EnrolmentReport.objects.get(facility=world["gusu"], period=date(2026, 6, 1))
    assert response["Location"] == f"/subsidies/reports/{report.pk}/"
    assert {(line.class_type, line.enrolled) for line in report.lines.all()} == {
        ("infant", 6),
        ("toddler", 12),
        ("older", 18),
    }


def test_a_reported_month_is_corrected_with_a_reason_and_keeps_its_history(world, web, operator):
    client = web(operator)
    form = text(client.get("/subsidies/reports/new/", {"facility": world["gusu"].pk, "period": "2026-05"}))
    assert 'name="correction_reason"' in form and 'value="6"' in form  # the current figures, to correct
    data = _june(world["gusu"], period="2026-05") | {"enrolled_infant": 3, "attendance_days_infant": 60}
    refused = client.post("/subsidies/reports/new/", data)
    assert refused.status_code == 400
    assert "give the reason for the correction" in text(refused)
    assert EnrolmentReport.objects.filter(facility=world["gusu"], period=MAY).count() == 1
    response = client.post("/subsidies/reports/new/", data | {"correction_reason": "乳儿班人数填错"})
    assert response.status_code == 302
    current = EnrolmentReport.objects.get(facility=world["gusu"], period=MAY, status="current")
    assert current.revision == 2
    history = text(client.get(f"/subsidies/reports/{current.pk}/"))
    assert "Revision 1" in history and "Revision 2" in history and "乳儿班人数填错" in history


def test_the_services_refusal_is_shown_on_the_row_with_its_clause(world, web, operator):
    data = _june(world["gusu"]) | {"enrolled_toddler": 16, "attendance_days_toddler": 16 * 20, "carers_toddler": 4}
    response = web(operator).post("/subsidies/reports/new/", data)
    assert response.status_code == 400
    page = text(response)
    assert "More infants than the 15 places" in page
    assert "备案信息应与实际一致" in page  # the clause of the failed check
    assert 'id="id_enrolled_toddler-errors"' in page  # next to the toddler row's field
    assert not EnrolmentReport.objects.filter(period=date(2026, 6, 1)).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"enrolled_infant": -1}, "enrolled_infant"),
        ({"carers_older": "x"}, "carers_older"),
    ],
)
def test_bad_report_input_is_a_400_and_saves_nothing(world, web, operator, overrides, field):
    before = EnrolmentReport.objects.count()
    response = web(operator).post("/subsidies/reports/new/", _june(world["gusu"], **overrides))
    assert response.status_code == 400
    assert "is-invalid" in text(response)
    assert EnrolmentReport.objects.count() == before


def test_an_operator_cannot_report_for_another_operators_facility(world, web, operator):
    assert web(operator).get("/subsidies/reports/new/", {"facility": world["wujiang"].pk}).status_code == 404
    assert web(operator).post("/subsidies/reports/new/", _june(world["wujiang"])).status_code == 404
    assert not EnrolmentReport.objects.filter(period=date(2026, 6, 1)).exists()


def test_officers_do_not_file_reports_through_the_page(world, web, gusu_officer):
    assert web(gusu_officer).get("/subsidies/reports/new/").status_code == 404


# --- statements ---------------------------------------------------------------------------------------------


def test_an_operator_sees_their_statements_only(world, web, operator):
    page = text(web(operator).get("/subsidies/statements/"))
    assert world["gusu"].name in page and world["wujiang"].name not in page
    assert web(operator).get(f"/subsidies/statements/{world['wujiang_statement'].pk}/").status_code == 404


def test_a_statement_shows_each_line_with_its_rule_rate_and_amount(world, web, operator):
    page = text(web(operator).get(f"/subsidies/statements/{world['gusu_statement'].pk}/"))
    assert "Base rate" in page and "Class supplement" in page
    assert "18,000.00" in page and "600.00" in page and "18,600.00" in page
    assert "工作示例 2026" in page and "base_rates[municipal_inclusive]" in page
    assert "500.0000" in page  # the rate


def test_an_ineligible_statement_gives_its_reason(world, web, operator, gusu_officer):
    facility = example_facility(operator, gusu_officer, fee="2800.00", name="苏州高价托育中心")
    period_calculate(period=MAY, district_code=GUSU)
    statement = Statement.objects.get(facility=facility, period=MAY)
    page = text(web(operator).get(f"/subsidies/statements/{statement.pk}/"))
    assert "Not eligible" in page and statement.reason in page and "0.00" in page


def test_unit_officers_see_their_units_statements(world, web, wujiang_officer, city_admin):
    page = text(web(wujiang_officer).get("/subsidies/statements/"))
    assert world["wujiang"].name in page and world["gusu"].name not in page
    assert web(wujiang_officer).get(f"/subsidies/statements/{world['gusu_statement'].pk}/").status_code == 404
    page = text(web(city_admin).get("/subsidies/statements/", {"period": "2026-05", "district": WUJIANG}))
    assert world["wujiang"].name in page and world["gusu"].name not in page


@pytest.mark.parametrize("query", [{"period": "2026-13"}, {"period": "abc"}, {"district": "999999"}])
def test_bad_statement_filters_are_a_400(world, web, city_admin, query):
    response = web(city_admin).get("/subsidies/statements/", query)
    assert response.status_code == 400 and "is-invalid" in text(response)


def test_an_adjustment_links_to_the_statement_it_adjusts(world, web, operator, gusu_officer, city_admin, make_user):
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    batch = world["gusu_batch"]
    batch_decide(actor=second, batch=batch, approve=True)
    batch_decide(actor=city_admin, batch=batch, approve=True)
    may_report(operator, world["gusu"], infants=3, reason="乳儿班人数填错")
    period_calculate(period=MAY, district_code=GUSU)
    adjustment = Statement.objects.get(facility=world["gusu"], kind="adjustment")
    page = text(web(operator).get(f"/subsidies/statements/{adjustment.pk}/"))
    assert f'href="/subsidies/statements/{world["gusu_statement"].pk}/"' in page
    original = text(web(operator).get(f"/subsidies/statements/{world['gusu_statement'].pk}/"))
    assert f'href="/subsidies/statements/{adjustment.pk}/"' in original


def test_the_statement_list_runs_the_same_queries_for_more_statements(world, web, city_admin, gusu_officer, make_user):
    client = web(city_admin)
    client.get("/subsidies/statements/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/subsidies/statements/").status_code == 200
    for n in range(6):
        other = make_user(Role.OPERATOR, username=f"op_more_{n}")
        facility = example_facility(other, gusu_officer, name=f"更多托育中心{n}")
        may_report(other, facility)
    period_calculate(period=MAY, district_code=GUSU)
    assert Statement.objects.count() == 8
    with CaptureQueriesContext(connection) as large:
        assert client.get("/subsidies/statements/").status_code == 200
    assert len(small) == len(large), (len(small), len(large))


# --- the totals and the exports --------------------------------------------------------------------------------


def test_the_totals_show_each_unit_and_month_with_links(world, web, gusu_officer, city_admin):
    page = text(web(gusu_officer).get("/subsidies/", {"to": "2026-05"}))
    assert "18,600.00" in page and "/subsidies/statements/?period=2026-05" in page
    assert world["wujiang"].district.name not in page
    page = text(web(city_admin).get("/subsidies/", {"to": "2026-05"}))
    assert "district=320509" in page and "district=320508" in page
    assert web(city_admin).get("/subsidies/", {"to": "2026-13"}).status_code == 400


def _rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_statement_export_is_scoped(world, web, wujiang_officer):
    rows = _rows(web(wujiang_officer).get("/subsidies/statements/export.xlsx", {"period": "2026-05"}))
    names = [row[1] for row in rows[1:]]
    assert names == [world["wujiang"].name]


# --- batches -----------------------------------------------------------------------------------------------


def test_unit_officers_see_their_units_batches_only(world, web, gusu_officer, wujiang_officer, city_admin):
    page = text(web(gusu_officer).get("/subsidies/batches/"))
    assert f'href="/subsidies/batches/{world["gusu_batch"].pk}/"' in page
    assert f'href="/subsidies/batches/{world["wujiang_batch"].pk}/"' not in page
    assert web(wujiang_officer).get(f"/subsidies/batches/{world['gusu_batch'].pk}/").status_code == 404
    assert web(wujiang_officer).get(f"/subsidies/batches/{world['gusu_batch'].pk}/export.xlsx").status_code == 404
    assert web(wujiang_officer).post(f"/subsidies/batches/{world['gusu_batch'].pk}/paid/").status_code == 404
    page = text(web(city_admin).get("/subsidies/batches/"))
    assert (
        f"/subsidies/batches/{world['wujiang_batch'].pk}/" in page
        and f"/subsidies/batches/{world['gusu_batch'].pk}/" in page
    )


def test_the_batch_page_shows_the_sample_with_its_seed_and_the_next_step(world, web, gusu_officer, make_user):
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    page = text(web(second).get(f"/subsidies/batches/{batch.pk}/"))
    assert f"drawn with seed {batch.sample_seed}" in page
    assert "table-warning" in page  # the sampled statement is highlighted
    assert 'name="approve"' in page
    preparer = text(web(gusu_officer).get(f"/subsidies/batches/{batch.pk}/"))
    assert 'name="approve"' not in preparer and "You prepared this batch" in preparer


def test_the_preparer_cannot_approve_through_the_page(world, web, gusu_officer):
    batch = world["gusu_batch"]
    response = web(gusu_officer).post(f"/subsidies/batches/{batch.pk}/", {"approve": "1", "opinion": ""})
    assert response.status_code == 403
    assert not BatchApproval.objects.filter(batch=batch).exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED


def test_approval_along_the_chain_then_paid_then_export(world, web, gusu_officer, city_admin, make_user):
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    assert web(gusu_officer).get(f"/subsidies/batches/{batch.pk}/export.xlsx").status_code == 409  # not approved
    assert (
        web(second).post(f"/subsidies/batches/{batch.pk}/", {"approve": "1", "opinion": "核对无误"}).status_code == 302
    )
    page = text(web(second).get(f"/subsidies/batches/{batch.pk}/"))
    assert "You approved an earlier step" in page
    officer_page = text(web(gusu_officer).get(f"/subsidies/batches/{batch.pk}/"))
    assert 'name="approve"' not in officer_page
    assert web(city_admin).post(f"/subsidies/batches/{batch.pk}/", {"approve": "1"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED
    assert web(gusu_officer).post(f"/subsidies/batches/{batch.pk}/paid/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAID
    rows = _rows(web(gusu_officer).get(f"/subsidies/batches/{batch.pk}/export.xlsx"))
    assert rows[1][1] == world["gusu"].name and Decimal(str(rows[1][6])) == Decimal("18600.00")
    assert "18000.00" in rows[1][8]


def test_a_rejection_needs_reasons(world, web, make_user):
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    response = web(second).post(f"/subsidies/batches/{batch.pk}/", {"approve": "0", "opinion": ""})
    assert response.status_code == 400 and "Give the reasons" in text(response)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED


def test_the_export_is_formula_safe(world, web, gusu_officer, city_admin, make_user):
    Facility.objects.filter(pk=world["gusu"].pk).update(name='=HYPERLINK("http://evil.example","x")')
    batch = world["gusu_batch"]
    second = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer_2")
    batch_decide(actor=second, batch=batch, approve=True)
    batch_decide(actor=city_admin, batch=batch, approve=True)
    response = web(gusu_officer).get(f"/subsidies/batches/{batch.pk}/export.xlsx")
    rows = _rows(response)
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","x")'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_preparing_a_batch_shows_the_payment_period_and_refuses_a_wrong_span(world, web, gusu_officer, city_admin):
    page = text(web(city_admin).get("/subsidies/batches/new/"))
    assert "吴江区" in page and "昆山市" in page and "Yearly" in page and "Monthly" in page
    client = web(gusu_officer)
    assert "姑苏区" in text(client.get("/subsidies/batches/new/"))
    before = PaymentBatch.objects.count()
    response = client.post("/subsidies/batches/new/", {"period_start": "2026-06", "period_end": "2026-08"})
    assert response.status_code == 400 and "one month per batch" in text(response)
    for bad in ({"period_start": "2026-13", "period_end": "2026-13"}, {"period_start": "abc", "period_end": ""}):
        assert client.post("/subsidies/batches/new/", bad).status_code == 400
    assert (
        web(city_admin)
        .post("/subsidies/batches/new/", {"district": "999999", "period_start": "2026-06", "period_end": "2026-06"})
        .status_code
        == 400
    )
    assert PaymentBatch.objects.count() == before


def test_preparing_a_batch(world, web, operator, gusu_officer):
    june = date(2026, 6, 1)
    period_calculate(period=june, district_code=GUSU)
    client = web(gusu_officer)
    response = client.post("/subsidies/batches/new/", {"period_start": "2026-06", "period_end": "2026-06"})
    assert response.status_code == 400 and "Nothing to pay" in text(response)  # June is not reported
    assert not PaymentBatch.objects.filter(period_start=june).exists()
    report_submit(
        actor=operator,
        facility=world["gusu"],
        period=june,
        lines=[{"class_type": "older", "enrolled": 18, "attendance_days": 300, "carers": 3}],
    )
    period_calculate(period=june, district_code=GUSU)
    response = client.post("/subsidies/batches/new/", {"period_start": "2026-06", "period_end": "2026-06"})
    batch = PaymentBatch.objects.get(period_start=june)
    assert response.status_code == 302 and response["Location"] == f"/subsidies/batches/{batch.pk}/"
    assert batch.total == Decimal("9000.00") and batch.prepared_by == gusu_officer


def test_the_batch_list_runs_the_same_queries_for_more_batches(world, web, city_admin, make_user):
    client = web(city_admin)
    client.get("/subsidies/batches/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/subsidies/batches/").status_code == 200
    preparer = make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="another_preparer")
    PaymentBatch.objects.bulk_create(
        PaymentBatch(
            district_id=GUSU,
            period_start=date(2025, month, 1),
            period_end=date(2025, month, 1),
            prepared_by=preparer,
            prepared_at=world["gusu_batch"].prepared_at,
            sample_seed=month,
        )
        for month in range(1, 13)
    )
    with CaptureQueriesContext(connection) as large:
        assert client.get("/subsidies/batches/").status_code == 200
    assert len(small) == len(large), (len(small), len(large))


# --- the calculation button --------------------------------------------------------------------------------


def test_the_calculation_button_creates_a_job_and_an_outbox_message(world, web, gusu_officer):
    response = web(gusu_officer).post("/subsidies/calculate/", {"period": "2026-06"})
    job = Job.objects.get(kind="subsidies.calculate")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.id}/"
    message = OutboxMessage.objects.get(task_name="subsidies.calculate_period")
    assert message.kwargs == {"period": "2026-06-01", "district_code": GUSU, "job_id": str(job.id)}
    assert job.owner == gusu_officer
    assert web(gusu_officer).get(f"/jobs/{job.id}/").status_code == 200


def test_the_city_admin_calculates_every_unit(world, web, city_admin):
    assert web(city_admin).post("/subsidies/calculate/", {"period": "2026-06", "district": ""}).status_code == 302
    assert OutboxMessage.objects.get(task_name="subsidies.calculate_period").kwargs["district_code"] is None


@pytest.mark.parametrize("data", [{"period": "2026-13"}, {"period": "abc"}, {"period": "2099-01"}, {}])
def test_a_bad_calculation_month_is_a_400_and_queues_nothing(world, web, city_admin, data):
    assert web(city_admin).post("/subsidies/calculate/", data).status_code == 400
    assert web(city_admin).post("/subsidies/calculate/", {"period": "2026-06", "district": "999999"}).status_code == 400
    assert not OutboxMessage.objects.exists() and not Job.objects.exists()


# --- rule sets (city admin) ---------------------------------------------------------------------------------


def test_the_rule_list_shows_scope_status_payment_period_and_defaults(world, web, city_admin):
    page = text(web(city_admin).get("/subsidies/rules/"))
    assert "City-wide" in page and "昆山市" in page and "default" in page and "工作示例 2026" in page


def test_a_rule_set_is_shown_readably_and_as_json(world, web, city_admin):
    rule_set = RuleSet.objects.get(district_id=GUSU)
    page = text(web(city_admin).get(f"/subsidies/rules/{rule_set.pk}/"))
    assert "Eligibility" in page and "500.00" in page and "&quot;base_rates&quot;" in page
    assert "Rules in force are never edited" in page


def test_a_draft_is_copied_checked_by_path_edited_and_activated(world, web, city_admin):
    client = web(city_admin)
    source = RuleSet.objects.get(district_id=GUSU)
    form = text(client.get("/subsidies/rules/new/", {"copy": source.pk}))
    assert "base_rates" in form
    data = {
        "district": GUSU,
        "edition": "姑苏区 2027",
        "effective_from": "2027-01",
        "payment_period": "monthly",
        "approval_chain": "district_officer, city_admin",
        "source": "测试",
        "note": "",
        "terms": '{"base_rates": [{"recognition": null, "amount": "-5"}]}',
    }
    refused = client.post("/subsidies/rules/new/", data)
    assert refused.status_code == 400 and "base_rates[0].amount" in text(refused)
    assert client.post("/subsidies/rules/new/", data | {"terms": "{not json"}).status_code == 400
    assert client.post("/subsidies/rules/new/", data | {"effective_from": "2027-13"}).status_code == 400
    assert not RuleSet.objects.filter(edition="姑苏区 2027").exists()
    response = client.post("/subsidies/rules/new/", data | {"terms": '{"base_rates": [{"amount": "600.00"}]}'})
    draft = RuleSet.objects.get(edition="姑苏区 2027")
    assert response.status_code == 302 and draft.status == RuleSetStatus.DRAFT
    edit = data | {"edition": "姑苏区 2027 修订", "terms": '{"base_rates": [{"amount": "650.00"}]}'}
    del edit["district"]
    assert client.post(f"/subsidies/rules/{draft.pk}/edit/", edit).status_code == 302
    draft.refresh_from_db()
    assert draft.edition == "姑苏区 2027 修订" and draft.terms["base_rates"][0]["amount"] == "650.00"
    assert client.post(f"/subsidies/rules/{draft.pk}/activate/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.ACTIVE
    response = client.post(f"/subsidies/rules/{draft.pk}/edit/", edit | {"edition": "改不了"}, follow=True)
    assert "Rules in force are never edited" in text(response)
    draft.refresh_from_db()
    assert draft.edition == "姑苏区 2027 修订"


def test_activating_a_draft_in_a_past_month_is_refused(world, web, city_admin):
    draft = RuleSet.objects.create(
        district_id=GUSU,
        edition="过去",
        effective_from=date(2026, 1, 1),
        terms={"base_rates": [{"amount": "1.00"}]},
        source="测试",
        approval_chain=["district_officer"],
    )
    response = web(city_admin).post(f"/subsidies/rules/{draft.pk}/activate/")
    assert response.status_code == 400 and "past month" in text(response)
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT


def test_the_simulator_shows_units_and_facilities(world, web, city_admin):
    draft = RuleSet.objects.create(
        district_id=GUSU,
        edition="模拟",
        effective_from=date(2027, 1, 1),
        terms={
            "eligibility": {"categories": ["social"], "recognitions_any": ["municipal_inclusive"]},
            "base_rates": [{"recognition": "municipal_inclusive", "amount": "600.00"}],
        },
        source="测试",
        approval_chain=["district_officer"],
    )
    client = web(city_admin)
    page = text(client.get(f"/subsidies/rules/{draft.pk}/simulate/", {"period": "2026-05"}))
    assert "21,600.00" in page and "18,600.00" in page and "3,000.00" in page and world["gusu"].name in page
    assert client.get(f"/subsidies/rules/{draft.pk}/simulate/", {"period": "2026-13"}).status_code == 400
    assert client.get(f"/subsidies/rules/{draft.pk}/simulate/").status_code == 200
