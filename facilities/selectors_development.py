"""Reading development targets, their progress, build projects and guidance activities, scoped to the user.

The city admin (and city-wide inspectors) see the whole city; a unit's officer or inspector their unit;
an operator only the guidance activities of their own facilities. Progress is aggregated in the database:
a fixed number of queries whatever the number of projects, facilities or recognitions.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import scope_to_jurisdiction, sees_whole_city
from suzhou_childcare.regions.models import District, DistrictPopulation, PopulationStatus, Street

from .models import (
    INCLUSIVE_KINDS,
    MODEL_KINDS,
    BuildProject,
    DevelopmentTarget,
    Facility,
    FilingStatus,
    GuidanceActivity,
    GuidanceKind,
    ProjectStatus,
    Recognition,
    RecognitionKind,
    TargetIndicator,
)
from .selectors import facility_scope_for, versions_as_of
from .selectors_recognition import recognitions_in_force_on

READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
COUNT_INDICATORS = (TargetIndicator.INCLUSIVE_FACILITIES_BUILT, TargetIndicator.MODEL_FACILITIES)
HUNDREDTH = Decimal("0.01")
RATIO = Decimal("0.0001")
TENTH = Decimal("0.1")


def may_read_development(user) -> bool:
    """Targets, progress and projects: the city, the units' officers and inspectors."""
    return bool(user.is_authenticated and user.is_active and user.role in READERS)


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


# --- targets ---


def target_list_for(*, user, filters: dict | None = None) -> QuerySet[DevelopmentTarget]:
    """The targets a user answers for: all for the city; a unit's own and the city's for the unit."""
    filters = filters or {}
    if not may_read_development(user):
        return DevelopmentTarget.objects.none()
    qs = DevelopmentTarget.objects.select_related("district", "set_by")
    if not sees_whole_city(user):
        qs = qs.filter(Q(district__isnull=True) | Q(district_id=user.district_id))
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("indicator"):
        qs = qs.filter(indicator=filters["indicator"])
    if filters.get("district") == "city":
        qs = qs.filter(district__isnull=True)
    elif filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    return qs.order_by("-year", "indicator", "district_id", "id")


def _units_for(user, *, year: int, citywide: bool = False) -> list[District]:
    latest = DistrictPopulation.objects.filter(district=OuterRef("pk"), year__lte=year).order_by("-year")
    units = District.objects.annotate(
        population=Subquery(latest.values("population")[:1]),
        population_year=Subquery(latest.values("year")[:1]),
        population_status=Subquery(latest.values("status")[:1]),
    ).order_by("code")
    if citywide:
        return list(units)
    if not may_read_development(user):
        return []
    return list(scope_to_jurisdiction(units, user=user, district_field="code"))


def _ratio(actual, target) -> Decimal | None:
    if actual is None or target is None or target == 0:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(RATIO, rounding=ROUND_HALF_UP)


