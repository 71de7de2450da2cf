"""REST for complaints (`/api/v1/complaints/`): list and staff intake, detail, triage, reply, close.

Reads go through the scoped selectors (a complaint of another unit is 404); writes through the services.
The complainant's contact is accepted on intake and only ever sent back masked; revealing it is a page
action with a reason, not part of the API.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.selectors import facility_scope_for
from suzhou_childcare.drf import MAX_ID, PageSizePagination
from suzhou_childcare.errors import ValidationFailed
from suzhou_childcare.regions.models import District

from .models import ComplaintChannel, ComplaintStatus, Weight
from .selectors.complaints import complaint_contact_masked, complaint_get_for, complaint_list_for
from .services import complaints as services
from .services.complaints import STAFF_CHANNELS


@extend_schema_field({"type": "string", "enum": ComplaintStatus.values}, component_name="ComplaintStatusEnum")
class ComplaintStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ComplaintStatus.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ComplaintChannel.values}, component_name="ComplaintChannelEnum")
class ComplaintChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ComplaintChannel.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": list(STAFF_CHANNELS)}, component_name="ComplaintIntakeChannelEnum")
class IntakeChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=[c for c in ComplaintChannel.choices if c[0] in STAFF_CHANNELS], **kwargs)


@extend_schema_field({"type": "string", "enum": Weight.values}, component_name="ComplaintWeightEnum")
class ComplaintWeightField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Weight.choices, **kwargs)


class ComplaintListOutputSerializer(serializers.Serializer):
    """A row of the list: never the complainant's contact, never the description."""

    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    channel = ComplaintChannelField()
    hotline_ticket = serializers.CharField()
    received_at = serializers.DateTimeField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    facility = serializers.IntegerField(source="facility_id", allow_null=True)
    facility_name = serializers.CharField()
    subject = serializers.CharField()
    status = ComplaintStatusField()
    status_display = serializers.CharField(source="get_status_display")
    weight = serializers.CharField()
    replied_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class ComplaintDetailOutputSerializer(ComplaintListOutputSerializer):
    description = serializers.CharField()
    inspection = serializers.IntegerField(source="inspection_id", allow_null=True)
    reply = serializers.CharField()
    handled_by = serializers.CharField(source="handled_by.username", allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    complainant_name = serializers.SerializerMethodField(help_text="Masked; the full value is never sent.")
    complainant_phone = serializers.SerializerMethodField(help_text="Masked; the full value is never sent.")

    def get_complainant_name(self, obj) -> str:
        return complaint_contact_masked(obj)["complainant_name"]

    def get_complainant_phone(self, obj) -> str:
        return complaint_contact_masked(obj)["complainant_phone"]


def _detail(request, pk: int) -> dict:
    return ComplaintDetailOutputSerializer(complaint_get_for(user=request.user, pk=pk)).data


def _facility(request, pk: int | None):
    if not pk:
        return None
    facility = facility_scope_for(user=request.user).filter(pk=pk).first()
    if facility is None:
        raise ValidationFailed(fields={"facility": [_("Unknown facility.")]})
    return facility


class ComplaintFilterSerializer(serializers.Serializer):
    status = ComplaintStatusField(required=False)


class ComplaintIntakeInputSerializer(serializers.Serializer):
    channel = IntakeChannelField()
    hotline_ticket = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="Required for the 12345 hotline."
    )
    received_at = serializers.DateTimeField(required=False, help_text="Now when omitted.")
    district = serializers.RegexField(r"^[0-9]{6}$", help_text="Code of the county-level unit.")
    facility = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    facility_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    subject = serializers.CharField(allow_blank=True, max_length=200)
    description = serializers.CharField(allow_blank=True, max_length=services.DESCRIPTION_MAX)
    complainant_name = serializers.CharField(
        required=False, allow_blank=True, max_length=services.NAME_MAX, write_only=True
    )
    complainant_phone = serializers.CharField(required=False, allow_blank=True, max_length=30, write_only=True)


class ComplaintListCreateApi(APIView):
    @extend_schema(
        operation_id="complaints_list",
        parameters=[ComplaintFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: ComplaintListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = ComplaintFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = PageSizePagination()
        rows = complaint_list_for(user=request.user, status=filters.validated_data.get("status"))
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ComplaintListOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="complaints_intake",
        request=ComplaintIntakeInputSerializer,
        responses={201: ComplaintDetailOutputSerializer},
    )
    def post(self, request):
        data = ComplaintIntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        district = District.objects.filter(code=values.pop("district")).first()
        if district is None:
            raise ValidationFailed(fields={"district": [_("Unknown county-level unit.")]})
        facility = _facility(request, values.pop("facility", None))
        complaint = services.complaint_intake(actor=request.user, district=district, facility=facility, **values)
        return Response(_detail(request, complaint.pk), status=status.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    @extend_schema(operation_id="complaints_retrieve", responses={200: ComplaintDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_detail(request, pk))


class ComplaintTriageInputSerializer(serializers.Serializer):
    weight = ComplaintWeightField()
    facility = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)


class ComplaintTriageApi(APIView):
    @extend_schema(
        operation_id="complaints_triage",
        request=ComplaintTriageInputSerializer,
        responses={200: ComplaintDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        complaint = complaint_get_for(user=request.user, pk=pk)
        data = ComplaintTriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        facility = _facility(request, data.validated_data.get("facility"))
        services.complaint_triage(
            actor=request.user, complaint=complaint, weight=data.validated_data["weight"], facility=facility
        )
        return Response(_detail(request, pk))


class ComplaintReplyInputSerializer(serializers.Serializer):
    reply = serializers.CharField(allow_blank=True, max_length=services.REPLY_MAX)


class ComplaintReplyApi(APIView):
    @extend_schema(
        operation_id="complaints_reply",
        request=ComplaintReplyInputSerializer,
        responses={200: ComplaintDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        complaint = complaint_get_for(user=request.user, pk=pk)
        data = ComplaintReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_reply(actor=request.user, complaint=complaint, reply=data.validated_data["reply"])
        return Response(_detail(request, pk))


class ComplaintCloseApi(APIView):
    @extend_schema(operation_id="complaints_close", request=None, responses={200: ComplaintDetailOutputSerializer})
    def post(self, request, pk: int):
        complaint = complaint_get_for(user=request.user, pk=pk)
        services.complaint_close(actor=request.user, complaint=complaint)
        return Response(_detail(request, pk))
