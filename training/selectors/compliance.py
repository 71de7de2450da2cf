"""Reading staff compliance and persons on several rosters, scoped to the user."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from facilities.models import Facility, StaffMember
from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role

# Roles that supervise staff across facilities (an operator sees only their own roster, in facilities).
SUPERVISING_ROLES = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR)
# Compliance per facility: the supervisors, and operators for their own facilities.
COMPLIANCE_ROLES = (*SUPERVISING_ROLES, Role.OPERATOR)


def compliance_by_facility_for(*, user, district: str | None = None) -> QuerySet[Facility]:
    """Facilities in the user's scope with their training compliance and gaps (as the facility record holds them)."""
    qs = (
        facility_scope_for(user=user)
        .select_related("district")
        .only(
            "id",
            "name",
            "district__code",
            "district__name",
            "training_compliant",
            "training_gaps",
            "training_checked_on",
        )
        .order_by("district_id", "name", "id")
    )
    if district:
        qs = qs.filter(district_id=district)
    return qs


def compliance_by_unit(*, user) -> list[dict]:
    """Per county-level unit in the user's scope: compliant, non-compliant, unchecked and total (one query)."""
    return list(
        facility_scope_for(user=user)
        .order_by()
        .values("district_id", "district__name")
        .annotate(
            total=Count("id"),
            compliant=Count("id", filter=Q(training_compliant=True)),
            non_compliant=Count("id", filter=Q(training_compliant=False)),
            unchecked=Count("id", filter=Q(training_compliant__isnull=True)),
        )
        .order_by("district_id")
    )


def multi_roster_persons_for(*, user, on: date | None = None) -> list[dict]:
    """Persons currently employed in two or more facilities (found through the registry, i.e. the keyed hash
    of the ID number), shown to the officers of every unit one of those facilities is in.

    Each entry lists every facility with its unit and the name that facility's roster gives; never the
    ID number. One query whatever the number of persons.
    """
    if not (user.is_authenticated and user.is_active and user.role in SUPERVISING_ROLES):
        return []
    on = on or timezone.localdate()
    current = StaffMember.objects.filter(employed_from__lte=on).filter(
        Q(employed_to__isnull=True) | Q(employed_to__gt=on)
    )
    several = (
        current.order_by()
        .values("person_id")
        .annotate(facilities=Count("facility_id", distinct=True))
        .filter(facilities__gte=2)
        .values("person_id")
    )
    visible = current.filter(person_id__in=several, facility__in=facility_scope_for(user=user)).values("person_id")
    rows = (
        current.filter(person_id__in=visible)
        .select_related("facility__district")
        .order_by("person_id", "facility__district_id", "facility__name", "id")
    )
    persons: dict[int, dict] = {}
    for member in rows:
        entry = persons.setdefault(member.person_id, {"person": member.person_id, "employments": []})
        entry["employments"].append(
            {
                "facility_id": member.facility_id,
                "facility": member.facility.name,
                "district": member.facility.district_id,
                "district_name": member.facility.district.name,
                "name": member.name,
                "role": member.role,
                "role_label": member.get_role_display(),
                "employed_from": member.employed_from,
            }
        )
    return list(persons.values())
