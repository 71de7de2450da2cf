"""REST: staff training compliance per facility and per unit, and persons on several rosters."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import PageSizePagination
from suzhou_childcare.errors import NotFound

from .selectors.compliance import (
    COMPLIANCE_ROLES,
    SUPERVISING_ROLES,
    compliance_by_facility_for,
    compliance_by_unit,
    multi_roster_persons_for,
)


class GapSerializer(serializers.Serializer):
    role = serializers.CharField()
    person = serializers.CharField(help_text="The name on the facility's roster (never an ID number).")
    requirement = serializers.CharField()
    clause = serializers.CharField()


class FacilityComplianceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    training_compliant = serializers.BooleanField(allow_null=True)
    training_checked_on = serializers.DateField(allow_null=True)
    training_gaps = GapSerializer(many=True)


class UnitComplianceSerializer(serializers.Serializer):
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district__name")
    total = serializers.IntegerField()
    compliant = serializers.IntegerField()
    non_compliant = serializers.IntegerField()
    unchecked = serializers.IntegerField()


class EmploymentSerializer(serializers.Serializer):
    facility_id = serializers.IntegerField()
    facility = serializers.CharField()
    district = serializers.CharField()
    district_name = serializers.CharField()
    name = serializers.CharField(help_text="The name on this facility's roster.")
    role = serializers.CharField()
    employed_from = serializers.DateField()


class MultiRosterPersonSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="Internal registry key; the ID number is never sent.")
    employments = EmploymentSerializer(many=True)


def _require(user, roles) -> None:
    if user.role not in roles:
        raise NotFound


class ComplianceListApi(APIView):
    """Facilities in the caller's scope with their staff training compliance and gaps."""

    @extend_schema(
        parameters=[OpenApiParameter("district", str, description="County-level unit code, e.g. 320508")],
        responses={200: FacilityComplianceSerializer(many=True)},
    )
    def get(self, request):
        _require(request.user, COMPLIANCE_ROLES)
        paginator = PageSizePagination()
        rows = compliance_by_facility_for(user=request.user, district=request.query_params.get("district") or None)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FacilityComplianceSerializer(page, many=True).data)


class ComplianceByUnitApi(APIView):
    """Per county-level unit in the caller's scope: compliant, non-compliant, unchecked and total facilities."""

    pagination_class = None

    @extend_schema(responses={200: UnitComplianceSerializer(many=True)})
    def get(self, request):
        _require(request.user, SUPERVISING_ROLES)
        return Response(UnitComplianceSerializer(compliance_by_unit(user=request.user), many=True).data)


class MultiRosterApi(APIView):
    """Persons currently on the rosters of two or more facilities, for every unit concerned."""

    pagination_class = None

    @extend_schema(responses={200: MultiRosterPersonSerializer(many=True)})
    def get(self, request):
        _require(request.user, SUPERVISING_ROLES)
        return Response(MultiRosterPersonSerializer(multi_roster_persons_for(user=request.user), many=True).data)
