"""Reading inspection records and rectification orders, always through `scoped` (foreign → 404).

Lists run a constant number of queries whatever the page size: counts are correlated subqueries, related
rows are joined (`select_related`) or prefetched once per page.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from facilities.models import Facility
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.errors import NotFound

from ..models import (
    ChecklistItem,
    Evidence,
    Finding,
    Inspection,
    InspectionStatus,
    ItemResult,
    OrderStatus,
    RectificationOrder,
)
from .scope import facility_ids_for, scoped


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def _count(related: QuerySet, key: str) -> Coalesce:
    counted = related.order_by().values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def missed_deadline(today: date, prefix: str = "") -> Q:
    """An order whose deadline has passed without the operator's response: still open, or answered late.

    An order answered in time and awaiting the unit's re-inspection has not missed its deadline.
    """
    f = lambda name: f"{prefix}{name}"  # noqa: E731
    return Q(**{f("deadline__lt"): today}) & (
        Q(**{f("status"): OrderStatus.OPEN})
        | (Q(**{f("status"): OrderStatus.RESPONDED}) & Q(**{f("responded_on__gt"): F(f("deadline"))}))
    )


def _overdue(today: date) -> ExpressionWrapper:
    return ExpressionWrapper(missed_deadline(today), output_field=BooleanField())


# --- inspections ------------------------------------------------------------------------------------------


def inspection_list_for(*, user: User, filters: dict | None = None) -> QuerySet[Inspection]:
    """Inspections the user may see, newest first, with their item and finding counts.

    Filters: facility (id), district (code), kind, status, date_from, date_to, q (facility name, substring).
    """
    filters = filters or {}
    items = ChecklistItem.objects.filter(inspection=OuterRef("pk"))
    qs = (
        scoped(Inspection.objects.all(), user=user)
        .select_related("facility", "facility__district", "follow_up_of")
        .prefetch_related(Prefetch("inspectors", queryset=User.objects.order_by("username")))
        .annotate(
            item_count=_count(items, "inspection"),
            failed_count=_count(items.filter(result=ItemResult.FAIL), "inspection"),
            unchecked_count=_count(items.filter(result=ItemResult.UNCHECKED), "inspection"),
            finding_count=_count(Finding.objects.filter(inspection=OuterRef("pk")), "inspection"),
        )
        .order_by("-inspected_on", "-id")
    )
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    for field in ("kind", "status"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("date_from"):
        qs = qs.filter(inspected_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(inspected_on__lte=filters["date_to"])
    if filters.get("q"):
        # Substring: full-text search does not split Chinese.
        qs = qs.filter(facility__name__icontains=filters["q"].strip())
    return qs


def inspection_get_for(*, user: User, pk) -> Inspection:
    """One inspection with its checklist, findings (their orders and evidence) and inspectors."""
    inspection = (
        scoped(Inspection.objects.all(), user=user)
        .select_related("facility", "facility__district", "created_by", "plan", "follow_up_of__finding")
        .prefetch_related(
            Prefetch("inspectors", queryset=User.objects.order_by("username")),
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position")),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("order").prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
                ),
            ),
        )
        .filter(pk=_int(pk))
        .first()
    )
    if inspection is None:
        raise NotFound
    return inspection


# --- rectification orders ---------------------------------------------------------------------------------


def order_list_for(
    *,
    user: User,
    status: str | None = None,
    overdue: bool | None = None,
    facility: int | None = None,
    today: date | None = None,
) -> QuerySet[RectificationOrder]:
    """Orders the user may see (an operator: their facilities'), soonest deadline first, with `is_overdue`.

    `overdue=True`: deadline passed and not closed; `overdue=False`: the others.
    """
    today = today or timezone.localdate()
    qs = (
        scoped(RectificationOrder.objects.all(), user=user)
        .select_related("facility", "facility__district", "finding", "finding__inspection")
        .annotate(is_overdue=_overdue(today))
        .order_by("deadline", "id")
    )
    if status:
        qs = qs.filter(status=status)
    if facility:
        qs = qs.filter(facility_id=facility)
    if overdue is True:
        qs = qs.filter(missed_deadline(today))
    elif overdue is False:
        qs = qs.exclude(missed_deadline(today))
    return qs


def order_get_for(*, user: User, pk, today: date | None = None) -> RectificationOrder:
    today = today or timezone.localdate()
    order = (
        scoped(RectificationOrder.objects.all(), user=user)
        .select_related("facility", "facility__district", "finding", "finding__inspection", "closed_by")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")),
            Prefetch("finding__evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")),
            Prefetch("reinspections", queryset=Inspection.objects.order_by("-inspected_on", "-id")),
        )
        .annotate(is_overdue=_overdue(today))
        .filter(pk=_int(pk))
        .first()
    )
    if order is None:
        raise NotFound
    return order


def overdue_orders_for(*, user: User, today: date | None = None) -> QuerySet[RectificationOrder]:
    """The overdue list: orders whose deadline passed without a response in time, most overdue first.

    A unit sees its own; the city (city admin, city-wide inspectors) sees every unit's: overdue orders
    escalate to the city list.
    """
    return order_list_for(user=user, overdue=True, today=today)


def overdue_facilities_for(*, user: User, today: date | None = None) -> QuerySet[Facility]:
    """Facilities with at least one overdue order, with how many and the earliest missed deadline."""
    today = today or timezone.localdate()
    late = missed_deadline(today, prefix="rectification_orders__")
    return (
        Facility.objects.filter(pk__in=facility_ids_for(user=user))
        .filter(pk__in=RectificationOrder.objects.filter(missed_deadline(today)).values("facility"))
        .select_related("district")
        .annotate(
            overdue_orders=Count("rectification_orders", filter=late),
            first_missed=Min("rectification_orders__deadline", filter=late),
        )
        .order_by("first_missed", "id")
    )


def evidence_get_for(*, user: User, pk) -> Evidence:
    """An evidence file whose finding or order the user may see."""
    if not (user.is_authenticated and user.is_active) or user.role not in (
        Role.CITY_ADMIN,
        Role.DISTRICT_OFFICER,
        Role.INSPECTOR,
        Role.OPERATOR,
    ):
        raise NotFound
    ids = facility_ids_for(user=user)
    evidence = (
        Evidence.objects.filter(pk=_int(pk)).filter(Q(finding__facility__in=ids) | Q(order__facility__in=ids)).first()
    )
    if evidence is None:
        raise NotFound
    return evidence


def follow_ups_for_closing(order: RectificationOrder) -> list[Inspection]:
    """Completed re-inspections of the order (from its prefetched `reinspections`)."""
    return [i for i in order.reinspections.all() if i.status == InspectionStatus.COMPLETED]


def finding_get_for(*, user: User, pk) -> Finding:
    finding = (
        scoped(Finding.objects.all(), user=user)
        .select_related("inspection", "facility", "order")
        .filter(pk=_int(pk))
        .first()
    )
    if finding is None:
        raise NotFound
    return finding
