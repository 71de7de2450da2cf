import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClassType, Education, Facility, MaterialKind, ServiceForm, StaffRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StandardVersionForm(forms.Form):
    value = forms.CharField(
        label=_("Value"), max_length=100, help_text=_("A number (e.g. 15), true/false, or a text code.")
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput())
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


# --- the operator's filing form (备案书), step by step ----------------------------------------------------


class _FacilityStepForm(forms.ModelForm):
    """Cleans one step's fields; the service validates and saves (the form never saves itself)."""

    class Meta:
        model = Facility
        fields: list[str] = []
        widgets = {
            "opened_on": DateInput(),
            "lease_start": DateInput(),
            "lease_end": DateInput(),
            "policy_expires_on": DateInput(),
        }

    def _post_clean(self):
        # Model validation and constraints are the service's job: the form only converts input.
        pass


class BasicStepForm(_FacilityStepForm):
    class Meta(_FacilityStepForm.Meta):
        fields = [
            "name",
            "registration_route",
            "uscc",
            "category",
            "form",
            "district",
            "street",
            "address",
            "opened_on",
            "meals_served",
            "medical_integration",
            "elderly_child_integration",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("registration_route", "uscc", "address", "opened_on"):
            self.fields[name].required = True
        if self.instance.filing_number:
            self.fields["district"].disabled = True
        district = self.instance.district_id if self.instance.pk else None
        if district:
            self.fields["street"].queryset = self.fields["street"].queryset.filter(district_id=district)


class PremisesStepForm(_FacilityStepForm):
    class Meta(_FacilityStepForm.Meta):
        fields = [
            "premises_tenure",
            "lease_start",
            "lease_end",
            "lowest_floor",
            "highest_floor",
            "floor_area",
            "observation_room_area",
            "surveillance_covers_infant_areas",
            "surveillance_retention_days",
            "one_click_alarm",
            "licensed_guard",
            "insurance_mode",
            "insurer",
            "policy_number",
            "policy_expires_on",
        ]


class CapacityStepForm(_FacilityStepForm):
    full_day_fee = forms.DecimalField(
        label=ServiceForm.FULL_DAY.label, max_digits=9, decimal_places=2, min_value=0, required=False
    )
    half_day_fee = forms.DecimalField(
        label=ServiceForm.HALF_DAY.label, max_digits=9, decimal_places=2, min_value=0, required=False
    )
    hourly_fee = forms.DecimalField(
        label=ServiceForm.HOURLY.label, max_digits=9, decimal_places=2, min_value=0, required=False
    )
    temporary_fee = forms.DecimalField(
        label=ServiceForm.TEMPORARY.label, max_digits=9, decimal_places=2, min_value=0, required=False
    )

    class Meta(_FacilityStepForm.Meta):
        fields = ["slots", "enrolled"]

    FEE_FIELDS = {
        "full_day_fee": ServiceForm.FULL_DAY,
        "half_day_fee": ServiceForm.HALF_DAY,
        "hourly_fee": ServiceForm.HOURLY,
        "temporary_fee": ServiceForm.TEMPORARY,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            fees = {o.service_form: o.monthly_fee for o in self.instance.offerings.all()}
            for field, form in self.FEE_FIELDS.items():
                self.initial[field] = fees.get(form)
        for field in self.FEE_FIELDS:
            self.fields[field].help_text = _("Monthly fee in yuan; leave empty if not offered.")

    def split(self) -> tuple[dict, dict]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.FEE_FIELDS}
        offerings = {form: self.cleaned_data.get(field) for field, form in self.FEE_FIELDS.items()}
        return data, offerings


class ClassForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    class_type = forms.ChoiceField(label=_("Class type"), choices=ClassType.choices)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=100)
    enrolled = forms.IntegerField(label=_("Enrolled"), min_value=0, max_value=100)
    carers = forms.IntegerField(label=_("Carers"), min_value=0, max_value=50)
    youngest_months = forms.IntegerField(label=_("Youngest child (months)"), min_value=0, max_value=36, required=False)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, min_length=18, help_text=_("Stored encrypted and shown masked.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    full_time = forms.BooleanField(label=_("Full-time"), required=False, initial=True)
    qualification = forms.CharField(label=_("Qualification"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—"), *Education.choices], required=False)
    years_of_experience = forms.IntegerField(
        label=_("Years of relevant experience"), min_value=0, max_value=60, required=False
    )
    health_certificate_expires_on = forms.DateField(label=_("Health certificate expiry"), widget=DateInput())
    no_criminal_record_on_file = forms.BooleanField(label=_("No-criminal-record proof on file"), required=False)
    guard_licence_number = forms.CharField(label=_("Security guard licence (保安员证)"), max_length=50, required=False)
    employed_from = forms.DateField(label=_("Employed from"), widget=DateInput())


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MaterialKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG, at most 10 MB."))
    expires_on = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)


class CommitmentForm(forms.Form):
    commitment = forms.BooleanField(
        label=_(
            "I undertake that the information and materials of this filing are true and complete, that the facility "
            "meets the setting standards and management norms, and that I accept supervision (备案承诺书)."
        ),
        error_messages={"required": _("The commitment must be accepted before submitting.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class VerifyForm(forms.Form):
    conforming = forms.TypedChoiceField(
        label=_("Result of the on-site check"),
        choices=[("1", _("Conforms")), ("0", _("Does not conform (不符合告知)"))],
        coerce=lambda v: v == "1",
    )
    reasons = forms.CharField(
        label=_("Reasons (required when not conforming)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class SignUpForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("For notices about the filing."))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=10)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)
    facility_name = forms.CharField(label=_("Facility name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    registration_route = forms.ChoiceField(
        label=_("Registration route"), choices=Facility._meta.get_field("registration_route").choices
    )
    category = forms.ChoiceField(label=_("Category"), choices=Facility._meta.get_field("category").choices)
    district = forms.ModelChoiceField(
        label=_("County-level unit"),
        queryset=Facility._meta.get_field("district").related_model.objects.all(),
        to_field_name="code",
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
