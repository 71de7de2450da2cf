"""REST for facilities and filing: list/create, detail/patch, the lifecycle actions, materials."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.audit.services import personal_data_access_record
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import PageSizePagination
from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.workdays.selectors import incomplete_years_among

from . import selectors, services
from .models import Category, FacilityForm, FilingStatus, MaterialKind, RecognitionKind, ServiceForm
from .services.records import WRITABLE_FIELDS


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()
    clause = serializers.CharField()
    source = serializers.CharField()
    blocking = serializers.BooleanField()


class FacilityListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    category = serializers.CharField()
    form = serializers.CharField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    street = serializers.CharField(source="street.name", allow_null=True, default=None)
    slots = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    filing_status = serializers.CharField()
    filing_status_display = serializers.CharField(source="get_filing_status_display")
    filing_number = serializers.CharField(allow_null=True)
    record_deadline = serializers.DateField(allow_null=True)
    notice_deadline = serializers.DateField(allow_null=True)
    class_count = serializers.IntegerField()
    staff_count = serializers.IntegerField()


class OfferingSerializer(serializers.Serializer):
    service_form = serializers.CharField()
    monthly_fee = serializers.DecimalField(max_digits=9, decimal_places=2)


class ClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    class_type = serializers.CharField()
    capacity = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    carers = serializers.IntegerField()


class FacilityDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registration_route = serializers.CharField()
    ownership = serializers.CharField()
    uscc = serializers.CharField()
    category = serializers.CharField()
    form = serializers.CharField()
    hub = serializers.IntegerField(source="hub_id", allow_null=True)
    medical_integration = serializers.BooleanField()
    elderly_child_integration = serializers.BooleanField()
    district = serializers.CharField(source="district_id")
    street = serializers.IntegerField(source="street_id", allow_null=True)
    address = serializers.CharField()
    slots = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    meals_served = serializers.BooleanField()
    premises_tenure = serializers.CharField()
    lease_start = serializers.DateField(allow_null=True)
    lease_end = serializers.DateField(allow_null=True)
    lowest_floor = serializers.IntegerField(allow_null=True)
    highest_floor = serializers.IntegerField(allow_null=True)
    floor_area = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    observation_room_area = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    surveillance_covers_infant_areas = serializers.BooleanField()
    surveillance_retention_days = serializers.IntegerField(allow_null=True)
    one_click_alarm = serializers.BooleanField()
    licensed_guard = serializers.BooleanField()
    insurance_mode = serializers.CharField()
    insurer = serializers.CharField()
    policy_number = serializers.CharField()
    policy_expires_on = serializers.DateField(allow_null=True)
    opened_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    filing_status = serializers.CharField()
    filing_number = serializers.CharField(allow_null=True)
    received_on = serializers.DateField(allow_null=True)
    record_deadline = serializers.DateField(allow_null=True)
    notice_deadline = serializers.DateField(allow_null=True)
    filed_on = serializers.DateField(allow_null=True)
    verified_on = serializers.DateField(allow_null=True)
    review_reasons = serializers.CharField()
    pending_changes = serializers.JSONField()
    offerings = OfferingSerializer(many=True, source="offerings.all")
    classes = ClassSerializer(many=True, source="classes.all")
    blocking = FindingSerializer(many=True)
    warnings = FindingSerializer(many=True)
    deadline_warnings = serializers.ListField(child=serializers.CharField())


def _detail(facility) -> dict:
    return FacilityDetailOutputSerializer(_Proxy(facility, selectors.facility_review(facility))).data


class _Proxy:
    """The facility with its review findings attached, for the detail serializer."""

    def __init__(self, facility, review):
        self._facility = facility
        self.blocking = review.blocking
        self.warnings = review.warnings
        years = {d.year for d in (facility.record_deadline, facility.notice_deadline) if d}
        self.deadline_warnings = [
            _("The holiday arrangement for %(year)s has not been entered; this deadline counts weekends only.")
            % {"year": year}
            for year in incomplete_years_among(years)
        ]

    def __getattr__(self, name):
        return getattr(self._facility, name)


class FacilityFilterSerializer(serializers.Serializer):
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    form = serializers.ChoiceField(choices=FacilityForm.choices, required=False)
    filing_status = serializers.ChoiceField(choices=FilingStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=100)
    recognition = serializers.ChoiceField(
        choices=RecognitionKind.choices, required=False, help_text="Facilities holding this recognition in force."
    )
    as_of = serializers.DateField(
        required=False, help_text="The day on which the recognition must be in force (default: today)."
    )


class FacilityCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    registration_route = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices)
    form = serializers.ChoiceField(choices=FacilityForm.choices, required=False)
    district = serializers.RegexField(r"^[0-9]{6}$")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    slots = serializers.IntegerField(min_value=0, max_value=100000)
    enrolled = serializers.IntegerField(min_value=0, max_value=100000)
    monthly_fee = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, required=False)
    opened_on = serializers.DateField(required=False)
    meals_served = serializers.BooleanField(required=False)


class FacilityListCreateApi(APIView):
    @extend_schema(
        parameters=[FacilityFilterSerializer, OpenApiParameter("page_size", int)],
        responses={200: FacilityListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = FacilityFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(
            selectors.facility_list_for(user=request.user, filters=filters.validated_data), request, view=self
        )
        return paginator.get_paginated_response(FacilityListOutputSerializer(page, many=True).data)

    @extend_schema(request=FacilityCreateInputSerializer, responses={201: FacilityDetailOutputSerializer})
    def post(self, request):
        data = FacilityCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fee = values.pop("monthly_fee", None)
        facility = services.facility_create(
            actor=request.user,
            data=values,
            offerings={ServiceForm.FULL_DAY: fee} if fee is not None else None,
        )
        facility = selectors.facility_get_for(user=request.user, pk=facility.pk)
        return Response(_detail(facility), status=status.HTTP_201_CREATED)


class FacilityOverdueApi(APIView):
    """Filings past their record or notice deadline in the caller's jurisdiction, most overdue first."""

    @extend_schema(responses={200: FacilityListOutputSerializer(many=True)})
    def get(self, request):
        if not can(request.user, Capability.READ_STATISTICS):
            raise NotFound
        paginator = PageSizePagination()
        rows = selectors.overdue_filings_for(user=request.user)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FacilityListOutputSerializer(page, many=True).data)


class FacilityUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    registration_route = serializers.CharField(required=False, allow_blank=True)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    form = serializers.ChoiceField(choices=FacilityForm.choices, required=False)
    hub = serializers.IntegerField(required=False, allow_null=True)
    medical_integration = serializers.BooleanField(required=False)
    elderly_child_integration = serializers.BooleanField(required=False)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)
    street = serializers.IntegerField(required=False, allow_null=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    slots = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    enrolled = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    meals_served = serializers.BooleanField(required=False)
    premises_tenure = serializers.CharField(required=False, allow_blank=True)
    lease_start = serializers.DateField(required=False, allow_null=True)
    lease_end = serializers.DateField(required=False, allow_null=True)
    lowest_floor = serializers.IntegerField(required=False, allow_null=True, min_value=-5, max_value=100)
    highest_floor = serializers.IntegerField(required=False, allow_null=True, min_value=-5, max_value=100)
    floor_area = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, allow_null=True)
    observation_room_area = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    surveillance_covers_infant_areas = serializers.BooleanField(required=False)
    surveillance_retention_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=3650)
    one_click_alarm = serializers.BooleanField(required=False)
    licensed_guard = serializers.BooleanField(required=False)
    insurance_mode = serializers.CharField(required=False)
    insurer = serializers.CharField(required=False, allow_blank=True, max_length=200)
    policy_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    policy_expires_on = serializers.DateField(required=False, allow_null=True)
    opened_on = serializers.DateField(required=False, allow_null=True)
    monthly_fee = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, required=False)


