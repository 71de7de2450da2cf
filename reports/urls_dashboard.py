"""The indicator dashboard and its actions, mounted at /reports/dashboard/ (namespace "reports")."""

from django.urls import path

from .views import dashboard, drilldown, periods

urlpatterns: list = [
    path("", dashboard.dashboard, name="dashboard"),
    path("drilldown/", drilldown.drilldown, name="drilldown"),
    path("recompute/", periods.recompute, name="recompute"),
    path("finalise/", periods.finalise, name="finalise"),
    path("publish/", periods.publish, name="publish"),
]
