"""Pages that set up training: institutions (the city admin), courses and sessions (the institution's own
accounts), and health-care staff assessments (maternal and child health institutions).

Writes go through `training.services.records`; anyone else gets a 404, like an object out of their scope.
ID numbers are shown masked only.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import CourseTarget, Institution, InstitutionKind
from ..selectors import records as selectors
from ..services import records as services

ASSESSMENT_READERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.MCH_ASSESSOR, Role.OPERATOR})

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def own_institutions(user: User, *, kind: str | None = None):
    """The institutions the user is an account of (the only ones they write)."""
    qs = selectors.institution_scope_for(user=user).filter(accounts=user)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def own_mch_institution(user: User) -> Institution:
    institution = own_institutions(user, kind=InstitutionKind.MCH).first()
    if institution is None:
        raise NotFound
    return institution


def own_course(user: User, pk: int):
    course = selectors.course_get_for(user=user, pk=pk)
    if not course.institution.accounts.filter(pk=user.pk).exists():
        raise NotFound
    return course


class InstitutionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=InstitutionKind.choices)
    district = forms.ModelChoiceField(
        label=gettext_lazy("county-level unit"), queryset=District.objects.order_by("code"), required=False
    )
    accounts = forms.CharField(
        label=gettext_lazy("account usernames"),
        required=False,
        help_text=gettext_lazy("Separate the usernames with commas or spaces."),
    )

    def clean_accounts(self) -> list[User]:
        names = [name for name in re.split(r"[\s,，、;；]+", self.cleaned_data["accounts"]) if name]
        users = {user.username: user for user in User.objects.filter(username__in=names)}
        unknown = [name for name in dict.fromkeys(names) if name not in users]
        if unknown:
            raise forms.ValidationError(_("No such account: %(names)s.") % {"names": "、".join(unknown)})
        return [users[name] for name in dict.fromkeys(names)]


class CourseForm(forms.Form):
    institution = forms.ModelChoiceField(label=gettext_lazy("institution"), queryset=Institution.objects.none())
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    target = forms.ChoiceField(label=gettext_lazy("for"), choices=CourseTarget.choices)
    hours = forms.DecimalField(label=gettext_lazy("hours"), max_digits=6, decimal_places=1, min_value=0)
    subsidy_eligible = forms.BooleanField(label=gettext_lazy("eligible for the training subsidy"), required=False)
    certificate_valid_months = forms.IntegerField(
        label=gettext_lazy("certificate valid (months)"), min_value=1, max_value=240, required=False
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        if len(institutions) == 1:
            self.fields["institution"].initial = institutions[0].pk


class SessionForm(forms.Form):
    starts_on = forms.DateField(label=gettext_lazy("starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=gettext_lazy("ends on"), widget=DATE_WIDGET)
    capacity = forms.IntegerField(label=gettext_lazy("capacity"), min_value=1, max_value=10000)
    location = forms.CharField(label=gettext_lazy("location"), max_length=200, required=False)


class AssessmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    assessed_on = forms.DateField(label=gettext_lazy("assessed on"), widget=DATE_WIDGET)
    score = forms.DecimalField(label=gettext_lazy("score"), max_digits=4, decimal_places=1, min_value=0, max_value=100)
    passed = forms.BooleanField(label=gettext_lazy("passed"), required=False)
    valid_until = forms.DateField(label=gettext_lazy("valid until"), required=False, widget=DATE_WIDGET)


def _form_page(request: HttpRequest, template: str, form: forms.Form, context: dict, write) -> HttpResponse:
    """GET shows the form; POST calls `write(cleaned_data)` and redirects, or answers 400 with the errors."""
    if request.method == "POST":
        if form.is_valid():
            try:
                return write(form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
        return invalid_form_status(render(request, template, {**context, "form": form}))
    return render(request, template, {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def institution_new(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.CITY_ADMIN:
        raise NotFound

    def write(data):
        services.institution_create(actor=request.user, **data)
        return redirect("training:records_courses")

    form = InstitutionForm(request.POST or None)
    return _form_page(request, "training/admin_institution_new.html", form, {}, write)


@login_required
@require_http_methods(["GET", "POST"])
def course_new(request: HttpRequest) -> HttpResponse:
    institutions = own_institutions(request.user)
    if not institutions.exists():
        raise NotFound

    def write(data):
        services.course_create(actor=request.user, **data)
        return redirect("training:records_courses")

    form = CourseForm(request.POST or None, institutions=institutions)
    return _form_page(request, "training/admin_course_new.html", form, {}, write)


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    course = own_course(request.user, pk)

    def write(data):
        session = services.session_create(actor=request.user, course=course, **data)
        return redirect("training:records_session", pk=session.pk)

    form = SessionForm(request.POST or None)
    return _form_page(request, "training/admin_session_new.html", form, {"course": course}, write)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest) -> HttpResponse:
    institution = own_mch_institution(request.user)

    def write(data):
        services.assessment_record(actor=request.user, institution=institution, **data)
        return redirect("training:assessment_list")

    form = AssessmentForm(request.POST or None)
    return _form_page(request, "training/admin_assessment_new.html", form, {"institution": institution}, write)


@login_required
@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    if request.user.role not in ASSESSMENT_READERS:
        raise NotFound
    assessments = selectors.assessment_list_for(user=request.user).order_by("-assessed_on", "-id")
    rows = [
        {
            "assessment": assessment,
            "name": assessment.person.name,
            "id_number": mask_identifier(assessment.person.id_number),
        }
        for assessment in assessments
    ]
    may_record = own_institutions(request.user, kind=InstitutionKind.MCH).exists()
    return render(request, "training/admin_assessment_list.html", {"rows": rows, "may_record": may_record})
