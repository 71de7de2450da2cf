"""The recognition workflow end to end through the services: apply → unit review → city decision → suspension,
with the criteria checked at every step and the reviewer never deciding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from facilities import services
from facilities.models import (
    ApplicationStatus,
    FeeReference,
    Recognition,
    RecognitionStatus,
    ServiceOffering,
)
from facilities.selectors_recognition import counts_in_force, recognitions_in_force_on
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, PermissionDenied, RuleViolation

from .recognition_helpers import apply_inclusive, filed_facility, granted

pytestmark = pytest.mark.django_db


def test_apply_review_decide_publishes_a_recognition(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    recognition = granted(operator, gusu_officer, city_admin, facility)
    today = timezone.localdate()
    assert recognition.status == RecognitionStatus.ACTIVE
    assert recognition.number.startswith(f"MI-{today.year}-")
    assert recognition.valid_from == today
    assert recognition.valid_to.year == today.year + 3
    assert recognitions_in_force_on(today).filter(pk=recognition.pk).exists()
    assert counts_in_force(on=today)["municipal_inclusive"] == 1
    assert recognition.application.status == ApplicationStatus.GRANTED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"recognition_application.submit", "recognition_application.forward", "recognition.grant"} <= actions


def test_the_unit_reviewer_cannot_also_decide(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    application = apply_inclusive(operator, facility)
    application = services.recognition_unit_review(actor=city_admin, application=application, approve=True)
    with pytest.raises(PermissionDenied) as refused:
        services.recognition_decide(actor=city_admin, application=application, grant=True)
    assert refused.value.code == "maker_checker"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED
    assert not Recognition.objects.exists()


def test_a_district_officer_cannot_decide(operator, gusu_officer):
    facility = filed_facility(operator, gusu_officer)
    application = apply_inclusive(operator, facility)
    application = services.recognition_unit_review(actor=gusu_officer, application=application, approve=True)
    with pytest.raises(PermissionDenied):
        services.recognition_decide(actor=gusu_officer, application=application, grant=True)


def test_a_fee_above_the_reference_is_refused_naming_the_criterion(operator, gusu_officer):
    facility = filed_facility(operator, gusu_officer)
    reference = FeeReference.objects.get(district_id="320508", year=timezone.localdate().year)
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(
        monthly_fee=reference.full_day_monthly_fee + Decimal("0.01")
    )
    with pytest.raises(RuleViolation) as refused:
        apply_inclusive(operator, facility)
    error = refused.value
    assert error.code == "criteria_not_met"
    assert "full_day_fee_within_reference" in error.fields
    assert "1477" in error.clause
    assert str(reference.full_day_monthly_fee) in error.fields["full_day_fee_within_reference"][0]


def test_a_fee_equal_to_the_reference_passes(operator, gusu_officer):
    facility = filed_facility(operator, gusu_officer)
    reference = FeeReference.objects.get(district_id="320508", year=timezone.localdate().year)
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(
        monthly_fee=reference.full_day_monthly_fee
    )
    assert apply_inclusive(operator, facility).status == ApplicationStatus.SUBMITTED


def test_an_unfiled_facility_cannot_apply(operator, gusu_officer):
    from .factories import submitted

    facility = submitted(operator)
    with pytest.raises(RuleViolation) as refused:
        apply_inclusive(operator, facility)
    assert "filed" in refused.value.fields


def test_a_criterion_failing_by_the_decision_blocks_the_grant(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    application = apply_inclusive(operator, facility)
    application = services.recognition_unit_review(actor=gusu_officer, application=application, approve=True)
    services.facility_flag_serious_violation(
        actor=city_admin, facility=facility, decided_on=timezone.localdate(), reference="姑卫罚〔2026〕3号"
    )
    with pytest.raises(RuleViolation) as refused:
        services.recognition_decide(actor=city_admin, application=application, grant=True)
    assert "no_serious_violation" in refused.value.fields
    assert not Recognition.objects.exists()


def test_a_serious_penalty_suspends_at_once(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    recognition = granted(operator, gusu_officer, city_admin, facility)
    services.facility_flag_serious_violation(
        actor=city_admin, facility=facility, decided_on=timezone.localdate(), reference="姑卫罚〔2026〕3号"
    )
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.SUSPENDED
    assert not recognitions_in_force_on(timezone.localdate()).filter(pk=recognition.pk).exists()
    # Reinstating is refused while the violation lies within the 12 months.
    with pytest.raises(RuleViolation):
        services.recognition_reinstate(actor=city_admin, recognition=recognition, reason="整改完成")


def test_one_open_application_and_one_recognition_per_kind(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    apply_inclusive(operator, facility)
    with pytest.raises(Conflict):
        apply_inclusive(operator, facility)
    other = filed_facility(operator, gusu_officer, name="苏州第二托育中心")
    granted(operator, gusu_officer, city_admin, other)
    with pytest.raises(Conflict) as refused:
        apply_inclusive(operator, other)
    assert refused.value.code == "already_recognised"


def test_expiry_runs_twice_and_expires_each_once(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    recognition = granted(operator, gusu_officer, city_admin, facility)
    later = recognition.valid_to
    assert services.recognitions_expire(today=later - timedelta(days=1)) == 0
    assert services.recognitions_expire(today=later) == 1
    assert services.recognitions_expire(today=later) == 0
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.EXPIRED
    assert AuditEntry.objects.filter(action="recognition.expire").count() == 1


def test_renewal_starts_where_the_old_one_ends(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    old = granted(operator, gusu_officer, city_admin, facility)
    application = apply_inclusive(operator, facility, renews=old)
    application = services.recognition_unit_review(actor=gusu_officer, application=application, approve=True)
    application = services.recognition_decide(actor=city_admin, application=application, grant=True)
    new = application.recognition
    old.refresh_from_db()
    assert old.status == RecognitionStatus.RENEWED
    assert new.valid_from == old.valid_to
    assert new.renewed_from == old
    # The old one stays in force until its end; then the new one.
    assert recognitions_in_force_on(old.valid_to - timedelta(days=1)).filter(facility=facility).get() == old
    assert recognitions_in_force_on(old.valid_to).filter(facility=facility).get() == new


def test_a_serious_penalty_also_suspends_the_certificate_a_renewal_replaces(operator, gusu_officer, city_admin):
    facility = filed_facility(operator, gusu_officer)
    old = granted(operator, gusu_officer, city_admin, facility)
    application = apply_inclusive(operator, facility, renews=old)
    application = services.recognition_unit_review(actor=gusu_officer, application=application, approve=True)
    new = services.recognition_decide(actor=city_admin, application=application, grant=True).recognition
    today = timezone.localdate()
    assert recognitions_in_force_on(today).filter(pk=old.pk).exists()  # the old period still runs
    services.facility_flag_serious_violation(
        actor=city_admin, facility=facility, decided_on=today, reference="姑卫罚〔2026〕5号"
    )
    assert not recognitions_in_force_on(today).filter(facility=facility).exists()
    new.refresh_from_db()
    assert new.status == RecognitionStatus.SUSPENDED
    services.recognition_revoke(actor=city_admin, recognition=new, reason="严重违法")
    old.refresh_from_db()
    assert old.revoked_on == today
    assert not recognitions_in_force_on(new.valid_from).filter(facility=facility).exists()
