"""Reading accounts, scoped: the city sees every account, a unit its own, everybody else only themselves."""

from __future__ import annotations

from django.db.models import QuerySet

from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import Capability, can, scope_to_jurisdiction

from .models import Role, User


def account_list_for(*, user: User) -> QuerySet[User]:
    qs = User.objects.select_related("district").order_by("username")
    if user.role in (Role.CITY_ADMIN, Role.DISTRICT_OFFICER) and can(user, Capability.USE_WEB_PORTAL):
        return scope_to_jurisdiction(qs, user=user)
    return qs.filter(pk=user.pk)


def account_get_for(*, user: User, pk: int) -> User:
    account = account_list_for(user=user).filter(pk=pk).first()
    if account is None:
        raise NotFound
    return account
