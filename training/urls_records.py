"""Pages of institutions, courses, sessions and training records (included at /training/, namespace "training")."""

from django.urls import path

from .views import records

urlpatterns = [
    path("courses/", records.course_list, name="records_courses"),
    path("sessions/<int:pk>/", records.session_detail, name="records_session"),
    path("sessions/<int:pk>/records/add/", records.record_add, name="records_add"),
    path("sessions/<int:pk>/import/", records.session_import, name="records_import"),
    path("results-template.xlsx", records.import_template, name="records_import_template"),
]
