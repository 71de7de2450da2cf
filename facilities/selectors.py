"""Reading facilities, always scoped to the user: the city sees all, a unit its own, an operator only theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import scope_to_jurisdiction, sees_whole_city

from . import rules
from .models import (
    Category,
    Facility,
    FacilityClass,
    FacilityVersion,
    FilingStatus,
    Material,
    ServiceForm,
    StaffMember,
    StandardRule,
)

SEARCHABLE = ("name", "address", "filing_number", "uscc")


def facility_scope_for(*, user) -> QuerySet[Facility]:
    """Every facility the user may see, with nothing else applied."""
    qs = Facility.objects.all()
    if user.is_authenticated and user.is_active and user.role == Role.OPERATOR:
        return qs.filter(operators=user)
    return scope_to_jurisdiction(qs, user=user)


def _count(related: QuerySet) -> Coalesce:
    counted = related.order_by().values("facility").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def facility_list_for(*, user, filters: dict | None = None) -> QuerySet[Facility]:
    """The list pages and the API: a constant number of queries whatever the page size."""
    filters = filters or {}
    qs = (
        facility_scope_for(user=user)
        .select_related("district", "street", "hub")
        .annotate(
            # Correlated counts, not joins: joining classes and staff would multiply rows before grouping.
            class_count=_count(FacilityClass.objects.filter(facility=OuterRef("pk"))),
            staff_count=_count(
                StaffMember.objects.filter(facility=OuterRef("pk")).filter(
                    Q(employed_to__isnull=True) | Q(employed_to__gt=timezone.localdate())
                )
            ),
        )
        .order_by("district_id", "name", "id")
    )
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    for field in ("category", "form", "filing_status"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("recognition"):
        from .selectors_recognition import facilities_recognised_q

        qs = qs.filter(
            facilities_recognised_q(kind=filters["recognition"], on=filters.get("as_of") or timezone.localdate())
        )
    if filters.get("q"):
        # Substring search: full-text search does not split Chinese.
        term = filters["q"].strip()
        condition = Q()
        for field in SEARCHABLE:
            condition |= Q(**{f"{field}__icontains": term})
        qs = qs.filter(condition)
    return qs


def facility_get_for(*, user, pk) -> Facility:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    facility = (
        facility_scope_for(user=user)
        .select_related("district", "street", "hub", "reviewer")
        .prefetch_related("offerings", "classes", "operators")
        .filter(pk=pk)
        .first()
    )
    if facility is None:
        raise NotFound
    return facility


def material_get_for(*, user, facility_pk, pk) -> Material:
    facility = facility_get_for(user=user, pk=facility_pk)
    material = Material.objects.filter(facility=facility, pk=pk).first()
    if material is None:
        raise NotFound
    return material


def current_staff(facility: Facility, *, on: date | None = None) -> QuerySet[StaffMember]:
    on = on or timezone.localdate()
    return (
        facility.staff.filter(employed_from__lte=on)
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=on))
        .select_related("person")
    )


def standards_in_force(*, on: date | None = None) -> dict[str, rules.RuleValue]:
    """The latest edition of every standard effective on `on` (today by default)."""
    on = on or timezone.localdate()
    rows = (
        StandardRule.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("code", "-effective_from")
        .values("code", "value", "clause", "source", "is_default")
    )
    latest: dict[str, dict] = {}
    for row in rows:
        latest.setdefault(row["code"], row)
    return rules.standards_from_rows(latest.values())


def _is_current(member: StaffMember, on: date) -> bool:
    return member.employed_from <= on and (member.employed_to is None or member.employed_to > on)


def facility_facts(facility: Facility, *, on: date | None = None) -> rules.FacilityFacts:
    """The plain facts `rules` judge. Reads only `.all()` of its relations, so a page that prefetched
    them (see `with_review_relations`) judges any number of facilities in a fixed number of queries."""
    on = on or timezone.localdate()
    full_day = [o.monthly_fee for o in facility.offerings.all() if o.service_form == ServiceForm.FULL_DAY]
    return rules.FacilityFacts(
        name=facility.name,
        registration_route=facility.registration_route,
        uscc=facility.uscc,
        category=facility.category,
        form=facility.form,
        district_code=facility.district_id or "",
        address=facility.address,
        slots=facility.slots,
        enrolled=facility.enrolled,
        meals_served=facility.meals_served,
        premises_tenure=facility.premises_tenure,
        lease_start=facility.lease_start,
        lease_end=facility.lease_end,
        lowest_floor=facility.lowest_floor,
        highest_floor=facility.highest_floor,
        observation_room_area=facility.observation_room_area,
        surveillance_covers_infant_areas=facility.surveillance_covers_infant_areas,
        surveillance_retention_days=facility.surveillance_retention_days,
        one_click_alarm=facility.one_click_alarm,
        licensed_guard=facility.licensed_guard,
        insurance_mode=facility.insurance_mode,
        policy_expires_on=facility.policy_expires_on,
        full_day_fee=full_day[0] if full_day else None,
        classes=tuple(
            rules.ClassFacts(
                class_type=c.class_type,
                capacity=c.capacity,
                enrolled=c.enrolled,
                carers=c.carers,
                youngest_months=c.youngest_months,
                label=c.name or c.get_class_type_display(),
            )
            for c in facility.classes.all()
        ),
        staff=tuple(
            rules.StaffFacts(
                role=s.role,
                full_time=s.full_time,
                education=s.education,
                years_of_experience=s.years_of_experience,
                post_training_done=s.post_training_done,
                health_certificate_expires_on=s.health_certificate_expires_on,
                no_criminal_record_on_file=s.no_criminal_record_on_file,
                guard_licence_number=s.guard_licence_number,
                name=s.name,
            )
            for s in facility.staff.all()
            if _is_current(s, on)
        ),
        materials=tuple(rules.MaterialFacts(kind=m.kind, expires_on=m.expires_on) for m in facility.materials.all()),
    )


def with_review_relations(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    """Prefetch what `facility_facts` reads: five queries for the whole page."""
    return queryset.prefetch_related(
        "offerings",
        "classes",
        "materials",
        Prefetch("staff", queryset=StaffMember.objects.select_related("person")),
    )


@dataclass(frozen=True)
class Review:
    """What an operator sees before submitting and an officer when verifying."""

    blocking: list[rules.Finding]
    warnings: list[rules.Finding]


def facility_review(
    facility: Facility, *, on: date | None = None, standards: dict[str, rules.RuleValue] | None = None
) -> Review:
    on = on or timezone.localdate()
    facts = facility_facts(facility, on=on)
    return Review(
        blocking=rules.completeness_findings(facts, today=on),
        warnings=rules.standards_findings(facts, standards or standards_in_force(on=on), today=on),
    )


# --- as of a date -----------------------------------------------------------------------------------------


def versions_as_of(day: date) -> QuerySet[FacilityVersion]:
    """Each facility's version in force on `day`, for those operating that day (opened, not yet closed)."""
    return (
        FacilityVersion.objects.filter(valid_from__lte=day, opened_on__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
    )


def staff_as_of(day: date) -> QuerySet[StaffMember]:
    operating = versions_as_of(day).filter(facility=OuterRef("facility"))
    return (
        StaffMember.objects.filter(employed_from__lte=day)
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=day))
        .filter(Exists(operating))
    )


