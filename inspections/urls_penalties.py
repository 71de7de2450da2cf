"""Administrative penalties, included at /supervision/penalties/ inside the "inspections" namespace."""

from django.urls import path

from .views import penalties

urlpatterns = [
    path("", penalties.penalty_list, name="penalty_list"),
    path("propose/", penalties.penalty_propose_pick, name="penalty_propose_pick"),
    path("propose/<int:facility_pk>/", penalties.penalty_propose, name="penalty_propose"),
    path("<int:pk>/", penalties.penalty_detail, name="penalty_detail"),
    path("<int:pk>/decide/", penalties.penalty_decide, name="penalty_decide"),
    path("<int:pk>/withdraw/", penalties.penalty_withdraw, name="penalty_withdraw"),
]
