from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors.assessments import assessment_scope_for
        from .selectors.planning import plan_scope_for

        register_history("inspections.inspectionplan", plan_scope_for)
        register_history("inspections.qualityassessment", assessment_scope_for)
