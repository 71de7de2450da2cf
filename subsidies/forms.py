"""Forms of the subsidy pages. They read and check input only; every write goes through a service.

Months are typed as "YYYY-MM" (the browser's month input) everywhere, pages and API alike (`parse_period`).
"""

from __future__ import annotations

import json
import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.models import ClassType
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.regions.models import District

from .models import BatchStatus, PaymentPeriod, StatementKind

PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_period(text) -> date:
    """ "2026-05" → date(2026, 5, 1). Raises ValueError for anything else (a day, "2026-13", "abc")."""
    match = PERIOD_RE.match(str(text or "").strip())
    if not match:
        raise ValueError(_("Enter a month as YYYY-MM."))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(_("The month must be from 01 to 12."))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(_("The year must be from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return date(year, month, 1)


def format_period(value: date | None) -> str:
    return value.strftime("%Y-%m") if value else ""


class PeriodField(forms.Field):
    """A month typed as YYYY-MM, cleaned to the month's first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            return parse_period(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def prepare_value(self, value):
        return format_period(value) if isinstance(value, date) else value


def district_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(d.code, d.name) for d in District.objects.order_by("code")]
    return [("", blank), *choices] if blank is not None else choices


def last_month(today: date | None = None) -> date:
    first = (today or timezone.localdate()).replace(day=1)
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


# --- monthly enrolment reports ---------------------------------------------------------------------------------


class ReportChooseForm(forms.Form):
    """Step one of a report: which facility and which month (sent by GET)."""

    facility = forms.TypedChoiceField(label=gettext_lazy("Facility"), coerce=int)
    period = PeriodField(label=gettext_lazy("Month"))

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [(f.pk, f.name) for f in facilities]


ROW_FIELDS = ("enrolled", "attendance_days", "carers")


class ReportForm(forms.Form):
    """The month's figures: one row per class type of the facility's filed classes."""

    facility = forms.IntegerField(widget=forms.HiddenInput)
    period = PeriodField(widget=forms.HiddenInput)
    correction_reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, class_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.class_types = class_types
        labels = dict(ClassType.choices)
        for class_type in class_types:
            for name, label, high in (
                ("enrolled", gettext_lazy("Enrolled infants"), 100_000),
                ("attendance_days", gettext_lazy("Attendance days (child-days)"), 3_100_000),
                ("carers", gettext_lazy("Carers"), 100_000),
            ):
                self.fields[f"{name}_{class_type}"] = forms.IntegerField(
                    label=f"{labels.get(class_type, class_type)} · {label}",
                    min_value=0,
                    max_value=high,
                    widget=forms.NumberInput(attrs={"min": 0, "class": "form-control form-control-sm"}),
                )

    def rows(self) -> list[dict]:
        """For the template: each class type with its three bound fields."""
        labels = dict(ClassType.choices)
        return [
            {"class_type": t, "label": labels.get(t, t), "fields": [self[f"{name}_{t}"] for name in ROW_FIELDS]}
            for t in self.class_types
        ]

    def lines(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "class_type": t,
                "enrolled": data[f"enrolled_{t}"],
                "attendance_days": data[f"attendance_days_{t}"],
                "carers": data[f"carers_{t}"],
            }
            for t in self.class_types
        ]

    def field_for(self, service_field: str) -> str | None:
        """A service's "lines.1.enrolled" names this form's "enrolled_<class type of row 1>"."""
        parts = service_field.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.class_types):
                name = "enrolled" if parts[2] == "class_type" else parts[2]
                candidate = f"{name}_{self.class_types[index]}"
                return candidate if candidate in self.fields else None
        return service_field if service_field in self.fields else None


# --- statements, batches, the calculation ----------------------------------------------------------------------


class StatementFilterForm(forms.Form):
    period = PeriodField(label=gettext_lazy("Month"), required=False)
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"), required=False)
    eligible = forms.ChoiceField(
        label=gettext_lazy("Eligible"),
        required=False,
        choices=[("", "—"), ("1", gettext_lazy("Eligible")), ("0", gettext_lazy("Not eligible"))],
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *StatementKind.choices])

    def __init__(self, *args, with_district: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_district:
            self.fields["district"].choices = district_choices(blank="—")
        else:
            del self.fields["district"]

    def filters(self) -> dict:
        data = self.cleaned_data
        filters: dict = {}
        if data.get("period"):
            filters["period"] = data["period"]
        if data.get("district"):
            filters["district"] = data["district"]
        if data.get("eligible") in ("0", "1"):
            filters["eligible"] = data["eligible"] == "1"
        if data.get("kind"):
            filters["kind"] = data["kind"]
        return filters


class BatchFilterForm(forms.Form):
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=[("", "—"), *BatchStatus.choices])
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args, with_district: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_district:
            self.fields["district"].choices = district_choices(blank="—")
        else:
            del self.fields["district"]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


class BatchPrepareForm(forms.Form):
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"))
    period_start = PeriodField(label=gettext_lazy("First month"))
    period_end = PeriodField(label=gettext_lazy("Last month"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == Role.CITY_ADMIN:
            self.fields["district"].choices = district_choices()
        else:
            del self.fields["district"]
        self.user = user

    def district_code(self) -> str:
        return self.cleaned_data.get("district") or self.user.district_id


class BatchDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=gettext_lazy("Opinion"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CalculateForm(forms.Form):
    period = PeriodField(label=gettext_lazy("Month"))
    district = forms.ChoiceField(label=gettext_lazy("County-level unit"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.CITY_ADMIN:
            self.fields["district"].choices = district_choices(blank=_("All units"))
        else:
            del self.fields["district"]

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period and period > timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("A month that has not begun cannot be calculated."))
        return period

    def district_code(self) -> str | None:
        if self.user.role == Role.CITY_ADMIN:
            return self.cleaned_data.get("district") or None
        return self.user.district_id


# --- rule sets --------------------------------------------------------------------------------------------------


class RuleSetForm(forms.Form):
    """A draft rule set; its terms are JSON, checked by the service (problems named by their path)."""

    district = forms.ChoiceField(label=gettext_lazy("County-level unit"), required=False)
    edition = forms.CharField(label=gettext_lazy("Edition"), max_length=100)
    effective_from = PeriodField(label=gettext_lazy("Effective from (month)"))
    payment_period = forms.ChoiceField(label=gettext_lazy("Payment period"), choices=PaymentPeriod.choices)
    approval_chain = forms.CharField(
        label=gettext_lazy("Approval chain"),
        max_length=200,
        help_text=gettext_lazy("Roles in order, separated by commas: district_officer, city_admin."),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
    terms = forms.CharField(
        label=gettext_lazy("Terms (JSON)"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "false"}),
    )

    def __init__(self, *args, with_district: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_district:
            self.fields["district"].choices = district_choices(blank=_("City-wide (every unit without its own)"))
        else:
            del self.fields["district"]

    def clean_approval_chain(self) -> list[str]:
        roles = [part.strip() for part in self.cleaned_data["approval_chain"].split(",") if part.strip()]
        return roles  # the service checks the roles and the length

    def clean_terms(self) -> dict:
        try:
            terms = json.loads(self.cleaned_data["terms"])
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from exc
        if not isinstance(terms, dict):
            raise forms.ValidationError(_("The terms are a JSON object."))
        return terms


class SimulateForm(forms.Form):
    period = PeriodField(label=gettext_lazy("Month"))