def _per_thousand(slots: int, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (Decimal(slots) * 1000 / Decimal(population)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _share(covered: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(covered) * 100 / Decimal(total)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def progress_day(year: int, *, today: date | None = None) -> date:
    """The day a year's state is read on: 31 December, or today while the year is not over."""
    today = today or timezone.localdate()
    return min(date(year, 12, 31), today)


def target_progress(*, year: int, user=None, today: date | None = None, citywide: bool = False) -> dict[str, Any]:
    """Target, actual and completion per unit and indicator for `year` (the city row last, for city users).

    - inclusive facilities built: the unit's build projects of the target's years (`target_year` from the
      target's `from_year`, else `year` alone) opened by 31 December of `year`;
    - model facilities: facilities granted a municipal model recognition from 1 January of `from_year` (else
      `year`) to 31 December of `year`, each counted once;
    - streets with an inclusive facility: streets of the unit with at least one facility holding an inclusive
      recognition in force on the day (31 December, or today for the current year) ÷ the unit's streets × 100;
    - slots per 1,000 residents: slots of the facilities operating that day ÷ resident population (latest
      figure up to `year`) × 1,000, marked estimated when the population is an estimate.

    A unit without its own count target is measured over the city target's years. The city is the sum of the
    units, its count targets the sum of the units' when no city target is set. `citywide=True` reads every unit
    and the city without a user (aggregates only: the indicator compilation and the assessment table).
    """
    day = progress_day(year, today=today)
    year_end = date(year, 12, 31)
    units = _units_for(user, year=year, citywide=citywide)
    codes = [unit.code for unit in units]
    whole_city = bool(units) and (citywide or sees_whole_city(user))

    targets = {
        (row.district_id, row.indicator): row
        for row in DevelopmentTarget.objects.filter(year=year).filter(
            Q(district__isnull=True) | Q(district_id__in=codes)
        )
    }

    def start_of(code: str | None, indicator: str) -> int:
        own = targets.get((code, indicator))
        if own is None and code is not None:
            own = targets.get((None, indicator))
        return own.from_year if own is not None and own.from_year else year

    starts = {start_of(code, ind) for ind in COUNT_INDICATORS for code in [*codes, None]}
    built = {
        row["district_id"]: row
        for row in BuildProject.objects.filter(
            district_id__in=codes,
            status=ProjectStatus.OPENED,
            opened_on__lte=year_end,
            target_year__lte=year,
            target_year__gte=min(starts),
        )
        .order_by()
        .values("district_id")
        .annotate(**{f"from_{s}": Count("id", filter=Q(target_year__gte=s)) for s in starts})
    }
    models = {
        row["facility__district_id"]: row
        for row in Recognition.objects.filter(
            facility__district_id__in=codes,
            kind=RecognitionKind.MUNICIPAL_MODEL,
            granted_on__lte=year_end,
            granted_on__gte=date(min(starts), 1, 1),
        )
        .order_by()
        .values("facility__district_id")
        .annotate(
            **{f"from_{s}": Count("facility", distinct=True, filter=Q(granted_on__gte=date(s, 1, 1))) for s in starts}
        )
    }
    inclusive_on_street = recognitions_in_force_on(day).filter(
        kind__in=INCLUSIVE_KINDS, facility__street=OuterRef("pk")
    )
    streets = {
        row["district_id"]: row
        for row in Street.objects.filter(district_id__in=codes)
        .order_by()
        .values("district_id")
        .annotate(total=Count("id"), covered=Count("id", filter=Q(Exists(inclusive_on_street))))
    }
    slots = dict(
        versions_as_of(day)
        .filter(district_id__in=codes)
        .order_by()
        .values("district_id")
        .annotate(slots=Sum("slots"))
        .values_list("district_id", "slots")
    )
    counted = {TargetIndicator.INCLUSIVE_FACILITIES_BUILT: built, TargetIndicator.MODEL_FACILITIES: models}

    def count_actual(code: str, indicator: str, start: int) -> int:
        return (counted[indicator].get(code) or {}).get(f"from_{start}", 0)

    rows: list[dict[str, Any]] = []
    for unit in units:
        street_row = streets.get(unit.code) or {"total": 0, "covered": 0}
        unit_slots = slots.get(unit.code) or 0
        estimated = unit.population_status == PopulationStatus.ESTIMATE
        actuals = {
            TargetIndicator.INCLUSIVE_FACILITIES_BUILT: count_actual(
                unit.code,
                TargetIndicator.INCLUSIVE_FACILITIES_BUILT,
                start_of(unit.code, TargetIndicator.INCLUSIVE_FACILITIES_BUILT),
            ),
            TargetIndicator.MODEL_FACILITIES: count_actual(
                unit.code, TargetIndicator.MODEL_FACILITIES, start_of(unit.code, TargetIndicator.MODEL_FACILITIES)
            ),
            TargetIndicator.STREETS_WITH_INCLUSIVE_SHARE: _share(street_row["covered"], street_row["total"]),
            TargetIndicator.SLOTS_PER_THOUSAND: _per_thousand(unit_slots, unit.population),
        }
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "is_city": False,
                "population": unit.population,
                "population_year": unit.population_year,
                "population_estimated": estimated,
                "slots": unit_slots,
                "streets": street_row["total"],
                "streets_with_inclusive": street_row["covered"],
                "indicators": [
                    _indicator_cell(ind, targets.get((unit.code, ind)), None, actuals[ind], estimated=estimated)
                    for ind in TargetIndicator.values
                ],
            }
        )
    if whole_city:
        rows.append(_city_row(rows, targets=targets, count_actual=count_actual, codes=codes, start_of=start_of))
    return {"year": year, "as_of": day, "rows": rows, "indicators": TargetIndicator.choices}


def _indicator_cell(indicator: str, target_row, summed_target, actual, *, estimated: bool) -> dict[str, Any]:
    target = target_row.value if target_row is not None else summed_target
    ratio = _ratio(actual, target)
    note = ""
    if actual is None and indicator == TargetIndicator.STREETS_WITH_INCLUSIVE_SHARE:
        note = "streets_not_entered"
    elif actual is None and indicator == TargetIndicator.SLOTS_PER_THOUSAND:
        note = "population_missing"
    return {
        "indicator": indicator,
        "label": TargetIndicator(indicator).label,
        "target": target,
        "target_summed": target_row is None and summed_target is not None,
        "from_year": target_row.from_year if target_row is not None else None,
        "source": target_row.source if target_row is not None else "",
        "actual": actual,
        "completion": ratio,
        "percent": (ratio * 100).quantize(TENTH, rounding=ROUND_HALF_UP) if ratio is not None else None,
        "estimated": estimated and indicator == TargetIndicator.SLOTS_PER_THOUSAND and actual is not None,
        "note": note,
    }


def _city_row(unit_rows: list[dict], *, targets: dict, count_actual, codes: list[str], start_of) -> dict[str, Any]:
    population = sum(r["population"] or 0 for r in unit_rows) or None
    slots = sum(r["slots"] for r in unit_rows)
    street_total = sum(r["streets"] for r in unit_rows)
    street_covered = sum(r["streets_with_inclusive"] for r in unit_rows)
    estimated = any(r["population_estimated"] for r in unit_rows)
    cells = []
    for position, indicator in enumerate(TargetIndicator.values):
        city_target = targets.get((None, indicator))
        summed = None
        if indicator in COUNT_INDICATORS:
            if city_target is not None:
                start = start_of(None, indicator)
                actual = sum(count_actual(code, indicator, start) for code in codes)
            else:
                actual = sum(r["indicators"][position]["actual"] for r in unit_rows)
                unit_targets = [r["indicators"][position]["target"] for r in unit_rows]
                if any(t is not None for t in unit_targets):
                    summed = sum((t for t in unit_targets if t is not None), Decimal(0))
        elif indicator == TargetIndicator.STREETS_WITH_INCLUSIVE_SHARE:
            actual = _share(street_covered, street_total)
        else:
            actual = _per_thousand(slots, population)
        cells.append(_indicator_cell(indicator, city_target, summed, actual, estimated=estimated))
    return {
        "code": None,
        "name": None,
        "is_city": True,
        "population": population,
        "population_year": max((r["population_year"] or 0 for r in unit_rows), default=0) or None,
        "population_estimated": estimated,
        "slots": slots,
        "streets": street_total,
        "streets_with_inclusive": street_covered,
        "indicators": cells,
    }


# --- build projects ---


def project_scope_for(*, user) -> QuerySet[BuildProject]:
    if not may_read_development(user):
        return BuildProject.objects.none()
    return scope_to_jurisdiction(BuildProject.objects.all(), user=user)


def project_list_for(*, user, filters: dict | None = None) -> QuerySet[BuildProject]:
    filters = filters or {}
    qs = project_scope_for(user=user).select_related("district", "street", "facility")
    if filters.get("year"):
        qs = qs.filter(target_year=filters["year"])
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("programme"):
        qs = qs.filter(programme__icontains=filters["programme"].strip())
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(Q(name__icontains=term) | Q(programme__icontains=term))
    return qs.order_by("-target_year", "district_id", "name", "id")


def project_get_for(*, user, pk) -> BuildProject:
    project = (
        project_scope_for(user=user)
        .select_related("district", "street", "facility", "created_by")
        .filter(pk=_int(pk))
        .first()
    )
    if project is None:
        raise NotFound
    return project


def project_status_counts(*, user, filters: dict | None = None) -> dict[str, int]:
    """Projects per status under the same filters (status itself aside), counted in the database."""
    filters = {key: value for key, value in (filters or {}).items() if key != "status"}
    counted = dict(
        project_list_for(user=user, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counted.get(status, 0) for status in ProjectStatus.values}


def project_facility_choices(*, user, project: BuildProject) -> QuerySet[Facility]:
    """Facilities that may be named when the project opens: the project's unit, not linked elsewhere."""
    return (
        facility_scope_for(user=user)
        .filter(district_id=project.district_id)
        .filter(Q(build_project__isnull=True) | Q(build_project=project))
        .exclude(filing_status=FilingStatus.CANCELLED)
        .order_by("name", "id")
    )


def project_cancel_reason(project: BuildProject) -> str:
    """The reason given when the project was cancelled (kept on its audit entry)."""
    from django.contrib.contenttypes.models import ContentType

    from suzhou_childcare.audit.models import AuditEntry

    if project.status != ProjectStatus.CANCELLED:
        return ""
    entry = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(BuildProject),
            object_id=str(project.pk),
            action="build_project.cancel",
        )
        .order_by("-id")
        .first()
    )
    return entry.reason if entry else ""


