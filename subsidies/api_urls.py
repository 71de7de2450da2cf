"""REST of subsidies, mounted at /api/v1/subsidies/ (names in the "api" namespace, prefixed "subsidy-")."""

from django.urls import path

from . import api_batches, api_reports, api_rules, api_statements

urlpatterns = [
    path("rule-sets/", api_rules.RuleSetListApi.as_view(), name="subsidy-rule-set-list"),
    path("rule-sets/<int:pk>/", api_rules.RuleSetDetailApi.as_view(), name="subsidy-rule-set-detail"),
    path("rule-sets/<int:pk>/activate/", api_rules.RuleSetActivateApi.as_view(), name="subsidy-rule-set-activate"),
    path("rule-sets/<int:pk>/simulate/", api_rules.RuleSetSimulateApi.as_view(), name="subsidy-rule-set-simulate"),
    path("reports/", api_reports.ReportListApi.as_view(), name="subsidy-report-list"),
    path("reports/<int:pk>/", api_reports.ReportDetailApi.as_view(), name="subsidy-report-detail"),
    path("statements/", api_statements.StatementListApi.as_view(), name="subsidy-statement-list"),
    path("statements/<int:pk>/", api_statements.StatementDetailApi.as_view(), name="subsidy-statement-detail"),
    path("batches/", api_batches.BatchListApi.as_view(), name="subsidy-batch-list"),
    path("batches/<int:pk>/", api_batches.BatchDetailApi.as_view(), name="subsidy-batch-detail"),
    path("batches/<int:pk>/approve/", api_batches.BatchApproveApi.as_view(), name="subsidy-batch-approve"),
    path("batches/<int:pk>/paid/", api_batches.BatchPaidApi.as_view(), name="subsidy-batch-paid"),
    path("calculations/", api_statements.CalculationApi.as_view(), name="subsidy-calculation"),
]
