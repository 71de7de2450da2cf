from django.urls import path

from .views import complaints, incidents, self_inspection

urlpatterns: list = []

# Complaints (social supervision), at /supervision/complaints/.
urlpatterns += [
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_intake, name="complaint_intake"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
]

# Self-inspections (自查) and incidents, at /supervision/self-inspections/ and /supervision/incidents/.
urlpatterns += [
    path("self-inspections/", self_inspection.self_inspection_list, name="self_inspection_list"),
    path("self-inspections/new/<int:facility_pk>/", self_inspection.self_inspection_new, name="self_inspection_new"),
    path("self-inspections/missing/", self_inspection.self_inspection_missing, name="self_inspection_missing"),
    path("self-inspections/<int:pk>/", self_inspection.self_inspection_detail, name="self_inspection_detail"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/new/<int:facility_pk>/", incidents.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
]
