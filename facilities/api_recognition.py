"""REST for inclusive and model recognitions (普惠 / 示范认定): recognitions, applications through unit review
and city decision, the live criteria check, and the criteria and fee references they are checked against.

Every object comes through the scoped selectors (foreign → 404); the services decide who may do what and
refuse in the project's error shape (a failed criterion is a 422 naming the check and its clause).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.drf import MAX_ID, paginated_response
from suzhou_childcare.errors import NotFound

from . import selectors_recognition as selectors
from .models import (
    ApplicationRoute,
    ApplicationStatus,
    CriteriaSetStatus,
    FeeReference,
    RecognitionKind,
    RecognitionStatus,
)
from .rules.recognition import CHECKS
from .selectors import facility_get_for, facility_scope_for
from .services import recognition as services

TAGS = ["recognitions"]
PAGE_PARAMETERS = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]
# Criteria and fee references are read by the staff who apply them and by operators, who apply against them.
REFERENCE_READERS = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR)


class StrictBooleanField(serializers.BooleanField):
    """A decision flag: absent is an error in form data too (DRF would read a missing checkbox as False,
    which here would mean "reject")."""

    default_empty_html = empty


@extend_schema_field({"type": "string", "enum": RecognitionKind.values}, component_name="RecognitionKindEnum")
class RecognitionKindField(serializers.ChoiceField):
    """The four recognitions, named once in the schema (a bare `kind` enum collides with other apps' kinds)."""

    def __init__(self, **kwargs):
        super().__init__(choices=RecognitionKind.choices, **kwargs)


def _given(query_params) -> dict:
    """Query parameters without the blank ones: a form or a script sends `?kind=&as_of=` for "not chosen"."""
    return {key: value for key, value in query_params.items() if value.strip() != ""}


# --- shared output pieces ---------------------------------------------------------------------------------


class RecognitionCriteriaSetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    edition = serializers.CharField()
    effective_from = serializers.DateField()


class RecognitionCriterionResultSerializer(serializers.Serializer):
    check_code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    evidence = serializers.CharField()
    clause = serializers.CharField()
    source = serializers.CharField()
    is_default = serializers.BooleanField(help_text="A local default rather than a published rule.")


# --- recognitions -----------------------------------------------------------------------------------------


class RecognitionFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecognitionKind.choices, required=False)
    status = serializers.ChoiceField(choices=RecognitionStatus.choices, required=False)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = serializers.DateField(required=False, help_text="Only recognitions in force on this day.")
    q = serializers.CharField(required=False, max_length=100, help_text="Facility name or certificate number.")


class RecognitionListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(help_text="Exclusive: the recognition ends the day before.")
    granted_on = serializers.DateField()
    revoked_on = serializers.DateField(allow_null=True)
    criteria_set = RecognitionCriteriaSetBriefSerializer()


class RecognitionSuspensionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    suspended_on = serializers.DateField()
    reason = serializers.CharField()
    penalty_reference = serializers.CharField()
    lifted_on = serializers.DateField(allow_null=True)
    lift_reason = serializers.CharField()


class RecognitionDetailOutputSerializer(RecognitionListOutputSerializer):
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decision_reference = serializers.CharField()
    application = serializers.IntegerField(source="application_id", allow_null=True)
    renewed_from = serializers.IntegerField(source="renewed_from_id", allow_null=True)
    renewed_from_number = serializers.CharField(source="renewed_from.number", allow_null=True, default=None)
    revocation_reason = serializers.CharField()
    expired_on = serializers.DateField(allow_null=True)
    in_force_today = serializers.BooleanField()
    suspensions = RecognitionSuspensionOutputSerializer(many=True, source="suspensions.all")
    criteria_check = RecognitionCriterionResultSerializer(
        many=True, help_text="The criteria the decision was taken under, re-run over the facts it saw."
    )
    public_url = serializers.CharField(help_text="The live public record a certificate's QR code opens.")


def _recognition_detail(request, pk) -> dict:
    recognition = selectors.recognition_get_for(user=request.user, pk=pk)
    today = timezone.localdate()
    recognition.in_force_today = selectors.recognitions_in_force_on(today).filter(pk=recognition.pk).exists()
    recognition.criteria_check = selectors.stored_check(recognition.criteria_set, recognition.facts)
    recognition.public_url = request.build_absolute_uri(
        reverse("recognitions_public:record", args=[recognition.number])
    )
    return RecognitionDetailOutputSerializer(recognition).data


