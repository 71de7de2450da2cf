from django.urls import path

from . import api

urlpatterns = [
    path("notices/", api.NoticeListApi.as_view(), name="notice-list"),
    path("notices/<int:pk>/read/", api.NoticeReadApi.as_view(), name="notice-read"),
]
