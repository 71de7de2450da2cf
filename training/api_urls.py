from django.urls import include, path

urlpatterns = [
    path("training/", include("training.api_urls_records")),
    path("training/", include("training.api_urls_compliance")),
    path("training/", include("training.api_urls_awards")),
]
