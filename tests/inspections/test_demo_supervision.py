"""The synthetic year of supervision (`inspections.demo`) over the synthetic facility history (`facilities.demo`).

Both are loaded once for the module (committed, then removed in dependency order), since every test only reads
them. The demo accounts exist, as `manage.py load_demo` creates them before loading.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone

from facilities.demo import DEMO_USCC_PATTERN, load_demo_history
from facilities.models import Facility, FilingSequence
from facilities.services.lifecycle import IN_FORCE
from inspections import rules_planning
from inspections.demo import DEMO_SUMMARY_PREFIX, load_supervision_demo, plan_supervision_demo
from inspections.models import (
    ChecklistItem,
    Complaint,
    ComplaintChannel,
    Finding,
    Incident,
    Inspection,
    InspectionKind,
    InspectionPlan,
    OrderStatus,
    Penalty,
    PenaltyKind,
    PenaltyStatus,
    PlanTarget,
    QualityAssessment,
    RectificationOrder,
    SelfInspection,
    SelfInspectionItem,
)
from inspections.selectors.planning import draw_candidates
from inspections.services.records import RECTIFICATION_ITEM, deadline_for
from suzhou_childcare.accounts.models import Role

from ..accounts.factories import UserFactory
from ..facilities.test_demo import _remove_demo_history

pytestmark = pytest.mark.django_db

TABLES = (
    Inspection,
    ChecklistItem,
    Finding,
    RectificationOrder,
    InspectionPlan,
    PlanTarget,
    QualityAssessment,
    Complaint,
    SelfInspection,
    SelfInspectionItem,
    Incident,
    Penalty,
)


def _accounts() -> dict:
    from suzhou_childcare.regions.models import District

    gusu = District.objects.get(code="320508")
    return {
        "city_admin": UserFactory(username="city_admin", role=Role.CITY_ADMIN),
        "gusu_officer": UserFactory(username="gusu_officer", role=Role.DISTRICT_OFFICER, district=gusu),
        "gusu_inspector": UserFactory(username="gusu_inspector", role=Role.INSPECTOR, district=gusu),
        "city_inspector": UserFactory(username="city_inspector", role=Role.INSPECTOR, is_citywide=True),
    }


def _remove_supervision() -> None:
    """Dependency order: what protects inspections and facilities first, follow-ups before the orders they close,
    orders before their findings' inspections, inspections before their plans."""
    demo = Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)
    Penalty.objects.filter(facility__in=demo).delete()
    Complaint.objects.filter(facility__in=demo).delete()
    Incident.objects.filter(facility__in=demo).delete()
    SelfInspection.objects.filter(facility__in=demo).delete()
    QualityAssessment.objects.filter(facility__in=demo).delete()
    Inspection.objects.filter(facility__in=demo, follow_up_of__isnull=False).delete()
    RectificationOrder.objects.filter(facility__in=demo).delete()
    Inspection.objects.filter(facility__in=demo).delete()
    InspectionPlan.objects.filter(targets__facility__in=demo).distinct().delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate()
    with django_db_blocker.unblock():
        sequences_before = set(FilingSequence.objects.values_list("pk", flat=True))
        operator = UserFactory(username="operator", role=Role.OPERATOR)
        accounts = _accounts()
        load_demo_history(today=today)
        started = time.perf_counter()
        counts = load_supervision_demo(today=today)
        seconds = time.perf_counter() - started
    try:
        yield SimpleNamespace(counts=counts, today=today, seconds=seconds, **accounts)
    finally:
        with django_db_blocker.unblock():
            _remove_supervision()
            _remove_demo_history(sequences_before=sequences_before, operator=operator)
            for user in accounts.values():
                user.delete()


def _web(user) -> Client:
    web = Client()
    web.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return web


def test_the_load_is_fast_and_counted(demo):
    counts = demo.counts
    print(f"\nsupervision demo loaded in {demo.seconds:.2f} s: {counts}")
    assert counts["created"] is True
    assert demo.seconds < 20, f"loading took {demo.seconds:.1f} s"
    assert 300 <= counts["inspections"] <= 400
    assert counts["plans"] == 2
    assert 35 <= counts["assessments"] <= 40
    assert 55 <= counts["complaints"] <= 60
    assert 12 <= counts["incidents"] <= 15
    assert 3 <= counts["penalties"] <= 4
    assert counts["penalties_decided"] >= 3


def test_loading_twice_changes_nothing(demo):
    before = {model.__name__: model.objects.count() for model in TABLES}

    again = load_supervision_demo(today=demo.today)

    assert again["created"] is False
    assert {k: v for k, v in again.items() if k != "created"} == {
        k: v for k, v in demo.counts.items() if k != "created"
    }
    assert {model.__name__: model.objects.count() for model in TABLES} == before


def test_the_same_seed_gives_the_same_year(demo):
    def fingerprint(seed: int) -> list:
        builder = plan_supervision_demo(today=demo.today, seed=seed)
        return [
            (i.facility.pk, i.kind, i.day, [(f.item_code, f.weight) for f in i.findings]) for i in builder.inspections
        ]

    first = fingerprint(2025)

    assert fingerprint(2025) == first
    assert fingerprint(7) != first


