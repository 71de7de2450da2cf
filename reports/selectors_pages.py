"""Reads behind the indicator pages (dashboard, drill-down, performance evaluation).

Aggregates come from the compiled snapshots; every staff role (city admin, units' officers and inspectors) may
read every unit's aggregates, for the ranking. The facilities behind a figure are computed live, with the same
filters the compilation uses, as of `compilation.as_of_day(period, today)`; a unit's officer or inspector may
drill down only into their own unit. Every read runs a fixed number of queries whatever the number of facilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from facilities.models import (
    INCLUSIVE_KINDS,
    Category,
    Facility,
    FacilityClass,
    FacilityForm,
    GuidanceActivity,
    RecognitionKind,
    ServiceForm,
    ServiceOffering,
)
from facilities.selectors import staff_as_of, versions_as_of
from facilities.selectors_development import target_progress
from facilities.selectors_recognition import recognitions_in_force_on
from inspections.models import Inspection, Penalty, RectificationOrder, SelfInspection
from subsidies.models import EnrolmentReport, ReportStatus, Statement
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.selectors import population_by_district

from .catalogue import CODES, UNITS
from .compilation import FILED, as_of_day, month_end
from .models import Indicator, PeriodState, Snapshot, SnapshotStatus

VIEWERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
FOUR = Decimal("0.0001")
TREND_MONTHS = 24


# --- who may read ----------------------------------------------------------------------------------------------


def may_view_indicators(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in VIEWERS)


def require_viewer(user) -> None:
    """Operators, training bases, MCH institutions and statistics clients have no indicator pages: 404."""
    if not may_view_indicators(user):
        raise NotFound


def may_drill_into(user, district_code: str | None) -> bool:
    """The facilities behind a figure: any unit (or the city) for city-wide roles, else only one's own unit."""
    if not may_view_indicators(user):
        return False
    if sees_whole_city(user):
        return True
    return district_code is not None and district_code == user.district_id


# --- periods and the catalogue ---------------------------------------------------------------------------------


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def latest_compiled_period() -> date | None:
    return (
        PeriodState.objects.filter(compiled_at__isnull=False).order_by("-period").values_list("period", flat=True)
    ).first()


def period_state(period: date) -> PeriodState | None:
    return PeriodState.objects.select_related("published_by").filter(period=period).first()


def recent_period_states(*, limit: int = 12) -> list[PeriodState]:
    return list(
        PeriodState.objects.filter(compiled_at__isnull=False).select_related("published_by").order_by("-period")[:limit]
    )


def units() -> list[District]:
    return list(District.objects.order_by("code"))


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    unit: str
    formula: str

    @property
    def drillable(self) -> bool:
        return self.code in DRILLS


def indicator_catalogue(*, on: date) -> list[IndicatorInfo]:
    """The catalogue in force on `on`, in its order, named in the user's language."""
    chinese = (get_language() or "").startswith("zh")
    rows = Indicator.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )
    seen: dict[str, IndicatorInfo] = {}
    for row in rows.order_by("position", "code", "-effective_from"):
        if row.code not in seen:
            seen[row.code] = IndicatorInfo(row.code, row.name_zh if chinese else row.name_en, row.unit, row.formula)
    # A code compiled but missing from the stored catalogue still shows (by its code).
    for code in CODES:
        seen.setdefault(code, IndicatorInfo(code, code, UNITS[code], ""))
    return list(seen.values())


# --- snapshots -------------------------------------------------------------------------------------------------


