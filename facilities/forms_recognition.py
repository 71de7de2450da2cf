"""Forms of the recognition pages (普惠 / 示范认定): they only convert input; the services decide."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from suzhou_childcare.regions.models import District

from .forms import DateInput
from .models import ApplicationStatus, Recognition, RecognitionKind, RecognitionStatus

DEFAULT_KIND = RecognitionKind.MUNICIPAL_INCLUSIVE


class RenewsChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Recognition) -> str:
        return f"{obj.number} · {obj.get_kind_display()} · {obj.valid_from:%Y-%m-%d} – {obj.valid_to:%Y-%m-%d}"


class RecognitionApplyForm(forms.Form):
    """An application, a nomination by the unit, or (with `renews`) a renewal."""

    kind = forms.ChoiceField(label=_("Recognition"), choices=RecognitionKind.choices)
    agreement_signed_on = forms.DateField(
        label=_("Support agreement signed on"),
        required=False,
        widget=DateInput(),
        help_text=_("The date of the inclusive childcare service agreement with the unit's health commission."),
    )
    agreement_reference = forms.CharField(label=_("Support agreement reference"), max_length=100, required=False)
    guidance_accepted = forms.BooleanField(
        label=_("The facility accepts the guidance duties of a model facility (示范带动)"), required=False
    )
    statement = forms.CharField(
        label=_("Applicant's statement"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    renews = RenewsChoiceField(
        label=_("Renews"),
        queryset=Recognition.objects.none(),
        required=False,
        empty_label=_("— a new recognition, not a renewal —"),
        help_text=_("For a renewal, choose the recognition in force that it continues."),
    )

    def __init__(self, *args, renewable=None, **kwargs):
        super().__init__(*args, **kwargs)
        if renewable is not None:
            self.fields["renews"].queryset = renewable
        # The live check (recognition-check.js) finds the fields by this attribute.
        for name in ("kind", "agreement_signed_on", "agreement_reference", "guidance_accepted", "renews"):
            self.fields[name].widget.attrs["data-check-field"] = name

    def check_values(self) -> dict:
        """The values the criteria read, from what is valid in the form so far (bound or initial)."""
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        else:
            data = {name: self.get_initial_for_field(field, name) for name, field in self.fields.items()}
        kind = data.get("kind") if data.get("kind") in RecognitionKind.values else DEFAULT_KIND
        signed = data.get("agreement_signed_on")
        return {
            "kind": kind,
            "agreement_signed_on": signed if isinstance(signed, date) else None,
            "agreement_reference": (data.get("agreement_reference") or "").strip(),
            "guidance_accepted": bool(data.get("guidance_accepted")),
        }


def initial_from_query(query, *, renewable) -> dict:
    """Pre-fill the form from `?kind=&renews=&agreement_signed_on=...`, ignoring whatever does not parse."""
    probe = RecognitionApplyForm(query, renewable=renewable)
    probe.is_valid()
    initial = {name: value for name, value in probe.cleaned_data.items() if name in query and value not in (None, "")}
    renews = initial.get("renews")
    if renews is not None and "kind" not in initial:
        initial["kind"] = renews.kind
    initial.setdefault("kind", DEFAULT_KIND)
    return initial


class ReviewForm(forms.Form):
    """The unit's review: forward to the city, or reject with reasons."""

    approve = forms.TypedChoiceField(
        label=_("Review"),
        choices=[("", "—"), ("1", _("Forward to the city for decision")), ("0", _("Reject"))],
        coerce=lambda value: value == "1",
    )
    opinion = forms.CharField(
        label=_("Opinion"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting."),
    )


class DecideForm(forms.Form):
    """The city's decision (a person other than the applicant and the unit reviewer)."""

    grant = forms.TypedChoiceField(
        label=_("Recognition decision"),
        choices=[("", "—"), ("1", _("Grant the recognition")), ("0", _("Reject"))],
        coerce=lambda value: value == "1",
    )
    opinion = forms.CharField(
        label=_("Opinion"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting."),
    )
    decision_reference = forms.CharField(label=_("Decision document"), max_length=100, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecognitionReasonForm(forms.Form):
    """Suspension, reinstatement and revocation all need a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _district_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("County-level unit"),
        queryset=District.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="—",
    )


class _FilterForm(forms.Form):
    def filters(self) -> dict:
        """What parsed (a bad value drops only its own filter and shows its error)."""
        self.is_valid()
        data = dict(self.cleaned_data)
        if data.get("district") is not None:
            data["district"] = data["district"].code
        return {key: value for key, value in data.items() if value not in (None, "")}


class RecognitionFilterForm(_FilterForm):
    kind = forms.ChoiceField(label=_("Recognition"), choices=[("", "—"), *RecognitionKind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *RecognitionStatus.choices], required=False)
    district = _district_field()
    as_of = forms.DateField(label=_("In force on"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d"])
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class ApplicationFilterForm(_FilterForm):
    kind = forms.ChoiceField(label=_("Recognition"), choices=[("", "—"), *RecognitionKind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *ApplicationStatus.choices], required=False)
    district = _district_field()