def test_inspections_are_completed_within_the_year_with_realistic_checklists(demo):
    inspections = Inspection.objects.filter(summary__startswith=DEMO_SUMMARY_PREFIX)
    start = date(demo.today.year - 1, demo.today.month, min(demo.today.day, 28))
    assert not inspections.exclude(status="completed").exists()
    assert not inspections.filter(inspected_on__gte=demo.today).exists()
    assert not inspections.filter(inspected_on__lt=start).exists()
    kinds = Counter(inspections.values_list("kind", flat=True))
    assert kinds[InspectionKind.ROUTINE] == max(kinds.values())
    assert kinds[InspectionKind.POST_FILING] and kinds[InspectionKind.CAMPAIGN] and kinds[InspectionKind.COMPLAINT]
    assert kinds[InspectionKind.FOLLOW_UP]
    # Inspected while operating, post-filing verification after the filing.
    for inspection in inspections.select_related("facility"):
        facility = inspection.facility
        assert facility.opened_on is None or facility.opened_on <= inspection.inspected_on
        assert facility.closed_on is None or facility.closed_on > inspection.inspected_on
        if inspection.kind == InspectionKind.POST_FILING:
            assert facility.filed_on < inspection.inspected_on
    results = Counter(ChecklistItem.objects.filter(inspection__in=inspections).values_list("result", flat=True))
    assert results["pass"] > 10 * results["fail"] > 0
    assert not ChecklistItem.objects.filter(inspection__in=inspections, result="unchecked").exists()
    codes = set(ChecklistItem.objects.filter(inspection__in=inspections).values_list("code", flat=True))
    assert {"surveillance_retention", "one_click_alarm", "licensed_guard", "infant_insurance"} <= codes
    # Named inspectors are the demo inspectors of the unit or the city.
    gusu = inspections.filter(facility__district_id="320508")
    assert set(gusu.values_list("inspectors__username", flat=True)) <= {"gusu_inspector", "city_inspector"}
    other = inspections.exclude(facility__district_id="320508")
    assert set(other.values_list("inspectors__username", flat=True)) == {"city_inspector"}


def test_findings_weights_and_their_orders(demo):
    inspections = Inspection.objects.filter(summary__startswith=DEMO_SUMMARY_PREFIX)
    findings = Finding.objects.filter(inspection__in=inspections)
    first = inspections.exclude(kind=InspectionKind.FOLLOW_UP).count()
    assert 0.35 * first <= findings.count() <= 0.65 * first
    weights = Counter(findings.values_list("weight", flat=True))
    assert weights["minor"] > weights["moderate"] > weights["serious"] > 0
    # Each finding failed its checklist item and has its order; the deadline is the rule's working days.
    for finding in findings.select_related("order", "inspection"):
        assert finding.inspection.items.get(code=finding.item_code).result == "fail"
        order = finding.order
        assert order.issued_on == finding.recorded_on == finding.inspection.inspected_on
        assert order.deadline == deadline_for(finding.weight, finding.recorded_on)[1].date
    orders = RectificationOrder.objects.filter(finding__in=findings)
    statuses = Counter(orders.values_list("status", flat=True))
    assert statuses[OrderStatus.CLOSED] > statuses[OrderStatus.RESPONDED] > 0
    assert statuses[OrderStatus.OPEN] > 0


def test_closed_orders_have_their_reinspection_and_some_are_overdue(demo):
    orders = RectificationOrder.objects.filter(finding__inspection__summary__startswith=DEMO_SUMMARY_PREFIX)
    for order in orders.filter(status=OrderStatus.CLOSED).prefetch_related("reinspections__items"):
        (reinspection,) = order.reinspections.all()
        assert reinspection.kind == InspectionKind.FOLLOW_UP
        assert reinspection.inspected_on == order.closed_on
        assert order.issued_on < order.responded_on <= order.closed_on < demo.today
        assert [i.result for i in reinspection.items.all() if i.code == RECTIFICATION_ITEM] == ["pass"]
        assert order.closed_by_id is not None
    closed = orders.filter(status=OrderStatus.CLOSED)
    assert closed.filter(closed_on__lte=F("deadline")).count() > 0.8 * closed.count()
    overdue = orders.filter(status=OrderStatus.OPEN, deadline__lt=demo.today)
    assert overdue.count() >= 3
    assert overdue.filter(facility__district_id="320508").exists()


def test_the_coverage_view_has_content(demo):
    for user in (demo.city_admin, demo.gusu_officer):
        context = _web(user).get("/supervision/plans/coverage/").context
        assert context["not_inspected"].paginator.count > 0
        assert context["reinspections_due"].paginator.count > 0
        assert context["overdue"].paginator.count > 0


