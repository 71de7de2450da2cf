from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("overdue/", views.overdue_list, name="overdue"),
    path("standards/", views.standards_list, name="standards"),
]
