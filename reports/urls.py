from django.urls import include, path

app_name = "reports"

urlpatterns: list = [path("dashboard/", include("reports.urls_dashboard"))]
