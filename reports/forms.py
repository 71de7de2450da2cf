"""Inputs of the indicator pages: a month as YYYY-MM, an indicator code, a county-level unit, a year."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from suzhou_childcare.regions.models import District

from .catalogue import CODES, EFFECTIVE
from .selectors_pages import DRILLS

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = EFFECTIVE.year


class MonthField(forms.CharField):
    """A month written YYYY-MM, stored as its first day; from the catalogue's start up to this month."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        match = MONTH.match(value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        month = date(int(match.group(1)), int(match.group(2)), 1)
        this_month = timezone.localdate().replace(day=1)
        if month < EFFECTIVE or month > this_month:
            raise forms.ValidationError(
                _("Choose a month from %(first)s to %(last)s.")
                % {"first": f"{EFFECTIVE:%Y-%m}", "last": f"{this_month:%Y-%m}"},
                code="out_of_range",
            )
        return month

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


def _unit_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=District.objects.order_by("code"), to_field_name="code", required=False, **kwargs
    )


class DashboardForm(forms.Form):
    period = MonthField(label=gettext_lazy("Month"), required=False)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=[(c, c) for c in CODES], required=False)
    unit = _unit_field(label=gettext_lazy("Trend of"), empty_label=gettext_lazy("City"))

    def set_indicator_names(self, catalogue) -> None:
        self.fields["indicator"].choices = [(info.code, info.name) for info in catalogue]


class DrilldownForm(forms.Form):
    period = MonthField(label=gettext_lazy("Month"))
    district = _unit_field(label=gettext_lazy("County-level unit"), empty_label=gettext_lazy("City"))
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=[(c, c) for c in DRILLS])


class MonthActionForm(forms.Form):
    """Recompute a month (any month up to this one)."""

    period = MonthField(label=gettext_lazy("Month"))


class PastMonthForm(forms.Form):
    """Finalise a month: only once it has ended."""

    period = MonthField(label=gettext_lazy("Month"))

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period >= timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("Only a month that has ended can be finalised."), code="not_ended")
        return period


class PublishForm(forms.Form):
    period = MonthField(label=gettext_lazy("Month"))
    published = forms.TypedChoiceField(
        label=pgettext_lazy("indicators", "Published"),
        choices=[("1", gettext_lazy("Publish")), ("0", gettext_lazy("Withdraw"))],
        coerce=lambda value: value == "1",
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=FIRST_YEAR)

    def clean_year(self):
        year = self.cleaned_data.get("year")
        last = timezone.localdate().year + 5
        if year is not None and year > last:
            raise forms.ValidationError(
                _("Choose a year up to %(last)d.") % {"last": last},
                code="out_of_range",
            )
        return year
