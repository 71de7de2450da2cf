"""REST for statements (`/api/v1/subsidies/statements/`) and for calculating a month (`calculations/`).

Operators read their facilities' statements, units theirs, the city all (foreign ones are 404). A calculation
is a job: the request answers 202 with the job to poll at `/api/v1/jobs/<id>/`.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.drf import MAX_ID
from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.outbox.services import enqueue, job_create
from suzhou_childcare.regions.models import District

from . import selectors
from .api_common import (
    READERS,
    STAFF,
    TAGS,
    DistrictCodeField,
    IdCursorPagination,
    PeriodField,
    choice_field,
    money,
    query_filters,
    require_role,
)
from .forms import format_period
from .models import StatementKind
from .tasks import calculate_period_task
from .views.batches import CALCULATION_JOB_KIND
from .views.common import line_label


class StatementFilterSerializer(serializers.Serializer):
    period = PeriodField(required=False, help_text="Month as YYYY-MM.")
    district = DistrictCodeField(required=False)
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    batch = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    eligible = serializers.BooleanField(required=False)
    kind = choice_field(StatementKind.choices, required=False)


class StatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    period = PeriodField()
    kind = choice_field(StatementKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    eligible = serializers.BooleanField()
    reason_code = serializers.CharField(help_text="Why an ineligible statement pays nothing (empty when eligible).")
    reason = serializers.CharField()
    total = money(help_text="Yuan, two decimals, as a string.")
    rule_set = serializers.IntegerField(source="rule_set_id")
    rule_set_edition = serializers.CharField(source="rule_set.edition")
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    batch_status = serializers.CharField(source="batch.status", allow_null=True, default=None)
    adjusts = serializers.IntegerField(source="adjusts_id", allow_null=True, help_text="The paid statement adjusted.")
    calculated_at = serializers.DateTimeField()


class StatementLineOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    code = serializers.CharField()
    code_label = serializers.SerializerMethodField()
    rule = serializers.CharField(help_text="The rule set and clause the line comes from.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    amount = money()
    inputs = serializers.JSONField()

    def get_code_label(self, line) -> str:
        return line_label(line.code)


class AwardGrantOutputSerializer(serializers.Serializer):
    award_code = serializers.CharField()
    slot_number = serializers.IntegerField(allow_null=True)
    amount = money()


class StatementDetailOutputSerializer(StatementOutputSerializer):
    lines = StatementLineOutputSerializer(many=True, source="lines.all")
    awards = AwardGrantOutputSerializer(many=True, source="award_grants.all")
    inputs = serializers.JSONField(help_text="The facts the calculation read.")
    report = serializers.IntegerField(source="report_id", allow_null=True)


class StatementListApi(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_statements_list",
        parameters=[StatementFilterSerializer, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: StatementOutputSerializer(many=True)},
    )
    def get(self, request):
        require_role(request.user, READERS)
        filters = query_filters(StatementFilterSerializer, request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.statement_list_for(user=request.user, filters=filters), request, view=self
        )
        return paginator.get_paginated_response(StatementOutputSerializer(page, many=True).data)


class StatementDetailApi(APIView):
    @extend_schema(
        tags=TAGS, operation_id="subsidies_statements_retrieve", responses={200: StatementDetailOutputSerializer}
    )
    def get(self, request, pk: int):
        require_role(request.user, READERS)
        statement = selectors.statement_get_for(user=request.user, pk=pk)
        return Response(StatementDetailOutputSerializer(statement).data)


class CalculationInputSerializer(serializers.Serializer):
    period = PeriodField(help_text="Month as YYYY-MM; one that has begun.")
    district = DistrictCodeField(
        required=False, allow_null=True, help_text="A unit's code; omitted: every unit (city admin), or your unit."
    )


class CalculationOutputSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    job_url = serializers.CharField(help_text="Poll it for the progress.")
    period = serializers.CharField()
    district = serializers.CharField(allow_null=True)


class CalculationApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_calculations_create",
        request=CalculationInputSerializer,
        responses={202: CalculationOutputSerializer},
    )
    def post(self, request):
        """Calculate a month for every facility (of a unit) as a job; running it again changes nothing."""
        require_role(request.user, STAFF)
        data = CalculationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period, district = data.validated_data["period"], data.validated_data.get("district")
        if period > timezone.localdate().replace(day=1):
            raise ValidationFailed(fields={"period": [_("A month that has not begun cannot be calculated.")]})
        if request.user.role != Role.CITY_ADMIN:
            if district and district != request.user.district_id:
                raise NotFound
            district = request.user.district_id
        unit = District.objects.filter(code=district).first() if district else None
        title = _("Subsidy calculation %(period)s · %(unit)s") % {
            "period": format_period(period),
            "unit": unit.name if unit else _("all units"),
        }
        with transaction.atomic():
            job = job_create(kind=CALCULATION_JOB_KIND, title=title[:200], owner=request.user)
            enqueue(calculate_period_task, period=period.isoformat(), district_code=district, job_id=str(job.id))
        body = {
            "job": job.id,
            "job_url": reverse("api:job-detail", kwargs={"job_id": job.id}),
            "period": format_period(period),
            "district": district,
        }
        return Response(CalculationOutputSerializer(body).data, status=status.HTTP_202_ACCEPTED)
