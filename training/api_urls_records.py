"""REST of courses, sessions and training records, included at /api/v1/training/."""

from django.urls import path

from . import api_records

urlpatterns = [
    path("courses/", api_records.CourseListApi.as_view(), name="training-courses"),
    path("sessions/", api_records.SessionListApi.as_view(), name="training-sessions"),
    path("sessions/<int:pk>/records/", api_records.SessionRecordsApi.as_view(), name="training-session-records"),
]
