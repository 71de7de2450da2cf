"""REST for courses, sessions and a session's training records (ID numbers masked)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import PageSizePagination

from .models import TrainingResult
from .selectors import records as selectors
from .services import records as services


class CourseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField(source="institution.name")
    title = serializers.CharField()
    target = serializers.CharField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    subsidy_eligible = serializers.BooleanField()
    certificate_valid_months = serializers.IntegerField(allow_null=True)
    session_count = serializers.IntegerField()


class SessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    course_title = serializers.CharField(source="course.title")
    institution_name = serializers.CharField(source="course.institution.name")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    capacity = serializers.IntegerField()
    location = serializers.CharField()
    record_count = serializers.IntegerField()


class RecordOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="person.name")
    id_number_masked = serializers.SerializerMethodField()
    course = serializers.IntegerField(source="course_id")
    session = serializers.IntegerField(source="session_id", allow_null=True)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    result = serializers.CharField()
    completed_on = serializers.DateField()
    certificate_number = serializers.CharField()
    certificate_valid_until = serializers.DateField(allow_null=True)

    def get_id_number_masked(self, record) -> str:
        return mask_identifier(record.person.id_number)


class RecordInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=18, write_only=True)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0)
    result = serializers.ChoiceField(choices=TrainingResult.choices)
    completed_on = serializers.DateField()
    certificate_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    certificate_valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class CourseListApi(APIView):
    @extend_schema(
        operation_id="training_courses_list",
        parameters=[OpenApiParameter("page_size", int)],
        responses={200: CourseOutputSerializer(many=True)},
    )
    def get(self, request):
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(selectors.course_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(CourseOutputSerializer(page, many=True).data)


class SessionListApi(APIView):
    @extend_schema(
        operation_id="training_sessions_list",
        parameters=[OpenApiParameter("page_size", int)],
        responses={200: SessionOutputSerializer(many=True)},
    )
    def get(self, request):
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(selectors.session_list_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(SessionOutputSerializer(page, many=True).data)


class SessionRecordsApi(APIView):
    @extend_schema(
        operation_id="training_session_records_list",
        parameters=[OpenApiParameter("page_size", int)],
        responses={200: RecordOutputSerializer(many=True)},
    )
    def get(self, request, pk: int):
        session = selectors.session_get_for(user=request.user, pk=pk)
        paginator = PageSizePagination()
        records = selectors.record_list_for(user=request.user, session=session)
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(RecordOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="training_session_records_create",
        request=RecordInputSerializer,
        responses={201: RecordOutputSerializer},
    )
    def post(self, request, pk: int):
        session = selectors.session_get_for(user=request.user, pk=pk)
        data = RecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_add(actor=request.user, session=session, **data.validated_data)
        return Response(RecordOutputSerializer(record).data, status=status.HTTP_201_CREATED)
