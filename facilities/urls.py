from django.urls import include, path

from .views import reference

app_name = "facilities"

urlpatterns = [
    path("overdue/", reference.overdue_list, name="overdue"),
    path("standards/", reference.standards_list, name="standards"),
    path("import/", include("facilities.urls_import")),
    path("cases/", include("facilities.urls_coordination")),
]
