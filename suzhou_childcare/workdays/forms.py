from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FIRST_CALENDAR_YEAR, LAST_CALENDAR_YEAR

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CalendarYearAddForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_CALENDAR_YEAR, max_value=LAST_CALENDAR_YEAR)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("The State Council notice of the arrangement, e.g. 国办发明电〔2026〕1号."),
    )


class CalendarYearForm(forms.Form):
    """The year's source and the "arrangement complete" switch (rendered by hand: a checkbox)."""

    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    is_complete = forms.BooleanField(label=_("The whole arrangement of this year is entered"), required=False)


class SpecialDayForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput)
    is_workday = forms.TypedChoiceField(
        label=_("Kind"),
        choices=[
            (HOLIDAY, _("Holiday (a weekday off)")),
            (MAKEUP_WORKDAY, _("Make-up workday (a weekend day worked, 调休)")),
        ],
        coerce=lambda value: value == MAKEUP_WORKDAY,
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("The holiday it belongs to, e.g. 国庆节."))

    def __init__(self, *args, year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day.year != self.year:
            raise forms.ValidationError(_("Enter a date in %(year)d."), code="other_year", params={"year": self.year})
        return day
