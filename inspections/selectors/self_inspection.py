"""Reading self-inspections (自查), always through `scoped` (foreign → 404), and who has not self-inspected.

Lists run a constant number of queries whatever the page size (counts are correlated subqueries).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.aggregates import Count
from django.db.models.functions import Coalesce

from facilities.models import Facility
from suzhou_childcare.accounts.models import User
from suzhou_childcare.errors import NotFound

from ..models import ItemResult, SelfInspection, SelfInspectionItem
from .planning import operating_during
from .scope import scoped


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def _count(related: QuerySet) -> Coalesce:
    counted = related.order_by().values("self_inspection").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def quarter_start(day: date) -> date:
    """The first day of the quarter `day` falls in (the period of a self-inspection)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(period: date) -> date:
    start = quarter_start(period)
    following = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


def self_inspection_list_for(*, user: User, filters: dict | None = None) -> QuerySet[SelfInspection]:
    """Self-inspections the user may see, latest quarter first, with their item, gap and open-gap counts.

    Filters: facility (id), district (code), period (any day of the quarter), q (facility name, substring).
    """
    filters = filters or {}
    items = SelfInspectionItem.objects.filter(self_inspection=OuterRef("pk"))
    gaps = items.filter(result=ItemResult.FAIL)
    qs = (
        scoped(SelfInspection.objects.all(), user=user)
        .select_related("facility", "facility__district", "submitted_by")
        .annotate(
            item_count=_count(items),
            gap_count=_count(gaps),
            open_gap_count=_count(gaps.filter(rectified_on__isnull=True)),
        )
        .order_by("-period", "-id")
    )
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("period"):
        qs = qs.filter(period=quarter_start(filters["period"]))
    if filters.get("q"):
        qs = qs.filter(facility__name__icontains=filters["q"].strip())
    return qs


def self_inspection_get_for(*, user: User, pk) -> SelfInspection:
    self_inspection = (
        scoped(SelfInspection.objects.all(), user=user)
        .select_related("facility", "facility__district", "submitted_by")
        .prefetch_related(Prefetch("items", queryset=SelfInspectionItem.objects.order_by("position")))
        .filter(pk=_int(pk))
        .first()
    )
    if self_inspection is None:
        raise NotFound
    return self_inspection


def self_item_get_for(*, user: User, pk) -> SelfInspectionItem:
    item = (
        scoped(SelfInspectionItem.objects.all(), user=user, facility_field="self_inspection__facility")
        .select_related("self_inspection", "self_inspection__facility")
        .filter(pk=_int(pk))
        .first()
    )
    if item is None:
        raise NotFound
    return item


def missing_self_inspections_for(*, user: User, period: date) -> QuerySet[Facility]:
    """Who has not self-inspected: facilities in the user's scope operating in the quarter of `period`
    (opened by its end, not closed before its start, not cancelled) with no self-inspection for it."""
    start = quarter_start(period)
    done = SelfInspection.objects.filter(facility=OuterRef("pk"), period=start)
    return (
        scoped(Facility.objects.all(), user=user, facility_field="pk")
        .filter(operating_during(start, quarter_end(start)))
        .filter(~Exists(done))
        .select_related("district")
        .order_by("district_id", "name", "id")
    )
