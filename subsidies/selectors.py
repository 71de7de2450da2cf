"""Reading subsidies, scoped: the city sees all units, a unit officer their unit, an operator their facilities'
reports and statements only. Inspectors, training bases and statistics clients see nothing here."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from .models import EnrolmentReport, PaymentBatch, RuleSet, RuleSetStatus, Statement

REASONS = {
    "not_filed": "The facility is not filed.",
    "category": "The facility's category is not covered by the rules.",
    "no_full_day_fee": "The facility offers no full-day service to compare with the reference fee.",
    "no_fee_reference": "No fee reference is set for the unit and year.",
    "fee_above_reference": "fee above the reference",
    "recognition_missing": "The facility does not hold a recognition the rules require.",
    "no_report": "No monthly enrolment report for the month.",
    "occupancy_below": "Occupancy below the rules' minimum.",
}


def reason_text(code: str) -> str:
    """The reason of an ineligible statement, in the portal's language at calculation time."""
    return _(REASONS[code]) if code else ""


def rule_set_for(*, district_code: str, on: date) -> RuleSet | None:
    """The active rule set of the unit in force on `on`, else the city-wide one."""
    in_force = (
        RuleSet.objects.filter(status=RuleSetStatus.ACTIVE, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
    )
    return in_force.filter(district_id=district_code).first() or in_force.filter(district__isnull=True).first()


def _sees_subsidies(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role
        in (
            Role.CITY_ADMIN,
            Role.DISTRICT_OFFICER,
            Role.OPERATOR,
        )
    )


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def statement_scope_for(*, user) -> QuerySet[Statement]:
    if not _sees_subsidies(user):
        return Statement.objects.none()
    return Statement.objects.filter(facility__in=facility_scope_for(user=user))


def statement_list_for(*, user, filters: dict | None = None) -> QuerySet[Statement]:
    filters = filters or {}
    qs = statement_scope_for(user=user).select_related("facility", "facility__district", "rule_set", "batch")
    if filters.get("period"):
        qs = qs.filter(period=filters["period"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    if filters.get("batch"):
        qs = qs.filter(batch_id=filters["batch"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("eligible") is not None:
        qs = qs.filter(eligible=filters["eligible"])
    return qs.order_by("-period", "facility__district_id", "facility__name", "id")


def statement_get_for(*, user, pk) -> Statement:
    statement = (
        statement_scope_for(user=user)
        .select_related("facility", "facility__district", "rule_set", "batch", "report", "adjusts")
        .prefetch_related("lines", "award_grants")
        .filter(pk=_int(pk))
        .first()
    )
    if statement is None:
        raise NotFound
    return statement


def batch_scope_for(*, user) -> QuerySet[PaymentBatch]:
    if not user.is_authenticated or user.role not in (Role.CITY_ADMIN, Role.DISTRICT_OFFICER):
        return PaymentBatch.objects.none()
    if user.role == Role.CITY_ADMIN:
        return PaymentBatch.objects.all()
    return PaymentBatch.objects.filter(district_id=user.district_id)


def batch_list_for(*, user, filters: dict | None = None) -> QuerySet[PaymentBatch]:
    filters = filters or {}
    qs = batch_scope_for(user=user).select_related("district", "prepared_by", "paid_by")
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("year"):
        qs = qs.filter(period_start__year=filters["year"])
    return qs.order_by("-period_start", "district_id", "-id")


def batch_get_for(*, user, pk) -> PaymentBatch:
    batch = (
        batch_scope_for(user=user)
        .select_related("district", "prepared_by", "paid_by")
        .prefetch_related("approvals__approver")
        .filter(pk=_int(pk))
        .first()
    )
    if batch is None:
        raise NotFound
    return batch


def report_scope_for(*, user) -> QuerySet[EnrolmentReport]:
    if not _sees_subsidies(user):
        return EnrolmentReport.objects.none()
    return EnrolmentReport.objects.filter(facility__in=facility_scope_for(user=user))


def report_list_for(*, user, filters: dict | None = None) -> QuerySet[EnrolmentReport]:
    filters = filters or {}
    qs = report_scope_for(user=user).select_related("facility", "facility__district", "submitted_by")
    if not filters.get("history"):
        qs = qs.filter(status="current")
    for field in ("period", "facility"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    return qs.order_by("-period", "facility__name", "-revision")


def report_get_for(*, user, pk) -> EnrolmentReport:
    report = (
        report_scope_for(user=user)
        .select_related("facility", "submitted_by")
        .prefetch_related("lines")
        .filter(pk=_int(pk))
        .first()
    )
    if report is None:
        raise NotFound
    return report


def totals_by_district(*, user, period_from: date, period_to: date) -> list[dict]:
    """Statement totals per unit over months, in the database: calculated, in batches, paid."""
    rows = (
        statement_scope_for(user=user)
        .filter(period__gte=period_from, period__lte=period_to)
        .values("facility__district_id", "facility__district__name")
        .annotate(
            statements=Count("id"),
            eligible=Count("id", filter=Q(eligible=True)),
            calculated=Sum("total"),
            batched=Sum("total", filter=Q(batch__isnull=False)),
            paid=Sum("total", filter=Q(batch__status="paid")),
        )
        .order_by("facility__district_id")
    )
    return list(rows)
