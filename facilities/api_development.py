"""REST for development targets (`/api/v1/development-targets/`), their progress (`/api/v1/target-progress/`),
build projects (`/api/v1/build-projects/`) and guidance activities (`/api/v1/guidance-activities/`).

Reads go through the scoped selectors (a foreign project is 404; targets, progress and projects are absent
for roles without a jurisdiction), writes through `facilities.services.development`.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.drf import MAX_ID, paginated_response
from suzhou_childcare.errors import NotFound, ValidationFailed

from .models import GuidanceKind, ProjectStatus, TargetIndicator
from .selectors import facility_get_for, facility_scope_for
from .selectors_development import (
    guidance_list_for,
    may_read_development,
    mentoring_candidates,
    project_get_for,
    project_list_for,
    target_list_for,
    target_progress,
)
from .services import development as services

TAGS = ["development"]
DISTRICT_CODE = r"^[0-9]{6}$"


def _require_reader(user) -> None:
    if not may_read_development(user):
        raise NotFound


def _given(query_params) -> dict:
    """Query parameters without the blank ones (`?status=&year=` means "not chosen")."""
    return {key: value for key, value in query_params.items() if value.strip() != ""}


@extend_schema_field({"type": "string", "enum": GuidanceKind.values}, component_name="GuidanceKindEnum")
class GuidanceKindField(serializers.ChoiceField):
    """The four guidance duties, named once in the schema (a bare `kind` enum collides with other kinds)."""

    def __init__(self, **kwargs):
        super().__init__(choices=GuidanceKind.choices, **kwargs)


# --- targets ---


class TargetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    district = serializers.CharField(source="district_id", allow_null=True, help_text="Null: the whole city.")
    district_name = serializers.CharField(source="district.name", allow_null=True, default=None)
    year = serializers.IntegerField()
    from_year = serializers.IntegerField(allow_null=True)
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices)
    indicator_display = serializers.CharField(source="get_indicator_display")
    value = serializers.DecimalField(max_digits=9, decimal_places=2)
    source = serializers.CharField()
    is_default = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class TargetFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1])
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices, required=False)
    district = serializers.RegexField(
        r"^([0-9]{6}|city)$", required=False, help_text="A unit's code, or `city` for the city's own targets."
    )


class TargetInputSerializer(serializers.Serializer):
    district = serializers.RegexField(
        DISTRICT_CODE, required=False, allow_null=True, help_text="A unit's code; omitted or null: the whole city."
    )
    year = serializers.IntegerField(min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1])
    from_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1]
    )
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices)
    value = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    source = serializers.CharField(max_length=300)


class TargetListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="development_targets_list",
        parameters=[TargetFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: TargetOutputSerializer(many=True)},
    )
    def get(self, request):
        _require_reader(request.user)
        filters = TargetFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = target_list_for(user=request.user, filters=filters.validated_data)
        return paginated_response(self, request, rows, TargetOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="development_targets_set",
        request=TargetInputSerializer,
        responses={201: TargetOutputSerializer},
        description="Set (create or replace) a target; the city admin only.",
    )
    def post(self, request):
        _require_reader(request.user)
        data = TargetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target = services.target_set(
            actor=request.user,
            district_code=values.get("district"),
            year=values["year"],
            indicator=values["indicator"],
            value=values["value"],
            source=values["source"],
            from_year=values.get("from_year"),
        )
        row = target_list_for(user=request.user).get(pk=target.pk)
        return Response(TargetOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class ProgressCellSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices)
    label = serializers.CharField()
    target = serializers.DecimalField(max_digits=11, decimal_places=2, allow_null=True)
    target_summed = serializers.BooleanField(help_text="The city's target is the sum of the units' targets.")
    from_year = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    actual = serializers.DecimalField(max_digits=11, decimal_places=2, allow_null=True)
    completion = serializers.DecimalField(
        max_digits=9, decimal_places=4, allow_null=True, help_text="actual ÷ target; null without a target."
    )
    percent = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    estimated = serializers.BooleanField(help_text="Computed on an estimated population.")
    note = serializers.CharField(help_text="`streets_not_entered` or `population_missing` when actual is null.")


class ProgressRowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="Null for the city row (last).")
    name = serializers.CharField(allow_null=True)
    is_city = serializers.BooleanField()
    population = serializers.IntegerField(allow_null=True)
    population_year = serializers.IntegerField(allow_null=True)
    population_estimated = serializers.BooleanField()
    slots = serializers.IntegerField()
    streets = serializers.IntegerField()
    streets_with_inclusive = serializers.IntegerField()
    indicators = ProgressCellSerializer(many=True)


class ProgressOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    rows = ProgressRowSerializer(many=True)


class ProgressFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1])


class TargetProgressApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="target_progress",
        parameters=[ProgressFilterSerializer],
        responses={200: ProgressOutputSerializer},
        description="Per unit (the city row last, for city-wide users): target, actual and completion of each "
        "indicator for the year (the current year by default).",
    )
    def get(self, request):
        _require_reader(request.user)
        filters = ProgressFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        year = filters.validated_data.get("year") or timezone.localdate().year
        progress = target_progress(year=year, user=request.user)
        return Response(ProgressOutputSerializer(progress).data)


# --- build projects ---


class ProjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    programme = serializers.CharField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    street = serializers.IntegerField(source="street_id", allow_null=True)
    street_name = serializers.CharField(source="street.name", allow_null=True, default=None)
    target_year = serializers.IntegerField()
    planned_slots = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProjectStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    planned_opening_on = serializers.DateField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    opened_on = serializers.DateField(allow_null=True)
    cancelled_on = serializers.DateField(allow_null=True)
    facility = serializers.IntegerField(source="facility_id", allow_null=True)
    facility_name = serializers.CharField(source="facility.name", allow_null=True, default=None)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProjectFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1])
    district = serializers.RegexField(DISTRICT_CODE, required=False)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=100)


class ProjectInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    programme = serializers.CharField(max_length=200)
    district = serializers.RegexField(DISTRICT_CODE)
    street = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    target_year = serializers.IntegerField(min_value=services.YEAR_RANGE[0], max_value=services.YEAR_RANGE[1])
    planned_slots = serializers.IntegerField(min_value=1, max_value=services.MAX_SLOTS)
    planned_opening_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)


class ProjectAdvanceInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            ProjectStatus.UNDER_CONSTRUCTION,
            ProjectStatus.COMPLETED,
            ProjectStatus.OPENED,
            ProjectStatus.CANCELLED,
        ]
    )
    on = serializers.DateField()
    facility = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="When opening: the facility."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=services.REASON_MAX)


def _project_data(request, pk) -> dict:
    return ProjectOutputSerializer(project_get_for(user=request.user, pk=pk)).data


class ProjectListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="build_projects_list",
        parameters=[ProjectFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: ProjectOutputSerializer(many=True)},
    )
    def get(self, request):
        _require_reader(request.user)
        filters = ProjectFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = project_list_for(user=request.user, filters=filters.validated_data)
        return paginated_response(self, request, rows, ProjectOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="build_projects_create",
        request=ProjectInputSerializer,
        responses={201: ProjectOutputSerializer},
    )
    def post(self, request):
        _require_reader(request.user)
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, data=dict(data.validated_data))
        return Response(_project_data(request, project.pk), status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="build_projects_retrieve", responses={200: ProjectOutputSerializer})
    def get(self, request, pk: int):
        return Response(_project_data(request, pk))

    @extend_schema(
        tags=TAGS,
        operation_id="build_projects_update",
        request=ProjectInputSerializer(partial=True),
        responses={200: ProjectOutputSerializer},
    )
    def patch(self, request, pk: int):
        project = project_get_for(user=request.user, pk=pk)
        if not isinstance(request.data, dict):
            raise ValidationFailed(_("Send the changed fields as a JSON object."), code="parse_error")
        refused = sorted(set(request.data) - set(services.PROJECT_EDITABLE))
        if refused:
            raise ValidationFailed(
                _("Some fields are read-only."),
                code="read_only",
                fields={field: [_("This field is read-only.")] for field in refused},
            )
        data = ProjectInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.project_update(actor=request.user, project=project, data=dict(data.validated_data))
        return Response(_project_data(request, pk))


class ProjectAdvanceApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="build_projects_advance",
        request=ProjectAdvanceInputSerializer,
        responses={200: ProjectOutputSerializer},
        description="planned → under_construction → completed → opened (naming the facility), or cancelled "
        "(with a reason) before opening; each step dated, not in the future nor before the previous step.",
    )
    def post(self, request, pk: int):
        project = project_get_for(user=request.user, pk=pk)
        data = ProjectAdvanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = None
        if values.get("facility"):
            facility = facility_scope_for(user=request.user).filter(pk=values["facility"]).first()
            if facility is None:
                raise ValidationFailed(fields={"facility": [_("Unknown facility.")]})
        services.project_advance(
            actor=request.user,
            project=project,
            status=values["status"],
            on=values["on"],
            facility=facility,
            reason=values.get("reason", ""),
        )
        return Response(_project_data(request, pk))


# --- guidance activities ---


class GuidanceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    recognition = serializers.IntegerField(source="recognition_id")
    recognition_number = serializers.CharField(source="recognition.number")
    recognition_kind = serializers.CharField(source="recognition.kind")
    kind = GuidanceKindField()
    kind_display = serializers.CharField(source="get_kind_display")
    held_on = serializers.DateField()
    title = serializers.CharField()
    participants = serializers.IntegerField()
    mentored_facility = serializers.IntegerField(source="mentored_facility_id", allow_null=True)
    mentored_facility_name = serializers.CharField(source="mentored_facility.name", allow_null=True, default=None)
    note = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    created_at = serializers.DateTimeField()


class GuidanceFilterSerializer(serializers.Serializer):
    kind = GuidanceKindField(required=False)
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    district = serializers.RegexField(DISTRICT_CODE, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class GuidanceInputSerializer(serializers.Serializer):
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = GuidanceKindField()
    held_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    participants = serializers.IntegerField(min_value=0, max_value=services.MAX_PARTICIPANTS)
    mentored_facility = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)


class GuidanceListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="guidance_activities_list",
        parameters=[GuidanceFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: GuidanceOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = GuidanceFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = guidance_list_for(user=request.user, filters=filters.validated_data)
        return paginated_response(self, request, rows, GuidanceOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="guidance_activities_record",
        request=GuidanceInputSerializer,
        responses={201: GuidanceOutputSerializer},
        description="Recorded for a facility holding a provincial or municipal model recognition in force on "
        "`held_on` (苏府办〔2021〕182号 示范带动); otherwise refused with 422 naming the clause.",
    )
    def post(self, request):
        data = GuidanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        mentored = None
        if values.get("mentored_facility"):
            mentored = mentoring_candidates(user=request.user).filter(pk=values["mentored_facility"]).first()
            if mentored is None:
                raise ValidationFailed(fields={"mentored_facility": [_("Unknown facility.")]})
        activity = services.guidance_record(
            actor=request.user,
            facility=facility,
            kind=values["kind"],
            held_on=values["held_on"],
            title=values["title"],
            participants=values["participants"],
            mentored_facility=mentored,
            note=values.get("note", ""),
        )
        row = guidance_list_for(user=request.user).get(pk=activity.pk)
        return Response(GuidanceOutputSerializer(row).data, status=status.HTTP_201_CREATED)
