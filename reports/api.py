"""The statistics API: aggregated figures only, the one thing a statistics client may read."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.errors import ValidationFailed
from suzhou_childcare.permissions import CanReadStatistics
from suzhou_childcare.regions.selectors import city_population, population_by_district


class PopulationUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)
    population_year = serializers.IntegerField(allow_null=True)
    is_estimate = serializers.BooleanField()


class PopulationStatisticsApi(APIView):
    """Resident population per county-level unit and for the city (the sum of its units)."""

    permission_classes = [CanReadStatistics]
    statistics_endpoint = True

    class OutputSerializer(serializers.Serializer):
        year = serializers.IntegerField()
        city_population = serializers.IntegerField(allow_null=True)
        city_includes_estimates = serializers.BooleanField()
        units = PopulationUnitSerializer(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="year of the figures (default: this year)")],
        responses={200: OutputSerializer},
    )
    def get(self, request):
        raw_year = request.query_params.get("year", str(timezone.localdate().year))
        if not re.fullmatch(r"[0-9]{4}", raw_year) or not 1949 <= int(raw_year) <= 2100:
            raise ValidationFailed(fields={"year": [_("Enter a year between 1949 and 2100.")]})
        year = int(raw_year)
        units = [
            {**row, "is_estimate": row.pop("population_status") == "estimate"}
            for row in population_by_district(year=year)
        ]
        units = PopulationUnitSerializer(units, many=True).data
        return Response(
            {
                "year": year,
                "city_population": city_population(year=year),
                "city_includes_estimates": any(u["is_estimate"] for u in units),
                "units": units,
            }
        )
