from django.urls import path

from .views import recognition

urlpatterns = [
    path("", recognition.recognition_list, name="list"),
    path("export.xlsx", recognition.recognition_export, name="export"),
    path("<int:pk>/", recognition.recognition_detail, name="detail"),
    path("<int:pk>/do/<str:action>/", recognition.recognition_action, name="action"),
    path("<int:pk>/certificate/", recognition.recognition_certificate, name="certificate"),
    path("apply/<int:facility_pk>/", recognition.application_new, name="apply"),
    path("applications/", recognition.application_list, name="applications"),
    path("applications/<int:pk>/", recognition.application_detail, name="application"),
    path("applications/<int:pk>/do/<str:action>/", recognition.application_action, name="application_action"),
]
