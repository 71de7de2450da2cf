"""The one access path of supervision: facilities the user may see, and everything hanging off them."""

from __future__ import annotations

from django.db.models import QuerySet

from facilities.selectors import facility_scope_for
from suzhou_childcare.accounts.models import Role


def facility_ids_for(*, user) -> QuerySet:
    """Ids of the facilities in the user's jurisdiction (operators: their own), as a subquery."""
    return facility_scope_for(user=user).values("pk")


def scoped(queryset: QuerySet, *, user, facility_field: str = "facility") -> QuerySet:
    """Rows of `queryset` whose facility the user may see; roles without supervision get nothing."""
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if user.role not in (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR):
        return queryset.none()
    return queryset.filter(**{f"{facility_field}__in": facility_ids_for(user=user)})
