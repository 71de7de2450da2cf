from django.urls import path

from . import api_complaints, api_social

urlpatterns: list = []

# Complaints (social supervision), at /api/v1/complaints/.
urlpatterns += [
    path("complaints/", api_complaints.ComplaintListCreateApi.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", api_complaints.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/triage/", api_complaints.ComplaintTriageApi.as_view(), name="complaint-triage"),
    path("complaints/<int:pk>/reply/", api_complaints.ComplaintReplyApi.as_view(), name="complaint-reply"),
    path("complaints/<int:pk>/close/", api_complaints.ComplaintCloseApi.as_view(), name="complaint-close"),
]

# Incidents and self-inspections, at /api/v1/incidents/ and /api/v1/self-inspections/.
urlpatterns += [
    path("incidents/", api_social.IncidentListCreateApi.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", api_social.IncidentDetailApi.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/follow-up/", api_social.IncidentFollowUpApi.as_view(), name="incident-follow-up"),
    path("self-inspections/", api_social.SelfInspectionListCreateApi.as_view(), name="self-inspection-list"),
    path("self-inspections/<int:pk>/", api_social.SelfInspectionDetailApi.as_view(), name="self-inspection-detail"),
]
