"""Reading incident reports, always through `scoped` (foreign → 404); `is_late` computed in the database."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

from suzhou_childcare.accounts.models import User
from suzhou_childcare.errors import NotFound

from ..models import Incident
from .scope import scoped


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def _late() -> ExpressionWrapper:
    return ExpressionWrapper(Q(reported_at__gt=F("report_due_at")), output_field=BooleanField())


def incident_list_for(*, user: User, filters: dict | None = None) -> QuerySet[Incident]:
    """Incidents the user may see, latest first, each with `is_late`.

    Filters: facility (id), district (code), kind, status, late (True: reported after the time allowed;
    False: within it), q (facility name, substring).
    """
    filters = filters or {}
    qs = (
        scoped(Incident.objects.all(), user=user)
        .select_related("facility", "facility__district", "reported_by", "handled_by")
        .annotate(is_late=_late())
        .order_by("-occurred_at", "-id")
    )
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    for field in ("kind", "status"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    late = filters.get("late")
    if late is True:
        qs = qs.filter(reported_at__gt=F("report_due_at"))
    elif late is False:
        qs = qs.filter(reported_at__lte=F("report_due_at"))
    if filters.get("q"):
        qs = qs.filter(facility__name__icontains=filters["q"].strip())
    return qs


def incident_get_for(*, user: User, pk) -> Incident:
    incident = (
        scoped(Incident.objects.all(), user=user)
        .select_related("facility", "facility__district", "reported_by", "handled_by")
        .annotate(is_late=_late())
        .filter(pk=_int(pk))
        .first()
    )
    if incident is None:
        raise NotFound
    return incident
