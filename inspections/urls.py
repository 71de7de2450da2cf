from django.urls import include, path

app_name = "inspections"

urlpatterns = [
    path("", include("inspections.urls_records")),
    path("penalties/", include("inspections.urls_penalties")),
    path("plans/", include("inspections.urls_planning")),
    path("", include("inspections.urls_social")),
]
