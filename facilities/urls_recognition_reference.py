"""The city admin's reference pages of recognitions, included at /recognitions/ inside the "recognitions"
namespace: criteria sets (versions) and the full-day fee references."""

from django.urls import path

from .views import recognition_reference

urlpatterns = [
    path("criteria/", recognition_reference.criteria_list, name="criteria"),
    path("criteria/new/", recognition_reference.criteria_new, name="criteria_new"),
    path("criteria/<int:pk>/", recognition_reference.criteria_detail, name="criteria_detail"),
    path("criteria/<int:pk>/criterion/", recognition_reference.criterion_set, name="criterion_set"),
    path("criteria/<int:pk>/remove/", recognition_reference.criterion_remove, name="criterion_remove"),
    path("criteria/<int:pk>/activate/", recognition_reference.criteria_activate, name="criteria_activate"),
    path("fee-references/", recognition_reference.fee_references, name="fee_references"),
]
