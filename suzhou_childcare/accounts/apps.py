from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "suzhou_childcare.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from suzhou_childcare.audit.registry import register_history

        from .selectors import account_list_for

        register_history("accounts.user", account_list_for)
