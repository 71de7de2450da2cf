"""REST for payment batches (`/api/v1/subsidies/batches/`): the unit's and the city's.

Prepared by one person, approved along the unit's chain by others (never the preparer or an earlier approver:
403 `maker_checker`), marked as paid once approved, then locked. Out of scope is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import PageSizePagination

from . import selectors
from .api_common import STAFF, TAGS, DistrictCodeField, PeriodField, choice_field, money, query_filters, require_role
from .forms import FIRST_YEAR, LAST_YEAR
from .models import BatchStatus
from .services import batches as services
from .views.common import decision_state


class BatchFilterSerializer(serializers.Serializer):
    district = DistrictCodeField(required=False)
    status = choice_field(BatchStatus.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)


class BatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    period_start = PeriodField(help_text="First month, YYYY-MM.")
    period_end = PeriodField(help_text="Last month, YYYY-MM.")
    status = choice_field(BatchStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    approval_chain = serializers.ListField(child=serializers.CharField())
    prepared_by = serializers.CharField(source="prepared_by.username")
    prepared_at = serializers.DateTimeField()
    total = money()
    statement_count = serializers.IntegerField()
    sample_seed = serializers.CharField(help_text="The seed the second-review sample was drawn with (a string).")
    sample_size = serializers.IntegerField()
    paid_by = serializers.CharField(source="paid_by.username", allow_null=True, default=None)
    paid_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()


class ApprovalOutputSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    role = serializers.CharField()
    approver = serializers.CharField(source="approver.username")
    approved = serializers.BooleanField()
    opinion = serializers.CharField()
    decided_at = serializers.DateTimeField()


class BatchDetailOutputSerializer(BatchOutputSerializer):
    sample = serializers.ListField(child=serializers.IntegerField(), help_text="Statement ids to review again.")
    approvals = ApprovalOutputSerializer(many=True)
    next_role = serializers.CharField(allow_null=True, help_text="Who approves the next step (prepared batches).")
    may_decide = serializers.BooleanField(help_text="Whether you may take the next step.")
    why_not = serializers.CharField(help_text="Why you may not, when you may not.")


class BatchPrepareInputSerializer(serializers.Serializer):
    district = DistrictCodeField(required=False, help_text="Required for the city admin; an officer's own unit.")
    period_start = PeriodField(help_text="First month, YYYY-MM.")
    period_end = PeriodField(help_text="Last month, YYYY-MM; the unit's payment period decides the span.")


class BatchDecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _detail(request, pk) -> dict:
    batch = selectors.batch_get_for(user=request.user, pk=pk)
    approvals = list(batch.approvals.all())
    state = decision_state(request.user, batch, approvals)
    body = BatchOutputSerializer(batch).data
    body.update(
        {
            "sample": list(batch.sample or []),
            "approvals": ApprovalOutputSerializer(approvals, many=True).data,
            "next_role": state["next_role_code"],
            "may_decide": state["may_decide"],
            "why_not": state["why_not"],
        }
    )
    return body


class BatchListApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_batches_list",
        parameters=[BatchFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: BatchOutputSerializer(many=True)},
    )
    def get(self, request):
        require_role(request.user, STAFF)
        filters = query_filters(BatchFilterSerializer, request)
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(
            selectors.batch_list_for(user=request.user, filters=filters), request, view=self
        )
        return paginator.get_paginated_response(BatchOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_batches_prepare",
        request=BatchPrepareInputSerializer,
        responses={201: BatchDetailOutputSerializer},
    )
    def post(self, request):
        """Prepare the unit's batch for a payment period: every unpaid statement with an amount, and a sample."""
        require_role(request.user, STAFF)
        data = BatchPrepareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        district = values.get("district") or request.user.district_id
        if not district:
            raise serializers.ValidationError({"district": ["This field is required."]})
        batch = services.batch_prepare(
            actor=request.user,
            district_code=district,
            period_start=values["period_start"],
            period_end=values["period_end"],
        )
        return Response(_detail(request, batch.pk), status=status.HTTP_201_CREATED)


class BatchDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_batches_retrieve", responses={200: BatchDetailOutputSerializer})
    def get(self, request, pk: int):
        require_role(request.user, STAFF)
        return Response(_detail(request, pk))


class BatchApproveApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_batches_approve",
        request=BatchDecideInputSerializer,
        responses={200: BatchDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        """One approval step (or a rejection, with the reasons). Never by the preparer or an earlier approver."""
        require_role(request.user, STAFF)
        batch = selectors.batch_get_for(user=request.user, pk=pk)
        data = BatchDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.batch_decide(
            actor=request.user,
            batch=batch,
            approve=data.validated_data["approve"],
            opinion=data.validated_data.get("opinion", ""),
        )
        return Response(_detail(request, pk))


class BatchPaidApi(APIView):
    @extend_schema(
        tags=TAGS, operation_id="subsidies_batches_paid", request=None, responses={200: BatchDetailOutputSerializer}
    )
    def post(self, request, pk: int):
        """The approved batch was paid: it is locked, its statements never change again."""
        require_role(request.user, STAFF)
        batch = selectors.batch_get_for(user=request.user, pk=pk)
        services.batch_mark_paid(actor=request.user, batch=batch)
        return Response(_detail(request, pk))
