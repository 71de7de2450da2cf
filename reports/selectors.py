"""Reading the compiled indicators: the catalogue in force, a month's state, the latest revision of each figure,
series of one figure, and the facilities behind a facility-based figure (drill-down, computed live).

Aggregates are public to every role that reads statistics (the ranking of units needs all of them); the
drill-down names facilities and is scoped: the city and city-wide inspectors any unit, officers and inspectors
of a unit their own, nobody else (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from facilities.models import Category, FacilityForm, RecognitionKind, StaffMember
from facilities.selectors import versions_as_of
from facilities.selectors_recognition import recognitions_in_force_on
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import scope_to_jurisdiction, sees_whole_city
from suzhou_childcare.regions.models import District

from .catalogue import CODES, UNITS
from .compilation import FILED, as_of_day
from .models import Indicator, PeriodState, Snapshot

if TYPE_CHECKING:
    from suzhou_childcare.accounts.models import User

CITY = "city"


# --- the catalogue and the months -----------------------------------------------------------------------------


def catalogue_in_force(*, on: date | None = None) -> list[Indicator]:
    """One definition per indicator code: the latest that started on or before `on` and has not ended."""
    on = on or timezone.localdate()
    rows = (
        Indicator.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("code", "-effective_from")
    )
    seen: dict[str, Indicator] = {}
    for row in rows:
        seen.setdefault(row.code, row)
    return sorted(seen.values(), key=lambda row: (row.position, row.code))


def indicator_units(*, on: date | None = None, catalogue: list[Indicator] | None = None) -> dict[str, str]:
    """{code: unit} of the catalogue in force (or of `catalogue`), over the shipped catalogue's codes."""
    rows = catalogue if catalogue is not None else catalogue_in_force(on=on)
    return {**UNITS, **{row.code: row.unit for row in rows}}


def period_state(*, period: date) -> PeriodState | None:
    """The month's state if it was ever compiled, else None."""
    return PeriodState.objects.filter(period=period, compiled_at__isnull=False).first()


def states_between(*, start: date, end: date) -> dict[str, Any]:
    """What identifies the data of a range of months: the latest change and how many months are compiled."""
    return PeriodState.objects.filter(period__gte=start, period__lte=end, compiled_at__isnull=False).aggregate(
        changed_at=Max("changed_at"), compiled_at=Max("compiled_at"), months=Count("id")
    )


# --- snapshots ------------------------------------------------------------------------------------------------


def latest_snapshots() -> QuerySet[Snapshot]:
    """Snapshots that are the latest revision of their (period, unit, indicator): what every read serves.

    One NOT EXISTS per row against the unique key's index; the city's rows (no unit) compare on "no unit",
    since NULL never equals NULL.
    """
    newer_for_unit = Snapshot.objects.filter(
        period=OuterRef("period"),
        district=OuterRef("district"),
        indicator=OuterRef("indicator"),
        revision__gt=OuterRef("revision"),
    )
    newer_for_city = Snapshot.objects.filter(
        period=OuterRef("period"),
        district__isnull=True,
        indicator=OuterRef("indicator"),
        revision__gt=OuterRef("revision"),
    )
    return Snapshot.objects.filter(
        (Q(district__isnull=False) & ~Q(Exists(newer_for_unit)))
        | (Q(district__isnull=True) & ~Q(Exists(newer_for_city)))
    )


def period_snapshots(*, period: date, city: bool | None = None) -> QuerySet[Snapshot]:
    """The latest figures of a month: all of them, the units' only (`city=False`) or the city's (`city=True`)."""
    rows = latest_snapshots().filter(period=period)
    if city is not None:
        rows = rows.filter(district__isnull=city)
    return rows.order_by("district_id", "indicator")


def series(*, indicator: str, district_code: str | None, start: date, end: date) -> QuerySet[Snapshot]:
    """One figure month by month (the city's when `district_code` is None), latest revision of each month."""
    rows = latest_snapshots().filter(indicator=indicator, period__gte=start, period__lte=end)
    rows = rows.filter(district__isnull=True) if district_code is None else rows.filter(district_id=district_code)
    return rows.order_by("period")


