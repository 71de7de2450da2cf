from django.urls import include, path

urlpatterns = [
    path("", include("inspections.api_urls_records")),
    path("", include("inspections.api_urls_penalties")),
    path("", include("inspections.api_urls_planning")),
    path("", include("inspections.api_urls_social")),
]
