"""Two runs of the same month at once, and the task on a real worker: nothing calculated or paid twice."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import transaction

from subsidies.models import AwardGrant, Statement, StatementLine
from subsidies.services.calculation import period_calculate
from subsidies.tasks import calculate_period_task
from suzhou_childcare.outbox.services import enqueue, job_create

from ..facilities.test_concurrency import race
from .helpers import EXAMPLE_TERMS, MAY, example_facility, example_rule_set, may_report

AWARDS = {**EXAMPLE_TERMS, "awards": [{"code": "large_enrolment", "amount": "50000.00", "min_enrolled": 30}]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_statement_and_one_award(postgres_only, operator, gusu_officer):
    example_rule_set(terms=AWARDS)
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    outcomes = race(
        lambda: period_calculate(period=MAY, district_code="320508"),
        lambda: period_calculate(period=MAY, district_code="320508"),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o["created"] for o in outcomes) == [0, 1]
    statement = Statement.objects.get(facility=facility, period=MAY)
    assert statement.total == Decimal("18600.00") + Decimal("50000.00")
    assert StatementLine.objects.filter(statement=statement).count() == 3
    assert AwardGrant.objects.filter(facility=facility).count() == 1


@pytest.mark.redis
def test_the_task_on_a_real_worker_run_twice_calculates_once(celery_worker, operator, gusu_officer):
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    job = job_create(kind="subsidies.calculate", title="2026-05")
    for _run in range(2):
        with transaction.atomic():
            enqueue(calculate_period_task, period=MAY.isoformat(), district_code="320508", job_id=str(job.id))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Statement.objects.filter(facility=facility).exists():
        time.sleep(0.1)
    time.sleep(2)
    assert Statement.objects.filter(facility=facility, period=MAY).count() == 1
    assert Statement.objects.get(facility=facility, period=MAY).total == Decimal("18600.00")
    job.refresh_from_db()
    assert job.status == "succeeded"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_prepared_at_once_take_each_statement_once(postgres_only, operator, gusu_officer, make_user):
    from subsidies.models import PaymentBatch
    from subsidies.services.batches import batch_prepare
    from suzhou_childcare.errors import Conflict

    second = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    example_rule_set()
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    period_calculate(period=MAY, district_code="320508")
    outcomes = race(
        lambda: batch_prepare(actor=gusu_officer, district_code="320508", period_start=MAY, period_end=MAY),
        lambda: batch_prepare(actor=second, district_code="320508", period_start=MAY, period_end=MAY),
    )
    assert sum(isinstance(o, PaymentBatch) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    (batch,) = PaymentBatch.objects.all()
    assert batch.total == Decimal("18600.00")
    assert Statement.objects.filter(batch=batch).count() == 1
