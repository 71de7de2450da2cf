"""The synthetic training demo over the facilities demo: loaded once for the module (committed, then removed)."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from facilities.demo import load_demo_history
from facilities.models import FilingSequence, StaffMember, StaffRole
from suzhou_childcare.accounts.models import Role
from training.demo import _institution_names, load_training_demo
from training.models import (
    AwardApplication,
    Competition,
    CourseTarget,
    HealthStaffAssessment,
    Institution,
    Session,
    TrainingRecord,
    TrainingResult,
)

from ..accounts.factories import UserFactory
from ..facilities.test_demo import _demo, _remove_demo_history

pytestmark = pytest.mark.django_db


def _remove_training_demo() -> None:
    institutions = Institution.objects.filter(name__in=_institution_names())
    AwardApplication.objects.filter(facility__in=_demo()).delete()
    Competition.objects.filter(title__endswith="（演示）").delete()
    HealthStaffAssessment.objects.filter(institution__in=institutions).delete()
    TrainingRecord.objects.filter(course__institution__in=institutions).delete()
    Session.objects.filter(course__institution__in=institutions).delete()
    for institution in institutions:
        institution.courses.all().delete()
    institutions.delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate()
    with django_db_blocker.unblock():
        sequences_before = set(FilingSequence.objects.values_list("pk", flat=True))
        operator = UserFactory(username="operator", role=Role.OPERATOR)
        load_demo_history(today=today)
        started = time.perf_counter()
        counts = load_training_demo(today=today)
        seconds = time.perf_counter() - started
        again = load_training_demo(today=today)
    try:
        yield SimpleNamespace(counts=counts, again=again, today=today, seconds=seconds)
    finally:
        with django_db_blocker.unblock():
            _remove_training_demo()
            _remove_demo_history(sequences_before=sequences_before, operator=operator)


def test_loads_bases_and_institutions_per_unit_and_is_idempotent(demo):
    assert demo.counts["created"] is True
    assert demo.counts["institutions"] == 21  # the city talent base, a base and an MCH institution per unit
    assert demo.again["created"] is False
    assert {k: v for k, v in demo.again.items() if k != "created"} == {
        k: v for k, v in demo.counts.items() if k != "created"
    }
    assert demo.counts["competitions"] == 2 and demo.counts["applications"] >= 1
    assert demo.seconds < 15


def test_a_large_share_of_current_staff_has_training(demo):
    current = StaffMember.objects.filter(facility__in=_demo(), employed_from__lte=demo.today).filter(
        Q(employed_to__isnull=True) | Q(employed_to__gt=demo.today)
    )
    trained = current.filter(Exists(TrainingRecord.objects.filter(person=OuterRef("person"))))
    assert trained.count() > 0.5 * current.count()


def test_some_certificates_expire_within_30_days(demo):
    expiring = TrainingRecord.objects.filter(
        certificate_valid_until__gt=demo.today, certificate_valid_until__lte=demo.today + timedelta(days=30)
    )
    assert expiring.count() >= 10
    assert demo.counts["expiring_30_days"] >= 10


def test_some_facilities_have_a_director_without_post_training(demo):
    untrained = StaffMember.objects.filter(
        facility__in=_demo(), role=StaffRole.DIRECTOR, employed_from__lte=demo.today
    ).filter(Q(employed_to__isnull=True) | Q(employed_to__gt=demo.today))
    untrained = untrained.exclude(
        Exists(
            TrainingRecord.objects.filter(
                person=OuterRef("person"), course__target=CourseTarget.DIRECTOR, result=TrainingResult.PASSED
            )
        )
    )
    assert untrained.values("facility").distinct().count() >= 3
