"""Quality assessments (WS/T 821—2023): record the points of the seven dimensions and the veto items, grade
the result with the scheme in force on the day, and push the grade to the facility record.

Who: district officers and inspectors of the facility's unit, city-wide inspectors and the city admin. A
facility outside the assessor's jurisdiction does not exist for them (NotFound); other roles are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility
from facilities.selectors import facility_scope_for
from facilities.services import facility_set_quality_grade
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed

from .. import rules_assessment
from ..models import QualityAssessment
from ..selectors.assessments import scheme_in_force

ASSESSORS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
NOTE_MAX_LENGTH = 4000


def may_assess(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ASSESSORS)


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    facility: Facility,
    assessed_on: date,
    scores: Mapping[str, Any],
    vetoes_failed: Iterable[str] = (),
    note: str = "",
) -> QualityAssessment:
    """Record an assessment; any failed veto item gives grade D whatever the points. The facility's grade
    becomes this one unless a later assessment is already on record."""
    if not may_assess(actor):
        raise PermissionDenied(_("Your role may not record quality assessments."))
    if not facility_scope_for(user=actor).filter(pk=facility.pk).exists():
        raise NotFound
    if not isinstance(assessed_on, date):
        raise ValidationFailed(fields={"assessed_on": [_("Enter the date of the assessment.")]})
    if assessed_on > timezone.localdate():
        raise ValidationFailed(fields={"assessed_on": [_("An assessment cannot be dated in the future.")]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(fields={"note": [_("At most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}]})
    scheme_row = scheme_in_force(assessed_on)
    if scheme_row is None:
        raise RuleViolation(
            _("No assessment scheme was in force on %(day)s.") % {"day": assessed_on.isoformat()},
            code="no_assessment_scheme",
            clause=rules_assessment.CLAUSE,
        )
    vetoes = list(dict.fromkeys(str(code) for code in (vetoes_failed or ())))
    result = rules_assessment.assess(rules_assessment.Scheme.from_row(scheme_row), scores, vetoes)
    if result.problems:
        fields: dict[str, list[str]] = {}
        for problem in result.problems:
            fields.setdefault(problem.field, []).append(problem.message)
        raise ValidationFailed(fields=fields)
    assessment = QualityAssessment.objects.create(
        facility=facility,
        scheme=scheme_row,
        assessed_on=assessed_on,
        assessor=actor,
        scores={
            code: str(rules_assessment.points(scores[code]).quantize(rules_assessment.CENT))
            for code in scheme_row.dimensions
        },
        vetoes_failed=vetoes,
        total=result.total,
        grade=result.grade,
        note=note,
    )
    audit_record(
        actor=actor,
        action="quality_assessment.record",
        target=assessment,
        after={**audit_snapshot(assessment), "scheme_edition": scheme_row.edition},
    )
    facility_set_quality_grade(actor=actor, facility=facility, grade=result.grade, assessed_on=assessed_on)
    return assessment
