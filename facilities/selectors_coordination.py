"""Reading coordination cases (一事一议), scoped through the facility they concern.

Who sees a case:
- the city admin: every case;
- a district officer: the cases of their unit's facilities;
- an operator: the cases of their own facilities, read-only. The case is about their facility and its
  outcome decides whether they can open or file, so they follow its steps; they cannot write (the services
  refuse them).
- everyone else (inspectors, training bases, MCH institutions, statistics clients): none. Cases are the
  health departments' coordination work, not supervision findings.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from .models import CaseStatus, CaseStep, CoordinationCase
from .selectors import facility_scope_for

READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.OPERATOR})


def may_read_cases(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in READERS)


def case_scope_for(*, user) -> QuerySet[CoordinationCase]:
    """Every case the user may see, with nothing else applied."""
    if not may_read_cases(user):
        return CoordinationCase.objects.none()
    return CoordinationCase.objects.filter(facility__in=facility_scope_for(user=user))


def case_list_for(*, user, status: str | None = None, district: str | None = None) -> QuerySet[CoordinationCase]:
    """The list page: a constant number of queries whatever its length.

    `status` is one of `CaseStatus`; `district` a unit's code (only narrows what the user already sees).
    Unknown values filter nothing rather than failing: they come from the query string.
    """
    steps = CaseStep.objects.filter(case=OuterRef("pk")).order_by().values("case")
    qs = (
        case_scope_for(user=user)
        .select_related("facility", "facility__district")
        .annotate(
            step_count=Coalesce(Subquery(steps.annotate(n=Count("*")).values("n"), output_field=IntegerField()), 0),
            last_step_on=Subquery(steps.annotate(last=Max("happened_on")).values("last")),
        )
    )
    if status in CaseStatus.values:
        qs = qs.filter(status=status)
    if district:
        qs = qs.filter(facility__district__code=district)
    return qs.order_by("-opened_at", "-id")


def case_get_for(*, user, pk) -> CoordinationCase:
    """One case with its facility and timeline; outside the user's scope it does not exist."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    case = (
        case_scope_for(user=user)
        .select_related("facility", "facility__district", "opened_by", "closed_by")
        .prefetch_related("steps__recorded_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound
    return case
