"""Pages for inspection plans (list, new plan, a plan with its draw), the coverage view, and quality assessments.

Plans: the city admin and district officers plan and draw; inspectors read the plans they were drawn in; other
roles have no plan pages (404). Assessments: officers and inspectors of the unit and the city record them; an
operator reads their own facilities' assessments. Out of scope is 404 throughout (the selectors decide).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from facilities.models import FilingStatus
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.errors import ApplicationError, NotFound, ValidationFailed
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.regions.models import District
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import AssessmentScheme
from ..rules_assessment import Scheme
from ..selectors.assessments import (
    assessment_get_for,
    assessment_lines,
    assessment_list_for,
    assessment_vetoes,
    scheme_in_force,
)
from ..selectors.planning import coverage_for, may_plan, may_read_plans, plan_get_for, plan_list_for, plan_targets_for
from ..services.assessments import assessment_record, may_assess
from ..services.planning import plan_create, plan_draw, plan_draw_log, plan_redraw_check

PAGE_SIZE = 50
COVERAGE_PAGE_SIZE = 100


def _page(request: HttpRequest, rows, size: int, param: str = "page"):
    return Paginator(rows, size).get_page(request.GET.get(param))


# --- plans ----------------------------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    if not may_read_plans(request.user):
        raise NotFound
    return render(
        request,
        "inspections/plan_list.html",
        {"page": _page(request, plan_list_for(user=request.user), PAGE_SIZE), "can_plan": may_plan(request.user)},
    )


class PlanForm(forms.Form):
    service_required = ("title", "period_start", "period_end", "sample_size")

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit"),
        queryset=District.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("City-wide (city health supervision institute)"),
    )
    period_start = forms.DateField(
        label=gettext_lazy("Period start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("Period end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_size = forms.IntegerField(
        label=gettext_lazy("Facilities to draw"), required=False, widget=forms.NumberInput(attrs={"min": 1})
    )
    inspectors_per_facility = forms.IntegerField(
        label=gettext_lazy("Inspectors per facility"),
        initial=2,
        widget=forms.NumberInput(attrs={"min": 2, "max": 10}),
        help_text=gettext_lazy("At least two: inspections are made by two inspectors or more."),
    )
    serious_finding_weight = forms.IntegerField(
        label=gettext_lazy("Weight after a serious finding"),
        initial=3,
        widget=forms.NumberInput(attrs={"min": 1, "max": 10}),
        help_text=gettext_lazy(
            "A facility with a serious finding in the last 12 months is this many times as likely to be drawn."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = date(today.year, 12, 31)
        if not sees_whole_city(user):
            # A district officer plans for their own unit only.
            del self.fields["district"]


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_plan(user):
        raise NotFound
    form = PlanForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = plan_create(
                actor=user,
                title=data["title"],
                district=data.get("district") if "district" in form.fields else user.district,
                period_start=data["period_start"],
                period_end=data["period_end"],
                sample_size=data["sample_size"],
                inspectors_per_facility=data["inspectors_per_facility"],
                serious_finding_weight=data["serious_finding_weight"],
            )
        except ValidationFailed as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The plan has been created. Draw its facilities and inspectors when ready."))
            return redirect("inspections:plan_detail", pk=plan.pk)
    response = render(request, "inspections/plan_form.html", {"form": form})
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan, its logged seed, and the drawn facilities with their inspectors (those the user may see)."""
    user = request.user
    plan = plan_get_for(user=user, pk=pk)
    log = plan_draw_log(plan)
    can_draw = (
        may_plan(user)
        and plan.draw_seed is None
        and (sees_whole_city(user) or (plan.district_id is not None and plan.district_id == user.district_id))
    )
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "targets": plan_targets_for(user=user, plan=plan),
            "log": log,
            "candidate_count": len(log.get("candidates", [])) if log else None,
            "inspector_count": len(log.get("inspectors", [])) if log else None,
            "reproduced": plan_redraw_check(plan) if plan.draw_seed is not None else None,
            "can_draw": can_draw,
        },
    )


