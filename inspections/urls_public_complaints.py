"""Public complaint pages (社会监督), no login, included at /public/complaints/."""

from django.urls import path

from .views import complaints

app_name = "complaints_public"

urlpatterns = [
    path("", complaints.public_form, name="form"),
    path("status/", complaints.public_status, name="status"),
    path("done/<str:code>/", complaints.public_done, name="done"),
]
