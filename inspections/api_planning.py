"""REST for inspection plans (list, detail, the draw) and quality assessments (list, record, detail).

Seeds are sent as strings: a 63-bit seed does not fit a JavaScript number (2^53), and a seed that lost its last
digits would no longer reproduce the draw. The draw takes no seed from the client: a seed chosen by a person
could be one picked to spare a facility.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.selectors import facility_get_for
from suzhou_childcare.drf import MAX_ID, PageSizePagination
from suzhou_childcare.errors import NotFound

from .models import InspectionPlan
from .selectors.assessments import assessment_get_for, assessment_list_for
from .selectors.planning import may_read_plans, plan_get_for, plan_list_for, plan_targets_for
from .services.assessments import assessment_record
from .services.planning import plan_draw, plan_redraw_check

PAGE_PARAMETERS = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


# --- inspection plans -----------------------------------------------------------------------------------------


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    district = serializers.CharField(source="district_id", allow_null=True, help_text="Null for a city-wide plan.")
    district_name = serializers.CharField(source="district.name", allow_null=True, default=None)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_size = serializers.IntegerField()
    inspectors_per_facility = serializers.IntegerField()
    serious_finding_weight = serializers.IntegerField()
    draw_seed = serializers.CharField(allow_null=True, help_text="The logged seed of the draw, as a string.")
    drawn_at = serializers.DateTimeField(allow_null=True)
    drawn_by = serializers.CharField(source="drawn_by.username", allow_null=True, default=None)


class PlanTargetSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Order of the draw, from 1.")
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    inspectors = serializers.SerializerMethodField(help_text="Ids of the inspectors drawn for the facility.")
    inspected = serializers.BooleanField(help_text="A completed inspection of this plan exists for the facility.")

    def get_inspectors(self, target) -> list[int]:
        return [person.pk for person in target.inspectors.all()]


class _PlanWithDraw:
    """The plan with the targets the user may see and the reproducibility check, for the detail serializer."""

    def __init__(self, plan: InspectionPlan, *, user):
        self._plan = plan
        self.targets = plan_targets_for(user=user, plan=plan)
        self.reproducible = plan_redraw_check(plan) if plan.draw_seed is not None else None

    def __getattr__(self, name):
        return getattr(self._plan, name)


class PlanDetailSerializer(PlanSerializer):
    reproducible = serializers.BooleanField(
        allow_null=True, help_text="Recomputing the draw from the logged seed gives these targets; null: not drawn."
    )
    targets = PlanTargetSerializer(many=True, help_text="Drawn facilities in the caller's jurisdiction.")


class PlanListApi(APIView):
    """Plans the caller may read: the city all; a unit's officers their unit's and city-wide plans; inspectors
    the plans they were drawn in. Other roles: 404."""

    class OutputSerializer(PlanSerializer):
        target_count = serializers.IntegerField(help_text="Drawn facilities in the caller's jurisdiction.")

    @extend_schema(
        operation_id="inspection_plans_list", parameters=PAGE_PARAMETERS, responses={200: OutputSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        if not may_read_plans(request.user):
            raise NotFound
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(plan_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class PlanDetailApi(APIView):
    @extend_schema(operation_id="inspection_plans_retrieve", responses={200: PlanDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        plan = plan_get_for(user=request.user, pk=pk)
        return Response(PlanDetailSerializer(_PlanWithDraw(plan, user=request.user)).data)


class PlanDrawApi(APIView):
    """Draw the plan once (409 if drawn already): the unit's district officer, or the city admin."""

    @extend_schema(operation_id="inspection_plans_draw", request=None, responses={200: PlanDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        plan = plan_get_for(user=request.user, pk=pk)
        plan = plan_draw(actor=request.user, plan=plan)
        plan = plan_get_for(user=request.user, pk=plan.pk)
        return Response(PlanDetailSerializer(_PlanWithDraw(plan, user=request.user)).data)


# --- quality assessments --------------------------------------------------------------------------------------


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    assessed_on = serializers.DateField()
    scheme = serializers.CharField(source="scheme.edition")
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=2), help_text="Points by dimension code."
    )
    vetoes_failed = serializers.ListField(child=serializers.CharField(), help_text="Codes of the veto items failed.")
    total = serializers.DecimalField(max_digits=7, decimal_places=2)
    grade = serializers.CharField()
    assessor = serializers.CharField(source="assessor.username")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class AssessmentFilterSerializer(serializers.Serializer):
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class AssessmentListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        assessed_on = serializers.DateField()
        scores = serializers.DictField(
            child=serializers.DecimalField(max_digits=7, decimal_places=2),
            help_text="Points of each of the scheme's dimensions, by code "
            "(conditions, workforce, care, health, parenting_support, safety, management).",
        )
        vetoes_failed = serializers.ListField(
            child=serializers.CharField(max_length=80), required=False, default=list, help_text="Veto item codes."
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    @extend_schema(
        operation_id="assessments_list",
        parameters=[AssessmentFilterSerializer, *PAGE_PARAMETERS],
        responses={200: AssessmentSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        filters = AssessmentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = assessment_list_for(user=request.user, facility_id=filters.validated_data.get("facility"))
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(AssessmentSerializer(page, many=True).data)

    @extend_schema(operation_id="assessments_create", request=InputSerializer, responses={201: AssessmentSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        assessment = assessment_record(
            actor=request.user,
            facility=facility,
            assessed_on=values["assessed_on"],
            scores=values["scores"],
            vetoes_failed=values["vetoes_failed"],
            note=values["note"],
        )
        assessment = assessment_get_for(user=request.user, pk=assessment.pk)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    @extend_schema(operation_id="assessments_retrieve", responses={200: AssessmentSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(AssessmentSerializer(assessment_get_for(user=request.user, pk=pk)).data)