class FacilityDetailApi(APIView):
    @extend_schema(responses={200: FacilityDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_detail(selectors.facility_get_for(user=request.user, pk=pk)))

    @extend_schema(request=FacilityUpdateInputSerializer, responses={200: FacilityDetailOutputSerializer})
    def patch(self, request, pk: int):
        facility = selectors.facility_get_for(user=request.user, pk=pk)
        if not isinstance(request.data, dict):
            raise ValidationFailed(_("Send the changed fields as a JSON object."), code="parse_error")
        refused = sorted(set(request.data) - set(WRITABLE_FIELDS) - {"monthly_fee"})
        if refused:
            raise ValidationFailed(
                _("Some fields are read-only."),
                code="read_only",
                fields={field: [_("This field is read-only.")] for field in refused},
            )
        data = FacilityUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fee = values.pop("monthly_fee", None)
        services.facility_update(
            actor=request.user,
            facility=facility,
            data=values,
            offerings={ServiceForm.FULL_DAY: fee} if fee is not None else None,
        )
        return Response(_detail(selectors.facility_get_for(user=request.user, pk=pk)))


class FacilityActionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    conforming = serializers.BooleanField(required=False, default=True)
    reasons = serializers.CharField(required=False, allow_blank=True, max_length=2000)


ACTIONS = {
    "submit": lambda actor, facility, data: services.facility_submit(actor=actor, facility=facility),
    "record": lambda actor, facility, data: services.facility_record(actor=actor, facility=facility),
    "reject": lambda actor, facility, data: services.facility_reject(
        actor=actor, facility=facility, reason=data.get("reason", "")
    ),
    "verify": lambda actor, facility, data: services.facility_verify(
        actor=actor, facility=facility, conforming=data.get("conforming", True), reasons=data.get("reasons", "")
    ),
    "cancel": lambda actor, facility, data: services.facility_cancel(
        actor=actor, facility=facility, reason=data.get("reason", "")
    ),
    "start-draft": lambda actor, facility, data: services.facility_start_draft(actor=actor, facility=facility),
    "change": lambda actor, facility, data: services.facility_start_change(actor=actor, facility=facility),
}


class FacilityActionApi(APIView):
    """`POST /facilities/{id}/{submit|record|reject|verify|cancel|start-draft|change}/`."""

    @extend_schema(
        operation_id="facilities_action",
        request=FacilityActionInputSerializer,
        responses={200: FacilityDetailOutputSerializer},
    )
    def post(self, request, pk: int, action: str):
        facility = selectors.facility_get_for(user=request.user, pk=pk)
        data = FacilityActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ACTIONS[action](request.user, facility, data.validated_data)
        return Response(_detail(selectors.facility_get_for(user=request.user, pk=pk)))


class StaffOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.SerializerMethodField(help_text="Masked; the full number is never sent.")
    role = serializers.CharField()
    full_time = serializers.BooleanField()
    qualification = serializers.CharField()
    health_certificate_expires_on = serializers.DateField(allow_null=True)
    no_criminal_record_on_file = serializers.BooleanField()
    employed_from = serializers.DateField()
    employed_to = serializers.DateField(allow_null=True)

    def get_id_number(self, obj) -> str:
        return mask_identifier(obj.person.id_number)


class StaffListApi(APIView):
    """The facility's current staff roster, ID numbers masked."""

    pagination_class = None  # one facility's roster: bounded, not paged

    @extend_schema(responses={200: StaffOutputSerializer(many=True)})
    def get(self, request, pk: int):
        facility = selectors.facility_get_for(user=request.user, pk=pk)
        return Response(StaffOutputSerializer(selectors.current_staff(facility), many=True).data)


class MaterialOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    expires_on = serializers.DateField(allow_null=True)
    uploaded_at = serializers.DateTimeField()


class MaterialUploadInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    file = serializers.FileField()
    expires_on = serializers.DateField(required=False, allow_null=True)


class MaterialListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = None  # one facility's filing materials: bounded, not paged

    @extend_schema(responses={200: MaterialOutputSerializer(many=True)})
    def get(self, request, pk: int):
        facility = selectors.facility_get_for(user=request.user, pk=pk)
        return Response(MaterialOutputSerializer(facility.materials.all(), many=True).data)

    @extend_schema(request=MaterialUploadInputSerializer, responses={201: MaterialOutputSerializer})
    def post(self, request, pk: int):
        facility = selectors.facility_get_for(user=request.user, pk=pk)
        data = MaterialUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        material = services.material_upload(
            actor=request.user,
            facility=facility,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
            expires_on=data.validated_data.get("expires_on"),
        )
        return Response(MaterialOutputSerializer(material).data, status=status.HTTP_201_CREATED)


class MaterialDownloadApi(APIView):
    """The file itself, only through this scoped view (never a public media URL)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int, material_pk: int):
        material = selectors.material_get_for(user=request.user, facility_pk=pk, pk=material_pk)
        # Materials carry personal data (staff certificates, health checks, ID copies): each download is audited,
        # against the facility (the file's own name may hold personal data and the trail keeps it for good).
        personal_data_access_record(
            actor=request.user,
            kind="download",
            target=material.facility,
            detail={"material": material.pk, "kind": material.kind},
        )
        response = FileResponse(material.file.open("rb"), content_type=material.content_type)
        response["Content-Disposition"] = f'attachment; filename="material-{material.pk}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
