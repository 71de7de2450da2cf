"""REST of courses, sessions and training records, included at /api/v1/training/."""

from django.urls import path

from . import api_admin, api_records

urlpatterns = [
    # GET lists the courses (inherited from `api_records.CourseListApi`); POST creates one.
    path("courses/", api_admin.CourseApi.as_view(), name="training-courses"),
    path("sessions/", api_records.SessionListApi.as_view(), name="training-sessions"),
    path("sessions/<int:pk>/records/", api_records.SessionRecordsApi.as_view(), name="training-session-records"),
    path("courses/<int:pk>/sessions/", api_admin.CourseSessionsApi.as_view(), name="training-course-sessions"),
    path("assessments/", api_admin.AssessmentListApi.as_view(), name="training-assessments"),
]
