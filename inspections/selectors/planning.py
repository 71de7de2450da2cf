"""Reading inspection plans, their draws and the coverage of supervision, always scoped to the user.

Who sees which plan:
- the city admin: every plan;
- a district officer: the plans of their unit, and city-wide plans read-only (only their unit's targets show);
- an inspector: the plans they were drawn in (a plan is not announced to inspectors before its draw);
- operators and other roles: none (a draw announced to facilities would defeat 双随机), hence 404.

In every plan the targets shown are those whose facility the user may see (the one access path).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from facilities.models import Facility, FilingStatus
from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.errors import NotFound

from ..models import (
    Finding,
    Inspection,
    InspectionKind,
    InspectionPlan,
    InspectionStatus,
    OrderStatus,
    PlanTarget,
    RectificationOrder,
    Weight,
)
from .records import missed_deadline
from .scope import scoped

PLAN_READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR})
PLANNERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_read_plans(user) -> bool:
    return _active(user) and user.role in PLAN_READERS


def may_plan(user) -> bool:
    """Roles that create and draw plans (the unit is checked per plan: see `services.planning`)."""
    return _active(user) and user.role in PLANNERS


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- operating facilities -------------------------------------------------------------------------------------


def _opened_by(day: date) -> Q:
    # A facility the unit knows to operate (filing status "known") may have no opening date on record.
    return Q(opened_on__lte=day) | Q(opened_on__isnull=True, filing_status=FilingStatus.KNOWN)


def operating_on(day: date) -> QuerySet[Facility]:
    """Facilities operating on `day`: opened, not closed, not cancelled (注销)."""
    return (
        Facility.objects.exclude(filing_status=FilingStatus.CANCELLED)
        .filter(_opened_by(day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
    )


def operating_during(start: date, end: date) -> Q:
    """Facilities that operated at some point of [start, end] and are not cancelled."""
    return (
        ~Q(filing_status=FilingStatus.CANCELLED)
        & _opened_by(end)
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=start))
    )


def draw_candidates(*, district_code: str | None, on: date) -> list[tuple[int, bool]]:
    """(facility id, serious finding in the 12 months up to `on`) of the facilities a plan draws from."""
    facilities = operating_on(on)
    if district_code:
        facilities = facilities.filter(district_id=district_code)
    serious = Finding.objects.filter(
        facility=OuterRef("pk"), weight=Weight.SERIOUS, recorded_on__gt=one_year_before(on), recorded_on__lte=on
    )
    rows = facilities.annotate(serious=Exists(serious)).order_by("pk").values_list("pk", "serious")
    return [(pk, bool(flag)) for pk, flag in rows]


def draw_inspectors(*, district_code: str | None) -> list[int]:
    """Active inspectors of the unit; for a city-wide plan, the city health supervision institute's
    (city-wide inspectors): a unit inspector cannot reach facilities of other units."""
    inspectors = User.objects.filter(role=Role.INSPECTOR, is_active=True)
    if district_code:
        inspectors = inspectors.filter(district_id=district_code, is_citywide=False)
    else:
        inspectors = inspectors.filter(is_citywide=True)
    return list(inspectors.order_by("pk").values_list("pk", flat=True))


# --- plans ----------------------------------------------------------------------------------------------------


def plan_scope_for(*, user) -> QuerySet[InspectionPlan]:
    """Every plan the user may read, with nothing else applied (also the audit-history scope)."""
    plans = InspectionPlan.objects.all()
    if not may_read_plans(user):
        return plans.none()
    if user.role == Role.CITY_ADMIN:
        return plans
    if user.role == Role.DISTRICT_OFFICER:
        return plans.filter(Q(district_id=user.district_id) | Q(district__isnull=True))
    drawn_in = PlanTarget.objects.filter(plan=OuterRef("pk"), inspectors=user)
    return plans.filter(Exists(drawn_in))


def plan_list_for(*, user) -> QuerySet[InspectionPlan]:
    """Newest period first; the number of targets the user may see is annotated (constant queries)."""
    return (
        plan_scope_for(user=user)
        .select_related("district", "drawn_by", "created_by")
        .annotate(
            target_count=Count(
                "targets", filter=Q(targets__facility__in=facility_scope_for(user=user).values("pk")), distinct=True
            )
        )
        .order_by("-period_start", "-id")
    )


def plan_get_for(*, user, pk) -> InspectionPlan:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    plan = plan_scope_for(user=user).select_related("district", "drawn_by", "created_by").filter(pk=pk).first()
    if plan is None:
        raise NotFound
    return plan


def plan_targets_for(*, user, plan: InspectionPlan) -> QuerySet[PlanTarget]:
    """The drawn facilities the user may see, in the order drawn, with their inspectors and whether a completed
    inspection of this plan exists for them."""
    completed = Inspection.objects.filter(plan=plan, facility=OuterRef("facility"), status=InspectionStatus.COMPLETED)
    return (
        scoped(PlanTarget.objects.filter(plan=plan), user=user)
        .select_related("facility", "facility__district")
        .prefetch_related(Prefetch("inspectors", queryset=User.objects.order_by("pk")))
        .annotate(inspected=Exists(completed))
        .order_by("position")
    )


# --- coverage -------------------------------------------------------------------------------------------------


def _follow_up_exists() -> Exists:
    """A re-inspection of the order, or a follow-up inspection of its facility since the order was issued."""
    return Exists(
        Inspection.objects.filter(
            Q(follow_up_of=OuterRef("pk"))
            | Q(
                facility=OuterRef("facility"),
                kind=InspectionKind.FOLLOW_UP,
                inspected_on__gte=OuterRef("issued_on"),
            )
        )
    )


def coverage_for(*, user, start: date, end: date, today: date | None = None) -> dict[str, QuerySet]:
    """What supervision has missed in the user's jurisdiction (lazy querysets, one query each):

    - not_inspected: facilities operating during [start, end] with no completed inspection dated in it;
    - reinspections_due: open or responded rectification orders with no follow-up inspection yet;
    - overdue: orders whose deadline (before `today`) passed without a response in time.
    """
    today = today or timezone.localdate()
    if not may_read_plans(user):
        raise NotFound
    inspected = Inspection.objects.filter(
        facility=OuterRef("pk"),
        status=InspectionStatus.COMPLETED,
        inspected_on__gte=start,
        inspected_on__lte=end,
    )
    not_inspected = (
        facility_scope_for(user=user)
        .filter(operating_during(start, end))
        .filter(~Exists(inspected))
        .select_related("district")
        .order_by("district_id", "name", "id")
    )
    orders = scoped(RectificationOrder.objects.all(), user=user).select_related(
        "facility", "facility__district", "finding"
    )
    reinspections_due = (
        orders.filter(status__in=[OrderStatus.OPEN, OrderStatus.RESPONDED])
        .filter(~_follow_up_exists())
        .order_by("deadline", "id")
    )
    overdue = orders.filter(missed_deadline(today)).order_by("deadline", "id")
    return {"not_inspected": not_inspected, "reinspections_due": reinspections_due, "overdue": overdue}
