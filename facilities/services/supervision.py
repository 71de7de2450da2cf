"""What supervision (the inspections app) tells the facility record: grades, serious violations, bans.

Inspections sit above facilities; when they learn a fact the facility must act on, they call these services
(the dependency points down). Recognitions and subsidies read the facts from the facility.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import ValidationFailed

from ..models import Facility, Person
from .recognition import recognitions_suspend_for_serious_violation

BAN_CLAUSE = "人口与计划生育法（2021）第四十一条"
GRADES = ("A", "B", "C", "D")


@transaction.atomic
def facility_set_quality_grade(*, actor, facility: Facility, grade: str, assessed_on: date) -> Facility:
    if grade not in GRADES:
        raise ValidationFailed(fields={"grade": [_("The grade is one of A, B, C or D.")]})
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.quality_assessed_on and facility.quality_assessed_on > assessed_on:
        return facility  # an older assessment never overrides a newer one
    before = audit_snapshot(facility, ["quality_grade", "quality_assessed_on"])
    facility.quality_grade = grade
    facility.quality_assessed_on = assessed_on
    facility.save(update_fields=["quality_grade", "quality_assessed_on", "updated_at"])
    audit_record(
        actor=actor,
        action="facility.quality_grade",
        target=facility,
        before=before,
        after=audit_snapshot(facility, ["quality_grade", "quality_assessed_on"]),
    )
    return facility


@transaction.atomic
def facility_flag_serious_violation(*, actor, facility: Facility, decided_on: date, reference: str) -> Facility:
    """A decided serious penalty: recognitions and subsidies see `serious_violation_on`."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.serious_violation_on and facility.serious_violation_on > decided_on:
        return facility
    before = audit_snapshot(facility, ["serious_violation_on", "serious_violation_reference"])
    facility.serious_violation_on = decided_on
    facility.serious_violation_reference = reference[:100]
    facility.save(update_fields=["serious_violation_on", "serious_violation_reference", "updated_at"])
    audit_record(
        actor=actor,
        action="facility.serious_violation",
        target=facility,
        before=before,
        after=audit_snapshot(facility, ["serious_violation_on", "serious_violation_reference"]),
    )
    # A serious penalty suspends the facility's recognitions at once; the city reviews them afterwards.
    recognitions_suspend_for_serious_violation(actor=actor, facility=facility, reference=reference)
    return facility


@transaction.atomic
def person_ban(*, actor, person: Person, banned_on: date, reference: str) -> Person:
    """Mark a person banned from childcare for life; no roster can add them afterwards."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.banned_on:
        return person
    person.banned_on = banned_on
    person.ban_reference = reference[:100]
    person.save(update_fields=["banned_on", "ban_reference"])
    audit_record(
        actor=actor,
        action="person.ban",
        target=person,
        after={"banned_on": banned_on.isoformat(), "reference": person.ban_reference, "basis": BAN_CLAUSE},
    )
    return person


@transaction.atomic
def facility_set_training_compliance(
    *, actor, facility: Facility, compliant: bool, gaps: list, checked_on: date
) -> Facility:
    """Training (a higher app) tells the facility whether its staff meet their requirements, and the gaps."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    fields = ["training_compliant", "training_gaps", "training_checked_on"]
    before = audit_snapshot(facility, fields)
    facility.training_compliant = compliant
    facility.training_gaps = gaps
    facility.training_checked_on = checked_on
    facility.save(update_fields=[*fields, "updated_at"])
    if before != audit_snapshot(facility, fields):
        audit_record(
            actor=actor,
            action="facility.training_compliance",
            target=facility,
            before=before,
            after=audit_snapshot(facility, fields),
        )
    return facility
