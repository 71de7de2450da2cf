"""Compiling the indicators of a month into snapshots: per chunk of units, each source one GROUP BY in the
database, then the city's rows from the units' numerators and denominators (never averages of rates).

Writes are idempotent: a figure equal to the stored one writes nothing; a changed figure updates a provisional
period in place and adds a new revision to a final one. A source with no data at all up to the period gives
`null` with status `unavailable`, never 0.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from facilities.models import (
    INCLUSIVE_KINDS,
    Category,
    DevelopmentTarget,
    Facility,
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


class Figure(NamedTuple):
    """One figure (a tuple: ~50,000 of them per month at national scale)."""

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
    return Figure(Decimal(n or 0))  # a whole number: exact as it is


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
    figures: dict[tuple[str, str], Figure] = {}
    forms, kinds = FacilityForm.values, RecognitionKind.values  # each `.values` builds a new list
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
            **{f"facilities_form_{form}": _count(f.get(f"form_{form}")) for form in forms},
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
            **{f"recognitions_{kind}": _count(rec.get(kind)) for kind in kinds},
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
    return figures


def target_rows(*, period: date, today: date | None = None) -> dict[tuple[str | None, str], Figure]:
    """The completion of the year's targets for every unit and the city, once per month (the targets' aggregate reads
    every unit of the city, so the chunks leave it to `compile_city`). A year without any target: all
    `unavailable`, as the aggregate would give, without running it."""
    day = as_of_day(period, today or timezone.localdate())
    codes = list(District.objects.values_list("code", flat=True))
    has_targets = DevelopmentTarget.objects.filter(year=period.year).exists()
    targets = target_figures(period=period, day=day) if has_targets else {}
    rows = {}
    for code in [*codes, None]:
        for indicator in TARGET_CODES:
            completion = targets.get(code, {}).get(indicator)
            rows[(code, indicator)] = Figure(*completion) if completion else UNAVAILABLE
    return rows


def city_figures(totals: dict[str, dict]) -> dict[str, Figure]:
    """The city's figures from its units' totals per indicator (summed in the database by `_unit_totals`): counts
    summed, rates from summed numerators and denominators (never averages of rates)."""
    from .catalogue import UNITS

    city = {}
    for indicator, row in totals.items():
        if not row["available"]:
            city[indicator] = UNAVAILABLE
            continue
        estimated = bool(row["estimated"])
        if UNITS[indicator] in ("percent", "per_thousand"):
            scale = 1000 if UNITS[indicator] == "per_thousand" else 100
            city[indicator] = _rate(row["numerator"], row["denominator"], scale=scale, estimated=estimated)
        else:
            city[indicator] = Figure(Decimal(row["value"] or 0).quantize(FOUR), estimated=estimated)
    return city


def _latest(period: date):
    """The latest revision of each (unit, indicator) of the month, chosen in the database (units only: the city's
    NULL unit never equals itself in the subquery)."""
    newer = Snapshot.objects.filter(
        period=period,
        district_id=OuterRef("district_id"),
        indicator=OuterRef("indicator"),
        revision__gt=OuterRef("revision"),
    )
    return Snapshot.objects.filter(period=period).filter(~Exists(newer))


def _unit_totals(period: date, indicators) -> dict[str, dict]:
    """Per indicator, the sums over the units' latest available figures, in one GROUP BY."""
    available = ~Q(status=SnapshotStatus.UNAVAILABLE)
    revised = Snapshot.objects.filter(period=period, district__isnull=False, revision__gt=1).exists()
    rows = (
        (_latest(period) if revised else Snapshot.objects.filter(period=period))
        .filter(district__isnull=False, indicator__in=list(indicators))
        .values("indicator")
        .annotate(
            available=Count("id", filter=available),
            value=Sum("value", filter=available),
            numerator=Sum("numerator", filter=available),
            denominator=Sum("denominator", filter=available),
            estimated=Count("id", filter=available & Q(estimated=True)),
        )
    )
    totals = {indicator: {"available": 0, "estimated": 0} for indicator in indicators}
    totals.update({row["indicator"]: row for row in rows})
    return totals


