from django.urls import include, path

app_name = "training"

urlpatterns = [
    path("", include("training.urls_records")),
    path("", include("training.urls_compliance")),
    path("", include("training.urls_awards")),
]
