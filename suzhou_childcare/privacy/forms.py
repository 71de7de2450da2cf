from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PeriodUnit, RetentionAction, RetentionKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class RetentionRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of record"), choices=RetentionKind.choices)
    period_value = forms.IntegerField(label=_("Period"), min_value=1, max_value=100)
    period_unit = forms.ChoiceField(label=_("Unit"), choices=PeriodUnit.choices)
    action = forms.ChoiceField(label=_("Action"), choices=RetentionAction.choices)
    source = forms.CharField(
        label=_("Legal basis or source"),
        max_length=500,
        help_text=_("The law, regulation or notice and its article; or say that the period is a local default."),
    )
    is_default = forms.BooleanField(label=_("Local default (no legal text fixes this period)"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)


class SubjectExportForm(forms.Form):
    """Rendered as a POST form only: an ID number never goes into a URL."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Finds the person's accounts, roster entries, training, assessments, awards and penalties."),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Telephone number"),
        max_length=30,
        required=False,
        help_text=_("With the name: finds the complaints this person made."),
    )
    reason = forms.CharField(
        label=_("Request and reason"),
        max_length=500,
        help_text=_("The data-subject request this export answers (who asked, when, reference)."),
    )
