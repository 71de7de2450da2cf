"""What the subsidy API modules share: months as "YYYY-MM", money as strings with two decimals, unit codes that
must exist, cursor pages for the growing tables, and the roles that reach each part."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

from suzhou_childcare.errors import NotFound
from suzhou_childcare.regions.models import District

from .forms import format_period, parse_period
from .views.common import READERS, STAFF  # noqa: F401 - re-exported for the API modules

TAGS = ["subsidies"]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-05"})
class PeriodField(serializers.Field):
    """A month as "YYYY-MM" (in and out); stored as the month's first day."""

    def to_internal_value(self, data):
        try:
            return parse_period(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value):
        return format_period(value)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice documented as a string listing its values: a named enum component would collide with other
    apps' different "status" and "kind" enums in the schema."""
    described = "One of: " + ", ".join(f"`{value}`" for value, _label in choices)
    documented = extend_schema_field({"type": "string", "description": described})(
        type("DocumentedChoiceField", (serializers.ChoiceField,), {})
    )
    return documented(choices=choices, **kwargs)


def money(**kwargs) -> serializers.DecimalField:
    """Yuan as a string with two decimals ("14880.00"): never a float."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True, **kwargs)


class DistrictCodeField(serializers.RegexField):
    """A county-level unit's six-digit code, which must exist (an unknown unit is a 400 naming the field)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A county-level unit's code, e.g. 320508.")
        super().__init__(r"^[0-9]{6}$", **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not District.objects.filter(code=code).exists():
            raise serializers.ValidationError(_("Unknown county-level unit."))
        return code


class IdCursorPagination(CursorPagination):
    """Statements and reports grow without bound: stable, index-backed pages (newest first)."""

    ordering = ("-id",)
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE


def require_role(user, roles) -> None:
    if user.role not in roles:
        raise NotFound


def query_filters(serializer_class, request) -> dict:
    """Validated query parameters (a plain dict, so an absent boolean stays absent); 400 with fields if bad."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return {k: v for k, v in serializer.validated_data.items() if v is not None and v != ""}
