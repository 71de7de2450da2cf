from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("retention/apply/", views.retention_apply, name="retention_apply"),
    path("subject/", views.subject, name="subject"),
]
