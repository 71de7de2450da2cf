from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.permissions import Capability, can

from .models import Language


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not correct. Note that both are case-sensitive."),
        "inactive": _("This account has been disabled."),
        "api_only": _("This account may use the statistics API only, not the web portal."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not can(user, Capability.USE_WEB_PORTAL):
            raise forms.ValidationError(self.error_messages["api_only"], code="api_only")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        min_length=4,
        help_text=_("Recorded in the audit trail together with your name."),
    )


class SecondFactorForm(forms.Form):
    otp_token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^[0-9]{3} ?[0-9]{3}$",
        max_length=7,
        strip=True,
        error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        return self.cleaned_data["otp_token"].replace(" ", "")
