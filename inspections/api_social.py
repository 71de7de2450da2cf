"""REST of incidents and self-inspections: validate, call a service or a selector, serialize.

Every object comes through the scoped selectors (foreign → 404); refusals come from the services as
ApplicationError and leave in the project's error shape.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.selectors import facility_get_for
from suzhou_childcare.drf import MAX_ID, paginated_response
from suzhou_childcare.errors import ValidationFailed

from .models import IncidentKind, IncidentStatus, ItemResult
from .selectors import incidents as incident_selectors
from .selectors import self_inspection as self_selectors
from .services import incidents as incident_services
from .services import self_inspection as self_services

_page = paginated_response


# --- incidents --------------------------------------------------------------------------------------------


class IncidentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    report_due_at = serializers.DateTimeField()
    is_late = serializers.BooleanField(help_text="Reported after the time its kind allows.")
    children_affected = serializers.IntegerField()
    description = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    closed_on = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "IncidentOutput"


class IncidentDetailOutputSerializer(IncidentOutputSerializer):
    reported_by = serializers.CharField(source="reported_by.username")
    follow_up = serializers.CharField()
    handled_by = serializers.CharField(source="handled_by.username", allow_null=True, default=None)

    class Meta:
        ref_name = "IncidentDetailOutput"


def _incident_detail(request, pk: int) -> dict:
    return IncidentDetailOutputSerializer(incident_selectors.incident_get_for(user=request.user, pk=pk)).data


class IncidentListCreateApi(APIView):
    """`GET /incidents/`: incidents the caller may see (`late=true`: reported late);
    `POST /incidents/`: the operator reports one; the unit's officers are notified at once."""

    class FilterSerializer(serializers.Serializer):
        facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        district = serializers.RegexField(r"^[0-9]{6}$", required=False)
        kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)
        status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
        late = serializers.BooleanField(allow_null=True, default=None)
        q = serializers.CharField(required=False, max_length=100)

        class Meta:
            ref_name = "IncidentFilter"

    class InputSerializer(serializers.Serializer):
        facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        kind = serializers.ChoiceField(choices=IncidentKind.choices)
        occurred_at = serializers.DateTimeField()
        children_affected = serializers.IntegerField(min_value=0)
        description = serializers.CharField(max_length=5000)

        class Meta:
            ref_name = "IncidentReportInput"

    @extend_schema(
        parameters=[FilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: IncidentOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = incident_selectors.incident_list_for(user=request.user, filters=filters.validated_data)
        return _page(self, request, rows, IncidentOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: IncidentDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        incident = incident_services.incident_report(
            actor=request.user,
            facility=facility,
            kind=values["kind"],
            occurred_at=values["occurred_at"],
            children_affected=values["children_affected"],
            description=values["description"],
        )
        return Response(_incident_detail(request, incident.pk), status=status.HTTP_201_CREATED)


class IncidentDetailApi(APIView):
    """`GET /incidents/{id}/`: the report with its follow-up."""

    @extend_schema(responses={200: IncidentDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_incident_detail(request, pk))


class IncidentFollowUpApi(APIView):
    """`POST /incidents/{id}/follow-up/`: the unit's officers and inspectors add a follow-up; `close` ends it."""

    class InputSerializer(serializers.Serializer):
        follow_up = serializers.CharField(max_length=5000)
        close = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "IncidentFollowUpInput"

    @extend_schema(request=InputSerializer, responses={200: IncidentDetailOutputSerializer})
    def post(self, request, pk: int):
        incident = incident_selectors.incident_get_for(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident_services.incident_follow_up(
            actor=request.user,
            incident=incident,
            follow_up=data.validated_data["follow_up"],
            close=data.validated_data["close"],
        )
        return Response(_incident_detail(request, pk))


# --- self-inspections -------------------------------------------------------------------------------------


class SelfInspectionItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    clause = serializers.CharField()
    result = serializers.CharField()
    note = serializers.CharField()
    rectify_by = serializers.DateField(allow_null=True, help_text="For a gap: the day it is to be rectified by.")
    rectified_on = serializers.DateField(allow_null=True)
    position = serializers.IntegerField()

    class Meta:
        ref_name = "SelfInspectionItemOutput"


class SelfInspectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    period = serializers.DateField(help_text="First day of the quarter checked.")
    submitted_on = serializers.DateField()
    submitted_by = serializers.CharField(source="submitted_by.username")

    class Meta:
        ref_name = "SelfInspectionOutput"


class SelfInspectionListOutputSerializer(SelfInspectionOutputSerializer):
    item_count = serializers.IntegerField()
    gap_count = serializers.IntegerField(help_text="Items that do not conform.")
    open_gap_count = serializers.IntegerField(help_text="Gaps not rectified yet.")

    class Meta:
        ref_name = "SelfInspectionListOutput"


class SelfInspectionDetailOutputSerializer(SelfInspectionOutputSerializer):
    items = SelfInspectionItemOutputSerializer(many=True, source="items.all")

    class Meta:
        ref_name = "SelfInspectionDetailOutput"


class SelfInspectionItemInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=80)
    result = serializers.ChoiceField(
        choices=[(value, label) for value, label in ItemResult.choices if value != ItemResult.UNCHECKED]
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "SelfInspectionItemInput"


def _self_inspection_detail(request, pk: int) -> dict:
    return SelfInspectionDetailOutputSerializer(self_selectors.self_inspection_get_for(user=request.user, pk=pk)).data


class SelfInspectionListCreateApi(APIView):
    """`GET /self-inspections/`: self-inspections the caller may see; `POST /self-inspections/`: the operator
    submits one for a quarter, with a result for every item of the checklist."""

    class FilterSerializer(serializers.Serializer):
        facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        district = serializers.RegexField(r"^[0-9]{6}$", required=False)
        period = serializers.DateField(required=False, help_text="Any day of the quarter.")
        q = serializers.CharField(required=False, max_length=100)

        class Meta:
            ref_name = "SelfInspectionFilter"

    class InputSerializer(serializers.Serializer):
        facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        period = serializers.DateField(help_text="Any day of the quarter checked.")
        items = serializers.ListField(child=serializers.DictField(), max_length=200)

        class Meta:
            ref_name = "SelfInspectionSubmitRaw"

    class DocumentedInputSerializer(serializers.Serializer):
        """The request as documented; items are checked one by one so errors are keyed by item code."""

        facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        period = serializers.DateField(help_text="Any day of the quarter checked.")
        items = serializers.ListField(
            child=SelfInspectionItemInputSerializer(), help_text="One entry per item of the facility's checklist."
        )

        class Meta:
            ref_name = "SelfInspectionSubmitInput"

    @extend_schema(
        parameters=[FilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: SelfInspectionListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = self_selectors.self_inspection_list_for(user=request.user, filters=filters.validated_data)
        return _page(self, request, rows, SelfInspectionListOutputSerializer)

    @extend_schema(request=DocumentedInputSerializer, responses={201: SelfInspectionDetailOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        results: dict[str, tuple[str, str]] = {}
        errors: dict[str, list[str]] = {}
        for index, raw in enumerate(values["items"]):
            item = SelfInspectionItemInputSerializer(data=raw)
            if not item.is_valid():
                code = raw.get("code") if isinstance(raw.get("code"), str) else str(index)
                for field, messages in item.errors.items():
                    errors[f"items.{code}" if field == "result" else f"items.{code}.{field}"] = [
                        str(m) for m in messages
                    ]
                continue
            code = item.validated_data["code"]
            if code in results:
                errors[f"items.{code}"] = [_("The item is given twice.")]
            results[code] = (item.validated_data["result"], item.validated_data["note"])
        if errors:
            raise ValidationFailed(fields=errors)
        self_inspection = self_services.self_inspection_submit(
            actor=request.user, facility=facility, period=values["period"], results=results
        )
        return Response(_self_inspection_detail(request, self_inspection.pk), status=status.HTTP_201_CREATED)


class SelfInspectionDetailApi(APIView):
    """`GET /self-inspections/{id}/`: the record with its items (gaps with the day to rectify by)."""

    @extend_schema(responses={200: SelfInspectionDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_self_inspection_detail(request, pk))
