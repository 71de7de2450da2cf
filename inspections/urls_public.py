"""The public register of published penalties (行政处罚公示), no login, included at /public/penalties/."""

from django.urls import path

from .views import public

app_name = "penalties_public"

urlpatterns = [
    path("", public.penalty_register, name="register"),
]
