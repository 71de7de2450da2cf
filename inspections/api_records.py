"""REST for inspection records and rectification orders: validate, call a service or a selector, serialize.

Every object comes through the scoped selectors (foreign → 404); refusals come from the services as
ApplicationError and leave in the project's error shape.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.selectors import facility_get_for
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.drf import MAX_ID, paginated_response
from suzhou_childcare.errors import ValidationFailed

from .models import InspectionKind, InspectionStatus, OrderStatus, Weight
from .selectors import records as selectors
from .services import records, rectification

# --- shared output pieces ---------------------------------------------------------------------------------


class InspectorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="__str__")
    district = serializers.CharField(source="district_id", allow_null=True)
    is_citywide = serializers.BooleanField()


class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField(help_text="Path of the file, through the scoped download.")

    def get_download(self, obj) -> str:
        return reverse("api:evidence-download", args=[obj.pk])


class OrderSummaryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issued_on = serializers.DateField()
    deadline = serializers.DateField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")


class ChecklistItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    clause = serializers.CharField()
    result = serializers.CharField()
    result_display = serializers.CharField(source="get_result_display")
    note = serializers.CharField()
    position = serializers.IntegerField()


class FindingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    weight = serializers.CharField()
    weight_display = serializers.CharField(source="get_weight_display")
    description = serializers.CharField()
    item_code = serializers.CharField()
    clause = serializers.CharField()
    recorded_on = serializers.DateField()
    order = OrderSummaryOutputSerializer()
    evidence = EvidenceOutputSerializer(many=True, source="evidence.all")


_page = paginated_response


# --- inspections ------------------------------------------------------------------------------------------


class InspectionDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    inspected_on = serializers.DateField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    summary = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    follow_up_of = serializers.IntegerField(source="follow_up_of_id", allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    inspectors = InspectorOutputSerializer(many=True, source="inspectors.all")
    items = ChecklistItemOutputSerializer(many=True, source="items.all")
    findings = FindingOutputSerializer(many=True, source="findings.all")


def _inspection_detail(request, pk: int) -> dict:
    return InspectionDetailOutputSerializer(selectors.inspection_get_for(user=request.user, pk=pk)).data


class InspectionListCreateApi(APIView):
    """`GET /inspections/`: the inspections the caller may see; `POST /inspections/`: start one."""

    class FilterSerializer(serializers.Serializer):
        facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        district = serializers.RegexField(r"^[0-9]{6}$", required=False)
        kind = serializers.ChoiceField(choices=InspectionKind.choices, required=False)
        status = serializers.ChoiceField(choices=InspectionStatus.choices, required=False)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        q = serializers.CharField(required=False, max_length=100)

        class Meta:
            ref_name = "InspectionFilter"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        facility = serializers.IntegerField(source="facility_id")
        facility_name = serializers.CharField(source="facility.name")
        district = serializers.CharField(source="facility.district_id")
        district_name = serializers.CharField(source="facility.district.name")
        kind = serializers.CharField()
        kind_display = serializers.CharField(source="get_kind_display")
        inspected_on = serializers.DateField()
        status = serializers.CharField()
        status_display = serializers.CharField(source="get_status_display")
        follow_up_of = serializers.IntegerField(source="follow_up_of_id", allow_null=True)
        inspectors = InspectorOutputSerializer(many=True, source="inspectors.all")
        item_count = serializers.IntegerField()
        unchecked_count = serializers.IntegerField()
        failed_count = serializers.IntegerField()
        finding_count = serializers.IntegerField()

        class Meta:
            ref_name = "InspectionListOutput"

    class InputSerializer(serializers.Serializer):
        facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        kind = serializers.ChoiceField(choices=InspectionKind.choices)
        inspected_on = serializers.DateField()
        inspectors = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=20)
        plan = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
        follow_up_of = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            help_text="The rectification order a follow-up re-inspects.",
            max_value=MAX_ID,
        )

        class Meta:
            ref_name = "InspectionStartInput"

    @extend_schema(
        parameters=[FilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.inspection_list_for(user=request.user, filters=filters.validated_data)
        return _page(self, request, rows, self.OutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: InspectionDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        ids = list(dict.fromkeys(values["inspectors"]))
        # Only inspectors who may work here are looked up: other ids all read as the same refusal, so the
        # endpoint tells nobody which accounts exist or who holds them.
        inspectors = list(
            User.objects.filter(pk__in=ids, role=Role.INSPECTOR, is_active=True).filter(
                Q(is_citywide=True) | Q(district_id=facility.district_id)
            )
        )
        errors: dict[str, list[str]] = {}
        if len(inspectors) != len(ids):
            errors["inspectors"] = [
                _("Name only inspectors of %(unit)s or of the city.") % {"unit": facility.district.name}
            ]
        plan = None
        if values.get("plan"):
            from .selectors.planning import plan_scope_for

            plan = plan_scope_for(user=request.user).filter(pk=values["plan"]).first()
            if plan is None:
                errors["plan"] = [_("No inspection plan with this id.")]
        if errors:
            raise ValidationFailed(fields=errors)
        order = (
            selectors.order_get_for(user=request.user, pk=values["follow_up_of"])
            if values.get("follow_up_of")
            else None
        )
        inspection = records.inspection_start(
            actor=request.user,
            facility=facility,
            kind=values["kind"],
            inspected_on=values["inspected_on"],
            inspectors=inspectors,
            plan=plan,
            follow_up_of=order,
        )
        return Response(_inspection_detail(request, inspection.pk), status=status.HTTP_201_CREATED)


class InspectionDetailApi(APIView):
    """`GET /inspections/{id}/`: the record with its checklist, findings (orders, evidence) and inspectors."""

    @extend_schema(responses={200: InspectionDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_inspection_detail(request, pk))


class InspectionFindingCreateApi(APIView):
    """`POST /inspections/{id}/findings/`: record a finding (JSON, or multipart with an evidence file);
    its rectification order is issued with a deadline in working days by weight."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        weight = serializers.ChoiceField(choices=Weight.choices)
        description = serializers.CharField(max_length=5000)
        item_code = serializers.CharField(required=False, allow_blank=True, max_length=80)
        clause = serializers.CharField(required=False, allow_blank=True, max_length=300)
        evidence = serializers.FileField(required=False, help_text="PDF, JPEG or PNG (multipart only).")

        class Meta:
            ref_name = "FindingCreateInput"

    @extend_schema(request=InputSerializer, responses={201: FindingOutputSerializer})
    def post(self, request, pk: int):
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        finding = records.finding_add(
            actor=request.user,
            inspection=inspection,
            weight=values["weight"],
            description=values["description"],
            item_code=values.get("item_code", ""),
            clause=values.get("clause", ""),
            evidence=values.get("evidence"),
        )
        finding = selectors.finding_get_for(user=request.user, pk=finding.pk)
        return Response(FindingOutputSerializer(finding).data, status=status.HTTP_201_CREATED)


