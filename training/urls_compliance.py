from django.urls import path

from .views import compliance

urlpatterns = [
    path("compliance/", compliance.compliance, name="compliance"),
    path("compliance/multi-roster/", compliance.multi_roster, name="multi_roster"),
]