def units() -> QuerySet[District]:
    return District.objects.order_by("code")


# --- drill-down -----------------------------------------------------------------------------------------------

VERSION_FILTERS: dict[str, Q] = {
    "facilities": Q(),
    "facilities_kindergarten_class": Q(category=Category.KINDERGARTEN_CLASS),
    "facilities_social": Q(category=Category.SOCIAL),
    **{f"facilities_form_{form}": Q(form=form) for form in FacilityForm.values},
    "facilities_filed": Q(filing_status__in=FILED),
}
VERSION_SUMS = {"slots": "slots", "enrolled": "enrolled"}
STAFF_FILTERS: dict[str, Q] = {
    "staff": Q(),
    "staff_kindergarten_class": Q(category=Category.KINDERGARTEN_CLASS),
    "staff_social": ~Q(category=Category.KINDERGARTEN_CLASS),
}
RECOGNITION_KINDS = {f"recognitions_{kind}": kind for kind in RecognitionKind.values}
DRILLDOWN_INDICATORS: tuple[str, ...] = tuple(
    code for code in CODES if code in {*VERSION_FILTERS, *VERSION_SUMS, *STAFF_FILTERS, *RECOGNITION_KINDS}
)


def drilldown_unit_for(*, user: User, code: str) -> str | None:
    """The unit a user may drill into (None for the whole city); 404 for units outside their jurisdiction.

    Statistics clients read aggregates only, so they get nothing here.
    """
    if code == CITY:
        if sees_whole_city(user):
            return None
        raise NotFound
    if not scope_to_jurisdiction(District.objects.filter(code=code), user=user, district_field="code").exists():
        raise NotFound
    return code


def drilldown_rows(*, period: date, district_code: str | None, indicator: str, today: date | None = None) -> QuerySet:
    """The facilities behind a facility-based figure as of the month's as-of day, computed live from the
    versioned history exactly as the compilation counts them: dicts of `ref` (facility id), `label` (name),
    `unit` (county-level unit) and `contribution`, largest first."""
    day = as_of_day(period, today or timezone.localdate())
    if indicator in RECOGNITION_KINDS:
        rows = recognitions_in_force_on(day).filter(kind=RECOGNITION_KINDS[indicator])
        if district_code:
            rows = rows.filter(facility__district_id=district_code)
        return (
            rows.order_by()
            .values(ref=F("facility_id"), label=F("facility__name"), unit=F("facility__district_id"))
            .annotate(contribution=Count("id"))
            .order_by("-contribution", "label", "ref")
        )
    versions = versions_as_of(day)
    if district_code:
        versions = versions.filter(district_id=district_code)
    if indicator in VERSION_FILTERS:
        contribution = Value(1, output_field=IntegerField())
        versions = versions.filter(VERSION_FILTERS[indicator])
    elif indicator in VERSION_SUMS:
        contribution = F(VERSION_SUMS[indicator])
    elif indicator in STAFF_FILTERS:
        employed = (
            StaffMember.objects.filter(facility=OuterRef("facility"), employed_from__lte=day)
            .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=day))
            .order_by()
            .values("facility")
            .annotate(n=Count("id"))
            .values("n")
        )
        contribution = Coalesce(Subquery(employed, output_field=IntegerField()), 0)
        versions = versions.filter(STAFF_FILTERS[indicator])
    else:
        raise ValueError(f"{indicator} is not a facility-based figure")
    return versions.values(
        ref=F("facility_id"), label=F("facility__name"), unit=F("district_id"), contribution=contribution
    ).order_by("-contribution", "label", "ref")


def drilldown_total(rows: QuerySet) -> int:
    """The sum of the contributions, in the database (equals the compiled figure for the same day)."""
    return sum_of(rows, "contribution")


def sum_of(rows: QuerySet, field: str) -> int:
    return rows.order_by().aggregate(total=Coalesce(Sum(field), 0))["total"]


def district_names(codes: Iterable[str] | None = None) -> dict[str, str]:
    rows = District.objects.all() if codes is None else District.objects.filter(code__in=list(codes))
    return dict(rows.values_list("code", "name"))
