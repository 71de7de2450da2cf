"""Pages of institutions, courses, sessions and training records (included at /training/, namespace "training")."""

from django.urls import path

from .views import admin_pages, records

urlpatterns = [
    path("courses/", records.course_list, name="records_courses"),
    path("sessions/<int:pk>/", records.session_detail, name="records_session"),
    path("sessions/<int:pk>/records/add/", records.record_add, name="records_add"),
    path("sessions/<int:pk>/import/", records.session_import, name="records_import"),
    path("results-template.xlsx", records.import_template, name="records_import_template"),
    path("institutions/new/", admin_pages.institution_new, name="institution_new"),
    path("courses/new/", admin_pages.course_new, name="course_new"),
    path("courses/<int:pk>/sessions/new/", admin_pages.session_new, name="session_new"),
    path("assessments/", admin_pages.assessment_list, name="assessment_list"),
    path("assessments/new/", admin_pages.assessment_new, name="assessment_new"),
]
