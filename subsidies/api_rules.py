"""REST for subsidy rule sets (`/api/v1/subsidies/rule-sets/`): versions, drafts, activation, the simulator.

The city admin drafts, edits drafts, activates and simulates. A unit officer reads the city-wide sets and
their unit's (the payment period and the approval chain decide their batches). Everyone else: 404.
Terms problems come back by path: `{"fields": {"terms": ["base_rates[0].amount: ..."]}}`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.drf import PageSizePagination
from suzhou_childcare.errors import NotFound
from suzhou_childcare.regions.models import District

from .api_common import STAFF, TAGS, DistrictCodeField, PeriodField, choice_field, money, require_role
from .models import PaymentPeriod, RuleSet, RuleSetStatus
from .services import rule_sets as services


def rule_set_scope_for(*, user):
    """The city admin sees every version; a unit officer the city-wide ones and their unit's."""
    require_role(user, STAFF)
    qs = RuleSet.objects.select_related("district")
    if user.role == Role.CITY_ADMIN:
        return qs
    return qs.filter(Q(district__isnull=True) | Q(district_id=user.district_id))


def rule_set_get_for(*, user, pk) -> RuleSet:
    rule_set = rule_set_scope_for(user=user).filter(pk=pk).first()
    if rule_set is None:
        raise NotFound
    return rule_set


class RuleSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    district = serializers.CharField(source="district_id", allow_null=True, help_text="Null: city-wide.")
    district_name = serializers.CharField(source="district.name", allow_null=True, default=None)
    edition = serializers.CharField()
    effective_from = PeriodField(help_text="First month, YYYY-MM.")
    effective_to = PeriodField(allow_null=True, help_text="First month no longer covered, YYYY-MM (null: open).")
    status = choice_field(RuleSetStatus.choices)
    payment_period = serializers.ChoiceField(choices=PaymentPeriod.choices)
    approval_chain = serializers.ListField(child=serializers.CharField())
    terms = serializers.JSONField()
    source = serializers.CharField()
    is_default = serializers.BooleanField(help_text="A local default: no public text gives these figures.")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    activated_at = serializers.DateTimeField(allow_null=True)


class RuleSetInputSerializer(serializers.Serializer):
    edition = serializers.CharField(max_length=100)
    effective_from = PeriodField(help_text="First month, YYYY-MM.")
    payment_period = serializers.ChoiceField(choices=PaymentPeriod.choices, default=PaymentPeriod.MONTHLY)
    approval_chain = serializers.ListField(
        child=serializers.ChoiceField(choices=[Role.DISTRICT_OFFICER, Role.CITY_ADMIN]),
        min_length=1,
        max_length=5,
        default=lambda: [Role.DISTRICT_OFFICER, Role.CITY_ADMIN],
    )
    terms = serializers.JSONField(help_text="The rule set's terms (see an existing set).")
    source = serializers.CharField(max_length=300)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_terms(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("The terms are a JSON object."))
        return value


class RuleSetDraftInputSerializer(RuleSetInputSerializer):
    district = DistrictCodeField(
        required=False, allow_null=True, help_text="A unit's code; omitted or null: city-wide."
    )


class RuleSetListApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rule_sets_list",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: RuleSetOutputSerializer(many=True)},
    )
    def get(self, request):
        rows = rule_set_scope_for(user=request.user).order_by("district_id", "-effective_from", "-id")
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(RuleSetOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rule_sets_draft",
        request=RuleSetDraftInputSerializer,
        responses={201: RuleSetOutputSerializer},
    )
    def post(self, request):
        """Draft a new version (city admin). It pays nothing until activated."""
        require_role(request.user, STAFF)
        data = RuleSetDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        rule_set = services.rule_set_draft(
            actor=request.user, district_code=values.pop("district", None) or None, **values
        )
        return Response(
            RuleSetOutputSerializer(rule_set_get_for(user=request.user, pk=rule_set.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class RuleSetDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_rule_sets_retrieve", responses={200: RuleSetOutputSerializer})
    def get(self, request, pk: int):
        return Response(RuleSetOutputSerializer(rule_set_get_for(user=request.user, pk=pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rule_sets_update",
        request=RuleSetInputSerializer(partial=True),
        responses={200: RuleSetOutputSerializer},
    )
    def patch(self, request, pk: int):
        """Edit a draft (city admin). Rules in force are never edited: 409 `rules_in_use`."""
        rule_set = rule_set_get_for(user=request.user, pk=pk)
        data = RuleSetInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {name: value for name, value in data.validated_data.items() if name in request.data}
        services.rule_set_update(actor=request.user, rule_set=rule_set, **changes)
        return Response(RuleSetOutputSerializer(rule_set_get_for(user=request.user, pk=pk)).data)


class RuleSetActivateApi(APIView):
    @extend_schema(
        tags=TAGS, operation_id="subsidies_rule_sets_activate", request=None, responses={200: RuleSetOutputSerializer}
    )
    def post(self, request, pk: int):
        """Put a draft in force from its first month; the version it replaces ends then."""
        rule_set = rule_set_get_for(user=request.user, pk=pk)
        services.rule_set_activate(actor=request.user, rule_set=rule_set)
        return Response(RuleSetOutputSerializer(rule_set_get_for(user=request.user, pk=pk)).data)


class SimulateQuerySerializer(serializers.Serializer):
    period = PeriodField(help_text="The month whose data the rules are applied to, YYYY-MM.")


class SimulatedUnitSerializer(serializers.Serializer):
    district = serializers.CharField()
    district_name = serializers.CharField()
    facilities = serializers.IntegerField()
    draft = money(help_text="What these rules would pay.")
    active = money(help_text="What the rules in force pay.")
    difference = money()


class SimulatedFacilitySerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField()
    draft = money()
    active = money()
    difference = money()


class SimulationOutputSerializer(serializers.Serializer):
    period = PeriodField()
    draft_total = money()
    active_total = money()
    difference = money()
    units = SimulatedUnitSerializer(many=True)
    facilities = SimulatedFacilitySerializer(many=True, help_text="One page of the facilities (page, page_size).")
    facility_count = serializers.IntegerField()


class RuleSetSimulateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rule_sets_simulate",
        parameters=[SimulateQuerySerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: SimulationOutputSerializer},
    )
    def get(self, request, pk: int):
        """The rules applied to a month's data beside the rules in force, per unit and per facility."""
        rule_set = rule_set_get_for(user=request.user, pk=pk)
        query = SimulateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        result = services.simulate(actor=request.user, draft=rule_set, period=query.validated_data["period"])
        names = dict(District.objects.values_list("code", "name"))
        facilities = [{**row, "difference": row["draft"] - row["active"]} for row in result["facilities"]]
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(facilities, request, view=self)
        body = {
            "period": result["period"],
            "draft_total": result["draft_total"],
            "active_total": result["active_total"],
            "difference": result["draft_total"] - result["active_total"],
            "units": [
                {**unit, "district_name": names.get(unit["district"], ""), "difference": unit["draft"] - unit["active"]}
                for unit in result["units"]
            ],
            "facilities": page,
            "facility_count": len(facilities),
        }
        return Response(SimulationOutputSerializer(body).data)