def totals_as_of(day: date, *, district_code: str | None = None) -> dict:
    """City (or unit) totals on a past date, aggregated in the database from the versioned history."""
    versions = versions_as_of(day)
    staff = staff_as_of(day)
    if district_code:
        versions = versions.filter(district_id=district_code)
        staff = staff.filter(
            Exists(versions_as_of(day).filter(facility=OuterRef("facility"), district_id=district_code))
        )
    kg = Category.KINDERGARTEN_CLASS
    facility_totals = versions.aggregate(
        facilities=Count("id"),
        facilities_kindergarten_class=Count("id", filter=Q(category=kg)),
        facilities_social=Count("id", filter=Q(category=Category.SOCIAL)),
        facilities_filed=Count(
            "id",
            filter=Q(
                filing_status__in=[
                    FilingStatus.FILED,
                    FilingStatus.VERIFIED,
                    FilingStatus.NONCONFORMING,
                    FilingStatus.CHANGE_PENDING,
                ]
            ),
        ),
        slots=Sum("slots", default=0),
        enrolled=Sum("enrolled", default=0),
    )
    kg_versions = versions_as_of(day).filter(facility=OuterRef("facility"), category=kg)
    staff_totals = staff.aggregate(
        staff=Count("id"),
        staff_kindergarten_class=Count("id", filter=Q(Exists(kg_versions))),
    )
    staff_totals["staff_social"] = staff_totals["staff"] - staff_totals["staff_kindergarten_class"]
    return {**facility_totals, **staff_totals}


def overdue_filings_for(*, user, today: date | None = None) -> QuerySet[Facility]:
    """Submissions past their record deadline, and filings past their notice deadline without a decision."""
    today = today or timezone.localdate()
    return (
        facility_list_for(user=user)
        .filter(
            Q(filing_status__in=[FilingStatus.SUBMITTED, FilingStatus.CHANGE_PENDING], record_deadline__lt=today)
            | Q(filing_status=FilingStatus.FILED, notice_deadline__lt=today)
        )
        .order_by("record_deadline", "notice_deadline", "id")
    )


FILED_STATES = (FilingStatus.FILED, FilingStatus.VERIFIED, FilingStatus.NONCONFORMING, FilingStatus.CHANGE_PENDING)


def filing_rate_by_district(*, user, on: date) -> list[dict]:
    """Per unit: facilities operating on `on` (all the unit knows of), how many of them are filed, the rate.

    Read from the versioned history, so the figures of a past date are those of that date.
    """
    from suzhou_childcare.regions.models import District

    versions = versions_as_of(on)
    districts = District.objects.all()
    if not sees_whole_city(user):
        versions = versions.filter(district_id=user.district_id)
        districts = districts.filter(code=user.district_id)
    counts = {
        row["district_id"]: row
        for row in versions.values("district_id").annotate(
            operating=Count("id"), filed=Count("id", filter=Q(filing_status__in=FILED_STATES))
        )
    }
    rows = []
    for district in districts.order_by("code"):
        row = counts.get(district.code, {"operating": 0, "filed": 0})
        operating, filed = row["operating"], row["filed"]
        rows.append(
            {
                "district": district,
                "operating": operating,
                "filed": filed,
                "rate": filed / operating if operating else None,
            }
        )
    return rows
