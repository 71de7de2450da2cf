"""The navigation each role sees; later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]


_STAFF = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", frozenset(Role.values) - {Role.STATISTICS_CLIENT}),
    NavItem(_("County-level units"), "regions:list", _STAFF | {Role.INSPECTOR}),
    NavItem(_("Overdue filings"), "facilities:overdue", _STAFF),
    NavItem(_("Standards"), "facilities:standards", _STAFF),
    NavItem(_("Accounts"), "accounts:list", _STAFF),
    NavItem(_("Working-day calendar"), "workdays:year_list", frozenset({Role.CITY_ADMIN})),
    NavItem(_("API documentation"), "api-docs", _STAFF),
]


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    return [{"label": item.label, "url": reverse(item.url_name)} for item in NAV_ITEMS if user.role in item.roles]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    return {"nav_items": items_for(user) if user is not None else []}
