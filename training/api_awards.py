"""REST for talent awards and competitions (`/api/v1/training/awards/`, `/api/v1/training/competitions/`).

Reads through the scoped selectors (a foreign application is 404), writes through the services. An ID number
is accepted on application and never sent back; persons are named as their facility's roster names them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.models import StaffMember
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.drf import MAX_ID, PageSizePagination
from suzhou_childcare.errors import NotFound, ValidationFailed
from suzhou_childcare.regions.models import District

from .models import ApplicationStatus
from .selectors.awards import (
    award_application_get_for,
    award_application_list_for,
    award_rules_in_force,
    competition_entries_for,
    competition_entry_get_for,
    competition_get_for,
    competition_list_for,
)
from .services import awards as services


class AwardApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField(source="rule.code")
    rule_title = serializers.CharField(source="rule.title")
    rule_source = serializers.CharField(source="rule.source")
    rule_is_default = serializers.BooleanField(source="rule.is_default")
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    district = serializers.CharField(source="facility.district_id")
    person_name = serializers.CharField(source="roster_name", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    submitted_by = serializers.CharField(source="submitted_by.username")
    submitted_on = serializers.DateField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_on = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    reasons = serializers.CharField()


class AwardFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)
    rule = serializers.CharField(required=False, max_length=50)
    district = serializers.RegexField(r"^[0-9]{6}$", required=False)


class AwardApplyInputSerializer(serializers.Serializer):
    rule = serializers.CharField(max_length=50)
    facility = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    staff_member = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    person_id_number = serializers.CharField(required=False, allow_blank=True, max_length=18, write_only=True)


class AwardDecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reasons = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CompetitionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    held_on = serializers.DateField()
    district = serializers.CharField(source="district_id", allow_null=True)
    district_name = serializers.CharField(source="district.name", allow_null=True, default=None)
    entry_count = serializers.IntegerField(help_text="Entries of facilities the caller may see.")


class CompetitionCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    district = serializers.RegexField(
        r"^[0-9]{6}$", required=False, allow_null=True, help_text="A unit's code; omitted or null: city-wide."
    )


class CompetitionEnterInputSerializer(serializers.Serializer):
    staff_member = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A roster entry of your facility.")


class CompetitionResultInputSerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1, max_value=32767, allow_null=True)
    award = serializers.CharField(required=False, allow_blank=True, max_length=100)


class CompetitionEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    competition = serializers.IntegerField(source="competition_id")
    facility = serializers.IntegerField(source="facility_id")
    facility_name = serializers.CharField(source="facility.name")
    person_name = serializers.CharField(source="roster_name", allow_null=True, default=None)
    rank = serializers.IntegerField(allow_null=True)
    award = serializers.CharField()


def _competition_data(request, pk) -> dict:
    competition = competition_list_for(user=request.user).filter(pk=pk).first()
    return CompetitionOutputSerializer(competition).data


def _entry_data(request, entry) -> dict:
    competition = competition_get_for(user=request.user, pk=entry.competition_id)
    row = competition_entries_for(user=request.user, competition=competition).get(pk=entry.pk)
    return CompetitionEntryOutputSerializer(row).data


def _reload(request, pk) -> dict:
    return AwardApplicationOutputSerializer(award_application_get_for(user=request.user, pk=pk)).data


class AwardListCreateApi(APIView):
    @extend_schema(
        operation_id="training_awards_list",
        parameters=[AwardFilterSerializer, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: AwardApplicationOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = AwardFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = PageSizePagination()
        rows = award_application_list_for(user=request.user, filters=filters.validated_data)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(AwardApplicationOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="training_awards_apply",
        request=AwardApplyInputSerializer,
        responses={201: AwardApplicationOutputSerializer},
    )
    def post(self, request):
        data = AwardApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facility = facility_get_for(user=request.user, pk=values["facility"])
        rule = next((r for r in award_rules_in_force() if r.code == values["rule"]), None)
        if rule is None:
            raise ValidationFailed(fields={"rule": [_("Unknown award.")]})
        staff_member = None
        if values.get("staff_member"):
            staff_member = facility.staff.select_related("person").filter(pk=values["staff_member"]).first()
            if staff_member is None:
                raise ValidationFailed(fields={"staff_member": [_("Not on this facility's roster.")]})
        application = services.award_apply(
            actor=request.user,
            rule=rule,
            facility=facility,
            staff_member=staff_member,
            person_id_number=values.get("person_id_number", ""),
        )
        return Response(_reload(request, application.pk), status=status.HTTP_201_CREATED)


class AwardDecideApi(APIView):
    @extend_schema(
        operation_id="training_awards_decide",
        request=AwardDecideInputSerializer,
        responses={200: AwardApplicationOutputSerializer},
    )
    def post(self, request, pk: int):
        application = award_application_get_for(user=request.user, pk=pk)
        data = AwardDecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.award_decide(
            actor=request.user,
            application=application,
            approve=data.validated_data["approve"],
            reasons=data.validated_data.get("reasons", ""),
        )
        return Response(_reload(request, pk))


class CompetitionListApi(APIView):
    @extend_schema(
        operation_id="training_competitions_list",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: CompetitionOutputSerializer(many=True)},
    )
    def get(self, request):
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(competition_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(CompetitionOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="training_competitions_create",
        request=CompetitionCreateInputSerializer,
        responses={201: CompetitionOutputSerializer},
    )
    def post(self, request):
        data = CompetitionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        district = None
        if values.get("district"):
            district = District.objects.filter(code=values["district"]).first()
            if district is None:
                raise ValidationFailed(fields={"district": [_("Unknown county-level unit.")]})
        competition = services.competition_create(
            actor=request.user, title=values["title"], held_on=values["held_on"], district=district
        )
        return Response(_competition_data(request, competition.pk), status=status.HTTP_201_CREATED)


class CompetitionEnterApi(APIView):
    @extend_schema(
        operation_id="training_competitions_enter",
        request=CompetitionEnterInputSerializer,
        responses={201: CompetitionEntryOutputSerializer},
    )
    def post(self, request, pk: int):
        competition = competition_get_for(user=request.user, pk=pk)
        data = CompetitionEnterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff_member = (
            StaffMember.objects.filter(facility__in=facility_scope_for(user=request.user).values("pk"))
            .select_related("facility", "person")
            .filter(pk=data.validated_data["staff_member"])
            .first()
        )
        if staff_member is None:
            raise NotFound
        entry = services.competition_enter(actor=request.user, competition=competition, staff_member=staff_member)
        return Response(_entry_data(request, entry), status=status.HTTP_201_CREATED)


class CompetitionResultApi(APIView):
    @extend_schema(
        operation_id="training_competitions_result",
        request=CompetitionResultInputSerializer,
        responses={200: CompetitionEntryOutputSerializer},
    )
    def post(self, request, pk: int):
        entry = competition_entry_get_for(user=request.user, pk=pk)
        data = CompetitionResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.competition_result(
            actor=request.user,
            entry=entry,
            rank=data.validated_data["rank"],
            award=data.validated_data.get("award", ""),
        )
        return Response(_entry_data(request, entry))