def format_value(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "per_thousand":
        return f"{value:,.2f}"
    if unit == "yuan":
        return f"{value:,.2f}"
    return f"{value.to_integral_value(rounding=ROUND_HALF_UP):,}"


def latest_snapshots(*, period: date) -> dict[tuple[str | None, str], Snapshot]:
    """The latest revision of every figure of the month, keyed by (unit code or None for the city, indicator)."""
    latest: dict[tuple[str | None, str], Snapshot] = {}
    for snap in Snapshot.objects.filter(period=period).order_by("district_id", "indicator", "-revision"):
        latest.setdefault((snap.district_id, snap.indicator), snap)
    return latest


def snapshot_figure(*, period: date, district_code: str | None, indicator: str) -> Snapshot | None:
    return (
        Snapshot.objects.filter(period=period, district_id=district_code, indicator=indicator)
        .order_by("-revision")
        .first()
    )


def series(*, indicator: str, district_code: str | None, end: date, months: int = TREND_MONTHS) -> list[dict]:
    """The indicator's latest figures for the `months` months up to `end`; months never compiled are None."""
    start = add_months(end, -(months - 1))
    found: dict[date, Snapshot] = {}
    for snap in Snapshot.objects.filter(
        indicator=indicator, district_id=district_code, period__gte=start, period__lte=end
    ).order_by("period", "-revision"):
        found.setdefault(snap.period, snap)
    points = []
    for i in range(months):
        period = add_months(start, i)
        snap = found.get(period)
        points.append(
            {
                "period": period,
                "value": snap.value if snap is not None else None,
                "status": snap.status if snap is not None else None,
                "estimated": bool(snap and snap.estimated),
            }
        )
    return points


# --- data quality ----------------------------------------------------------------------------------------------


def report_month_for(period: date, today: date) -> date:
    """The month whose enrolment reports should be in: the period once it has ended, else the month before."""
    this_month = today.replace(day=1)
    return period if period < this_month else add_months(this_month, -1)


QUALITY_CHECKS = {
    "dq_late_reports": _("Late monthly enrolment reports"),
    "dq_no_report": _("Operating without a report"),
    "dq_no_full_day_fee": _("No full-day fee"),
    "dq_no_street": _("No street or town"),
    "dq_no_classes": _("No classes"),
}


def _no_full_day_fee(ref: str = "facility") -> Exists:
    return Exists(ServiceOffering.objects.filter(facility=OuterRef(ref), service_form=ServiceForm.FULL_DAY))


def _has_classes(ref: str = "facility") -> Exists:
    return Exists(FacilityClass.objects.filter(facility=OuterRef(ref)))


def _current_report(month: date, ref: str = "facility") -> Exists:
    return Exists(EnrolmentReport.objects.filter(facility=OuterRef(ref), period=month, status=ReportStatus.CURRENT))


def data_quality(*, period: date, today: date) -> dict[str, Any]:
    """Per unit: late reports of the month, facilities operating without a report for the last ended month,
    and facilities operating on the month's day with a key field missing — three grouped queries."""
    day = as_of_day(period, today)
    report_month = report_month_for(period, today)
    late = dict(
        EnrolmentReport.objects.filter(period=period, status=ReportStatus.CURRENT, late=True)
        .order_by()
        .values("facility__district_id")
        .annotate(n=Count("id"))
        .values_list("facility__district_id", "n")
    )
    unreported = dict(
        versions_as_of(month_end(report_month))
        .filter(~_current_report(report_month))
        .order_by()
        .values("district_id")
        .annotate(n=Count("id"))
        .values_list("district_id", "n")
    )
    missing = {
        row["district_id"]: row
        for row in versions_as_of(day)
        .order_by()
        .values("district_id")
        .annotate(
            no_fee=Count("id", filter=~Q(_no_full_day_fee())),
            no_street=Count("id", filter=Q(facility__street__isnull=True)),
            no_classes=Count("id", filter=~Q(_has_classes())),
        )
    }
    rows = {}
    for code in District.objects.order_by("code").values_list("code", flat=True):
        m = missing.get(code, {})
        rows[code] = {
            "dq_late_reports": late.get(code, 0),
            "dq_no_report": unreported.get(code, 0),
            "dq_no_full_day_fee": m.get("no_fee", 0),
            "dq_no_street": m.get("no_street", 0),
            "dq_no_classes": m.get("no_classes", 0),
        }
    return {"report_month": report_month, "day": day, "rows": rows}


# --- the facilities behind a figure ----------------------------------------------------------------------------


@dataclass
class Drill:
    """A figure's facilities (a values() queryset with `facility_id`, `name`, `category`, `filing_status` and
    the `columns` named) and the live total, computed with the compilation's formula."""

    rows: QuerySet
    columns: list[tuple[str, Any, str]]  # (key, label, kind: count / yuan / flag)
    total: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    numerator_label: Any = None
    denominator_label: Any = None
    unavailable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DrillContext:
    period: date
    today: date
    district_code: str | None

    @property
    def day(self) -> date:
        return as_of_day(self.period, self.today)

    @property
    def last(self) -> date:
        return month_end(self.period)

    @property
    def current_month(self) -> bool:
        return self.period == self.today.replace(day=1)

    def versions(self) -> QuerySet:
        qs = versions_as_of(self.day)
        return qs.filter(district_id=self.district_code) if self.district_code else qs

    def facilities(self) -> QuerySet:
        qs = Facility.objects.all()
        return qs.filter(district_id=self.district_code) if self.district_code else qs


def _rate(numerator, denominator, scale: int = 100) -> Decimal:
    numerator, denominator = Decimal(numerator or 0), Decimal(denominator or 0)
    if not denominator:
        return Decimal(0).quantize(FOUR)
    return (numerator * scale / denominator).quantize(FOUR, rounding=ROUND_HALF_UP)


def _version_rows(qs: QuerySet, *extra: str) -> QuerySet:
    return qs.values(
        "slots",
        "enrolled",
        "category",
        "filing_status",
        *extra,
        facility_pk=F("facility_id"),
        name=F("facility__name"),
    ).order_by("facility__name", "facility_id")


def _facility_rows(qs: QuerySet, *extra: str) -> QuerySet:
    return qs.values("slots", "enrolled", "category", "filing_status", "name", *extra, facility_pk=F("pk")).order_by(
        "name", "pk"
    )


SLOTS = ("slots", _("Slots"), "count")
ENROLLED = ("enrolled", _("Enrolled"), "count")


def _count_of(ctx: DrillContext, **filters) -> Drill:
    versions = ctx.versions().filter(**filters)
    return Drill(_version_rows(versions), [SLOTS, ENROLLED], _dec(versions.count()))


def _dec(n) -> Decimal:
    return Decimal(n or 0).quantize(FOUR)


def _sum_of(ctx: DrillContext, column: str) -> Drill:
    versions = ctx.versions()
    total = versions.aggregate(total=Sum(column))["total"]
    return Drill(_version_rows(versions), [SLOTS, ENROLLED], _dec(total))


def _flagged_rate(
    ctx: DrillContext, versions: QuerySet, flag, label, *, numerator_label, denominator_label, weight: str | None = None
) -> Drill:
    """A rate of the listed facilities: those flagged over all of them (or their `weight` column summed)."""
    annotated = versions.annotate(flag=flag)
    if weight is None:
        sums = annotated.aggregate(num=Count("id", filter=Q(flag=True)), den=Count("id"))
    else:
        sums = annotated.aggregate(num=Sum(weight, filter=Q(flag=True)), den=Sum(weight))
    return Drill(
        # The facilities counted in the numerator first.
        _version_rows(annotated, "flag").order_by("-flag", "facility__name", "facility_id"),
        [SLOTS, ENROLLED, ("flag", label, "flag")],
        _rate(sums["num"], sums["den"]),
        numerator=_dec(sums["num"]),
        denominator=_dec(sums["den"]),
        numerator_label=numerator_label,
        denominator_label=denominator_label,
    )


def _q_flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _filing_rate(ctx: DrillContext) -> Drill:
    return _flagged_rate(
        ctx,
        ctx.versions(),
        _q_flag(Q(filing_status__in=FILED)),
        _("Filed"),
        numerator_label=_("Filed"),
        denominator_label=_("Operating"),
    )


def _occupancy(ctx: DrillContext) -> Drill:
    versions = ctx.versions()
    sums = versions.aggregate(num=Sum("enrolled"), den=Sum("slots"))
    return Drill(
        _version_rows(versions),
        [SLOTS, ENROLLED],
        _rate(sums["num"], sums["den"]),
        numerator=_dec(sums["num"]),
        denominator=_dec(sums["den"]),
        numerator_label=_("Enrolled"),
        denominator_label=_("Slots"),
    )


def _slots_per_thousand(ctx: DrillContext) -> Drill:
    versions = ctx.versions()
    slots = versions.aggregate(total=Sum("slots"))["total"]
    population = population_by_district(year=ctx.period.year)
    if ctx.district_code:
        population = [p for p in population if p["code"] == ctx.district_code]
    people = sum(p["population"] or 0 for p in population)
    unavailable = not people
    return Drill(
        _version_rows(versions),
        [SLOTS, ENROLLED],
        None if unavailable else _rate(slots, people, scale=1000),
        numerator=_dec(slots),
        denominator=_dec(people) if people else None,
        numerator_label=_("Slots"),
        denominator_label=_("Resident population"),
        unavailable=unavailable,
        extra={"estimated": any(p["population_status"] == "estimate" for p in population)},
    )


def _inclusive_share(ctx: DrillContext) -> Drill:
    inclusive = recognitions_in_force_on(ctx.day).filter(kind__in=INCLUSIVE_KINDS, facility=OuterRef("facility"))
    return _flagged_rate(
        ctx,
        ctx.versions(),
        Exists(inclusive),
        _("Inclusive"),
        numerator_label=_("Slots in inclusive facilities"),
        denominator_label=_("Slots"),
        weight="slots",
    )


def _inspection_coverage(ctx: DrillContext) -> Drill:
    inspected = Inspection.objects.filter(
        facility=OuterRef("facility"),
        status="completed",
        inspected_on__gt=ctx.day - timedelta(days=365),
        inspected_on__lte=ctx.day,
    )
    drill = _flagged_rate(
        ctx,
        ctx.versions(),
        Exists(inspected),
        _("Inspected in 12 months"),
        numerator_label=_("Inspected"),
        denominator_label=_("Operating"),
    )
    drill.unavailable = not Inspection.objects.filter(inspected_on__lte=ctx.day).exists()
    return drill


def _self_inspection(ctx: DrillContext) -> Drill:
    quarter = date(ctx.period.year, 3 * ((ctx.period.month - 1) // 3) + 1, 1)
    checked = SelfInspection.objects.filter(facility=OuterRef("facility"), period=quarter)
    drill = _flagged_rate(
        ctx,
        ctx.versions(),
        Exists(checked),
        _("Self-inspected this quarter"),
        numerator_label=_("Self-inspected"),
        denominator_label=_("Operating"),
    )
    drill.unavailable = not SelfInspection.objects.filter(period__lte=quarter).exists()
    return drill


def _safety_equipment(ctx: DrillContext) -> Drill:
    equipped = Q(facility__surveillance_covers_infant_areas=True, facility__one_click_alarm=True) & ~Q(
        facility__insurance_mode="none"
    )
    drill = _flagged_rate(
        ctx,
        ctx.versions(),
        _q_flag(equipped),
        _("Equipped"),
        numerator_label=_("Equipped"),
        denominator_label=_("Operating"),
    )
    drill.unavailable = not ctx.current_month
    return drill


def _training_compliance(ctx: DrillContext) -> Drill:
    drill = _flagged_rate(
        ctx,
        ctx.versions().filter(facility__training_compliant__isnull=False),
        _q_flag(Q(facility__training_compliant=True)),
        _("Compliant"),
        numerator_label=_("Compliant"),
        denominator_label=_("Checked"),
    )
    drill.unavailable = not ctx.current_month or not drill.denominator
    return drill


def _staff(ctx: DrillContext, *, kindergarten: bool | None = None) -> Drill:
    counted = (
        staff_as_of(ctx.day)
        .filter(facility=OuterRef("facility"))
        .order_by()
        .values("facility")
        .annotate(n=Count("*"))
        .values("n")
    )
    versions = ctx.versions()
    if kindergarten is True:
        versions = versions.filter(category=Category.KINDERGARTEN_CLASS)
    elif kindergarten is False:
        versions = versions.exclude(category=Category.KINDERGARTEN_CLASS)
    annotated = versions.annotate(staff=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
    total = annotated.aggregate(total=Sum("staff"))["total"]
    return Drill(_version_rows(annotated, "staff"), [SLOTS, ("staff", _("Staff"), "count")], _dec(total))


def _per_facility(ctx: DrillContext, related: QuerySet, *, label, kind: str = "count", column: str = "") -> Drill:
    """Facilities (by their unit of record, as the compilation counts) with at least one related row, each with
    its count (or the sum of `column`)."""
    grouped = related.filter(facility=OuterRef("pk")).order_by().values("facility")
    if column:
        value = Subquery(grouped.annotate(v=Sum(column)).values("v"), output_field=DecimalField(18, 2))
    else:
        value = Subquery(grouped.annotate(v=Count("*")).values("v"), output_field=IntegerField())
    facilities = ctx.facilities().filter(Exists(related.filter(facility=OuterRef("pk")))).annotate(n=value)
    total = facilities.aggregate(total=Sum("n"))["total"]
    return Drill(_facility_rows(facilities, "n"), [("n", label, kind)], _dec(total))


def _recognitions(kind: str) -> Callable[[DrillContext], Drill]:
    def drill(ctx: DrillContext) -> Drill:
        return _per_facility(ctx, recognitions_in_force_on(ctx.day).filter(kind=kind), label=_("Recognitions"))

    return drill


def _overdue(ctx: DrillContext) -> Drill:
    orders = RectificationOrder.objects.filter(issued_on__lte=ctx.day, deadline__lt=ctx.day).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=ctx.day)
    )
    drill = _per_facility(ctx, orders, label=_("Orders overdue"))
    drill.unavailable = not Inspection.objects.filter(inspected_on__lte=ctx.day).exists()
    return drill


def _penalties(ctx: DrillContext) -> Drill:
    decided = Penalty.objects.filter(status="decided", decided_on__gte=ctx.period, decided_on__lte=ctx.last)
    drill = _per_facility(ctx, decided, label=_("Penalties"))
    drill.unavailable = not Inspection.objects.filter(inspected_on__lte=ctx.day).exists()
    return drill


def _guidance(ctx: DrillContext) -> Drill:
    held = GuidanceActivity.objects.filter(held_on__gte=ctx.period, held_on__lte=ctx.last)
    drill = _per_facility(ctx, held, label=_("Sessions"))
    drill.unavailable = not GuidanceActivity.objects.filter(held_on__lte=ctx.last).exists()
    return drill


def _subsidies(ctx: DrillContext) -> Drill:
    paid = Statement.objects.filter(period=ctx.period, batch__status="paid")
    drill = _per_facility(ctx, paid, label=_("Paid (yuan)"), kind="yuan", column="total")
    drill.unavailable = not Statement.objects.filter(period=ctx.period).exists()
    return drill


# Data-quality lists (the dashboard's panel): facilities, with no figure of the catalogue behind them.


def _dq_late(ctx: DrillContext) -> Drill:
    late = EnrolmentReport.objects.filter(period=ctx.period, status=ReportStatus.CURRENT, late=True)
    return _per_facility(ctx, late, label=_("Late reports"))


def _dq_no_report(ctx: DrillContext) -> Drill:
    month = report_month_for(ctx.period, ctx.today)
    versions = versions_as_of(month_end(month)).filter(~_current_report(month))
    if ctx.district_code:
        versions = versions.filter(district_id=ctx.district_code)
    return Drill(_version_rows(versions), [SLOTS, ENROLLED], _dec(versions.count()), extra={"report_month": month})


def _dq_missing(condition: Callable[[], Q]) -> Callable[[DrillContext], Drill]:
    def drill(ctx: DrillContext) -> Drill:
        versions = ctx.versions().filter(condition())
        return Drill(_version_rows(versions), [SLOTS, ENROLLED], _dec(versions.count()))

    return drill


DRILLS: dict[str, Callable[[DrillContext], Drill]] = {
    "facilities": lambda ctx: _count_of(ctx),
    "facilities_kindergarten_class": lambda ctx: _count_of(ctx, category=Category.KINDERGARTEN_CLASS),
    "facilities_social": lambda ctx: _count_of(ctx, category=Category.SOCIAL),
    **{f"facilities_form_{form}": partial(_count_of, form=form) for form in FacilityForm.values},
    "facilities_filed": lambda ctx: _count_of(ctx, filing_status__in=FILED),
    "filing_rate": _filing_rate,
    "slots": lambda ctx: _sum_of(ctx, "slots"),
    "enrolled": lambda ctx: _sum_of(ctx, "enrolled"),
    "occupancy_rate": _occupancy,
    "staff": lambda ctx: _staff(ctx),
    "staff_kindergarten_class": lambda ctx: _staff(ctx, kindergarten=True),
    "staff_social": lambda ctx: _staff(ctx, kindergarten=False),
    "slots_per_thousand": _slots_per_thousand,
    **{f"recognitions_{kind}": _recognitions(kind) for kind in RecognitionKind.values},
    "inclusive_slots_share": _inclusive_share,
    "subsidies_paid": _subsidies,
    "inspection_coverage": _inspection_coverage,
    "rectifications_overdue": _overdue,
    "penalties": _penalties,
    "self_inspection_rate": _self_inspection,
    "training_compliance_rate": _training_compliance,
    "safety_equipment_compliance_rate": _safety_equipment,
    "guidance_sessions": _guidance,
    "dq_late_reports": _dq_late,
    "dq_no_report": _dq_no_report,
    "dq_no_full_day_fee": _dq_missing(lambda: ~Q(_no_full_day_fee())),
    "dq_no_street": _dq_missing(lambda: Q(facility__street__isnull=True)),
    "dq_no_classes": _dq_missing(lambda: ~Q(_has_classes())),
}


def drilldown_for(*, user, period: date, district_code: str | None, indicator: str, today: date) -> Drill:
    """The facilities behind one figure. Another unit's (or the city's, for a unit's staff) is 404."""
    if not may_drill_into(user, district_code) or indicator not in DRILLS:
        raise NotFound
    return DRILLS[indicator](DrillContext(period=period, today=today, district_code=district_code))


# --- target completion and the performance evaluation (绩效评价) ------------------------------------------------


def completion_by_unit(*, year: int, today: date) -> dict[str, Any]:
    """`target_progress` of every unit and the city for `year` (aggregates only)."""
    return target_progress(year=year, citywide=True, today=today)


def rank(values: list[Decimal | None]) -> list[int | None]:
    """Competition ranking, highest first: equal values share a rank, the next rank skips (1, 1, 3); None
    (no target to measure) is not ranked."""
    ordered = sorted((v for v in values if v is not None), reverse=True)
    first_place = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return [first_place[v] if v is not None else None for v in values]


def average_completion(cells: list[dict]) -> Decimal | None:
    """The mean completion (a ratio, 1 = 100 %) over the targets the unit has, to four places."""
    ratios = [cell["completion"] for cell in cells if cell["completion"] is not None]
    if not ratios:
        return None
    return (sum(ratios, Decimal(0)) / len(ratios)).quantize(FOUR, rounding=ROUND_HALF_UP)


def evaluation(*, year: int, today: date) -> dict[str, Any]:
    """Per unit: each target's target, actual and completion; the average completion and the unit's rank."""
    progress = completion_by_unit(year=year, today=today)
    unit_rows = [row for row in progress["rows"] if not row["is_city"]]
    city = next((row for row in progress["rows"] if row["is_city"]), None)
    averages = [average_completion(row["indicators"]) for row in unit_rows]
    ranks = rank(averages)
    rows = [
        {
            **row,
            "average": average,
            "average_percent": (average * 100).quantize(Decimal("0.01")) if average is not None else None,
            "rank": position,
        }
        for row, average, position in zip(unit_rows, averages, ranks, strict=True)
    ]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    if city is not None:
        average = average_completion(city["indicators"])
        city = {
            **city,
            "average": average,
            "average_percent": (average * 100).quantize(Decimal("0.01")) if average is not None else None,
        }
    return {
        "year": year,
        "as_of": progress["as_of"],
        "indicators": progress["indicators"],
        "rows": rows,
        "city": city,
    }


def snapshot_status_label(status: str | None) -> str:
    return str(SnapshotStatus(status).label) if status else ""
