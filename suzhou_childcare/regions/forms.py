from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PopulationStatus, StreetKind


class PopulationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    population = forms.IntegerField(label=_("Resident population"), min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=PopulationStatus.choices)
    source = forms.CharField(label=_("Source"), max_length=500, required=False)


class StreetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=StreetKind.choices)
