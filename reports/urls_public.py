"""The public register (/public/facilities/): the portal's face to parents and the public."""

from django.urls import path

from . import views_public

app_name = "register"

urlpatterns = [
    path("", views_public.directory, name="directory"),
    path("<int:pk>/", views_public.card, name="card"),
]
