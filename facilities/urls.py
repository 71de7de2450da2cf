from django.urls import include, path

from .views import filing, officer, receipt, reference, signup

app_name = "facilities"

urlpatterns = [
    path("", officer.facility_list, name="list"),
    path("queue/", officer.queue, name="queue"),
    path("export.xlsx", officer.facility_export, name="export"),
    path("filing-rate/", officer.filing_rate, name="filing_rate"),
    path("<int:pk>/remind/", officer.remind, name="remind"),
    path("<int:pk>/link-operator/", officer.link_operator, name="link_operator"),
    path("new/", filing.facility_new, name="new"),
    path("signup/", signup.sign_up, name="signup"),
    path("<int:pk>/", filing.facility_detail, name="detail"),
    path("<int:pk>/file/<str:step>/", filing.filing_step, name="filing_step"),
    path("<int:pk>/do/<str:action>/", filing.facility_action, name="action"),
    path("overdue/", reference.overdue_list, name="overdue"),
    path("standards/", reference.standards_list, name="standards"),
    path("<int:pk>/receipt/", receipt.filing_receipt, name="receipt"),
    path("import/", include("facilities.urls_import")),
    path("cases/", include("facilities.urls_coordination")),
]
