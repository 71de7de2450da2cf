"""REST of inspection records and rectification orders (included into /api/v1/, namespace "api")."""

from django.urls import path

from . import api_records as api

urlpatterns = [
    path("inspections/", api.InspectionListCreateApi.as_view(), name="inspection-list"),
    path("inspections/<int:pk>/", api.InspectionDetailApi.as_view(), name="inspection-detail"),
    path("inspections/<int:pk>/findings/", api.InspectionFindingCreateApi.as_view(), name="inspection-findings"),
    path("evidence/<int:pk>/", api.EvidenceDownloadApi.as_view(), name="evidence-download"),
    path("rectifications/", api.RectificationListApi.as_view(), name="rectification-list"),
    path("rectifications/<int:pk>/", api.RectificationDetailApi.as_view(), name="rectification-detail"),
    path("rectifications/<int:pk>/respond/", api.RectificationRespondApi.as_view(), name="rectification-respond"),
]
