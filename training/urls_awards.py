"""Talent awards and competitions, included at /training/ inside the "training" namespace."""

from django.urls import path

from .views import awards, competitions

urlpatterns = [
    path("awards/", awards.award_list, name="award_list"),
    path("awards/apply/<int:facility_pk>/", awards.award_apply, name="award_apply"),
    path("awards/<int:pk>/", awards.award_detail, name="award_detail"),
    path("competitions/", awards.competition_list, name="competition_list"),
    path("competitions/<int:pk>/", awards.competition_detail, name="competition_detail"),
    path("competitions/new/", competitions.competition_new, name="competition_new"),
    path("competitions/<int:pk>/enter/", competitions.competition_enter, name="competition_enter"),
    path("competitions/entries/<int:pk>/result/", competitions.competition_result, name="competition_result"),
]
