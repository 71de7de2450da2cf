"""Reading regions. A unit's own page is scoped to the user's jurisdiction; aggregates serve statistics."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import scope_to_jurisdiction

from .models import District, DistrictPopulation


def _latest_population(year: int | None = None):
    rows = DistrictPopulation.objects.filter(district=OuterRef("pk"))
    if year is not None:
        rows = rows.filter(year__lte=year)
    return rows.order_by("-year")


def district_list_for(*, user, year: int | None = None) -> QuerySet[District]:
    """The units the user answers for, each with its latest population (at or before `year`)."""
    latest = _latest_population(year)
    qs = District.objects.annotate(
        population=Subquery(latest.values("population")[:1]),
        population_year=Subquery(latest.values("year")[:1]),
        population_status=Subquery(latest.values("status")[:1]),
        street_count=Count("streets", distinct=True),
    ).order_by("code")
    return scope_to_jurisdiction(qs, user=user, district_field="code")


def district_get_for(*, user, code: str) -> District:
    district = district_list_for(user=user).filter(code=code).first()
    if district is None:
        raise NotFound
    return district


def district_history_scope(*, user) -> QuerySet[District]:
    return scope_to_jurisdiction(District.objects.all(), user=user, district_field="code")


def population_by_district(*, year: int) -> list[dict]:
    """Every unit's population for `year` (its latest figure at or before it), for statistics."""
    latest = _latest_population(year)
    rows = (
        District.objects.annotate(
            population=Subquery(latest.values("population")[:1]),
            population_year=Subquery(latest.values("year")[:1]),
            population_status=Subquery(latest.values("status")[:1]),
        )
        .order_by("code")
        .values("code", "name", "kind", "population", "population_year", "population_status")
    )
    return list(rows)


def city_population(*, year: int) -> int | None:
    """The city's population is the sum of its units' (each at its latest figure up to `year`)."""
    latest = _latest_population(year)
    total = District.objects.annotate(population=Subquery(latest.values("population")[:1])).aggregate(
        total=Sum("population")
    )["total"]
    return total
