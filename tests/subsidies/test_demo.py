"""The synthetic subsidies demo (`subsidies.demo`) over the facility, supervision and recognition demos.

Loaded once for the module inside one outer transaction that is rolled back at the end (the recognition demo's
rows have no removal helper yet, and every test here only reads or works inside its own savepoint). The demo
accounts exist, as `manage.py load_demo` creates them before loading.
"""

from __future__ import annotations

import calendar
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from facilities.demo import load_demo_history
from facilities.models import Category, FacilityClass, FacilityVersion
from inspections.demo import load_supervision_demo
from subsidies.demo import FIRST_MONTH, SYNTHETIC_PREFIX, load_subsidies_demo
from subsidies.facts import month_end
from subsidies.models import (
    AwardGrant,
    BatchApproval,
    BatchStatus,
    EnrolmentReport,
    EnrolmentReportLine,
    PaymentBatch,
    ReportStatus,
    Statement,
    StatementKind,
    StatementLine,
)
from subsidies.reference import COUNTY_LEVEL_CITIES
from subsidies.rules import FILED_STATES
from subsidies.services.batches import batch_decide
from subsidies.services.calculation import period_calculate
from subsidies.services.reports import _check_against_filing, report_deadline
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.models import AuditEntry

from ..accounts.factories import UserFactory
from ..facilities.test_demo import _demo

try:
    from facilities.demo_recognition import load_recognition_demo
except ImportError:  # not written yet: the subsidies demo runs without recognitions
    load_recognition_demo = None

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]

TABLES = (
    EnrolmentReport,
    EnrolmentReportLine,
    Statement,
    StatementLine,
    AwardGrant,
    PaymentBatch,
    BatchApproval,
    User,
    AuditEntry,
)


def _accounts() -> dict:
    from suzhou_childcare.regions.models import District

    gusu, wujiang = District.objects.get(code="320508"), District.objects.get(code="320509")
    return {
        "city_admin": UserFactory(username="city_admin", role=Role.CITY_ADMIN),
        "gusu_officer": UserFactory(username="gusu_officer", role=Role.DISTRICT_OFFICER, district=gusu),
        "wujiang_officer": UserFactory(username="wujiang_officer", role=Role.DISTRICT_OFFICER, district=wujiang),
        "gusu_inspector": UserFactory(username="gusu_inspector", role=Role.INSPECTOR, district=gusu),
        "city_inspector": UserFactory(username="city_inspector", role=Role.INSPECTOR, is_citywide=True),
        "operator": UserFactory(username="operator", role=Role.OPERATOR),
    }


def _table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            accounts = _accounts()
            load_demo_history(today=today)
            load_supervision_demo(today=today)
            if load_recognition_demo is not None:
                load_recognition_demo(today=today)
            started = time.perf_counter()
            counts = load_subsidies_demo(today=today)
            seconds = time.perf_counter() - started
            before = _table_counts()
            again = load_subsidies_demo(today=today)
            after = _table_counts()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
    print(f"\nsubsidies demo loaded in {seconds:.1f} s: {counts}")
    try:
        yield SimpleNamespace(
            counts=counts, again=again, before=before, after=after, today=today, seconds=seconds, **accounts
        )
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _months(today: date) -> list[date]:
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months, day = [], FIRST_MONTH
    while day <= last:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _demo_batches():
    return PaymentBatch.objects.filter(prepared_by__username__startswith=SYNTHETIC_PREFIX)


def test_loads_once_and_a_second_run_creates_nothing(demo):
    assert demo.counts["created"] is True
    assert demo.again["created"] is False
    assert {k: v for k, v in demo.again.items() if k != "created"} == {
        k: v for k, v in demo.counts.items() if k != "created"
    }
    assert demo.after == demo.before
    assert demo.counts["months"] == len(_months(demo.today))
    assert demo.counts["reports"] > 5_000 and demo.counts["statements"] > demo.counts["reports"]
    assert demo.counts["paid"] > 0 and demo.counts["awaiting"] > 0 and demo.counts["total_paid"] > 0
    assert demo.counts["late"] > 0 and demo.counts["corrections"] > 0 and demo.counts["adjustments"] > 0


