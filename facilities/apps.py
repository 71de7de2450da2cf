from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facilities and filing")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors import facility_scope_for
        from .selectors_development import project_scope_for
        from .selectors_recognition import application_scope_for, recognition_scope_for

        register_history("facilities.facility", facility_scope_for)
        register_history("facilities.buildproject", project_scope_for)
        register_history("facilities.recognition", recognition_scope_for)
        register_history("facilities.recognitionapplication", application_scope_for)
