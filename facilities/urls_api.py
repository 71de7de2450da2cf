from django.urls import path, re_path

from . import api

urlpatterns = [
    path("facilities/", api.FacilityListCreateApi.as_view(), name="facility-list"),
    path("facilities/overdue/", api.FacilityOverdueApi.as_view(), name="facility-overdue"),
    path("facilities/<int:pk>/", api.FacilityDetailApi.as_view(), name="facility-detail"),
    path("facilities/<int:pk>/staff/", api.StaffListApi.as_view(), name="facility-staff"),
    path("facilities/<int:pk>/materials/", api.MaterialListCreateApi.as_view(), name="facility-materials"),
    path(
        "facilities/<int:pk>/materials/<int:material_pk>/",
        api.MaterialDownloadApi.as_view(),
        name="facility-material",
    ),
    re_path(
        r"^facilities/(?P<pk>[0-9]+)/(?P<action>submit|record|reject|verify|cancel|start-draft|change)/$",
        api.FacilityActionApi.as_view(),
        name="facility-action",
    ),
]
