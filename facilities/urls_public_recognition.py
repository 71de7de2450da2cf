"""Public pages of recognitions (/public/recognitions/): the register and the live record a certificate's QR opens."""

from django.urls import path  # noqa: F401

app_name = "recognitions_public"

urlpatterns: list = []
