"""Who may do what, and the one helper that scopes a queryset to a user's jurisdiction.

Selectors call `scope_to_jurisdiction`; out-of-scope rows simply are not there, so a foreign object is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet
from rest_framework import exceptions, permissions

from suzhou_childcare.accounts.models import Role

if TYPE_CHECKING:
    from suzhou_childcare.accounts.models import User

M = TypeVar("M", bound=Model)


class Capability:
    """Stable names of what a role may do beyond seeing its jurisdiction."""

    EDIT_REFERENCE_DATA = "edit_reference_data"
    UNMASK_PERSONAL_DATA = "unmask_personal_data"
    VIEW_AUDIT_HISTORY = "view_audit_history"
    READ_STATISTICS = "read_statistics"
    USE_WEB_PORTAL = "use_web_portal"
    # Deciding an administrative penalty (the proposer may never decide their own proposal).
    DECIDE_PENALTY = "decide_penalty"
    # The retention schedule and data-subject requests (PIPL): the city admin's alone.
    MANAGE_PERSONAL_DATA = "manage_personal_data"


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(
        {
            Capability.EDIT_REFERENCE_DATA,
            Capability.UNMASK_PERSONAL_DATA,
            Capability.VIEW_AUDIT_HISTORY,
            Capability.READ_STATISTICS,
            Capability.USE_WEB_PORTAL,
            Capability.DECIDE_PENALTY,
            Capability.MANAGE_PERSONAL_DATA,
        }
    ),
    Role.DISTRICT_OFFICER: frozenset(
        {
            Capability.DECIDE_PENALTY,
            Capability.UNMASK_PERSONAL_DATA,
            Capability.VIEW_AUDIT_HISTORY,
            Capability.READ_STATISTICS,
            Capability.USE_WEB_PORTAL,
        }
    ),
    # Inspectors read every unit's aggregates (the ranking); drill-down stays within their jurisdiction.
    Role.INSPECTOR: frozenset({Capability.VIEW_AUDIT_HISTORY, Capability.READ_STATISTICS, Capability.USE_WEB_PORTAL}),
    Role.OPERATOR: frozenset({Capability.USE_WEB_PORTAL}),
    Role.TRAINING_BASE: frozenset({Capability.USE_WEB_PORTAL}),
    Role.MCH_ASSESSOR: frozenset({Capability.USE_WEB_PORTAL}),
    Role.STATISTICS_CLIENT: frozenset({Capability.READ_STATISTICS}),
}


def can(user: User, capability: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def sees_whole_city(user: User) -> bool:
    """City admins, and inspectors of the city health supervision institute, work city-wide."""
    if user.role == Role.CITY_ADMIN:
        return True
    return user.role == Role.INSPECTOR and user.is_citywide


def scope_to_jurisdiction(queryset: QuerySet[M], *, user: User, district_field: str = "district") -> QuerySet[M]:
    """Rows of `queryset` inside the user's county-level unit (all of them for city-wide roles).

    Roles without a territorial jurisdiction (operators, training bases, MCH institutions, statistics
    clients) get nothing here: their apps scope them by their own links (e.g. `Facility.operators`).
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if sees_whole_city(user):
        return queryset
    if user.role in (Role.DISTRICT_OFFICER, Role.INSPECTOR) and user.district_id:
        return queryset.filter(**{district_field: user.district_id})
    return queryset.none()


class IsPortalUser(permissions.BasePermission):
    """The default for every endpoint: an active account of a role that may use the portal's API.

    A statistics client reaches only views that declare ``statistics_endpoint = True``; everything else
    is answered as if it did not exist.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated
        if not user.is_active:
            return False
        if user.role == Role.STATISTICS_CLIENT and not getattr(view, "statistics_endpoint", False):
            raise exceptions.NotFound
        return True


class CanReadStatistics(IsPortalUser):
    """Statistics endpoints: aggregates for the city, units' officers and inspectors and statistics clients.

    Every other role knows the statistics exist (their facility's figures are on its pages) but may not read
    them through the API: 403, not 404.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if not can(request.user, Capability.READ_STATISTICS):
            raise exceptions.PermissionDenied
        return True
