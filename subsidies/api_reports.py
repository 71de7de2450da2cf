"""REST for monthly enrolment reports (`/api/v1/subsidies/reports/`): read in scope, file or correct a month.

A correction is a new revision with its reason; the service checks the figures against the filing and the
standards and names the clause of a failed check.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.models import ClassType
from facilities.selectors import facility_get_for
from suzhou_childcare.drf import MAX_ID

from . import selectors
from .api_common import (
    READERS,
    TAGS,
    DistrictCodeField,
    IdCursorPagination,
    PeriodField,
    choice_field,
    query_filters,
    require_role,
)
from .models import ReportStatus
from .services.reports import report_submit


class ReportFilterSerializer(serializers.Serializer):
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    period = PeriodField(required=False, help_text="Month as YYYY-MM.")
    district = DistrictCodeField(required=False)
    history = serializers.BooleanField(required=False, help_text="Include superseded revisions.")


class ReportLineSerializer(serializers.Serializer):
    class_type = serializers.ChoiceField(choices=ClassType.choices)
    enrolled = serializers.IntegerField(min_value=0, max_value=100_000)
    attendance_days = serializers.IntegerField(min_value=0, max_value=3_100_000, help_text="Child-days in the month.")
    carers = serializers.IntegerField(min_value=0, max_value=100_000, default=0)


class ReportLineOutputSerializer(serializers.Serializer):
    class_type = serializers.CharField()
    class_type_display = serializers.SerializerMethodField()
    enrolled = serializers.IntegerField()
    attendance_days = serializers.IntegerField()
    carers = serializers.IntegerField()

    def get_class_type_display(self, line) -> str:
        return str(dict(ClassType.choices).get(line.class_type, line.class_type))


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    period = PeriodField()
    revision = serializers.IntegerField()
    status = choice_field(ReportStatus.choices)
    deadline = serializers.DateField()
    late = serializers.BooleanField()
    submitted_by = serializers.CharField(source="submitted_by.username")
    submitted_at = serializers.DateTimeField()
    correction_reason = serializers.CharField()
    lines = ReportLineOutputSerializer(many=True, source="lines.all")


class ReportSubmitInputSerializer(serializers.Serializer):
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    period = PeriodField(help_text="Month as YYYY-MM.")
    lines = ReportLineSerializer(many=True)
    correction_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required when the month is already reported."
    )


class ReportListApi(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_reports_list",
        parameters=[ReportFilterSerializer, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: ReportOutputSerializer(many=True)},
    )
    def get(self, request):
        require_role(request.user, READERS)
        filters = query_filters(ReportFilterSerializer, request)
        rows = selectors.report_list_for(user=request.user, filters=filters).prefetch_related("lines")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReportOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_reports_submit",
        request=ReportSubmitInputSerializer,
        responses={201: ReportOutputSerializer},
    )
    def post(self, request):
        """File the month's report, or correct it (a new revision; `correction_reason` required)."""
        require_role(request.user, READERS)
        data = ReportSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        report = report_submit(
            actor=request.user,
            facility=facility,
            period=values["period"],
            lines=[dict(line) for line in values["lines"]],
            correction_reason=values.get("correction_reason", ""),
        )
        report = selectors.report_get_for(user=request.user, pk=report.pk)
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_reports_retrieve", responses={200: ReportOutputSerializer})
    def get(self, request, pk: int):
        require_role(request.user, READERS)
        return Response(ReportOutputSerializer(selectors.report_get_for(user=request.user, pk=pk)).data)
