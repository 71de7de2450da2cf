"""REST for development targets, their progress, build projects and guidance activities (under /api/v1/)."""

from django.urls import path

from . import api_development as api

urlpatterns = [
    path("development-targets/", api.TargetListCreateApi.as_view(), name="development-target-list"),
    path("target-progress/", api.TargetProgressApi.as_view(), name="target-progress"),
    path("build-projects/", api.ProjectListCreateApi.as_view(), name="build-project-list"),
    path("build-projects/<int:pk>/", api.ProjectDetailApi.as_view(), name="build-project-detail"),
    path("build-projects/<int:pk>/advance/", api.ProjectAdvanceApi.as_view(), name="build-project-advance"),
    path("guidance-activities/", api.GuidanceListCreateApi.as_view(), name="guidance-activity-list"),
]