class EvidenceDownloadApi(APIView):
    """`GET /evidence/{id}/`: an evidence file, only through this scoped view (never a public media URL)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        evidence = selectors.evidence_get_for(user=request.user, pk=pk)
        response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
        response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- rectification orders ---------------------------------------------------------------------------------


class OrderListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    inspection = serializers.IntegerField(source="finding.inspection_id")
    finding = serializers.IntegerField(source="finding_id")
    weight = serializers.CharField(source="finding.weight")
    weight_display = serializers.CharField(source="finding.get_weight_display")
    description = serializers.CharField(source="finding.description")
    issued_on = serializers.DateField()
    deadline = serializers.DateField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    is_overdue = serializers.BooleanField(help_text="Deadline passed and not closed.")
    responded_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class OrderDetailOutputSerializer(OrderListOutputSerializer):
    clause = serializers.CharField(source="finding.clause")
    response = serializers.CharField()
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True, default=None)
    finding_evidence = EvidenceOutputSerializer(many=True, source="finding.evidence.all")
    evidence = EvidenceOutputSerializer(many=True, source="evidence.all", help_text="Files of the response.")
    reinspections = serializers.SerializerMethodField()

    def get_reinspections(self, obj) -> list[int]:
        return [inspection.pk for inspection in obj.reinspections.all()]


def _order_detail(request, pk: int) -> dict:
    return OrderDetailOutputSerializer(selectors.order_get_for(user=request.user, pk=pk)).data


class RectificationListApi(APIView):
    """`GET /rectifications/`: orders the caller may see (an operator: their own), soonest deadline first.

    `overdue=true` is the overdue list: deadline passed and not closed (city-wide for the city).
    """

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
        overdue = serializers.BooleanField(allow_null=True, default=None)
        facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

        class Meta:
            ref_name = "RectificationFilter"

    @extend_schema(
        parameters=[FilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: OrderListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        rows = selectors.order_list_for(
            user=request.user,
            status=values.get("status"),
            overdue=values.get("overdue"),
            facility=values.get("facility"),
        )
        return _page(self, request, rows, OrderListOutputSerializer)


class RectificationDetailApi(APIView):
    @extend_schema(responses={200: OrderDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_order_detail(request, pk))


class RectificationRespondApi(APIView):
    """`POST /rectifications/{id}/respond/`: the operator's response (JSON, or multipart with a file)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        response = serializers.CharField(max_length=5000)
        evidence = serializers.FileField(required=False, help_text="PDF, JPEG or PNG (multipart only).")

        class Meta:
            ref_name = "RectificationRespondInput"

    @extend_schema(request=InputSerializer, responses={200: OrderDetailOutputSerializer})
    def post(self, request, pk: int):
        order = selectors.order_get_for(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rectification.order_respond(
            actor=request.user,
            order=order,
            response=data.validated_data["response"],
            evidence=data.validated_data.get("evidence"),
        )
        return Response(_order_detail(request, pk))