def test_the_plans_are_drawn_from_their_logged_seed(demo):
    plans = InspectionPlan.objects.filter(title__startswith=str(demo.today.year))
    assert {plan.district_id for plan in plans} == {"320508", None}
    for plan in plans:
        drawn_on = timezone.localtime(plan.drawn_at).date()
        candidates = [
            (pk, rules_planning.draw_weight(serious_finding_recently=serious, serious_finding_weight=3))
            for pk, serious in draw_candidates(district_code=plan.district_id, on=drawn_on)
        ]
        inspectors = list(
            PlanTarget.inspectors.through.objects.filter(plantarget__plan=plan).values_list("user_id", flat=True)
        )
        expected = rules_planning.draw(plan.draw_seed, candidates, plan.sample_size, sorted(set(inspectors)), 1)
        assert list(plan.targets.values_list("facility_id", flat=True)) == [pk for pk, _team in expected]
        assert plan.inspections.exists()


def test_quality_grades_are_pushed_to_the_facilities(demo):
    assessments = QualityAssessment.objects.filter(facility__uscc__regex=DEMO_USCC_PATTERN)
    vetoed = assessments.exclude(vetoes_failed=[])
    assert vetoed.count() == 2
    assert set(vetoed.values_list("grade", flat=True)) == {"D"}
    assert len(set(assessments.values_list("grade", flat=True))) >= 3
    for assessment in assessments.select_related("facility"):
        assert assessment.facility.quality_grade == assessment.grade
        assert assessment.facility.quality_assessed_on == assessment.assessed_on


def test_penalties_are_within_range_decided_by_another_and_published(demo):
    penalties = Penalty.objects.filter(facility__uscc__regex=DEMO_USCC_PATTERN)
    decided = penalties.filter(status=PenaltyStatus.DECIDED)
    assert decided.count() >= 3
    assert not penalties.filter(kind=PenaltyKind.LIFETIME_BAN).exists()
    for penalty in penalties:
        if penalty.kind == PenaltyKind.WARNING:
            assert penalty.amount is None
        elif penalty.kind == PenaltyKind.FINE:
            assert 5000 <= penalty.amount <= 50000
        else:
            assert 50000 <= penalty.amount <= 100000
    for penalty in decided.select_related("facility"):
        assert penalty.decided_by_id != penalty.proposed_by_id
        assert penalty.proposed_on <= penalty.decided_on <= demo.today
        assert penalty.publish_from <= demo.today <= penalty.publish_until
    suspension = decided.get(kind=PenaltyKind.SUSPENSION)
    assert suspension.facility.serious_violation_on == suspension.decided_on
    page = Client().get("/public/penalties/")
    assert page.status_code == 200
    listed = {row["decision_number"] for row in page.context["page"]}
    assert set(decided.values_list("decision_number", flat=True)) <= listed


def test_complaints_mix_channels_and_keep_the_contact_encrypted(demo):
    complaints = Complaint.objects.filter(facility__uscc__regex=DEMO_USCC_PATTERN)
    channels = Counter(complaints.values_list("channel", flat=True))
    assert len(channels) == 4
    assert not complaints.filter(channel=ComplaintChannel.HOTLINE_12345, hotline_ticket="").exists()
    assert len(set(complaints.values_list("status", flat=True))) >= 4
    linked = complaints.exclude(inspection=None)
    assert linked.exists()
    assert set(linked.values_list("inspection__kind", flat=True)) == {InspectionKind.COMPLAINT}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, complainant_phone FROM inspections_complaint")
        stored = dict(cursor.fetchall())
    for complaint in complaints:
        assert complaint.complainant_phone.isdigit() and len(complaint.complainant_phone) == 11
        assert complaint.complainant_phone not in stored[complaint.pk]


def test_self_inspections_leave_some_filed_facilities_missing(demo):
    today = demo.today
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    filed = Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN, filing_status__in=IN_FORCE, closed_on=None)
    done = SelfInspection.objects.filter(facility__in=filed, period=quarter)
    assert 0.4 * filed.count() < done.count() < filed.count()
    previous = SelfInspection.objects.filter(facility__in=filed, period__lt=quarter)
    assert previous.count() > done.count()
    assert SelfInspectionItem.objects.filter(self_inspection__in=done, result="fail").exclude(rectify_by=None).exists()


def test_incidents_some_reported_late(demo):
    incidents = list(Incident.objects.filter(facility__uscc__regex=DEMO_USCC_PATTERN))
    assert sum(incident.reported_late for incident in incidents) == 2
    assert len({incident.kind for incident in incidents}) == 4


def test_the_missing_self_inspection_view_has_content(demo):
    for user in (demo.city_admin, demo.gusu_officer):
        page = _web(user).get("/supervision/self-inspections/missing/").context["page"]
        assert page.paginator.count > 0
    # Filed facilities among them: the demo leaves some of them without this quarter's self-inspection.
    listed = _web(demo.city_admin).get("/supervision/self-inspections/missing/").context["page"].paginator.object_list
    assert listed.filter(filing_status__in=IN_FORCE).exists()
