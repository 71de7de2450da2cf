"""Payment batches: maker-checker along the unit's chain, the logged-seed sample, rejection, payment lock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from subsidies.models import BatchStatus, Statement
from subsidies.selectors import batch_list_for, statement_list_for
from subsidies.services.batches import batch_decide, batch_mark_paid, batch_prepare, draw_sample
from subsidies.services.calculation import period_calculate
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .helpers import MAY, example_facility, example_rule_set, may_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def calculated(operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    return facility


def test_the_preparer_cannot_approve(calculated, gusu_officer):
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    with pytest.raises(PermissionDenied) as refused:
        batch_decide(actor=gusu_officer, batch=batch, approve=True)
    assert refused.value.code == "maker_checker"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED and not batch.approvals.exists()


def test_each_step_has_its_role_and_a_new_person(calculated, gusu_officer, city_admin, make_user):
    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    with pytest.raises(PermissionDenied) as refused:
        batch_decide(actor=city_admin, batch=batch, approve=True)  # step 1 is the unit's
    assert refused.value.code == "wrong_step"
    batch = batch_decide(actor=second, batch=batch, approve=True)
    assert batch.status == BatchStatus.PREPARED
    batch = batch_decide(actor=city_admin, batch=batch, approve=True)
    assert batch.status == BatchStatus.APPROVED
    batch = batch_mark_paid(actor=gusu_officer, batch=batch)
    assert batch.status == BatchStatus.PAID
    with pytest.raises(Conflict):
        batch_decide(actor=city_admin, batch=batch, approve=False, opinion="晚了")


def test_a_rejection_releases_the_statements_for_a_new_batch(calculated, gusu_officer, make_user):
    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    with pytest.raises(ValidationFailed):
        batch_decide(actor=second, batch=batch, approve=False)  # reasons required
    batch = batch_decide(actor=second, batch=batch, approve=False, opinion="补录材料")
    assert batch.status == BatchStatus.REJECTED
    assert not Statement.objects.filter(batch=batch).exists()
    again = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    assert again.total == Decimal("18600.00")


def test_the_same_seed_draws_the_same_sample(calculated, gusu_officer):
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    ids = list(Statement.objects.filter(batch=batch).values_list("pk", flat=True))
    assert batch.sample == draw_sample(ids, seed=batch.sample_seed)
    many = list(range(1, 401))
    assert draw_sample(many, seed=42) == draw_sample(list(reversed(many)), seed=42)
    assert len(draw_sample(many, seed=42)) == 20
    assert draw_sample(many, seed=42) != draw_sample(many, seed=43)


def test_a_unit_pays_only_ended_months_of_its_period(calculated, gusu_officer):
    from datetime import date

    with pytest.raises(ValidationFailed):
        batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=date(2026, 7, 1))
    with pytest.raises(ValidationFailed):
        batch_prepare(
            actor=gusu_officer, district_code="320508", period_start=date(2099, 1, 1), period_end=date(2099, 1, 1)
        )


def test_scoping(calculated, gusu_officer, wujiang_officer, operator, make_user, city_admin):
    batch = batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY)
    assert list(batch_list_for(user=gusu_officer)) == [batch]
    assert list(batch_list_for(user=wujiang_officer)) == []
    assert list(batch_list_for(user=operator)) == []
    assert list(batch_list_for(user=city_admin)) == [batch]
    assert statement_list_for(user=operator).count() == 1
    stranger = make_user("operator", username="other_operator")
    assert statement_list_for(user=stranger).count() == 0
    assert statement_list_for(user=wujiang_officer).count() == 0
    with pytest.raises(NotFound):
        batch_decide(actor=wujiang_officer, batch=batch, approve=True)
    with pytest.raises(NotFound):
        batch_prepare(actor=wujiang_officer, district_code="320508", period_start=MAY, period_end=MAY)
