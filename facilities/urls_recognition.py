"""Pages of recognitions (/recognitions/): the workflow, and the targets, projects and guidance behind them."""

from django.urls import include, path

app_name = "recognitions"

urlpatterns = [
    path("", include("facilities.urls_recognition_workflow")),
    path("", include("facilities.urls_recognition_reference")),
    path("", include("facilities.urls_development")),
]
