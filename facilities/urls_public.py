"""Public pages (no login), included at /verify/: filing verification by number."""

from django.urls import path

from .views import public

app_name = "verify"

urlpatterns = [
    path("", public.filing_lookup, name="lookup"),
    path("<str:number>/", public.filing_detail, name="detail"),
]
