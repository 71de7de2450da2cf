"""REST for setting up training: a course (POST courses/), a course's session (POST courses/{id}/sessions/) and
health-care staff assessments (GET/POST assessments/; the ID number is write-only, masked in every answer).

Writes go through `training.services.records`; a user who is not an account of the institution gets a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import PageSizePagination
from suzhou_childcare.errors import NotFound

from .api_records import CourseListApi, CourseOutputSerializer, SessionOutputSerializer
from .models import CourseTarget
from .selectors import records as selectors
from .services import records as services
from .views.admin_pages import ASSESSMENT_READERS, own_course, own_institutions, own_mch_institution


class CourseInputSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    target = serializers.ChoiceField(choices=CourseTarget.choices)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0)
    subsidy_eligible = serializers.BooleanField(required=False, default=False)
    certificate_valid_months = serializers.IntegerField(
        min_value=1, max_value=240, required=False, allow_null=True, default=None
    )


class SessionInputSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    capacity = serializers.IntegerField(min_value=1, max_value=10000)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AssessmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=18, write_only=True)
    assessed_on = serializers.DateField()
    score = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=100)
    passed = serializers.BooleanField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class AssessmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="person.name")
    id_number_masked = serializers.SerializerMethodField()
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField(source="institution.name")
    assessed_on = serializers.DateField()
    score = serializers.DecimalField(max_digits=4, decimal_places=1)
    passed = serializers.BooleanField()
    valid_until = serializers.DateField(allow_null=True)

    def get_id_number_masked(self, assessment) -> str:
        return mask_identifier(assessment.person.id_number)


class CourseApi(CourseListApi):
    """The course list (inherited) and a new course of one of the user's own institutions."""

    @extend_schema(
        operation_id="training_courses_create",
        request=CourseInputSerializer,
        responses={201: CourseOutputSerializer},
    )
    def post(self, request):
        institutions = own_institutions(request.user)
        if not institutions.exists():
            raise NotFound
        data = CourseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution = institutions.filter(pk=values.pop("institution")).first()
        if institution is None:
            raise NotFound
        course = services.course_create(actor=request.user, institution=institution, **values)
        course = selectors.course_list_for(user=request.user).get(pk=course.pk)
        return Response(CourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseSessionsApi(APIView):
    @extend_schema(
        operation_id="training_course_sessions_create",
        request=SessionInputSerializer,
        responses={201: SessionOutputSerializer},
    )
    def post(self, request, pk: int):
        course = own_course(request.user, pk)
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(actor=request.user, course=course, **data.validated_data)
        session = selectors.session_get_for(user=request.user, pk=session.pk)
        return Response(SessionOutputSerializer(session).data, status=status.HTTP_201_CREATED)


class AssessmentListApi(APIView):
    @extend_schema(
        operation_id="training_assessments_list",
        parameters=[OpenApiParameter("page_size", int)],
        responses={200: AssessmentOutputSerializer(many=True)},
    )
    def get(self, request):
        if request.user.role not in ASSESSMENT_READERS:
            raise NotFound
        paginator = PageSizePagination()
        assessments = selectors.assessment_list_for(user=request.user).order_by("-assessed_on", "-id")
        page = paginator.paginate_queryset(assessments, request, view=self)
        return paginator.get_paginated_response(AssessmentOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="training_assessments_create",
        request=AssessmentInputSerializer,
        responses={201: AssessmentOutputSerializer},
    )
    def post(self, request):
        institution = own_mch_institution(request.user)
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_record(actor=request.user, institution=institution, **data.validated_data)
        return Response(AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)
