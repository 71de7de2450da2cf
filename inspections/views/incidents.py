"""Pages of incidents and alarms: the operator's report (a short form, usable on a phone), the list with
late reports marked, and the record where the unit's officers and inspectors follow up."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import IncidentKind, IncidentStatus
from ..selectors import incidents as selectors
from ..services import incidents as services
from ..services.records import require_operator_of, require_supervisor_of, runs, supervises
from .records import PAGE_SIZE, _query_without_page, _require_supervision_role


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Facility"), max_length=100, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[("", "—"), *IncidentKind.choices], required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *IncidentStatus.choices], required=False
    )
    late = forms.TypedChoiceField(
        label=gettext_lazy("Reported"),
        choices=[("", "—"), ("1", gettext_lazy("Late")), ("0", gettext_lazy("In time"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=IncidentKind.choices, widget=forms.RadioSelect)
    occurred_at = forms.DateTimeField(label=gettext_lazy("Occurred at"), widget=DateTimeInput())
    children_affected = forms.IntegerField(label=gettext_lazy("Infants affected"), min_value=0, initial=0)
    description = forms.CharField(
        label=gettext_lazy("What happened and what was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class FollowUpForm(forms.Form):
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    close = forms.BooleanField(label=gettext_lazy("Close the incident"), required=False)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_supervision_role(user)
    form = IncidentFilterForm(request.GET or None)
    rows = selectors.incident_list_for(user=user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    own = list(facility_scope_for(user=user).order_by("name").only("pk", "name")) if user.role == Role.OPERATOR else []
    return render(
        request,
        "inspections/incident_list.html",
        {"form": form, "page": page, "query": _query_without_page(request), "own_facilities": own},
    )


@login_required
def incident_new(request: HttpRequest, facility_pk: int) -> HttpResponse:
    user = request.user
    _require_supervision_role(user)
    facility = facility_get_for(user=user, pk=facility_pk)
    require_operator_of(facility, user)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                actor=user,
                facility=facility,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                children_affected=data["children_affected"],
                description=data["description"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            if incident.reported_late:
                messages.warning(
                    request, _("The incident has been reported, after the time allowed; the unit is told.")
                )
            else:
                messages.success(request, _("The incident has been reported; the unit is told."))
            return redirect("inspections:incident_detail", pk=incident.pk)
    response = render(request, "inspections/incident_form.html", {"facility": facility, "form": form})
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report; the unit's officers and inspectors follow it up from here (POST)."""
    user = request.user
    _require_supervision_role(user)
    incident = selectors.incident_get_for(user=user, pk=pk)
    if request.method == "POST":
        require_supervisor_of(incident.facility, user)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_follow_up(
                actor=user,
                incident=incident,
                follow_up=form.cleaned_data["follow_up"],
                close=form.cleaned_data["close"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The follow-up has been recorded."))
            return redirect("inspections:incident_detail", pk=pk)
    response = render(
        request,
        "inspections/incident_detail.html",
        {
            "incident": incident,
            "form": form,
            "is_operator": runs(incident.facility, user),
            "can_follow_up": supervises(incident.facility, user) and incident.status != IncidentStatus.CLOSED,
            "now": timezone.now(),
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response