def test_every_month_since_2021_has_a_report_of_each_filed_social_facility(demo):
    with_classes = FacilityClass.objects.values("facility_id")
    months = _months(demo.today)
    for period in months:
        last = month_end(period)
        expected = set(
            FacilityVersion.objects.filter(
                facility__in=_demo().filter(pk__in=with_classes),
                category=Category.SOCIAL,
                filing_status__in=FILED_STATES,
                valid_from__lte=last,
            )
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last))
            .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=last))
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period))
            .values_list("facility_id", flat=True)
        )
        reported = set(
            EnrolmentReport.objects.filter(
                facility__in=_demo(), period=period, status=ReportStatus.CURRENT
            ).values_list("facility_id", flat=True)
        )
        assert expected, period
        if period == months[-1]:  # a report whose day has not come yet is still missing
            assert reported <= expected and len(reported) > 0.9 * len(expected), period
        else:
            assert reported == expected, period
    # One current report per facility and month (the constraint), kindergarten classes do not report here.
    assert not EnrolmentReport.objects.filter(facility__category=Category.KINDERGARTEN_CLASS).exists()


def test_family_points_without_classes_do_not_report_and_their_statements_say_so(demo):
    no_classes = _demo().filter(category=Category.SOCIAL).exclude(pk__in=FacilityClass.objects.values("facility_id"))
    assert no_classes.exists()
    assert not EnrolmentReport.objects.filter(facility__in=no_classes).exists()
    reasons = set(Statement.objects.filter(facility__in=no_classes).values_list("reason_code", flat=True))
    assert reasons <= {"not_filed", "no_report", "no_full_day_fee", "fee_above_reference"}
    assert "no_report" in reasons


def test_current_reports_pass_the_checks_of_report_submit(demo):
    current = list(
        EnrolmentReport.objects.filter(facility__in=_demo(), status=ReportStatus.CURRENT)
        .order_by("facility__name", "period")
        .values_list("pk", flat=True)
    )
    sample = random.Random(8).sample(current, 150)
    reports = EnrolmentReport.objects.filter(pk__in=sample).select_related("facility").prefetch_related("lines")
    for report in reports:
        lines = list(report.lines.all())
        assert lines and len({line.class_type for line in lines}) == len(lines)
        types = set(FacilityClass.objects.filter(facility=report.facility).values_list("class_type", flat=True))
        assert {line.class_type for line in lines} == types
        days = calendar.monthrange(report.period.year, report.period.month)[1]
        for line in lines:
            assert line.attendance_days <= line.enrolled * days
            if line.enrolled:
                assert 13 * line.enrolled <= line.attendance_days
        parsed = [
            (i, line.class_type, line.enrolled, line.attendance_days, line.carers) for i, line in enumerate(lines)
        ]
        _check_against_filing(report.facility, parsed, on=month_end(report.period))  # raises RuleViolation
        deadline = report_deadline(facility=report.facility, period=report.period)
        assert report.deadline == deadline
        submitted = timezone.localdate(report.submitted_at)
        assert report.late == (submitted > deadline)
        assert month_end(report.period) < submitted < demo.today


def test_reports_follow_the_facility_history(demo):
    """The month's total is the version's enrolled figure less turnover, never above the capacity."""
    sample = (
        EnrolmentReport.objects.filter(facility__in=_demo(), status=ReportStatus.CURRENT, revision=1)
        .annotate(total=Sum("lines__enrolled"))
        .order_by("facility__name", "period")[::97]
    )
    for report in sample:
        last = month_end(report.period)
        version = FacilityVersion.objects.filter(facility_id=report.facility_id, valid_from__lte=last).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=last)
        )
        (enrolled,) = version.values_list("enrolled", flat=True)
        capacity = FacilityClass.objects.filter(facility_id=report.facility_id).aggregate(c=Sum("capacity"))["c"]
        ceiling = min(enrolled, capacity, report.facility.slots)
        assert round(ceiling * 0.9) - 1 <= report.total <= ceiling


