"""Targets, build projects and guidance activities, included at /recognitions/ inside the "recognitions" namespace."""

from django.urls import path

from .views import development

urlpatterns = [
    path("targets/", development.target_progress_page, name="target_progress"),
    path("targets/export.xlsx", development.target_export, name="target_export"),
    path("projects/", development.project_list, name="project_list"),
    path("projects/<int:pk>/", development.project_detail, name="project_detail"),
    path("guidance/", development.guidance_list, name="guidance_list"),
]
