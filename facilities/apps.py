from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facilities and filing")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors import facility_scope_for

        register_history("facilities.facility", facility_scope_for)
