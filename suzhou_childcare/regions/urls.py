from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.district_list, name="list"),
    path("<str:code>/", views.district_detail, name="detail"),
]
