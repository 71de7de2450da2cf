"""Bulk import of facilities, included at /facilities/import/ in the "facilities" namespace."""

from django.urls import path

from .views import importing

urlpatterns = [
    path("", importing.import_upload, name="import"),
    path("template.xlsx", importing.import_template, name="import_template"),
    path("jobs/<uuid:job_id>/", importing.import_job, name="import_job"),
]
