from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reports.api import PopulationStatisticsApi

from . import views
from .accounts.api import ApiTokenDetailApi, ApiTokenListApi, MeApi, TokenObtainApi
from .audit.api import ObjectHistoryApi
from .audit.views import object_history
from .outbox.api import JobDetailApi
from .regions.api import DistrictDetailApi, DistrictListApi

api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="token"),
    path("auth/tokens/", ApiTokenListApi.as_view(), name="token-list"),
    path("auth/tokens/<int:pk>/", ApiTokenDetailApi.as_view(), name="token-detail"),
    path("me/", MeApi.as_view(), name="me"),
    path("regions/districts/", DistrictListApi.as_view(), name="district-list"),
    path("regions/districts/<str:code>/", DistrictDetailApi.as_view(), name="district-detail"),
    path("history/<str:label>/<str:object_id>/", ObjectHistoryApi.as_view(), name="history"),
    path("jobs/<uuid:job_id>/", JobDetailApi.as_view(), name="job-detail"),
    path("statistics/population/", PopulationStatisticsApi.as_view(), name="statistics-population"),
    path("statistics/", include("reports.api_urls")),
    path("", include("facilities.urls_api")),
    path("", include("facilities.urls_api_recognition")),
    path("", include("facilities.urls_api_development")),
    path("", include("suzhou_childcare.notices.api_urls")),
    path("", include("inspections.api_urls")),
    path("", include("training.api_urls")),
    path("subsidies/", include("subsidies.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("suzhou_childcare.accounts.urls")),
    path("regions/", include("suzhou_childcare.regions.urls")),
    path("jobs/", include("suzhou_childcare.outbox.urls")),
    path("workdays/", include("suzhou_childcare.workdays.urls")),
    path("facilities/", include("facilities.urls")),
    path("notices/", include("suzhou_childcare.notices.urls")),
    path("privacy/", include("suzhou_childcare.privacy.urls")),
    path("verify/", include("facilities.urls_public")),
    path("recognitions/", include("facilities.urls_recognition")),
    path("public/recognitions/", include("facilities.urls_public_recognition")),
    path("public/facilities/", include("reports.urls_public")),
    path("supervision/", include("inspections.urls")),
    path("training/", include("training.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("reports/", include("reports.urls")),
    path("public/penalties/", include("inspections.urls_public")),
    path("public/complaints/", include("inspections.urls_public_complaints")),
    path("history/<str:label>/<str:object_id>/", object_history, name="history"),
    path("audit/", include("suzhou_childcare.audit.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL: no inline script for the policy to refuse.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "suzhou_childcare.views.bad_request"
handler403 = "suzhou_childcare.views.permission_denied"
handler404 = "suzhou_childcare.views.page_not_found"
handler500 = "suzhou_childcare.views.server_error"
