from django.urls import path

from . import api_compliance

urlpatterns = [
    path("compliance/", api_compliance.ComplianceListApi.as_view(), name="training-compliance"),
    path("compliance/units/", api_compliance.ComplianceByUnitApi.as_view(), name="training-compliance-units"),
    path("multi-roster/", api_compliance.MultiRosterApi.as_view(), name="training-multi-roster"),
]
