from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "suzhou_childcare.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors import district_history_scope

        register_history("regions.district", district_history_scope)
