from django.urls import include, path

from .views import evaluation

app_name = "reports"

urlpatterns: list = [
    path("dashboard/", include("reports.urls_dashboard")),
    path("evaluation/", evaluation.evaluation, name="evaluation"),
    path("evaluation/export.xlsx", evaluation.evaluation_export, name="evaluation_export"),
]
