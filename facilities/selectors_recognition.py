"""Reading recognitions, applications and their criteria, always scoped to the user through the facility.

"In force on a day" is one definition (`in_force_q`) used by the facility filter, the public register,
the counts and the statistics: the day lies in `[valid_from, valid_to)`, the recognition was not revoked by
then, and no suspension covers the day.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from .models import (
    INCLUSIVE_KINDS,
    OPEN_APPLICATION_STATUSES,
    CriteriaSet,
    CriteriaSetStatus,
    Criterion,
    Facility,
    FeeReference,
    Recognition,
    RecognitionApplication,
    RecognitionKind,
    RecognitionSuspension,
    ServiceForm,
)
from .rules.recognition import CriterionResult, CriterionRow, RecognitionFacts, evaluate
from .selectors import facility_scope_for


def in_force_q(on: date) -> Q:
    """A filter for a Recognition queryset: in force on `on`."""
    suspended = RecognitionSuspension.objects.filter(
        Q(lifted_on__isnull=True) | Q(lifted_on__gt=on), recognition=OuterRef("pk"), suspended_on__lte=on
    )
    return (
        Q(valid_from__lte=on, valid_to__gt=on)
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
        & ~Q(Exists(suspended))
    )


def recognitions_in_force_on(on: date) -> QuerySet[Recognition]:
    return Recognition.objects.filter(in_force_q(on))


def facilities_recognised_q(*, kind: str | None, on: date) -> Q:
    """A filter for a Facility queryset: facilities holding `kind` (any kind when None) in force on `on`."""
    held = recognitions_in_force_on(on).filter(facility=OuterRef("pk"))
    if kind:
        held = held.filter(kind=kind)
    return Q(Exists(held))


def counts_in_force(*, on: date, district_code: str | None = None) -> dict[str, int]:
    """Recognitions in force on `on` per kind (all four kinds present), counted in the database."""
    from django.db.models import Count

    qs = recognitions_in_force_on(on)
    if district_code:
        qs = qs.filter(facility__district_id=district_code)
    counted = dict(qs.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: counted.get(kind, 0) for kind in RecognitionKind.values}


# --- criteria ---


def criteria_set_in_force(*, kind: str, on: date) -> CriteriaSet | None:
    return (
        CriteriaSet.objects.filter(kind=kind, effective_from__lte=on)
        .exclude(status=CriteriaSetStatus.DRAFT)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
        .first()
    )


def criterion_rows(criteria_set: CriteriaSet) -> list[CriterionRow]:
    return [
        CriterionRow(
            check_code=row.check_code,
            params=row.params or {},
            clause=row.clause,
            source=row.source,
            is_default=row.is_default,
        )
        for row in Criterion.objects.filter(criteria_set=criteria_set).order_by("position", "id")
    ]


def criteria_sets_for_admin() -> QuerySet[CriteriaSet]:
    return CriteriaSet.objects.prefetch_related("criteria").order_by("kind", "-effective_from", "-id")


def fee_reference_for(*, district_code: str, year: int) -> FeeReference | None:
    return FeeReference.objects.filter(district_id=district_code, year=year).first()


def recognition_facts(
    facility: Facility,
    *,
    on: date,
    agreement_signed_on: date | None = None,
    agreement_reference: str = "",
    guidance_accepted: bool = False,
) -> RecognitionFacts:
    """The facts the criteria read, from the facility record as it stands (checks are run on the day)."""
    full_day = facility.offerings.filter(service_form=ServiceForm.FULL_DAY).values_list("monthly_fee", flat=True)
    reference = fee_reference_for(district_code=facility.district_id, year=on.year)
    inclusive = sorted(
        recognitions_in_force_on(on)
        .filter(facility=facility, kind__in=INCLUSIVE_KINDS)
        .values_list("kind", flat=True)
        .distinct()
    )
    return RecognitionFacts(
        on=on,
        filing_status=facility.filing_status,
        filing_number=facility.filing_number or "",
        filed_on=facility.filed_on,
        category=facility.category,
        district=facility.district_id,
        full_day_fee=next(iter(full_day), None),
        fee_reference=reference.full_day_monthly_fee if reference else None,
        fee_reference_year=on.year,
        agreement_signed_on=agreement_signed_on,
        agreement_reference=agreement_reference,
        serious_violation_on=facility.serious_violation_on,
        serious_violation_reference=facility.serious_violation_reference,
        quality_grade=facility.quality_grade,
        quality_assessed_on=facility.quality_assessed_on,
        training_compliant=facility.training_compliant,
        training_gaps=tuple(facility.training_gaps or ()),
        guidance_accepted=guidance_accepted,
        inclusive_in_force=tuple(inclusive),
        slots=facility.slots,
        enrolled=facility.enrolled,
        opened_on=facility.opened_on,
    )


def recognition_check(
    facility: Facility,
    *,
    kind: str,
    on: date,
    agreement_signed_on: date | None = None,
    agreement_reference: str = "",
    guidance_accepted: bool = False,
) -> tuple[CriteriaSet | None, RecognitionFacts, list[CriterionResult]]:
    """The live criteria check: the set in force, the facts, one result per criterion (empty without a set)."""
    criteria_set = criteria_set_in_force(kind=kind, on=on)
    facts = recognition_facts(
        facility,
        on=on,
        agreement_signed_on=agreement_signed_on,
        agreement_reference=agreement_reference,
        guidance_accepted=guidance_accepted,
    )
    if criteria_set is None:
        return None, facts, []
    return criteria_set, facts, evaluate(criterion_rows(criteria_set), facts)


def stored_check(criteria_set: CriteriaSet, facts_json: dict) -> list[CriterionResult]:
    """Re-run the criteria a step was taken under over the facts it saw (shown in the reader's language)."""
    if not facts_json:
        return []
    return evaluate(criterion_rows(criteria_set), RecognitionFacts.from_json(facts_json))


# --- recognitions and applications, scoped ---


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def recognition_scope_for(*, user) -> QuerySet[Recognition]:
    return Recognition.objects.filter(facility__in=facility_scope_for(user=user))


def recognition_list_for(*, user, filters: dict | None = None) -> QuerySet[Recognition]:
    filters = filters or {}
    qs = recognition_scope_for(user=user).select_related("facility", "facility__district", "criteria_set")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("as_of"):
        qs = qs.filter(in_force_q(filters["as_of"]))
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(Q(facility__name__icontains=term) | Q(number__icontains=term))
    return qs.order_by("-valid_from", "number")


def recognition_get_for(*, user, pk) -> Recognition:
    recognition = (
        recognition_scope_for(user=user)
        .select_related("facility", "facility__district", "criteria_set", "application", "renewed_from", "decided_by")
        .prefetch_related("suspensions")
        .filter(pk=_int(pk))
        .first()
    )
    if recognition is None:
        raise NotFound
    return recognition


def application_scope_for(*, user) -> QuerySet[RecognitionApplication]:
    return RecognitionApplication.objects.filter(facility__in=facility_scope_for(user=user))


def application_list_for(*, user, filters: dict | None = None) -> QuerySet[RecognitionApplication]:
    """Applications in the user's reach; `stage` picks a queue (unit review or city decision), by deadline."""
    filters = filters or {}
    qs = application_scope_for(user=user).select_related(
        "facility", "facility__district", "submitted_by", "unit_reviewer", "decided_by", "criteria_set"
    )
    stage = filters.get("stage")
    if stage == "unit":
        qs = qs.filter(status="submitted").order_by("unit_deadline", "id")
    elif stage == "city":
        qs = qs.filter(status="forwarded").order_by("city_deadline", "id")
    else:
        qs = qs.order_by("-submitted_on", "-id")
    for field in ("kind", "status", "route"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    return qs


def application_get_for(*, user, pk) -> RecognitionApplication:
    application = (
        application_scope_for(user=user)
        .select_related(
            "facility",
            "facility__district",
            "submitted_by",
            "unit_reviewer",
            "decided_by",
            "criteria_set",
            "renews",
        )
        .filter(pk=_int(pk))
        .first()
    )
    if application is None:
        raise NotFound
    return application


def applications_overdue(*, user, today: date | None = None) -> QuerySet[RecognitionApplication]:
    today = today or timezone.localdate()
    return application_scope_for(user=user).filter(
        Q(status="submitted", unit_deadline__lt=today) | Q(status="forwarded", city_deadline__lt=today)
    )


def facility_recognitions(facility: Facility) -> QuerySet[Recognition]:
    """A facility's recognitions, newest first (the caller reached the facility through its scope)."""
    return (
        facility.recognitions.select_related("criteria_set")
        .prefetch_related("suspensions")
        .order_by("-valid_from", "number")
    )


def facility_open_applications(facility: Facility) -> QuerySet[RecognitionApplication]:
    return facility.recognition_applications.filter(status__in=OPEN_APPLICATION_STATUSES).order_by("kind")


def applicant_may_apply(user) -> bool:
    return user.is_authenticated and user.role in (Role.OPERATOR, Role.DISTRICT_OFFICER, Role.CITY_ADMIN)


# --- public ---


def public_recognition(number: str) -> Recognition | None:
    """A certificate's live record by its number (numbers are published; status is what the QR shows)."""
    return (
        Recognition.objects.select_related("facility", "facility__district", "renewed_by")
        .prefetch_related("suspensions")
        .filter(number=number)
        .first()
    )


def public_register(*, on: date, filters: dict | None = None) -> QuerySet[Recognition]:
    """Recognitions in force on `on`: what the public register lists (no personal data)."""
    filters = filters or {}
    qs = recognitions_in_force_on(on).select_related("facility", "facility__district")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("q"):
        qs = qs.filter(facility__name__icontains=filters["q"].strip())
    return qs.order_by("facility__district_id", "kind", "facility__name", "id")