def test_a_few_reports_are_late_and_a_few_corrected(demo):
    current = EnrolmentReport.objects.filter(facility__in=_demo(), status=ReportStatus.CURRENT)
    total = current.count()
    late = current.filter(late=True).count()
    assert 0.01 * total < late < 0.06 * total
    corrected = current.filter(revision=2)
    assert 0.003 * total < corrected.count() < 0.03 * total
    for report in corrected:
        assert report.correction_reason
        first = EnrolmentReport.objects.get(facility=report.facility, period=report.period, revision=1)
        assert first.status == ReportStatus.SUPERSEDED and first.submitted_at < report.submitted_at
    assert not current.filter(revision=1).exclude(correction_reason="").exists()


def test_statements_exist_for_every_month_and_recalculating_changes_nothing(demo):
    months = _months(demo.today)
    per_month = dict(
        Statement.objects.filter(kind=StatementKind.REGULAR)
        .values("period")
        .annotate(n=Count("id"))
        .values_list("period", "n")
    )
    assert set(months) <= set(per_month)
    reported = EnrolmentReport.objects.filter(status=ReportStatus.CURRENT)
    for period in (months[0], months[len(months) // 2], months[-3], months[-1]):
        with_report = set(reported.filter(period=period).values_list("facility_id", flat=True))
        with_statement = set(
            Statement.objects.filter(period=period, kind=StatementKind.REGULAR).values_list("facility_id", flat=True)
        )
        assert with_report <= with_statement
        statements = Statement.objects.filter(period=period).count()
        regular = Statement.objects.filter(period=period, kind=StatementKind.REGULAR).count()
        counts = period_calculate(period=period)
        assert counts["created"] == counts["replaced"] == counts["adjustments"] == 0, period
        # Every statement is unchanged, in a batch or not (a batched one would otherwise get an adjustment).
        assert counts["unchanged"] == regular, period
        assert Statement.objects.filter(period=period).count() == statements
    # A county-level city's months of the current year are in no batch yet: every statement is unchanged.
    period = months[-1]
    if period.year == demo.today.year:
        unit = COUNTY_LEVEL_CITIES[0]
        statements = Statement.objects.filter(period=period, facility__district_id=unit)
        assert not statements.filter(batch__isnull=False).exists()
        counts = period_calculate(period=period, district_code=unit)
        assert counts["unchanged"] == statements.count() > 0


def test_eligible_months_are_paid_with_their_rules_and_awards(demo):
    eligible = Statement.objects.filter(facility__in=_demo(), kind=StatementKind.REGULAR, eligible=True)
    assert eligible.exists()
    assert eligible.filter(lines__code="base").distinct().count() == eligible.count()
    assert AwardGrant.objects.filter(facility__in=_demo()).exists()
    reasons = Counter(
        Statement.objects.filter(facility__in=_demo(), eligible=False).values_list("reason_code", flat=True)
    )
    assert reasons["not_filed"] and reasons["category"] and reasons["fee_above_reference"]


def test_batches_cover_every_ended_period_and_total_their_statements(demo):
    months = _months(demo.today)
    batches = list(_demo_batches().annotate(n=Count("statements"), s=Sum("statements__total")))
    assert batches
    for batch in batches:
        assert batch.statement_count == batch.n and batch.total == batch.s, batch
        outside = batch.statements.exclude(period__gte=batch.period_start, period__lte=batch.period_end)
        assert not outside.exclude(kind=StatementKind.ADJUSTMENT).exists(), batch
        assert not batch.statements.filter(total=0).exists()
    # No statement counted twice, no period paid twice.
    assert sum(b.statement_count for b in batches) == Statement.objects.filter(batch__in=batches).count()
    periods = Counter((b.district_id, b.period_start, b.period_end) for b in batches)
    assert max(periods.values()) == 1
    by_unit = defaultdict(set)
    for b in batches:
        by_unit[b.district_id].add(b.period_start)
    nonzero = Statement.objects.exclude(total=0)
    for unit in ("320505", "320506", "320507", "320508", "320509", "320571"):
        # Monthly: a batch for every month with something to pay, and nothing left out of a batch.
        payable = set(nonzero.filter(facility__district_id=unit).values_list("period", flat=True))
        assert by_unit[unit] == payable, unit
        assert not nonzero.filter(facility__district_id=unit, batch__isnull=True).exists(), unit
    assert {months[-2], months[-1]} <= by_unit["320508"]  # the demo officer's unit has its queue
    for unit in COUNTY_LEVEL_CITIES:
        # Yearly: every ended year with something to pay is paid; this year's months wait for the year's end.
        payable = nonzero.filter(facility__district_id=unit, period__lt=date(demo.today.year, 1, 1))
        years = {date(p.year, 1, 1) for p in payable.values_list("period", flat=True)}
        assert by_unit[unit] == years and years, unit
        assert all(b.period_end == date(b.period_start.year, 12, 1) for b in batches if b.district_id == unit)
        assert all(b.status == BatchStatus.PAID for b in batches if b.district_id == unit)
        waiting = nonzero.filter(facility__district_id=unit, batch__isnull=True)
        assert not waiting.filter(period__lt=date(demo.today.year, 1, 1)).exists(), unit


def test_the_preparer_never_approves_and_each_step_has_its_role(demo):
    now = timezone.now()
    for batch in _demo_batches().prefetch_related("approvals__approver").select_related("prepared_by"):
        approvals = list(batch.approvals.all())
        approvers = [a.approver_id for a in approvals]
        assert batch.prepared_by_id not in approvers
        assert len(set(approvers)) == len(approvers)
        for approval in approvals:
            assert approval.approved and approval.role == batch.approval_chain[approval.step]
            assert approval.approver.role == approval.role
            assert batch.prepared_at < approval.decided_at < now
        if batch.status == BatchStatus.PAID:
            assert len(approvals) == len(batch.approval_chain)
            assert max(a.decided_at for a in approvals) < batch.paid_at < now
            assert batch.prepared_at.date() > batch.period_end


def test_the_last_two_months_wait_in_the_queue(demo):
    months = _months(demo.today)
    gusu = _demo_batches().filter(district_id="320508")
    last = gusu.get(period_start=months[-1])
    before = gusu.get(period_start=months[-2])
    assert last.status == BatchStatus.PREPARED and not last.approvals.exists()
    assert before.status == BatchStatus.PREPARED and [a.role for a in before.approvals.all()] == ["district_officer"]
    assert before.approvals.get().approver == demo.gusu_officer
    assert gusu.filter(status=BatchStatus.PAID).count() == gusu.count() - 2 > 0
    # The demo officer can take the next step of the last month, and the city admin that of the month before.
    assert batch_decide(actor=demo.gusu_officer, batch=last, approve=True).approvals.count() == 1
    assert batch_decide(actor=demo.city_admin, batch=before, approve=True).status == BatchStatus.APPROVED


def test_corrections_of_paid_months_are_adjusted_in_the_last_batch(demo):
    months = _months(demo.today)
    adjustments = Statement.objects.filter(facility__in=_demo(), kind=StatementKind.ADJUSTMENT).select_related(
        "adjusts__batch", "batch"
    )
    assert adjustments.exists()
    for adjustment in adjustments:
        assert adjustment.adjusts.batch.status == BatchStatus.PAID
        assert adjustment.batch.period_start == months[-1] and adjustment.batch.status == BatchStatus.PREPARED
        assert adjustment.total > 0
        report = EnrolmentReport.objects.get(
            facility=adjustment.facility, period=adjustment.period, status=ReportStatus.CURRENT
        )
        assert report.revision == 2 and report.correction_reason
    assert Decimal(0) < sum(a.total for a in adjustments)


def test_synthetic_accounts_cannot_sign_in(demo):
    synthetic = User.objects.filter(username__startswith=SYNTHETIC_PREFIX)
    assert synthetic.count() >= 10
    for user in synthetic:
        assert not user.is_active and not user.has_usable_password() and user.role == Role.DISTRICT_OFFICER
