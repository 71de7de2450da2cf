"""REST for recognitions, included at /api/v1/ (names in the "api" namespace)."""

from django.urls import path, re_path

from . import api_recognition as api

urlpatterns = [
    path("recognitions/", api.RecognitionListApi.as_view(), name="recognition-list"),
    path("recognitions/<int:pk>/", api.RecognitionDetailApi.as_view(), name="recognition-detail"),
    re_path(
        r"^recognitions/(?P<pk>[0-9]+)/(?P<action>suspend|reinstate|revoke)/$",
        api.RecognitionActionApi.as_view(),
        name="recognition-action",
    ),
    path(
        "recognition-applications/",
        api.ApplicationListCreateApi.as_view(),
        name="recognition-application-list",
    ),
    # Before `<int:pk>/`, so that "check" is never read as an id.
    path(
        "recognition-applications/check/",
        api.ApplicationCheckApi.as_view(),
        name="recognition-application-check",
    ),
    path(
        "recognition-applications/<int:pk>/",
        api.ApplicationDetailApi.as_view(),
        name="recognition-application-detail",
    ),
    path(
        "recognition-applications/<int:pk>/review/",
        api.ApplicationReviewApi.as_view(),
        name="recognition-application-review",
    ),
    path(
        "recognition-applications/<int:pk>/decide/",
        api.ApplicationDecideApi.as_view(),
        name="recognition-application-decide",
    ),
    path(
        "recognition-applications/<int:pk>/withdraw/",
        api.ApplicationWithdrawApi.as_view(),
        name="recognition-application-withdraw",
    ),
    path("recognition-criteria/", api.CriteriaSetListApi.as_view(), name="recognition-criteria-list"),
    path("fee-references/", api.FeeReferenceListApi.as_view(), name="fee-reference-list"),
]