# --- guidance activities ---


def guidance_scope_for(*, user) -> QuerySet[GuidanceActivity]:
    return GuidanceActivity.objects.filter(facility__in=facility_scope_for(user=user))


def guidance_list_for(*, user, filters: dict | None = None) -> QuerySet[GuidanceActivity]:
    filters = filters or {}
    qs = guidance_scope_for(user=user).select_related(
        "facility", "facility__district", "mentored_facility", "recognition", "recorded_by"
    )
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("date_from"):
        qs = qs.filter(held_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(held_on__lte=filters["date_to"])
    return qs.order_by("-held_on", "-id")


def guidance_counts(*, user, date_from: date, date_to: date, district: str | None = None) -> list[dict[str, Any]]:
    """Per facility: activities and participants per kind held from `date_from` to `date_to` (inclusive).

    Plain dicts, one per facility with at least one activity, for pages, exports and the reports app:
    ``{"facility_id", "facility_name", "district", "kinds": {kind: {"count", "participants"}},
    "count", "participants"}``.
    """
    qs = guidance_scope_for(user=user).filter(held_on__gte=date_from, held_on__lte=date_to)
    if district:
        qs = qs.filter(facility__district_id=district)
    annotations: dict[str, Any] = {"all__count": Count("id"), "all__participants": Sum("participants", default=0)}
    for kind in GuidanceKind.values:
        annotations[f"{kind}__count"] = Count("id", filter=Q(kind=kind))
        annotations[f"{kind}__participants"] = Sum("participants", filter=Q(kind=kind), default=0)
    rows = (
        qs.order_by()
        .values("facility_id", "facility__name", "facility__district_id")
        .annotate(**annotations)
        .order_by("facility__district_id", "facility__name", "facility_id")
    )
    return [
        {
            "facility_id": row["facility_id"],
            "facility_name": row["facility__name"],
            "district": row["facility__district_id"],
            "kinds": {
                kind: {"count": row[f"{kind}__count"], "participants": row[f"{kind}__participants"]}
                for kind in GuidanceKind.values
            },
            "count": row["all__count"],
            "participants": row["all__participants"],
        }
        for row in rows
    ]


def guidance_kind_totals(counts: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Totals per kind over the per-facility counts of `guidance_counts`."""
    return {
        kind: {
            "count": sum(row["kinds"][kind]["count"] for row in counts),
            "participants": sum(row["kinds"][kind]["participants"] for row in counts),
        }
        for kind in GuidanceKind.values
    }


def guidance_facility_choices(*, user) -> QuerySet[Facility]:
    """Facilities in the user's reach that hold (or held) a model recognition: those that may record."""
    held = Recognition.objects.filter(facility=OuterRef("pk"), kind__in=MODEL_KINDS)
    return facility_scope_for(user=user).filter(Exists(held)).order_by("name", "id")


def mentoring_candidates(*, user) -> QuerySet[Facility]:
    """Facilities that may be named as mentored: any filed facility of the city (its record is public) and
    any facility in the user's own reach; never a cancelled one."""
    return (
        Facility.objects.filter(Q(filing_number__isnull=False) | Q(pk__in=facility_scope_for(user=user).values("pk")))
        .exclude(filing_status=FilingStatus.CANCELLED)
        .order_by("district_id", "name", "id")
    )
