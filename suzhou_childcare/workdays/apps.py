from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "suzhou_childcare.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors import calendar_year_history_scope

        register_history("workdays.calendaryear", calendar_year_history_scope)
