"""Public pages of recognitions (/public/recognitions/): the register and the live record a certificate's QR opens."""

from django.urls import path

from .views import public_recognition

app_name = "recognitions_public"

urlpatterns = [
    path("", public_recognition.register, name="register"),
    path("<str:number>/", public_recognition.record, name="record"),
]