def _store(period: date, rows: dict[tuple[str | None, str], Figure], *, final: bool, now) -> int:
    """Write what changed; return how many rows were written (0 when nothing changed)."""
    districts = {district for district, _indicator in rows}
    units = [d for d in districts if d is not None]
    where = Q(district_id__in=units) if units else Q(pk__in=[])
    if None in districts:
        where |= Q(district__isnull=True)
    current = (
        Snapshot.objects.filter(where, period=period, indicator__in={indicator for _d, indicator in rows})
        .order_by("revision")  # the latest revision of each key last
        .values_list("id", "district_id", "indicator", "revision", *VALUE_FIELDS)
    )
    latest = {(row[1], row[2]): (row[0], row[3], row[4:]) for row in current}
    created: list[tuple] = []
    updated: list[Snapshot] = []
    available_status = SnapshotStatus.FINAL.value if final else SnapshotStatus.PROVISIONAL.value
    unavailable_status = SnapshotStatus.UNAVAILABLE.value
    for (district, indicator), (value, numerator, denominator, estimated) in rows.items():
        status = unavailable_status if value is None else available_status
        values = (value, numerator, denominator, status, estimated)
        old = latest.get((district, indicator)) if latest else None
        if old is not None and all(_same(a, b) for a, b in zip(old[2], values, strict=True)):
            continue
        if old is None:
            created.append((district, indicator, 1, *values))
        elif final:
            # A final figure is never changed: a recompute that differs is a new revision.
            created.append((district, indicator, old[1] + 1, *values))
        else:
            updated.append(Snapshot(pk=old[0], as_of=now, **dict(zip(VALUE_FIELDS, values, strict=True))))
    _insert(period, created, now=now)
    Snapshot.objects.bulk_update(updated, [*VALUE_FIELDS, "as_of"], batch_size=2000)
    return len(created) + len(updated)


VALUE_FIELDS = ["value", "numerator", "denominator", "status", "estimated"]
SNAPSHOT_COLUMNS = ["period", "district_id", "indicator", "revision", *VALUE_FIELDS, "as_of"]


def _copy_cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _insert(period: date, created: list[tuple], *, now) -> None:
    """New snapshot rows (unit, indicator, revision, value, numerator, denominator, status, estimated): COPY on
    PostgreSQL (a first compile writes ~45 rows per unit), bulk_create elsewhere."""
    if not created:
        return
    if connection.vendor != "postgresql":
        fields = ["district_id", "indicator", "revision", *VALUE_FIELDS]
        Snapshot.objects.bulk_create(
            (Snapshot(period=period, as_of=now, **dict(zip(fields, row, strict=True))) for row in created),
            batch_size=2000,
        )
        return
    from subsidies.services.calculation import _copy, _copy_text

    head, tail = f"{period.isoformat()}\t", f"\t{now.isoformat()}\n"
    cell = _copy_cell
    text = "".join(
        f"{head}{cell(district)}\t{_copy_text(indicator)}\t{revision}\t{cell(value)}\t{cell(numerator)}\t"
        f"{cell(denominator)}\t{status}\t{'t' if estimated else 'f'}{tail}"
        for district, indicator, revision, value, numerator, denominator, status, estimated in created
    )
    with connection.cursor() as cursor:
        _copy(cursor, Snapshot, SNAPSHOT_COLUMNS, text)


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
        changed = _store(period, figures, final=state.status == SnapshotStatus.FINAL, now=now)
        state.compiled_at = now
        if changed:
            state.changed_at = now
        state.save()
    return changed


def compile_city(*, period: date, today: date | None = None) -> int:
    """Once the month's chunks are stored: the completion of the year's targets (every unit and the city), then the
    city's rows from the units' latest figures, summed in the database."""
    now = timezone.now()
    targets = target_rows(period=period, today=today)
    with transaction.atomic():
        state, _created = PeriodState.objects.select_for_update().get_or_create(period=period)
        final = state.status == SnapshotStatus.FINAL
        unit_targets = {key: figure for key, figure in targets.items() if key[0] is not None}
        changed = _store(period, unit_targets, final=final, now=now)
        city = city_figures(_unit_totals(period, [c for c in CODES if c not in TARGET_CODES]))
        # The city's target completion is measured against the city's own targets, not the sum of the units'.
        city.update({indicator: figure for (code, indicator), figure in targets.items() if code is None})
        changed += _store(period, {(None, k): v for k, v in city.items()}, final=final, now=now)
        if changed:
            state.changed_at = now
            state.save(update_fields=["changed_at"])
    return changed


def chunks_of_units(max_facilities: int | None = None, max_units: int | None = None) -> list[list[str]]:
    """The units in code order, grouped so that each chunk holds at most about `max_facilities` facilities and
    `max_units` units (settings.INDICATOR_CHUNK_FACILITIES / INDICATOR_CHUNK_UNITS): few large chunks keep the
    per-chunk overhead small, and more than one lets several workers share a month."""
    cap = max_facilities or settings.INDICATOR_CHUNK_FACILITIES
    unit_cap = max_units or settings.INDICATOR_CHUNK_UNITS
    per_unit = dict(Facility.objects.values("district_id").annotate(n=Count("id")).values_list("district_id", "n"))
    chunks: list[list[str]] = [[]]
    size = 0
    for code in District.objects.order_by("code").values_list("code", flat=True):
        n = per_unit.get(code, 0)
        if chunks[-1] and (size + n > cap or len(chunks[-1]) >= unit_cap):
            chunks.append([])
            size = 0
        chunks[-1].append(code)
        size += n
    return [chunk for chunk in chunks if chunk]


def compile_period(*, period: date, today: date | None = None, max_facilities: int | None = None) -> int:
    """The whole month in this process: every chunk, then the city. Returns rows written."""
    changed = sum(
        compile_chunk(period=period, district_codes=chunk, today=today) for chunk in chunks_of_units(max_facilities)
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