@login_required
@require_POST
def plan_draw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw button. No seed is taken from the page: a seed chosen by a person could be one picked to spare
    a facility; the service draws 63 random bits and logs them."""
    plan = plan_get_for(user=request.user, pk=pk)
    try:
        plan = plan_draw(actor=request.user, plan=plan)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise
        message = str(exc.message)
        messages.error(request, f"{message}（{exc.clause}）" if exc.clause else message)
    else:
        messages.success(request, _("The plan has been drawn with seed %(seed)s.") % {"seed": plan.draw_seed})
    return redirect("inspections:plan_detail", pk=plan.pk)


# --- coverage -------------------------------------------------------------------------------------------------


class CoverageForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end cannot be before the start."))
        return data


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """The cycle (the current year unless chosen): facilities with no completed inspection in it, orders awaiting
    re-inspection, orders past their deadline."""
    user = request.user
    if not may_read_plans(user):
        raise NotFound
    today = timezone.localdate()
    form = CoverageForm(request.GET or None)
    start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if end < start:
            start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    elif not form.is_bound:
        form = CoverageForm(initial={"start": start, "end": end})
    lists = coverage_for(user=user, start=start, end=end, today=today)
    query = request.GET.copy()
    for param in ("page", "due_page", "overdue_page"):
        query.pop(param, None)
    response = render(
        request,
        "inspections/coverage_list.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "today": today,
            "not_inspected": _page(request, lists["not_inspected"], COVERAGE_PAGE_SIZE, "page"),
            "reinspections_due": _page(request, lists["reinspections_due"], COVERAGE_PAGE_SIZE, "due_page"),
            "overdue": _page(request, lists["overdue"], COVERAGE_PAGE_SIZE, "overdue_page"),
            "query": query.urlencode(),
        },
    )
    return invalid_form_status(response) if form.is_bound and not form.is_valid() else response


# --- quality assessments --------------------------------------------------------------------------------------


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    facilities = []
    if may_assess(user):
        # For "record an assessment": the facilities this user may assess.
        facilities = list(
            facility_scope_for(user=user)
            .exclude(filing_status=FilingStatus.CANCELLED)
            .order_by("name", "id")
            .values_list("pk", "name")
        )
    return render(
        request,
        "inspections/assessment_list.html",
        {
            "page": _page(request, assessment_list_for(user=user), PAGE_SIZE),
            "can_assess": may_assess(user),
            "facilities": facilities,
        },
    )


@login_required
def assessment_pick(request: HttpRequest) -> HttpResponse:
    """The list's facility picker sends the chosen facility to its assessment form."""
    if not may_assess(request.user):
        raise NotFound
    facility = facility_get_for(user=request.user, pk=request.GET.get("facility"))
    return redirect("inspections:assessment_new", facility_pk=facility.pk)


class AssessmentForm(forms.Form):
    """One points field per dimension of the scheme (labelled with its maximum), and the veto items."""

    assessed_on = forms.DateField(
        label=gettext_lazy("Assessed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    vetoes_failed = forms.MultipleChoiceField(
        label=gettext_lazy("Veto items failed (any one gives grade D)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, scheme: AssessmentScheme, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["assessed_on"].initial = today
        self.fields["assessed_on"].widget.attrs["max"] = today.isoformat()
        self.dimension_codes = list(scheme.dimensions)
        for code, dimension in scheme.dimensions.items():
            # The maximum is checked by the service (its message names the dimension); here it guides the input.
            self.fields[code] = forms.DecimalField(
                label=_("%(dimension)s (max %(max)s)") % {"dimension": dimension["label"], "max": dimension["max"]},
                required=False,
                max_digits=7,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": dimension["max"], "step": "0.5", "inputmode": "decimal"}
                ),
            )
        self.fields["vetoes_failed"].choices = list(scheme.veto_items.items())
        self.order_fields(["assessed_on", *self.dimension_codes, "vetoes_failed", "note"])

    def dimension_fields(self):
        return [self[code] for code in self.dimension_codes]

    def scores(self) -> dict[str, Decimal | None]:
        return {code: self.cleaned_data.get(code) for code in self.dimension_codes}


def _service_error_on_form(form: AssessmentForm, exc: ApplicationError) -> None:
    """The service names fields `scores.<dimension>`; the form names them by the dimension's code."""
    fields = {name.removeprefix("scores."): messages_ for name, messages_ in exc.fields.items()}
    form_add_application_error(form, ApplicationError(exc.message, code=exc.code, fields=fields, clause=exc.clause))


@login_required
def assessment_new(request: HttpRequest, facility_pk: int) -> HttpResponse:
    user = request.user
    if not may_assess(user):
        raise NotFound
    facility = facility_get_for(user=user, pk=facility_pk)
    scheme = scheme_in_force(timezone.localdate())
    if scheme is None:
        raise NotFound
    form = AssessmentForm(request.POST or None, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_record(
                actor=user,
                facility=facility,
                assessed_on=form.cleaned_data["assessed_on"],
                scores=form.scores(),
                vetoes_failed=form.cleaned_data["vetoes_failed"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise
            _service_error_on_form(form, exc)
        else:
            messages.success(
                request,
                _("The assessment has been recorded: grade %(grade)s.") % {"grade": assessment.grade},
            )
            return redirect("inspections:assessment_detail", pk=assessment.pk)
    response = render(
        request,
        "inspections/assessment_form.html",
        {"form": form, "facility": facility, "scheme": scheme},
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get_for(user=request.user, pk=pk)
    return render(
        request,
        "inspections/assessment_detail.html",
        {
            "assessment": assessment,
            "lines": assessment_lines(assessment),
            "vetoes": assessment_vetoes(assessment),
            "thresholds": assessment.scheme.grade_thresholds,
            "maximum": Scheme.from_row(assessment.scheme).maximum,
        },
    )
