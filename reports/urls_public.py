"""The public register (/public/facilities/): the portal's face to parents and the public."""

from django.urls import path  # noqa: F401

app_name = "register"

urlpatterns: list = []
