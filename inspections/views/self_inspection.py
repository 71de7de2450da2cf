"""Pages of self-inspections (自查): the operator's checklist form (large pass / fail / N/A toggles, usable
on a phone), the record with its gaps to rectify, and the units' list of who has not self-inspected."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.forms import DateInput
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from ..models import ItemResult, SelfInspection
from ..selectors import self_inspection as selectors
from ..services import self_inspection as services
from ..services.records import require_operator_of, runs
from .records import ANSWERS, PAGE_SIZE, _query_without_page, _require_supervision_role

UNIT_ROLES = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR)
QUARTERS_OFFERED = 4


def _quarter_label(start: date) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}


def _recent_quarters(today: date, count: int = QUARTERS_OFFERED) -> list[date]:
    """The current quarter and the ones before it, latest first (a late self-inspection is still taken)."""
    quarters = [selectors.quarter_start(today)]
    while len(quarters) < count:
        quarters.append(selectors.quarter_start(quarters[-1] - timedelta(days=1)))
    return quarters


class SelfInspectionFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Facility"), max_length=100, required=False)
    period = forms.DateField(label=gettext_lazy("Any day of the quarter"), required=False, widget=DateInput())

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class SelfInspectionForm(forms.Form):
    """The quarter, then one radio group (toggle buttons) and a note per item of the checklist."""

    period = forms.TypedChoiceField(label=gettext_lazy("Quarter"), coerce=date.fromisoformat)

    def __init__(self, *args, specs, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = list(specs)
        self.fields["period"].choices = [(q.isoformat(), _quarter_label(q)) for q in quarters]
        self.fields["period"].initial = quarters[0].isoformat()
        for spec in self.specs:
            self.fields[f"result__{spec.code}"] = forms.ChoiceField(
                label=spec.label, choices=ANSWERS, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note__{spec.code}"] = forms.CharField(
                label=gettext_lazy("Note"), max_length=500, required=False
            )

    def rows(self):
        for spec in self.specs:
            yield {"spec": spec, "result": self[f"result__{spec.code}"], "note": self[f"note__{spec.code}"]}

    def results(self) -> dict[str, tuple[str, str]]:
        return {
            spec.code: (
                self.cleaned_data.get(f"result__{spec.code}") or "",
                self.cleaned_data.get(f"note__{spec.code}", ""),
            )
            for spec in self.specs
        }

    def add_service_error(self, exc: ApplicationError) -> None:
        """`items.<code>` goes to the item's toggles, `items.<code>.note` to its note; the summary on top."""
        placed = False
        for field, field_messages in exc.fields.items():
            name = field
            if field.startswith("items."):
                code = field.removeprefix("items.")
                name = f"note__{code.removesuffix('.note')}" if code.endswith(".note") else f"result__{code}"
            for message in field_messages:
                self.add_error(name if name in self.fields else None, message)
                placed = True
        if not placed or exc.fields.keys() & {f"items.{spec.code}" for spec in self.specs}:
            message = str(exc.message)
            self.add_error(None, f"{message}（{exc.clause}）" if exc.clause else message)


class RectifiedForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=gettext_lazy("Rectified on"), widget=DateInput())


@login_required
def self_inspection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_supervision_role(user)
    form = SelfInspectionFilterForm(request.GET or None)
    rows = selectors.self_inspection_list_for(user=user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    own = list(facility_scope_for(user=user).order_by("name").only("pk", "name")) if user.role == Role.OPERATOR else []
    return render(
        request,
        "inspections/self_inspection_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "own_facilities": own,
            "sees_missing": user.role in UNIT_ROLES,
        },
    )


@login_required
def self_inspection_new(request: HttpRequest, facility_pk: int) -> HttpResponse:
    user = request.user
    _require_supervision_role(user)
    facility = facility_get_for(user=user, pk=facility_pk)
    require_operator_of(facility, user)
    today = timezone.localdate()
    specs = services.self_checklist_for(facility, on=today)
    form = SelfInspectionForm(request.POST or None, specs=specs, quarters=_recent_quarters(today))
    if request.method == "POST" and form.is_valid():
        try:
            self_inspection = services.self_inspection_submit(
                actor=user, facility=facility, period=form.cleaned_data["period"], results=form.results()
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The self-inspection has been submitted."))
            return redirect("inspections:self_inspection_detail", pk=self_inspection.pk)
    done = set(SelfInspection.objects.filter(facility=facility).values_list("period", flat=True))
    response = render(
        request,
        "inspections/self_inspection_form.html",
        {
            "facility": facility,
            "form": form,
            "done": sorted(done, reverse=True)[:QUARTERS_OFFERED],
            "working_days": services.SELF_RECTIFICATION_WORKING_DAYS,
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


@login_required
def self_inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The record; its operator marks a gap rectified from here (POST)."""
    user = request.user
    _require_supervision_role(user)
    self_inspection = selectors.self_inspection_get_for(user=user, pk=pk)
    is_operator = runs(self_inspection.facility, user)
    if request.method == "POST":
        require_operator_of(self_inspection.facility, user)
    form = RectifiedForm(request.POST or None, initial={"on": timezone.localdate()})
    failed_item = None
    if request.method == "POST":
        if form.is_valid():
            items = {item.pk: item for item in self_inspection.items.all()}
            item = items.get(form.cleaned_data["item"])
            if item is None:
                raise NotFound
            try:
                services.self_item_rectified(actor=user, item=item, on=form.cleaned_data["on"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
                failed_item = item.pk
            else:
                messages.success(request, _("The item has been marked rectified."))
                return redirect("inspections:self_inspection_detail", pk=pk)
        else:
            failed_item = form.data.get("item")
    items = list(self_inspection.items.all())
    response = render(
        request,
        "inspections/self_inspection_detail.html",
        {
            "self_inspection": self_inspection,
            "quarter": _quarter_label(self_inspection.period),
            "items": items,
            "gaps": [item for item in items if item.result == ItemResult.FAIL],
            "is_operator": is_operator,
            "form": form,
            "failed_item": str(failed_item) if failed_item is not None else None,
            "today": timezone.localdate(),
        },
    )
    return invalid_form_status(response) if request.method == "POST" else response


class MissingForm(forms.Form):
    period = forms.DateField(label=gettext_lazy("Any day of the quarter"), required=False, widget=DateInput())


@login_required
def self_inspection_missing(request: HttpRequest) -> HttpResponse:
    """Who has not self-inspected: operating facilities of the user's scope without one for the quarter."""
    user = request.user
    if user.role not in UNIT_ROLES:
        raise NotFound
    form = MissingForm(request.GET or None)
    period = (form.cleaned_data.get("period") if form.is_valid() else None) or timezone.localdate()
    if not 2000 <= period.year <= timezone.localdate().year + 1:
        # A quarter far outside the portal's life is no quarter to look at (and would overflow date arithmetic).
        period = timezone.localdate()
    start = selectors.quarter_start(period)
    rows = selectors.missing_self_inspections_for(user=user, period=start)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/self_inspection_missing.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "start": start,
            "end": selectors.quarter_end(start),
            "quarter": _quarter_label(start),
        },
    )
