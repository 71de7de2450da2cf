"""Compiling the indicators of a month into snapshots: per chunk of units, each source one GROUP BY in the
database, then the city's rows from the units' numerators and denominators (never averages of rates).

Writes are idempotent: a figure equal to the stored one writes nothing; a changed figure updates a provisional
period in place and adds a new revision to a final one. A source with no data at all up to the period gives
`null` with status `unavailable`, never 0.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from facilities.models import (
    INCLUSIVE_KINDS,
    Category,
    DevelopmentTarget,
    FacilityForm,
    FilingStatus,
    GuidanceActivity,
    RecognitionKind,
)
from facilities.selectors import versions_as_of
from facilities.selectors_recognition import recognitions_in_force_on
from inspections.models import Inspection, Penalty, RectificationOrder, SelfInspection
from subsidies.models import Statement
from suzhou_childcare.regions.models import District, DistrictPopulation, Street

from .catalogue import CODES
from .compilation_targets import CODES as TARGET_CODES
from .compilation_targets import target_figures
from .models import PeriodState, Snapshot, SnapshotStatus

FILED = [FilingStatus.FILED, FilingStatus.VERIFIED, FilingStatus.NONCONFORMING, FilingStatus.CHANGE_PENDING]
FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    estimated: bool = False

    @property
    def available(self) -> bool:
        return self.value is not None


UNAVAILABLE = Figure(None)


def month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def as_of_day(period: date, today: date) -> date:
    """The day a month's figures describe: its last day, or today while the month runs."""
    return min(month_end(period), today)


def _count(n) -> Figure:
    return Figure(Decimal(n or 0).quantize(FOUR))


def _rate(numerator, denominator, *, scale: int = 100, estimated: bool = False) -> Figure:
    numerator, denominator = Decimal(numerator or 0), Decimal(denominator or 0)
    value = (numerator * scale / denominator).quantize(FOUR, rounding=ROUND_HALF_UP) if denominator else Decimal(0)
    return Figure(value.quantize(FOUR), numerator, denominator, estimated)


def _by_district(rows, key: str = "district_id") -> dict[str, dict]:
    return {row[key]: row for row in rows}


def _population(*, year: int, codes: list[str]) -> dict[str, dict]:
    """The chunk's units' latest population at or before `year` (as `population_by_district`, for these units)."""
    latest = DistrictPopulation.objects.filter(district=OuterRef("pk"), year__lte=year).order_by("-year")
    rows = (
        District.objects.filter(code__in=codes)
        .annotate(
            population=Subquery(latest.values("population")[:1]),
            population_status=Subquery(latest.values("status")[:1]),
        )
        .values("code", "population", "population_status")
    )
    return {row["code"]: row for row in rows}