class RecognitionListApi(APIView):
    """`GET /recognitions/`: the recognitions of the facilities the caller may see, newest first."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognitions_list",
        parameters=[RecognitionFilterSerializer, *PAGE_PARAMETERS],
        responses={200: RecognitionListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = RecognitionFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = selectors.recognition_list_for(user=request.user, filters=filters.validated_data)
        return paginated_response(self, request, rows, RecognitionListOutputSerializer)


class RecognitionDetailApi(APIView):
    """`GET /recognitions/{id}/`: the recognition with its suspensions and the criteria check at decision."""

    @extend_schema(tags=TAGS, operation_id="recognitions_retrieve", responses={200: RecognitionDetailOutputSerializer})
    def get(self, request, pk: int):
        return Response(_recognition_detail(request, pk))


class RecognitionActionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


RECOGNITION_ACTIONS = {
    "suspend": services.recognition_suspend,
    "reinstate": services.recognition_reinstate,
    "revoke": services.recognition_revoke,
}


class RecognitionActionApi(APIView):
    """`POST /recognitions/{id}/{suspend|reinstate|revoke}/` with the reason: the city admin's decision
    (reinstating re-runs the criteria in force today)."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognitions_action",
        request=RecognitionActionInputSerializer,
        responses={200: RecognitionDetailOutputSerializer},
    )
    def post(self, request, pk: int, action: str):
        recognition = selectors.recognition_get_for(user=request.user, pk=pk)
        data = RecognitionActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        RECOGNITION_ACTIONS[action](actor=request.user, recognition=recognition, reason=data.validated_data["reason"])
        return Response(_recognition_detail(request, pk))


# --- applications -----------------------------------------------------------------------------------------


class RecognitionApplicationFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=[("unit", "unit"), ("city", "city")],
        required=False,
        help_text="A queue by deadline: `unit` awaits the unit's review, `city` the city's decision.",
    )
    kind = serializers.ChoiceField(choices=RecognitionKind.choices, required=False)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)
    route = serializers.ChoiceField(choices=ApplicationRoute.choices, required=False)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class RecognitionApplicationListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    route = serializers.CharField()
    route_display = serializers.CharField(source="get_route_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    renews = serializers.IntegerField(source="renews_id", allow_null=True)
    criteria_set = RecognitionCriteriaSetBriefSerializer()
    submitted_by = serializers.CharField(source="submitted_by.username")
    submitted_on = serializers.DateField()
    unit_deadline = serializers.DateField()
    unit_reviewer = serializers.CharField(source="unit_reviewer.username", allow_null=True, default=None)
    unit_reviewed_on = serializers.DateField(allow_null=True)
    city_deadline = serializers.DateField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_on = serializers.DateField(allow_null=True)


class RecognitionApplicationDetailOutputSerializer(RecognitionApplicationListOutputSerializer):
    agreement_signed_on = serializers.DateField(allow_null=True)
    agreement_reference = serializers.CharField()
    guidance_accepted = serializers.BooleanField()
    statement = serializers.CharField()
    unit_opinion = serializers.CharField()
    decision_opinion = serializers.CharField()
    decision_reference = serializers.CharField()
    recognition = serializers.IntegerField(
        source="granted_recognition.pk", allow_null=True, default=None, help_text="The recognition granted."
    )
    recognition_number = serializers.CharField(source="granted_recognition.number", allow_null=True, default=None)
    criteria_check = RecognitionCriterionResultSerializer(
        many=True, help_text="The criteria check at the last step, re-run over the facts that step saw."
    )


def _application_detail(request, pk) -> dict:
    application = selectors.application_get_for(user=request.user, pk=pk)
    application.granted_recognition = getattr(application, "recognition", None)
    application.criteria_check = selectors.stored_check(application.criteria_set, application.facts)
    return RecognitionApplicationDetailOutputSerializer(application).data


class RecognitionApplicationCreateInputSerializer(serializers.Serializer):
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = RecognitionKindField()
    agreement_signed_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreement_reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    guidance_accepted = serializers.BooleanField(required=False, default=False)
    statement = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    renews = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        default=None,
        help_text="A renewal's recognition.",
    )


