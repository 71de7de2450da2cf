"""REST for administrative penalties: list/propose, detail, decide, withdraw (`/api/v1/penalties/`).

Reads go through the scoped selectors (a foreign penalty is 404); writes through the services, whose
`ApplicationError`s become the shared error shape. A banned person's ID number is accepted on proposal and
never sent back: responses carry it masked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.selectors import facility_get_for
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import MAX_ID, PageSizePagination
from suzhou_childcare.errors import ValidationFailed

from .models import Inspection, PenaltyKind, PenaltyStatus
from .selectors.penalties import penalty_get_for, penalty_list_for
from .selectors.scope import scoped
from .services import penalties as services
from .services.penalties import PUBLISH_DAYS_MAX, may_decide, may_withdraw


@extend_schema_field({"type": "string", "enum": PenaltyKind.values}, component_name="PenaltyKindEnum")
class PenaltyKindField(serializers.ChoiceField):
    """The kind of penalty as its own schema component: other `kind` fields of the API have other choices."""

    def __init__(self, **kwargs):
        super().__init__(choices=PenaltyKind.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": PenaltyStatus.values}, component_name="PenaltyStatusEnum")
class PenaltyStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PenaltyStatus.choices, **kwargs)


class PenaltyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    district_name = serializers.CharField(source="facility.district.name")
    inspection = serializers.IntegerField(source="inspection_id", allow_null=True)
    kind = PenaltyKindField()
    kind_display = serializers.CharField(source="get_kind_display")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    facts = serializers.CharField()
    legal_basis = serializers.CharField()
    status = PenaltyStatusField()
    status_display = serializers.CharField(source="get_status_display")
    person_name = serializers.SerializerMethodField()
    person_id_number = serializers.SerializerMethodField(help_text="Masked; the full number is never sent.")
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_on = serializers.DateField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_on = serializers.DateField(allow_null=True)
    decision_number = serializers.CharField()
    hearing_status = serializers.CharField()
    appeal_status = serializers.CharField()
    publish_from = serializers.DateField(allow_null=True)
    publish_until = serializers.DateField(allow_null=True)
    can_decide = serializers.SerializerMethodField()
    can_withdraw = serializers.SerializerMethodField()

    def get_person_name(self, obj) -> str | None:
        """As the penalised facility's roster has it (never the registry's name); null when not on it."""
        return (getattr(obj, "person_roster_name", None) or None) if obj.person_id else None

    def get_person_id_number(self, obj) -> str | None:
        return mask_identifier(obj.person.id_number) if obj.person_id else None

    def get_can_decide(self, obj) -> bool:
        return may_decide(self.context["user"], obj)

    def get_can_withdraw(self, obj) -> bool:
        return may_withdraw(self.context["user"], obj)


def _out(penalty, request, **kwargs) -> dict:
    return PenaltyOutputSerializer(penalty, context={"user": request.user}, **kwargs).data


class PenaltyFilterSerializer(serializers.Serializer):
    status = PenaltyStatusField(required=False)
    kind = PenaltyKindField(required=False)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)
    facility = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    q = serializers.CharField(required=False, max_length=100)


class PenaltyProposeInputSerializer(serializers.Serializer):
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = PenaltyKindField()
    # Any number of decimals is accepted here so that the rule (with its clause) says what is wrong.
    amount = serializers.DecimalField(max_digits=None, decimal_places=None, required=False, allow_null=True)
    facts = serializers.CharField(max_length=10000, allow_blank=True)
    inspection = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    person_id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=18, write_only=True, help_text="Only for a lifetime ban."
    )


class PenaltyListCreateApi(APIView):
    @extend_schema(
        operation_id="penalties_list",
        parameters=[PenaltyFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: PenaltyOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = PenaltyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = PageSizePagination()
        rows = penalty_list_for(user=request.user, filters=filters.validated_data)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(_out(page, request, many=True))

    @extend_schema(
        operation_id="penalties_propose",
        request=PenaltyProposeInputSerializer,
        responses={201: PenaltyOutputSerializer},
    )
    def post(self, request):
        data = PenaltyProposeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        inspection = None
        if values.get("inspection"):
            inspection = scoped(Inspection.objects.all(), user=request.user).filter(pk=values["inspection"]).first()
            if inspection is None:
                raise ValidationFailed(fields={"inspection": [_("Unknown inspection.")]})
        penalty = services.penalty_propose(
            actor=request.user,
            facility=facility,
            kind=values["kind"],
            amount=values.get("amount"),
            facts=values["facts"],
            inspection=inspection,
            person_id_number=values.get("person_id_number"),
            person_name=values.get("person_name", ""),
        )
        penalty = penalty_get_for(user=request.user, pk=penalty.pk)
        return Response(_out(penalty, request), status=status.HTTP_201_CREATED)


class PenaltyDetailApi(APIView):
    @extend_schema(operation_id="penalties_retrieve", responses={200: PenaltyOutputSerializer})
    def get(self, request, pk: int):
        return Response(_out(penalty_get_for(user=request.user, pk=pk), request))


class PenaltyDecideInputSerializer(serializers.Serializer):
    decision_number = serializers.CharField(max_length=100, allow_blank=True)
    decided_on = serializers.DateField()
    publish_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PUBLISH_DAYS_MAX,
        help_text="Days on the public register; the city's default when omitted.",
    )
    hearing_status = serializers.CharField(required=False, allow_blank=True, max_length=100)
    appeal_status = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PenaltyDecideApi(APIView):
    """Decide a proposal: another person than the proposer, with the deciding permission (maker-checker)."""

    @extend_schema(
        operation_id="penalties_decide",
        request=PenaltyDecideInputSerializer,
        responses={200: PenaltyOutputSerializer},
    )
    def post(self, request, pk: int):
        penalty = penalty_get_for(user=request.user, pk=pk)
        data = PenaltyDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.penalty_decide(actor=request.user, penalty=penalty, **data.validated_data)
        return Response(_out(penalty_get_for(user=request.user, pk=pk), request))


class PenaltyWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class PenaltyWithdrawApi(APIView):
    """Withdraw a proposal (never a decision), with a reason."""

    @extend_schema(
        operation_id="penalties_withdraw",
        request=PenaltyWithdrawInputSerializer,
        responses={200: PenaltyOutputSerializer},
    )
    def post(self, request, pk: int):
        penalty = penalty_get_for(user=request.user, pk=pk)
        data = PenaltyWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.penalty_withdraw(actor=request.user, penalty=penalty, reason=data.validated_data["reason"])
        return Response(_out(penalty_get_for(user=request.user, pk=pk), request))