def compile_units(*, period: date, district_codes: list[str], today: date | None = None) -> dict:
    """Every indicator of each unit in `district_codes` for `period`: {(code, indicator): Figure}."""
    today = today or timezone.localdate()
    day = as_of_day(period, today)
    last = month_end(period)
    current_month = period == today.replace(day=1)
    codes = list(district_codes)
    versions = versions_as_of(day).filter(district_id__in=codes)
    # Restricted (redundantly) to the chunk's facilities, so that the database does not hash every inclusive
    # recognition of the city for each chunk.
    inclusive_now = recognitions_in_force_on(day).filter(
        kind__in=INCLUSIVE_KINDS, facility=OuterRef("facility"), facility__in=versions.values("facility")
    )
    facility_rows = _by_district(
        versions.values("district_id").annotate(
            facilities=Count("id"),
            kg=Count("id", filter=Q(category=Category.KINDERGARTEN_CLASS)),
            social=Count("id", filter=Q(category=Category.SOCIAL)),
            filed=Count("id", filter=Q(filing_status__in=FILED)),
            slots_sum=Sum("slots"),
            enrolled_sum=Sum("enrolled"),
            inclusive_slots=Sum("slots", filter=Q(Exists(inclusive_now))),
            **{f"form_{form}": Count("id", filter=Q(form=form)) for form in FacilityForm.values},
        )
    )
    # Staff employed on the day, in the unit of their facility's version in force (as `staff_as_of` counts them):
    # the chunk's versions joined to their staff (one filter() call, so one join), not every staff member of the
    # city looked up per chunk.
    staff_rows = _by_district(
        versions.filter(
            Q(facility__staff__employed_from__lte=day)
            & (Q(facility__staff__employed_to__isnull=True) | Q(facility__staff__employed_to__gt=day))
        )
        .values("district_id")
        .annotate(
            staff=Count("facility__staff"),
            staff_kg=Count("facility__staff", filter=Q(category=Category.KINDERGARTEN_CLASS)),
        )
    )
    population = _population(year=period.year, codes=codes)
    recognitions: dict[str, dict[str, int]] = defaultdict(dict)
    for unit, kind, n in (
        recognitions_in_force_on(day)
        .filter(facility__district_id__in=codes)
        .values_list("facility__district_id", "kind")
        .annotate(n=Count("id"))
    ):
        recognitions[unit][kind] = n
    streets = dict(
        Street.objects.filter(district_id__in=codes)
        .values("district_id")
        .annotate(n=Count("id"))
        .values_list("district_id", "n")
    )
    streets_inclusive = dict(
        recognitions_in_force_on(day)
        .filter(kind__in=INCLUSIVE_KINDS, facility__district_id__in=codes, facility__street__isnull=False)
        .values("facility__district_id")
        .annotate(n=Count("facility__street", distinct=True))
        .values_list("facility__district_id", "n")
    )
    subsidies_available = Statement.objects.filter(period=period).exists()
    paid = dict(
        Statement.objects.filter(period=period, batch__status="paid", facility__district_id__in=codes)
        .values("facility__district_id")
        .annotate(total=Sum("total"))
        .values_list("facility__district_id", "total")
    )
    inspections_available = Inspection.objects.filter(inspected_on__lte=day).exists()
    inspected = Inspection.objects.filter(
        facility=OuterRef("facility"),
        status="completed",
        inspected_on__gt=day - timedelta(days=365),
        inspected_on__lte=day,
    )
    quarter = date(period.year, 3 * ((period.month - 1) // 3) + 1, 1)
    self_checked = SelfInspection.objects.filter(facility=OuterRef("facility"), period=quarter)
    supervision_rows = _by_district(
        versions.values("district_id").annotate(
            covered=Count("id", filter=Q(Exists(inspected))),
            self_inspected=Count("id", filter=Q(Exists(self_checked))),
        )
    )
    self_inspections_available = SelfInspection.objects.filter(period__lte=quarter).exists()
    overdue = dict(
        RectificationOrder.objects.filter(facility__district_id__in=codes, issued_on__lte=day, deadline__lt=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .values("facility__district_id")
        .annotate(n=Count("id"))
        .values_list("facility__district_id", "n")
    )
    penalties = dict(
        Penalty.objects.filter(
            facility__district_id__in=codes, status="decided", decided_on__gte=period, decided_on__lte=last
        )
        .values("facility__district_id")
        .annotate(n=Count("id"))
        .values_list("facility__district_id", "n")
    )
    guidance_available = GuidanceActivity.objects.filter(held_on__lte=last).exists()
    guidance = dict(
        GuidanceActivity.objects.filter(facility__district_id__in=codes, held_on__gte=period, held_on__lte=last)
        .values("facility__district_id")
        .annotate(n=Count("id"))
        .values_list("facility__district_id", "n")
    )
    current_rows = {}
    if current_month:
        # No history is kept of training compliance or equipment: only the running month has them.
        current_rows = _by_district(
            versions.values("district_id").annotate(
                checked=Count("id", filter=Q(facility__training_compliant__isnull=False)),
                compliant=Count("id", filter=Q(facility__training_compliant=True)),
                equipped=Count(
                    "id",
                    filter=Q(
                        facility__surveillance_covers_infant_areas=True,
                        facility__one_click_alarm=True,
                    )
                    & ~Q(facility__insurance_mode="none"),
                ),
            )
        )
    # The targets' aggregate reads every unit of the city, so it is skipped (all `unavailable`, as it would give)
    # when the year has no target at all.
    targets = (
        target_figures(period=period, day=day) if DevelopmentTarget.objects.filter(year=period.year).exists() else {}
    )
    figures: dict[tuple[str, str], Figure] = {}
    for code in codes:
        f = facility_rows.get(code, {})
        s = staff_rows.get(code, {})
        p = population.get(code, {})
        rec = recognitions.get(code, {})
        sup = supervision_rows.get(code, {})
        pop = p.get("population")
        estimated = p.get("population_status") == "estimate"
        unit = {
            "facilities": _count(f.get("facilities")),
            "facilities_kindergarten_class": _count(f.get("kg")),
            "facilities_social": _count(f.get("social")),
            **{f"facilities_form_{form}": _count(f.get(f"form_{form}")) for form in FacilityForm.values},
            "facilities_filed": _count(f.get("filed")),
            "filing_rate": _rate(f.get("filed"), f.get("facilities")),
            "slots": _count(f.get("slots_sum")),
            "enrolled": _count(f.get("enrolled_sum")),
            "occupancy_rate": _rate(f.get("enrolled_sum"), f.get("slots_sum")),
            "staff": _count(s.get("staff")),
            "staff_kindergarten_class": _count(s.get("staff_kg")),
            "staff_social": _count((s.get("staff") or 0) - (s.get("staff_kg") or 0)),
            "population": Figure(Decimal(pop), estimated=estimated) if pop else UNAVAILABLE,
            "slots_per_thousand": _rate(f.get("slots_sum"), pop, scale=1000, estimated=estimated)
            if pop
            else UNAVAILABLE,
            **{f"recognitions_{kind}": _count(rec.get(kind)) for kind in RecognitionKind.values},
            "inclusive_slots_share": _rate(f.get("inclusive_slots"), f.get("slots_sum")),
            "streets_with_inclusive_facility_share": _rate(streets_inclusive.get(code), streets.get(code))
            if streets.get(code)
            else UNAVAILABLE,
            "subsidies_paid": Figure(Decimal(paid.get(code) or 0).quantize(FOUR))
            if subsidies_available
            else UNAVAILABLE,
            "inspection_coverage": _rate(sup.get("covered"), f.get("facilities"))
            if inspections_available
            else UNAVAILABLE,
            "rectifications_overdue": _count(overdue.get(code)) if inspections_available else UNAVAILABLE,
            "penalties": _count(penalties.get(code)) if inspections_available else UNAVAILABLE,
            "self_inspection_rate": _rate(sup.get("self_inspected"), f.get("facilities"))
            if self_inspections_available
            else UNAVAILABLE,
            "training_compliance_rate": _rate(
                current_rows.get(code, {}).get("compliant"), current_rows.get(code, {}).get("checked")
            )
            if current_month and current_rows.get(code, {}).get("checked")
            else UNAVAILABLE,
            "safety_equipment_compliance_rate": _rate(current_rows.get(code, {}).get("equipped"), f.get("facilities"))
            if current_month
            else UNAVAILABLE,
            "guidance_sessions": _count(guidance.get(code)) if guidance_available else UNAVAILABLE,
        }
        for indicator, figure in unit.items():
            figures[(code, indicator)] = figure
    for code in codes:
        for indicator in TARGET_CODES:
            completion = targets.get(code, {}).get(indicator)
            figures[(code, indicator)] = Figure(*completion) if completion else UNAVAILABLE
    return figures


def city_figures(unit_figures: dict[tuple[str, str], Figure]) -> dict[str, Figure]:
    """The city's figures from its units': counts summed, rates from summed numerators and denominators."""
    from .catalogue import UNITS

    by_indicator: dict[str, list[Figure]] = defaultdict(list)
    for (_code, indicator), figure in unit_figures.items():
        by_indicator[indicator].append(figure)
    city = {}
    for indicator, figures in by_indicator.items():
        available = [f for f in figures if f.available]
        if not available:
            city[indicator] = UNAVAILABLE
            continue
        estimated = any(f.estimated for f in available)
        if UNITS[indicator] in ("percent", "per_thousand"):
            scale = 1000 if UNITS[indicator] == "per_thousand" else 100
            city[indicator] = _rate(
                sum((f.numerator or 0 for f in available), Decimal(0)),
                sum((f.denominator or 0 for f in available), Decimal(0)),
                scale=scale,
                estimated=estimated,
            )
        else:
            city[indicator] = Figure(sum((f.value for f in available), Decimal(0)).quantize(FOUR), estimated=estimated)
    return city


def _store(period: date, rows: dict[tuple[str | None, str], Figure], *, final: bool, now) -> int:
    """Write what changed; return how many rows were written (0 when nothing changed)."""
    latest = {}
    districts = {district for district, _indicator in rows}
    current = Snapshot.objects.filter(period=period, indicator__in=CODES)
    current = (
        current.filter(district__isnull=True) if districts == {None} else current.filter(district_id__in=districts)
    )
    for snap in current.order_by("district_id", "indicator", "revision"):
        latest[(snap.district_id, snap.indicator)] = snap
    created: list[Snapshot] = []
    updated: list[Snapshot] = []
    for (district, indicator), figure in rows.items():
        status = (
            SnapshotStatus.UNAVAILABLE
            if not figure.available
            else (SnapshotStatus.FINAL if final else SnapshotStatus.PROVISIONAL)
        )
        values = {
            "value": figure.value,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "status": status,
            "estimated": figure.estimated,
        }
        old = latest.get((district, indicator))
        if old is not None and all(_same(getattr(old, k), v) for k, v in values.items()):
            continue
        if old is None:
            created.append(Snapshot(period=period, district_id=district, indicator=indicator, as_of=now, **values))
        elif final:
            # A final figure is never changed: a recompute that differs is a new revision.
            created.append(
                Snapshot(
                    period=period,
                    district_id=district,
                    indicator=indicator,
                    revision=old.revision + 1,
                    as_of=now,
                    **values,
                )
            )
        else:
            for key, value in values.items():
                setattr(old, key, value)
            old.as_of = now
            updated.append(old)
    Snapshot.objects.bulk_create(created)
    Snapshot.objects.bulk_update(updated, ["value", "numerator", "denominator", "status", "estimated", "as_of"])
    return len(created) + len(updated)


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return a == b


def compile_chunk(*, period: date, district_codes: list[str], today: date | None = None) -> int:
    """Compile and store one chunk of units (one transaction). Returns the number of rows written."""
    now = timezone.now()
    figures = compile_units(period=period, district_codes=district_codes, today=today)
    with transaction.atomic():
        state, _created = PeriodState.objects.select_for_update().get_or_create(period=period)
        changed = _store(period, dict(figures.items()), final=state.status == SnapshotStatus.FINAL, now=now)
        state.compiled_at = now
        if changed:
            state.changed_at = now
        state.save()
    return changed


def compile_city(*, period: date, today: date | None = None) -> int:
    """The city's rows from the stored units' latest figures (run after every chunk of the month)."""
    now = timezone.now()
    newer = Snapshot.objects.filter(
        period=period,
        district_id=OuterRef("district_id"),
        indicator=OuterRef("indicator"),
        revision__gt=OuterRef("revision"),
    )
    units = {
        (district, indicator): Figure(value, numerator, denominator, estimated)
        for district, indicator, value, numerator, denominator, estimated in Snapshot.objects.filter(
            period=period, district__isnull=False
        )
        .filter(~Exists(newer))  # the latest revision of each key, chosen in the database
        .values_list("district_id", "indicator", "value", "numerator", "denominator", "estimated")
    }
    city = city_figures(units)
    # The city's target completion is measured against the city's own targets, not the sum of the units'.
    day = as_of_day(period, today or timezone.localdate())
    for indicator, completion in target_figures(period=period, day=day).get(None, {}).items():
        city[indicator] = Figure(*completion) if completion else UNAVAILABLE
    with transaction.atomic():
        state, _created = PeriodState.objects.select_for_update().get_or_create(period=period)
        changed = _store(
            period, {(None, k): v for k, v in city.items()}, final=state.status == SnapshotStatus.FINAL, now=now
        )
        if changed:
            state.changed_at = now
            state.save(update_fields=["changed_at"])
    return changed


def chunks_of_units(size: int = 5) -> list[list[str]]:
    codes = list(District.objects.order_by("code").values_list("code", flat=True))
    return [codes[i : i + size] for i in range(0, len(codes), size)]


def compile_period(*, period: date, today: date | None = None, chunk_size: int = 5) -> int:
    """The whole month in this process: every chunk, then the city. Returns rows written."""
    changed = sum(
        compile_chunk(period=period, district_codes=chunk, today=today) for chunk in chunks_of_units(chunk_size)
    )
    return changed + compile_city(period=period, today=today)


def finalise_period(*, period: date, actor=None) -> PeriodState:
    """After the month ends: its figures become final (later recomputes make new revisions)."""
    with transaction.atomic():
        state, _created = PeriodState.objects.select_for_update().get_or_create(period=period)
        if state.status == SnapshotStatus.FINAL:
            return state
        now = timezone.now()
        Snapshot.objects.filter(period=period, status=SnapshotStatus.PROVISIONAL).update(status=SnapshotStatus.FINAL)
        state.status = SnapshotStatus.FINAL
        state.finalised_at = now
        state.changed_at = now
        state.save()
    return state
