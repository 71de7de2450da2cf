"""REST of inspection plans and quality assessments, included under /api/v1/."""

from django.urls import path

from . import api_planning

urlpatterns = [
    path("inspection-plans/", api_planning.PlanListApi.as_view(), name="inspection-plan-list"),
    path("inspection-plans/<int:pk>/", api_planning.PlanDetailApi.as_view(), name="inspection-plan-detail"),
    path("inspection-plans/<int:pk>/draw/", api_planning.PlanDrawApi.as_view(), name="inspection-plan-draw"),
    path("assessments/", api_planning.AssessmentListCreateApi.as_view(), name="assessment-list"),
    path("assessments/<int:pk>/", api_planning.AssessmentDetailApi.as_view(), name="assessment-detail"),
]
