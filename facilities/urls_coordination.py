"""Coordination cases (一事一议), included at /facilities/cases/ inside the "facilities" namespace."""

from django.urls import path

from .views import coordination

urlpatterns = [
    path("", coordination.case_list, name="case_list"),
    path("open/", coordination.case_open_pick, name="case_open_pick"),
    path("open/<int:facility_pk>/", coordination.case_open, name="case_open"),
    path("<int:pk>/", coordination.case_detail, name="case_detail"),
]