class ApplicationListCreateApi(APIView):
    """`GET /recognition-applications/`: applications in the caller's reach (`stage` picks a queue);
    `POST`: an operator applies, or the unit or the city nominates (a renewal names the recognition)."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_list",
        parameters=[RecognitionApplicationFilterSerializer, *PAGE_PARAMETERS],
        responses={200: RecognitionApplicationListOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = RecognitionApplicationFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = selectors.application_list_for(user=request.user, filters=filters.validated_data)
        return paginated_response(self, request, rows, RecognitionApplicationListOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_create",
        request=RecognitionApplicationCreateInputSerializer,
        responses={201: RecognitionApplicationDetailOutputSerializer},
    )
    def post(self, request):
        data = RecognitionApplicationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        renews = selectors.recognition_get_for(user=request.user, pk=values["renews"]) if values["renews"] else None
        application = services.recognition_apply(
            actor=request.user,
            facility=facility,
            kind=values["kind"],
            agreement_signed_on=values["agreement_signed_on"],
            agreement_reference=values["agreement_reference"],
            guidance_accepted=values["guidance_accepted"],
            statement=values["statement"],
            renews=renews,
        )
        return Response(_application_detail(request, application.pk), status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_retrieve",
        responses={200: RecognitionApplicationDetailOutputSerializer},
    )
    def get(self, request, pk: int):
        return Response(_application_detail(request, pk))


class RecognitionApplicationReviewInputSerializer(serializers.Serializer):
    approve = StrictBooleanField(help_text="true: forward to the city; false: reject (give the reasons).")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ApplicationReviewApi(APIView):
    """`POST /recognition-applications/{id}/review/`: the unit's review (the criteria are checked again)."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_review",
        request=RecognitionApplicationReviewInputSerializer,
        responses={200: RecognitionApplicationDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        application = selectors.application_get_for(user=request.user, pk=pk)
        data = RecognitionApplicationReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recognition_unit_review(
            actor=request.user,
            application=application,
            approve=data.validated_data["approve"],
            opinion=data.validated_data["opinion"],
        )
        return Response(_application_detail(request, pk))


class RecognitionApplicationDecideInputSerializer(serializers.Serializer):
    grant = StrictBooleanField(help_text="true: grant and publish; false: reject (give the reasons).")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    decision_reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class ApplicationDecideApi(APIView):
    """`POST /recognition-applications/{id}/decide/`: the city's decision, by someone who neither submitted nor
    reviewed the application (403 `maker_checker` otherwise)."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_decide",
        request=RecognitionApplicationDecideInputSerializer,
        responses={200: RecognitionApplicationDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        application = selectors.application_get_for(user=request.user, pk=pk)
        data = RecognitionApplicationDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recognition_decide(
            actor=request.user,
            application=application,
            grant=data.validated_data["grant"],
            opinion=data.validated_data["opinion"],
            decision_reference=data.validated_data["decision_reference"],
        )
        return Response(_application_detail(request, pk))


class RecognitionApplicationWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ApplicationWithdrawApi(APIView):
    """`POST /recognition-applications/{id}/withdraw/`: the applicant (or the city) withdraws an open one."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_withdraw",
        request=RecognitionApplicationWithdrawInputSerializer,
        responses={200: RecognitionApplicationDetailOutputSerializer},
    )
    def post(self, request, pk: int):
        application = selectors.application_get_for(user=request.user, pk=pk)
        data = RecognitionApplicationWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recognition_withdraw(actor=request.user, application=application, reason=data.validated_data["reason"])
        return Response(_application_detail(request, pk))


# --- the live criteria check ------------------------------------------------------------------------------


class RecognitionCheckQuerySerializer(serializers.Serializer):
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=RecognitionKind.choices)
    agreement_signed_on = serializers.DateField(required=False, default=None)
    agreement_reference = serializers.CharField(required=False, max_length=100, default="")
    guidance_accepted = serializers.BooleanField(required=False, default=False)


class RecognitionCheckOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    on = serializers.DateField()
    criteria_set = RecognitionCriteriaSetBriefSerializer(
        allow_null=True, help_text="null: no criteria in force for the kind."
    )
    passed = serializers.BooleanField(help_text="Every criterion met (false when no criteria are in force).")
    results = RecognitionCriterionResultSerializer(many=True)


