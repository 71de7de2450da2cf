import json

from django import forms
from django.utils.translation import gettext_lazy as _


class StandardVersionForm(forms.Form):
    value = forms.CharField(
        label=_("Value"), max_length=100, help_text=_("A number (e.g. 15), true/false, or a text code.")
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    clause = forms.CharField(label=_("Clause"), max_length=200)
    source = forms.CharField(label=_("Source"), max_length=300)
    is_default = forms.BooleanField(label=_("Local default (not from a published text)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_value(self):
        raw = self.cleaned_data["value"].strip()
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
