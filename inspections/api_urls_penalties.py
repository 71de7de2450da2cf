"""REST for administrative penalties, included in /api/v1/."""

from django.urls import path

from . import api_penalties as api

urlpatterns = [
    path("penalties/", api.PenaltyListCreateApi.as_view(), name="penalty-list"),
    path("penalties/<int:pk>/", api.PenaltyDetailApi.as_view(), name="penalty-detail"),
    path("penalties/<int:pk>/decide/", api.PenaltyDecideApi.as_view(), name="penalty-decide"),
    path("penalties/<int:pk>/withdraw/", api.PenaltyWithdrawApi.as_view(), name="penalty-withdraw"),
]