class ApplicationCheckApi(APIView):
    """`GET /recognition-applications/check/?facility=&kind=`: the criteria in force today, run over the facility
    as it stands and what the applicant declares, each with its evidence (the application form shows it live)."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_applications_check",
        parameters=[RecognitionCheckQuerySerializer],
        responses={200: RecognitionCheckOutputSerializer},
    )
    def get(self, request):
        query = RecognitionCheckQuerySerializer(data=_given(request.query_params))
        query.is_valid(raise_exception=True)
        values = query.validated_data
        facility = facility_scope_for(user=request.user).filter(pk=values["facility"]).first()
        if facility is None:
            raise NotFound
        today = timezone.localdate()
        criteria_set, _facts, results = selectors.recognition_check(
            facility,
            kind=values["kind"],
            on=today,
            agreement_signed_on=values["agreement_signed_on"],
            agreement_reference=values["agreement_reference"],
            guidance_accepted=values["guidance_accepted"],
        )
        body = {
            "kind": values["kind"],
            "on": today,
            "criteria_set": criteria_set,
            "passed": criteria_set is not None and all(result.passed for result in results),
            "results": results,
        }
        return Response(RecognitionCheckOutputSerializer(body).data)


# --- criteria and fee references (read-only here; edited on pages) ----------------------------------------


def _require_reference_reader(user) -> None:
    if user.role not in REFERENCE_READERS:
        raise NotFound


class RecognitionCriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    check_code = serializers.CharField()
    label = serializers.SerializerMethodField()
    params = serializers.JSONField()
    clause = serializers.CharField()
    source = serializers.CharField()
    is_default = serializers.BooleanField()
    note = serializers.CharField()

    def get_label(self, criterion) -> str:
        check = CHECKS.get(criterion.check_code)
        return str(check.label) if check else criterion.check_code


class RecognitionCriteriaSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    edition = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True, help_text="Exclusive; null: open-ended.")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    validity_years = serializers.IntegerField()
    unit_review_working_days = serializers.IntegerField()
    city_decision_working_days = serializers.IntegerField()
    expiry_notice_days = serializers.IntegerField()
    source = serializers.CharField()
    is_default = serializers.BooleanField()
    note = serializers.CharField()
    criteria = RecognitionCriterionOutputSerializer(many=True, source="criteria.all")


class RecognitionCriteriaFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecognitionKind.choices, required=False)
    status = serializers.ChoiceField(
        choices=CriteriaSetStatus.choices, required=False, help_text="Drafts are listed to the city admin only."
    )


class CriteriaSetListApi(APIView):
    """`GET /recognition-criteria/`: the criteria sets with their criteria, newest first per kind."""

    @extend_schema(
        tags=TAGS,
        operation_id="recognition_criteria_list",
        parameters=[RecognitionCriteriaFilterSerializer, *PAGE_PARAMETERS],
        responses={200: RecognitionCriteriaSetOutputSerializer(many=True)},
    )
    def get(self, request):
        _require_reference_reader(request.user)
        filters = RecognitionCriteriaFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        rows = selectors.criteria_sets_for_admin()
        if request.user.role != Role.CITY_ADMIN:
            rows = rows.exclude(status=CriteriaSetStatus.DRAFT)
        for field in ("kind", "status"):
            if filters.validated_data.get(field):
                rows = rows.filter(**{field: filters.validated_data[field]})
        return paginated_response(self, request, rows, RecognitionCriteriaSetOutputSerializer)


class FeeReferenceFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)


class FeeReferenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    district = serializers.CharField(source="district_id")
    district_name = serializers.CharField(source="district.name")
    year = serializers.IntegerField()
    full_day_monthly_fee = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="Yuan a month.")
    source = serializers.CharField()
    is_default = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class FeeReferenceListApi(APIView):
    """`GET /fee-references/`: the full-day fee reference per unit and year (published reference data, the same
    for every reader)."""

    @extend_schema(
        tags=TAGS,
        operation_id="fee_references_list",
        parameters=[FeeReferenceFilterSerializer, *PAGE_PARAMETERS],
        responses={200: FeeReferenceOutputSerializer(many=True)},
    )
    def get(self, request):
        _require_reference_reader(request.user)
        filters = FeeReferenceFilterSerializer(data=_given(request.query_params))
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        rows = FeeReference.objects.select_related("district").order_by("-year", "district_id")
        if values.get("year"):
            rows = rows.filter(year=values["year"])
        if values.get("district"):
            rows = rows.filter(district_id=values["district"])
        return paginated_response(self, request, rows, FeeReferenceOutputSerializer)
