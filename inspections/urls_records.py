"""Pages of inspection records and rectification orders (included at /supervision/, namespace "inspections")."""

from django.urls import path

from .views import records

urlpatterns = [
    path("inspections/", records.inspection_list, name="inspection_list"),
    path("inspections/start/", records.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/", records.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/checklist/", records.inspection_checklist, name="inspection_checklist"),
    path("inspections/<int:pk>/findings/", records.finding_new, name="finding_new"),
    path("inspections/<int:pk>/complete/", records.inspection_complete, name="inspection_complete"),
    path("findings/<int:pk>/evidence/", records.finding_evidence, name="finding_evidence"),
    path("evidence/<int:pk>/", records.evidence_download, name="evidence_download"),
    path("rectifications/", records.order_list, name="order_list"),
    path("rectifications/<int:pk>/", records.order_detail, name="order_detail"),
    path("rectifications/<int:pk>/respond/", records.order_respond, name="order_respond"),
    path("rectifications/<int:pk>/close/", records.order_close, name="order_close"),
]
