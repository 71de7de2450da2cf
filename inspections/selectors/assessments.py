"""Reading quality assessments through the one access path: the city all, a unit's officers and inspectors
their unit, an operator their own facilities' assessments; other roles none (404)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from ..models import AssessmentScheme, QualityAssessment
from .scope import scoped

ASSESSMENT_READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR})


def may_read_assessments(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ASSESSMENT_READERS)


def assessment_scope_for(*, user) -> QuerySet[QualityAssessment]:
    """Every assessment the user may read, with nothing else applied (also the audit-history scope)."""
    return scoped(QualityAssessment.objects.all(), user=user)


def assessment_list_for(*, user, facility_id: int | None = None) -> QuerySet[QualityAssessment]:
    """Newest first; one query whatever the page size."""
    if not may_read_assessments(user):
        raise NotFound
    assessments = assessment_scope_for(user=user).select_related("facility", "facility__district", "assessor", "scheme")
    if facility_id is not None:
        assessments = assessments.filter(facility_id=facility_id)
    return assessments.order_by("-assessed_on", "-id")


def assessment_get_for(*, user, pk) -> QualityAssessment:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    assessment = (
        assessment_scope_for(user=user)
        .select_related("facility", "facility__district", "assessor", "scheme")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise NotFound
    return assessment


def assessment_lines(assessment: QualityAssessment) -> list[dict]:
    """Each dimension of the assessment's scheme with its label, maximum and the points given, in scheme order."""
    scheme = assessment.scheme
    return [
        {"code": code, "label": dim["label"], "max": dim["max"], "points": assessment.scores.get(code)}
        for code, dim in scheme.dimensions.items()
    ]


def assessment_vetoes(assessment: QualityAssessment) -> list[dict]:
    """The veto items of the scheme, each with whether the assessment failed it."""
    failed = set(assessment.vetoes_failed or ())
    return [
        {"code": code, "label": label, "failed": code in failed} for code, label in assessment.scheme.veto_items.items()
    ]


def scheme_in_force(on: date) -> AssessmentScheme | None:
    """The latest scheme effective on `on` (the form shows today's dimensions and veto items)."""
    return AssessmentScheme.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
