"""Subsidy pages, mounted at /subsidies/ in the "subsidies" namespace."""

from django.urls import path

from .views import batches, reports, rules, statements

app_name = "subsidies"

urlpatterns = [
    path("", statements.overview, name="overview"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("statements/", statements.statement_list, name="statement_list"),
    path("statements/export.xlsx", statements.statement_export, name="statement_export"),
    path("statements/<int:pk>/", statements.statement_detail, name="statement_detail"),
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/new/", batches.batch_new, name="batch_new"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/paid/", batches.batch_paid, name="batch_paid"),
    path("batches/<int:pk>/export.xlsx", batches.batch_export, name="batch_export"),
    path("calculate/", batches.calculate, name="calculate"),
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/new/", rules.rule_new, name="rule_new"),
    path("rules/<int:pk>/", rules.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/edit/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/activate/", rules.rule_activate, name="rule_activate"),
    path("rules/<int:pk>/simulate/", rules.rule_simulate, name="rule_simulate"),
]
