"""Pages for coordination cases (一事一议): the list, opening a case from a facility, a case's timeline.

Officers of the facility's unit and the city admin work cases; an operator reads their own facility's cases;
other roles do not have these pages (404). See `selectors_coordination` for who sees which case.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suzhou_childcare.errors import NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can, sees_whole_city
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import services
from ..models import COMMON_DEPARTMENTS, CaseStatus, CaseTopic, CoordinationCase, FilingStatus
from ..selectors import facility_get_for, facility_scope_for
from ..selectors_coordination import case_get_for, case_list_for, may_read_cases
from ..services.coordination import may_coordinate

PAGE_SIZE = 50
_DEPARTMENT_SEPARATORS = re.compile(r"[,，、;；\n]+")


class CaseOpenForm(forms.Form):
    # Checked by the service, so every problem shows at once in the service's words; marked required on the page.
    service_required = ("summary", "departments")

    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=CaseTopic.choices)
    summary = forms.CharField(
        label=gettext_lazy("What the facility is stuck on"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    departments = forms.MultipleChoiceField(
        label=gettext_lazy("Departments involved"),
        choices=[(name, name) for name in COMMON_DEPARTMENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_departments = forms.CharField(
        label=gettext_lazy("Other departments"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Separate several departments with commas or 、."),
    )

    def department_names(self) -> list[str]:
        others = _DEPARTMENT_SEPARATORS.split(self.cleaned_data.get("other_departments") or "")
        return [*self.cleaned_data.get("departments", []), *others]


class CaseStepForm(forms.Form):
    service_required = ("happened_on", "department", "action")

    happened_on = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    action = forms.CharField(
        label=gettext_lazy("Action taken"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, case: CoordinationCase, **kwargs):
        super().__init__(*args, **kwargs)
        names = list(dict.fromkeys([*case.departments, *COMMON_DEPARTMENTS]))
        self.fields["department"].choices = [(name, name) for name in names]
        today = timezone.localdate()
        self.fields["happened_on"].initial = today
        self.fields["happened_on"].widget.attrs.update(
            {"max": today.isoformat(), "min": timezone.localdate(case.opened_at).isoformat()}
        )


class CaseCloseForm(forms.Form):
    service_required = ("outcome",)
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"

    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=[
            (RESOLVED, gettext_lazy("Resolved")),
            (UNRESOLVED, gettext_lazy("Closed without a resolution")),
        ],
        widget=forms.RadioSelect,
        initial=RESOLVED,
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _styled(form: forms.Form) -> forms.Form:
    """Bootstrap classes on each widget, marked invalid where the form (or the service) found a problem."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases in the user's scope, filtered by status and (for the city) by unit, newest first."""
    user = request.user
    if not may_read_cases(user):
        raise NotFound
    status = request.GET.get("status") or ""
    district = request.GET.get("district") or ""
    page = Paginator(case_list_for(user=user, status=status, district=district), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    coordinator = may_coordinate(user)
    facilities = []
    if coordinator:
        # For "open a case": the facilities this user may open one for.
        facilities = list(
            facility_scope_for(user=user)
            .exclude(filing_status=FilingStatus.CANCELLED)
            .order_by("name", "id")
            .values_list("pk", "name")
        )
    return render(
        request,
        "facilities/cases/list.html",
        {
            "page": page,
            "status": status,
            "district": district,
            "statuses": CaseStatus.choices,
            "districts": District.objects.order_by("code") if sees_whole_city(user) else [],
            "coordinator": coordinator,
            "facilities": facilities,
        },
    )


@login_required
def case_open_pick(request: HttpRequest) -> HttpResponse:
    """The list's "open a case" picker sends the chosen facility here."""
    if not may_coordinate(request.user):
        raise NotFound
    facility = facility_get_for(user=request.user, pk=request.GET.get("facility"))
    return redirect("facilities:case_open", facility_pk=facility.pk)


@login_required
def case_open(request: HttpRequest, facility_pk: int) -> HttpResponse:
    """Open a case for one facility; its earlier cases are shown so a second one is not opened by mistake."""
    if not may_coordinate(request.user):
        raise NotFound
    facility = facility_get_for(user=request.user, pk=facility_pk)
    form = CaseOpenForm()
    if request.method == "POST":
        form = CaseOpenForm(request.POST)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=request.user,
                    facility=facility,
                    topic=form.cleaned_data["topic"],
                    summary=form.cleaned_data["summary"],
                    departments=form.department_names(),
                )
            except ValidationFailed as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The coordination case has been opened."))
                return redirect("facilities:case_detail", pk=case.pk)
    response = render(
        request,
        "facilities/cases/open.html",
        {
            "facility": facility,
            "form": _styled(form),
            "earlier": facility.coordination_cases.order_by("-opened_at", "-id"),
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case, its timeline of steps and, for those who work it while it is open, the step and close forms."""
    user = request.user
    case = case_get_for(user=user, pk=pk)
    coordinator = may_coordinate(user)
    step_form = CaseStepForm(case=case, prefix="step")
    close_form = CaseCloseForm(prefix="close")
    if request.method == "POST":
        if not coordinator:
            raise PermissionDenied
        if request.POST.get("form") == "close":
            close_form = CaseCloseForm(request.POST, prefix="close")
            if close_form.is_valid():
                try:
                    services.case_close(
                        actor=user,
                        case=case,
                        resolved=close_form.cleaned_data["result"] == CaseCloseForm.RESOLVED,
                        outcome=close_form.cleaned_data["outcome"],
                    )
                except ValidationFailed as exc:
                    form_add_application_error(close_form, exc)
                else:
                    messages.success(request, _("The case has been closed."))
                    return redirect("facilities:case_detail", pk=case.pk)
        else:
            step_form = CaseStepForm(request.POST, case=case, prefix="step")
            if step_form.is_valid():
                try:
                    services.case_add_step(actor=user, case=case, **step_form.cleaned_data)
                except ValidationFailed as exc:
                    form_add_application_error(step_form, exc)
                else:
                    messages.success(request, _("The step has been recorded."))
                    return redirect("facilities:case_detail", pk=case.pk)
    response = render(
        request,
        "facilities/cases/detail.html",
        {
            "case": case,
            "steps": case.steps.all(),
            "editable": coordinator and case.is_open,
            "step_form": _styled(step_form),
            "close_form": _styled(close_form),
            "show_history": can(user, Capability.VIEW_AUDIT_HISTORY),
        },
    )
    # Reaching here after a POST means a form was sent back with its errors.
    return invalid_form_status(response) if request.method == "POST" else response
