"""REST for talent awards and competitions, included at /api/v1/training/."""

from django.urls import path

from . import api_awards as api

urlpatterns = [
    path("awards/", api.AwardListCreateApi.as_view(), name="training-award-list"),
    path("awards/<int:pk>/decide/", api.AwardDecideApi.as_view(), name="training-award-decide"),
    path("competitions/", api.CompetitionListApi.as_view(), name="training-competition-list"),
    path("competitions/<int:pk>/entries/", api.CompetitionEnterApi.as_view(), name="training-competition-enter"),
    path(
        "competitions/entries/<int:pk>/result/", api.CompetitionResultApi.as_view(), name="training-competition-result"
    ),
]
