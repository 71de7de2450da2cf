"""The issue's worked example and the guarantees of the monthly run: same inputs, same statement; paid
statements never change; differences after payment become adjustments; awards at most once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError

from subsidies.models import AwardGrant, Statement, StatementKind
from subsidies.services.batches import batch_decide, batch_mark_paid, batch_prepare
from subsidies.services.calculation import period_calculate

from .helpers import EXAMPLE_TERMS, MAY, example_facility, example_rule_set, may_report, serious_penalty_in_may

pytestmark = pytest.mark.django_db


def lines_of(statement):
    return [(line.code, line.quantity, line.rate, line.amount) for line in statement.lines.order_by("position")]


def test_worked_example(operator, gusu_officer, city_admin):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    serious_penalty_in_may(facility, city_admin, gusu_officer)
    period_calculate(period=MAY, district_code="320508")
    statement = Statement.objects.get(facility=facility, period=MAY)
    assert statement.eligible
    assert lines_of(statement) == [
        ("base", Decimal("36.00"), Decimal("500.0000"), Decimal("18000.00")),
        ("class_supplement.infant", Decimal("6.00"), Decimal("100.0000"), Decimal("600.00")),
        ("deduction.serious_violation", Decimal("18600.00"), Decimal("0.2000"), Decimal("-3720.00")),
    ]
    assert statement.total == Decimal("14880.00")
    assert all("工作示例 2026" in line.rule for line in statement.lines.all())


def test_worked_example_fee_above_the_reference(operator, gusu_officer, city_admin):
    example_rule_set()
    facility = example_facility(operator, gusu_officer, fee="2800.00")
    may_report(operator, facility)
    serious_penalty_in_may(facility, city_admin, gusu_officer)
    period_calculate(period=MAY, district_code="320508")
    statement = Statement.objects.get(facility=facility, period=MAY)
    assert not statement.eligible
    assert statement.total == Decimal("0.00")
    assert statement.reason_code == "fee_above_reference"
    assert statement.reason
    assert not statement.lines.exists()


def test_recalculating_gives_the_same_statement(operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    first = period_calculate(period=MAY, district_code="320508")
    statement = Statement.objects.get(facility=facility, period=MAY)
    again = period_calculate(period=MAY, district_code="320508")
    assert first["created"] == 1 and again["unchanged"] == 1 and again["created"] == again["replaced"] == 0
    same = Statement.objects.get(facility=facility, period=MAY)
    assert same.pk == statement.pk and same.fingerprint == statement.fingerprint
    assert same.total == Decimal("18600.00")


def test_a_correction_before_payment_replaces_the_statement(operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    may_report(operator, facility, infants=3, reason="乳儿班人数填错")
    counts = period_calculate(period=MAY, district_code="320508")
    assert counts["replaced"] == 1
    statement = Statement.objects.get(facility=facility, period=MAY, kind=StatementKind.REGULAR)
    assert statement.total == Decimal(33 * 500 + 3 * 100)


def test_after_payment_a_difference_is_an_adjustment_in_a_later_batch(operator, gusu_officer, city_admin, make_user):
    example_rule_set()
    second_officer = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    assert batch.total == Decimal("18600.00")
    batch = batch_decide(actor=second_officer, batch=batch, approve=True)
    batch = batch_decide(actor=city_admin, batch=batch, approve=True)
    batch = batch_mark_paid(actor=gusu_officer, batch=batch)
    paid = Statement.objects.get(facility=facility, period=MAY, kind=StatementKind.REGULAR)

    may_report(operator, facility, infants=3, reason="乳儿班人数填错")
    period_calculate(period=MAY, district_code="320508")
    period_calculate(period=MAY, district_code="320508")  # a rerun keeps one pending adjustment
    paid.refresh_from_db()
    assert paid.total == Decimal("18600.00") and paid.batch_id == batch.pk
    (adjustment,) = Statement.objects.filter(facility=facility, kind=StatementKind.ADJUSTMENT)
    assert adjustment.total == Decimal(33 * 500 + 3 * 100) - Decimal("18600.00")
    assert adjustment.adjusts_id == paid.pk and adjustment.batch_id is None

    june = date(2026, 6, 1)
    later = batch_prepare(actor=gusu_officer, district_code="320508", period_start=june, period_end=june)
    adjustment.refresh_from_db()
    assert adjustment.batch_id == later.pk
    assert later.total == adjustment.total


def test_nothing_is_paid_twice(operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    from suzhou_childcare.errors import Conflict

    with pytest.raises(Conflict):
        batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)


def test_one_time_awards_at_most_once(operator, gusu_officer):
    terms = {
        **__import__("tests.subsidies.helpers", fromlist=["EXAMPLE_TERMS"]).EXAMPLE_TERMS,
        "awards": [
            {"code": "construction_slot", "per_slot": "10000.00"},
            {"code": "large_enrolment", "amount": "50000.00", "min_enrolled": 30},
        ],
    }
    example_rule_set(terms=terms, effective_from=date(2025, 1, 1))
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    grants = AwardGrant.objects.filter(facility=facility)
    assert grants.filter(award_code="large_enrolment").count() == 1
    assert grants.filter(award_code="construction_slot").count() == facility.slots
    statement = Statement.objects.get(facility=facility, period=MAY)
    assert statement.total == Decimal("18600.00") + Decimal("50000.00") + Decimal(10000 * facility.slots)
    # June: the same facility, the awards are not given again.
    june = date(2026, 6, 1)
    from subsidies.services.reports import report_submit

    report_submit(
        actor=operator,
        facility=facility,
        period=june,
        lines=[{"class_type": "older", "enrolled": 18, "attendance_days": 300, "carers": 3}],
    )
    period_calculate(period=june, district_code="320508")
    assert Statement.objects.get(facility=facility, period=june).total == Decimal(18 * 500)
    with pytest.raises(IntegrityError):
        AwardGrant.objects.create(facility=facility, award_code="large_enrolment", statement=statement, amount=1)


def test_a_facility_without_a_report_is_not_paid_and_says_why(operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    period_calculate(period=MAY, district_code="320508")
    statement = Statement.objects.get(facility=facility, period=MAY)
    assert (statement.eligible, statement.reason_code, statement.total) == (False, "no_report", Decimal("0.00"))


def test_a_family_point_reports_one_group_held_to_its_own_ratio(operator, gusu_officer):
    from subsidies.services.reports import report_submit
    from suzhou_childcare.errors import RuleViolation

    from ..facilities.factories import complete_draft

    point = complete_draft(operator, name="苏州小家托育点", form="family_point", slots=5, opened_on=date(2025, 9, 1))
    point.classes.all().delete()
    with pytest.raises(RuleViolation) as refused:
        report_submit(
            actor=operator,
            facility=point,
            period=MAY,
            lines=[{"class_type": "mixed", "enrolled": 5, "attendance_days": 90, "carers": 0}],
        )
    assert "lines.0.carers" in refused.value.fields
    report = report_submit(
        actor=operator,
        facility=point,
        period=MAY,
        lines=[{"class_type": "mixed", "enrolled": 5, "attendance_days": 90, "carers": 2}],
    )
    assert report.lines.get().enrolled == 5


def _pay(batch, officer, second, city_admin):
    batch = batch_decide(actor=second, batch=batch, approve=True)
    batch = batch_decide(actor=city_admin, batch=batch, approve=True)
    return batch_mark_paid(actor=officer, batch=batch)


def test_a_rejected_batch_then_a_correction_pays_the_corrected_month_once(operator, gusu_officer, make_user):
    example_rule_set()
    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    first = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    may_report(operator, facility, infants=3, reason="乳儿班人数填错")
    period_calculate(period=MAY, district_code="320508")  # the batched statement is kept: an adjustment waits
    assert Statement.objects.filter(kind=StatementKind.ADJUSTMENT, batch__isnull=True).count() == 1
    batch_decide(actor=second, batch=first, approve=False, opinion="数据有误")
    period_calculate(period=MAY, district_code="320508")
    assert not Statement.objects.filter(kind=StatementKind.ADJUSTMENT).exists()
    again = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    assert again.total == Decimal(33 * 500 + 3 * 100)


def test_a_late_report_for_a_paid_month_is_paid_in_the_next_batch(operator, gusu_officer, city_admin, make_user):
    example_rule_set()
    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    first = example_facility(operator, gusu_officer)
    late = example_facility(operator, gusu_officer, name="苏州迟报托育中心")
    may_report(operator, first)
    period_calculate(period=MAY, district_code="320508")
    _pay(
        batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY),
        gusu_officer,
        second,
        city_admin,
    )
    may_report(operator, late)
    period_calculate(period=MAY, district_code="320508")
    june = date(2026, 6, 1)
    later = batch_prepare(actor=gusu_officer, district_code="320508", period_start=june, period_end=june)
    assert Statement.objects.get(facility=late, period=MAY).batch_id == later.pk
    assert later.total == Decimal("18600.00")


def test_an_award_paid_through_an_adjustment_is_not_taken_back(operator, gusu_officer, city_admin, make_user):
    terms = {**EXAMPLE_TERMS, "awards": [{"code": "large_enrolment", "amount": "50000.00", "min_enrolled": 40}]}
    example_rule_set(terms=terms)
    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)  # 36 infants: no award yet
    period_calculate(period=MAY, district_code="320508")
    _pay(
        batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY),
        gusu_officer,
        second,
        city_admin,
    )
    may_report(operator, facility, toddlers=15, older=20, reason="补报")  # 41 infants: the award is due
    period_calculate(period=MAY, district_code="320508")
    period_calculate(period=MAY, district_code="320508")  # a rerun with a waiting award adjustment must not fail
    june = date(2026, 6, 1)
    _pay(
        batch_prepare(actor=gusu_officer, district_code="320508", period_start=june, period_end=june),
        gusu_officer,
        second,
        city_admin,
    )
    counts = period_calculate(period=MAY, district_code="320508")
    assert counts["adjustments"] == 0
    assert AwardGrant.objects.filter(facility=facility, award_code="large_enrolment").count() == 1
    paid = sum(Statement.objects.filter(facility=facility, period=MAY).values_list("total", flat=True))
    assert paid == Decimal(41 * 500 + 6 * 100) + Decimal("50000.00")
