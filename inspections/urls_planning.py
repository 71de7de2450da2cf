"""Inspection plans, the coverage view and quality assessments; included at /supervision/plans/."""

from django.urls import path

from .views import planning

urlpatterns = [
    path("", planning.plan_list, name="plan_list"),
    path("new/", planning.plan_new, name="plan_new"),
    path("<int:pk>/", planning.plan_detail, name="plan_detail"),
    path("<int:pk>/draw/", planning.plan_draw_view, name="plan_draw"),
    path("coverage/", planning.coverage, name="coverage"),
    path("assessments/", planning.assessment_list, name="assessment_list"),
    path("assessments/new/", planning.assessment_pick, name="assessment_pick"),
    path("assessments/new/<int:facility_pk>/", planning.assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", planning.assessment_detail, name="assessment_detail"),
]
