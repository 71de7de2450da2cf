"""The synthetic recognitions, targets, build projects and guidance (`facilities.demo_recognition`) over the demo
history, supervision and training. All are loaded once for the module (committed, then removed in dependency
order), since every test only reads them; the demo accounts exist, as `manage.py load_demo` creates them first.

The heart of it: every demo recognition is re-evaluated against the criteria set it was granted under, and its
stored facts are checked against the database wherever the history can tell (filing on the day, fee, fee
reference, criteria in force, inclusive recognition or years filed, serious violations).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.db.models import Q
from django.utils import timezone

from facilities.demo import load_demo_history
from facilities.demo_recognition import (
    DEMO_PREFIX,
    DEMO_SPLIT,
    PROGRAMME_2021,
    load_recognition_demo,
    plan_recognition_demo,
)
from facilities.models import (
    INCLUSIVE_KINDS,
    KIND_PREFIX,
    MODEL_KINDS,
    OPEN_APPLICATION_STATUSES,
    ApplicationRoute,
    ApplicationStatus,
    BuildProject,
    DevelopmentTarget,
    FeeReference,
    FilingSequence,
    GuidanceActivity,
    GuidanceKind,
    ProjectStatus,
    Recognition,
    RecognitionApplication,
    RecognitionKind,
    RecognitionSequence,
    RecognitionStatus,
    RecognitionSuspension,
    ServiceForm,
    ServiceOffering,
    TargetIndicator,
)
from facilities.rules.recognition import FILED_STATES, RecognitionFacts, evaluate, failures, months_before
from facilities.selectors import versions_as_of
from facilities.selectors_recognition import (
    application_list_for,
    criteria_set_in_force,
    criterion_rows,
    recognition_check,
    recognitions_in_force_on,
)
from facilities.services.recognition import recognition_expiry_notices_send, recognitions_expire
from inspections.demo import load_supervision_demo
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.regions.models import District
from training.demo import load_training_demo

from ..accounts.factories import UserFactory
from ..inspections.test_demo_supervision import _accounts, _remove_supervision
from ..training.test_demo_training import _remove_training_demo
from .test_demo import _demo, _remove_demo_history

pytestmark = pytest.mark.django_db

EXPECTED_END_2021 = {
    "provincial_inclusive": 20,
    "provincial_model": 6,
    "municipal_inclusive": 41,
    "municipal_model": 13,
}
NUMBER = re.compile(r"^(?P<prefix>PI|PM|MI|MM)-(?P<year>\d{4})-(?P<sequence>\d{4})$")
TABLES = (
    Recognition,
    RecognitionApplication,
    RecognitionSuspension,
    RecognitionSequence,
    GuidanceActivity,
    BuildProject,
    DevelopmentTarget,
    User,
)


def _remove_recognition_demo(*, sequences_before: dict[int, int], targets_before: set[int]) -> None:
    """Renewals point at what they renew (PROTECT): unlink the chains, then delete from the leaves."""
    demo = _demo()
    GuidanceActivity.objects.filter(Q(facility__in=demo) | Q(mentored_facility__in=demo)).delete()
    RecognitionSuspension.objects.filter(recognition__facility__in=demo).delete()
    Recognition.objects.filter(facility__in=demo).update(renewed_from=None)
    RecognitionApplication.objects.filter(facility__in=demo).update(renews=None)
    Recognition.objects.filter(facility__in=demo).delete()
    RecognitionApplication.objects.filter(facility__in=demo).delete()
    BuildProject.objects.filter(Q(facility__in=demo) | Q(note__startswith=DEMO_PREFIX)).delete()
    DevelopmentTarget.objects.exclude(pk__in=targets_before).delete()
    RecognitionSequence.objects.exclude(pk__in=sequences_before).delete()
    for row in RecognitionSequence.objects.all():
        if row.last_number != sequences_before[row.pk]:
            row.last_number = sequences_before[row.pk]
            row.save(update_fields=["last_number"])
    User.objects.filter(username__startswith="demo_reviewer_").delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate()
    with django_db_blocker.unblock():
        filing_sequences = set(FilingSequence.objects.values_list("pk", flat=True))
        recognition_sequences = dict(RecognitionSequence.objects.values_list("pk", "last_number"))
        targets = set(DevelopmentTarget.objects.values_list("pk", flat=True))
        accounts = _accounts()
        accounts["wujiang_officer"] = UserFactory(
            username="wujiang_officer", role=Role.DISTRICT_OFFICER, district=District.objects.get(code="320509")
        )
        operator = UserFactory(username="operator", role=Role.OPERATOR)
        load_demo_history(today=today)
        load_supervision_demo(today=today)
        load_training_demo(today=today)
        counts = load_recognition_demo(today=today)
    try:
        yield SimpleNamespace(counts=counts, today=today, operator=operator, **accounts)
    finally:
        with django_db_blocker.unblock():
            _remove_recognition_demo(sequences_before=recognition_sequences, targets_before=targets)
            _remove_training_demo()
            _remove_supervision()
            _remove_demo_history(sequences_before=filing_sequences, operator=operator)
            for user in accounts.values():
                user.delete()


def _recognitions():
    return (
        Recognition.objects.filter(facility__in=_demo(), application__statement__startswith=DEMO_PREFIX)
        .select_related("facility", "criteria_set", "application", "renewed_from")
        .order_by("granted_on", "number")
    )


def _pending():
    return RecognitionApplication.objects.filter(
        facility__in=_demo(), statement__startswith=DEMO_PREFIX, status__in=OPEN_APPLICATION_STATUSES
    ).select_related("facility", "submitted_by", "unit_reviewer")


@pytest.mark.parametrize(("kind", "expected"), sorted(EXPECTED_END_2021.items()))
def test_the_facility_list_counts_the_recognitions_in_force_at_the_end_of_2021(demo, api_client_for, kind, expected):
    response = api_client_for(demo.city_admin).get(f"/api/v1/facilities/?recognition={kind}&as_of=2021-12-31")

    assert response.status_code == 200
    assert response.json()["count"] == expected
    assert demo.counts["in_force_end_2021"][kind] == expected


def test_every_demo_recognition_meets_the_criteria_it_was_granted_under(demo):
    """Re-run the pure rules over the stored facts, and hold the facts against the history in the database."""
    recognitions = list(_recognitions())
    assert len(recognitions) > 150
    fees = dict(
        ServiceOffering.objects.filter(
            facility_id__in=[r.facility_id for r in recognitions], service_form=ServiceForm.FULL_DAY
        ).values_list("facility_id", "monthly_fee")
    )
    references = {(row.district_id, row.year): row.full_day_monthly_fee for row in FeeReference.objects.all()}
    problems = []
    for recognition in recognitions:
        facility, granted_on, facts = recognition.facility, recognition.granted_on, recognition.facts
        where = f"{recognition.number} ({facility.name})"
        results = evaluate(criterion_rows(recognition.criteria_set), RecognitionFacts.from_json(facts))
        problems += [f"{where}: {result.check_code} fails: {result.evidence}" for result in failures(results)]
        # The step that granted it saw the same facts, on the grant day, under the criteria then in force.
        application = recognition.application
        assert application.status == ApplicationStatus.GRANTED, where
        assert application.facts == facts and application.decided_on == granted_on, where
        assert application.decided_by_id != application.unit_reviewer_id, where
        assert application.submitted_on <= application.unit_reviewed_on <= granted_on, where
        assert application.unit_reviewed_on <= application.unit_deadline, where
        assert granted_on <= application.city_deadline, where
        assert facts["on"] == granted_on.isoformat(), where
        assert criteria_set_in_force(kind=recognition.kind, on=granted_on) == recognition.criteria_set, where
        # Filed on the day.
        version = versions_as_of(granted_on).filter(facility=facility).first()
        assert version is not None and version.filing_status in FILED_STATES, where
        assert facts["filing_status"] == version.filing_status, where
        assert facility.filed_on is not None and facility.filed_on <= granted_on, where
        assert facts["filed_on"] == facility.filed_on.isoformat(), where
        # The fee is the facility's full-day fee, the reference the unit's of that year.
        assert Decimal(facts["full_day_fee"]) == fees[facility.pk], where
        assert facts["fee_reference_year"] == granted_on.year, where
        assert Decimal(facts["fee_reference"]) == references[(facility.district_id, granted_on.year)], where
        if recognition.kind in INCLUSIVE_KINDS:
            assert Decimal(facts["full_day_fee"]) <= Decimal(facts["fee_reference"]), where
            assert facts["agreement_reference"] and date.fromisoformat(facts["agreement_signed_on"]) <= granted_on
        else:
            inclusive = (
                recognitions_in_force_on(granted_on).filter(facility=facility, kind__in=INCLUSIVE_KINDS).exists()
            )
            assert inclusive or facility.filed_on <= months_before(granted_on, 24), where
            assert sorted(facts["inclusive_in_force"]) == sorted(
                recognitions_in_force_on(granted_on)
                .filter(facility=facility, kind__in=INCLUSIVE_KINDS)
                .values_list("kind", flat=True)
            ), where
            assert facts["training_compliant"] is True and facts["guidance_accepted"] is True, where
            grades = next(
                (
                    row.params["grades"]
                    for row in criterion_rows(recognition.criteria_set)
                    if row.check_code == "quality_grade"
                ),
                None,
            )
            if grades is not None:  # the 2026 edition: a grade A/B assessed before the decision
                assert facility.quality_grade in grades, where
                assert facility.quality_assessed_on <= granted_on, where
                assert facts["quality_grade"] == facility.quality_grade, where
        # No serious violation within the 12 months before the grant.
        violation = facility.serious_violation_on
        assert violation is None or violation > granted_on or violation <= months_before(granted_on, 12), where
    assert problems == []
    assert {r.criteria_set.edition for r in recognitions if r.kind in MODEL_KINDS} >= {"2021"}


def test_model_decisions_of_2026_passed_the_2026_criteria(demo):
    decided_2026 = [r for r in _recognitions() if r.kind in MODEL_KINDS and r.granted_on.year == 2026]
    if demo.today < date(2026, 9, 1):
        pytest.skip("no 2026 model batch before today")
    assert decided_2026
    for recognition in decided_2026:
        assert recognition.criteria_set.edition == "2026"
        assert recognition.facts["quality_grade"] in ("A", "B")
        assert recognition.facility.quality_grade in ("A", "B")
        assert recognition.facility.quality_assessed_on <= recognition.granted_on


def test_statuses_agree_with_the_dates(demo):
    today = demo.today
    statuses = Counter()
    for recognition in _recognitions().prefetch_related("suspensions"):
        where = recognition.number
        statuses[recognition.status] += 1
        assert recognition.granted_on <= recognition.valid_from <= today, where
        open_suspensions = [s for s in recognition.suspensions.all() if s.lifted_on is None]
        renewed = Recognition.objects.filter(renewed_from=recognition).exists()
        if recognition.status == RecognitionStatus.ACTIVE:
            assert recognition.valid_to > today and not open_suspensions and recognition.revoked_on is None, where
            assert not renewed, where
        elif recognition.status == RecognitionStatus.SUSPENDED:
            assert recognition.valid_to > today and len(open_suspensions) == 1, where
            suspension = open_suspensions[0]
            assert recognition.valid_from <= suspension.suspended_on <= today, where
            assert suspension.suspended_on == recognition.facility.serious_violation_on, where
            assert suspension.penalty_reference == recognition.facility.serious_violation_reference, where
        elif recognition.status == RecognitionStatus.RENEWED:
            assert renewed and recognition.valid_to <= today, where
        elif recognition.status == RecognitionStatus.EXPIRED:
            assert recognition.expired_on == recognition.valid_to <= today and not renewed, where
        else:
            assert recognition.status == RecognitionStatus.REVOKED, where
            assert recognition.valid_from <= recognition.revoked_on < min(recognition.valid_to, today), where
            assert recognition.revocation_reason, where
        if recognition.status != RecognitionStatus.EXPIRED:
            assert recognition.expired_on is None, where
        if recognition.expiry_notice_sent_on:
            assert recognition.expiry_notice_sent_on <= today, where
    # Most renewed, a couple expired, one revoked; a serious penalty suspends the facility's recognition.
    assert statuses[RecognitionStatus.RENEWED] > 50
    assert statuses[RecognitionStatus.EXPIRED] >= 2
    assert statuses[RecognitionStatus.REVOKED] == 1
    assert statuses[RecognitionStatus.SUSPENDED] <= 1
    if statuses[RecognitionStatus.SUSPENDED]:
        assert demo.counts["suspended"] == 1
    # The daily jobs find nothing left to do: nothing lapsed is still open, every notice due was sent.
    assert recognitions_expire(today=today) == 0
    assert recognition_expiry_notices_send(today=today) == 0


def test_renewals_chain_without_gaps(demo):
    chains = defaultdict(list)
    renewals = 0
    for recognition in _recognitions():
        chains[(recognition.facility_id, recognition.kind)].append(recognition)
        old = recognition.renewed_from
        if old is None:
            assert recognition.application.route == ApplicationRoute.NOMINATED
            continue
        renewals += 1
        assert (old.facility_id, old.kind) == (recognition.facility_id, recognition.kind)
        assert recognition.valid_from == old.valid_to
        assert old.status == RecognitionStatus.RENEWED
        assert recognition.granted_on < old.valid_to
        assert recognition.application.route == ApplicationRoute.RENEWAL
        assert recognition.application.renews_id == old.pk
    assert renewals > 50
    for rows in chains.values():
        rows.sort(key=lambda r: r.valid_from)
        for before, after in pairwise(rows):
            assert after.valid_from >= before.valid_to
    # Of the 2021 recognitions, most were renewed at their end, not all.
    granted_2021 = [r for r in _recognitions() if r.granted_on.year == 2021]
    renewed_2021 = [r for r in granted_2021 if r.status == RecognitionStatus.RENEWED]
    assert len(granted_2021) == sum(EXPECTED_END_2021.values())
    assert len(granted_2021) / 2 < len(renewed_2021) < len(granted_2021)


def test_the_city_reaches_50_municipal_model_facilities_over_2021_2025(demo):
    facilities = {
        r.facility_id
        for r in _recognitions()
        if r.kind == RecognitionKind.MUNICIPAL_MODEL and r.renewed_from_id is None and 2021 <= r.granted_on.year <= 2025
    }
    assert len(facilities) >= 50
    assert demo.counts["municipal_model_2021_2025"] == len(facilities)
    # Inclusive facilities grow year by year.
    in_force = [
        recognitions_in_force_on(date(year, 12, 31))
        .filter(facility__in=_demo(), kind__in=INCLUSIVE_KINDS)
        .values("facility")
        .distinct()
        .count()
        for year in (2021, 2022, 2023, 2024, 2025)
    ]
    assert in_force[-1] > in_force[0]


def test_certificate_numbers_follow_the_service_format_and_the_sequences_continue(demo):
    numbers = list(_recognitions().values_list("number", "kind", "granted_on"))
    assert len({number for number, _kind, _day in numbers}) == len(numbers)
    issued = defaultdict(list)
    for number, kind, granted_on in numbers:
        match = NUMBER.match(number)
        assert match, number
        assert match["prefix"] == KIND_PREFIX[kind] and int(match["year"]) == granted_on.year
        issued[(kind, granted_on.year)].append(int(match["sequence"]))
    last = {(row.kind, row.year): row.last_number for row in RecognitionSequence.objects.all()}
    for key, sequences in issued.items():
        assert last[key] >= max(sequences), key


def test_the_2021_practical_project_and_the_unit_targets(demo):
    projects = list(BuildProject.objects.filter(programme=PROGRAMME_2021).select_related("facility"))
    assert len(projects) == 30
    for project in projects:
        assert project.target_year == 2021 and project.status == ProjectStatus.OPENED
        assert project.opened_on.year == 2021 and project.facility.opened_on == project.opened_on
        assert project.facility.district_id == project.district_id
        assert project.started_on < project.completed_on <= project.opened_on
    per_unit = Counter(project.district_id for project in projects)
    targets = DevelopmentTarget.objects.filter(district__isnull=False, source__contains=DEMO_SPLIT)
    built = {
        t.district_id: int(t.value)
        for t in targets.filter(indicator=TargetIndicator.INCLUSIVE_FACILITIES_BUILT, year=2021)
    }
    assert built == {code: per_unit.get(code, 0) for code in built} and sum(built.values()) == 30
    assert len(built) == 10
    model = targets.filter(indicator=TargetIndicator.MODEL_FACILITIES, year=2025, from_year=2021)
    assert sum(int(t.value) for t in model) == 50
    assert targets.filter(indicator=TargetIndicator.SLOTS_PER_THOUSAND, year=2025).count() == 10
    assert all(t.is_default for t in targets)
    later = BuildProject.objects.filter(note__startswith=DEMO_PREFIX).exclude(programme=PROGRAMME_2021)
    assert later.exists()
    for project in later:
        assert 2025 <= project.target_year <= 2026 and project.facility_id is None
        assert project.status in (ProjectStatus.PLANNED, ProjectStatus.UNDER_CONSTRUCTION)
        assert project.started_on is None or project.started_on <= demo.today


def test_applications_are_pending_today_on_facilities_that_meet_todays_criteria(demo):
    today = demo.today
    pending = list(_pending())
    assert 3 <= len(pending) <= 6
    statuses = Counter(application.status for application in pending)
    assert statuses[ApplicationStatus.SUBMITTED] and statuses[ApplicationStatus.FORWARDED]
    assert any(a.status == ApplicationStatus.SUBMITTED and a.unit_deadline < today for a in pending)
    for application in pending:
        assert application.submitted_on <= today
        _set, _facts, results = recognition_check(
            application.facility,
            kind=application.kind,
            on=today,
            agreement_signed_on=application.agreement_signed_on,
            agreement_reference=application.agreement_reference,
            guidance_accepted=application.guidance_accepted,
        )
        assert results and not failures(results), application.facility.name
        if application.status == ApplicationStatus.FORWARDED:
            assert application.unit_reviewer_id and application.unit_reviewer_id != demo.city_admin.pk
            assert application.city_deadline >= today
    # The demo users see them: the operator its own application, the 姑苏区 officer a queue, the city a decision.
    mine = application_list_for(user=demo.operator, filters={"status": ApplicationStatus.SUBMITTED})
    assert any(a.facility.district_id == "320508" and a.route == ApplicationRoute.APPLIED for a in mine)
    assert application_list_for(user=demo.gusu_officer, filters={"stage": "unit"}).exists()
    assert application_list_for(user=demo.city_admin, filters={"stage": "city"}).exists()


def test_the_demo_operator_keeps_its_own_facilities_as_they_were(demo):
    statuses = set(_demo().filter(operators=demo.operator).values_list("filing_status", flat=True))
    assert {"draft", "filed", "verified"} <= statuses
    assert not Recognition.objects.filter(facility__operators=demo.operator).exists()


def test_guidance_activities_fall_within_a_model_recognition_in_force(demo):
    activities = list(
        GuidanceActivity.objects.filter(note__startswith=DEMO_PREFIX).select_related(
            "recognition", "facility", "mentored_facility"
        )
    )
    assert len(activities) > 100
    assert {a.kind for a in activities} == set(GuidanceKind.values)
    for activity in activities:
        recognition = activity.recognition
        assert recognition.kind in MODEL_KINDS and recognition.facility_id == activity.facility_id
        assert activity.held_on < demo.today
        assert recognitions_in_force_on(activity.held_on).filter(pk=recognition.pk).exists(), activity
        if activity.kind == GuidanceKind.MENTORING:
            assert activity.mentored_facility.district_id == activity.facility.district_id
            assert activity.mentored_facility_id != activity.facility_id
    with_guidance = {a.recognition_id for a in activities}
    long_enough = [
        r
        for r in _recognitions()
        if r.kind in MODEL_KINDS
        and (min(r.valid_to, demo.today) - r.valid_from).days > 400
        and r.status not in (RecognitionStatus.REVOKED, RecognitionStatus.SUSPENDED)
    ]
    assert long_enough and all(r.pk in with_guidance for r in long_enough)


def test_the_synthetic_history_has_no_audit_entries(demo):
    from suzhou_childcare.audit.models import AuditEntry

    demo_ids = [str(pk) for pk in _recognitions().values_list("pk", flat=True)]
    assert demo_ids
    assert not AuditEntry.objects.filter(action__startswith="recognition.", object_id__in=demo_ids).exists()


def test_loading_twice_creates_nothing(demo):
    before = {model.__name__: model.objects.count() for model in TABLES}

    again = load_recognition_demo(today=demo.today)

    assert again["created"] is False
    assert demo.counts["created"] is True
    assert {k: v for k, v in again.items() if k != "created"} == {
        k: v for k, v in demo.counts.items() if k != "created"
    }
    assert {model.__name__: model.objects.count() for model in TABLES} == before


def test_the_same_seed_and_day_give_the_same_plan(demo):
    def fingerprint(seed: int) -> list:
        builder = plan_recognition_demo(today=demo.today, seed=seed)
        return [(g.site.pk, g.kind, g.decided_on, g.valid_from, g.valid_to) for g in builder.grants]

    first = fingerprint(7)

    assert fingerprint(7) == first
    assert fingerprint(8) != first


def test_a_demo_that_does_not_add_up_is_refused(demo):
    """With 2021 fee references no facility meets, the 2021 batches cannot be filled: nothing is planned."""
    FeeReference.objects.filter(year=2021).update(full_day_monthly_fee=Decimal("1.00"))

    with pytest.raises(RuntimeError, match="does not add up"):
        plan_recognition_demo(today=demo.today)
