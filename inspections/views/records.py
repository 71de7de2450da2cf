"""Pages for inspection records and rectification orders, usable on a phone: the inspector's checklist is one
form of large toggles, findings take a photo from the camera. The same services as the API underneath."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from facilities.forms import DateInput
from facilities.models import Facility
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.permissions import sees_whole_city
from suzhou_childcare.web import form_add_application_error, invalid_form_status
from suzhou_childcare.workdays.selectors import incomplete_years_among

from ..models import Inspection, InspectionKind, InspectionStatus, ItemResult, OrderStatus, RectificationOrder, Weight
from ..selectors import records as selectors
from ..services import records, rectification
from ..services.records import runs, supervises

SUPERVISION_ROLES = (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR, Role.OPERATOR)
STARTING_ROLES = (Role.DISTRICT_OFFICER, Role.INSPECTOR)
PAGE_SIZE = 50
EVIDENCE_ACCEPT = "image/jpeg,image/png,application/pdf"
ANSWERS = [
    (ItemResult.PASS, gettext_lazy("Conforms")),
    (ItemResult.FAIL, gettext_lazy("Does not conform")),
    (ItemResult.NOT_APPLICABLE, gettext_lazy("N/A")),
]


def _require_supervision_role(user) -> None:
    if user.role not in SUPERVISION_ROLES:
        raise NotFound


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- forms ------------------------------------------------------------------------------------------------


class InspectionFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Facility"), max_length=100, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=[("", "—"), *InspectionKind.choices], required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *InspectionStatus.choices], required=False
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


def _inspectors_for(user) -> QuerySet[User]:
    qs = User.objects.filter(role=Role.INSPECTOR, is_active=True)
    if not sees_whole_city(user):
        qs = qs.filter(Q(district_id=user.district_id) | Q(is_citywide=True))
    return qs.select_related("district").order_by("-is_citywide", "district_id", "username")


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        place = obj.district.name if obj.district_id else _("city-wide")
        return f"{obj} · {place}"


class InspectionStartForm(forms.Form):
    facility = forms.ModelChoiceField(label=gettext_lazy("Facility"), queryset=Facility.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=InspectionKind.choices)
    inspected_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    inspectors = InspectorChoiceField(
        label=gettext_lazy("Inspectors"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    follow_up_of = forms.ModelChoiceField(
        label=gettext_lazy("Rectification order re-inspected"),
        queryset=RectificationOrder.objects.none(),
        required=False,
        help_text=gettext_lazy("Only for a follow-up inspection."),
    )

    def __init__(self, *args, user, facility=None, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facility_scope_for(user=user).select_related("district").order_by("name")
        self.fields["inspectors"].queryset = _inspectors_for(user)
        orders = selectors.order_list_for(user=user).exclude(status=OrderStatus.CLOSED)
        if facility is not None:
            orders = orders.filter(facility=facility)
            self.fields["facility"].initial = facility.pk
        self.fields["follow_up_of"].queryset = orders
        self.fields["follow_up_of"].label_from_instance = lambda o: (
            f"{o.facility} · {o.deadline:%Y-%m-%d} · " + (o.finding.description[:40])
        )
        self.fields["inspected_on"].initial = timezone.localdate()
        if order is not None:
            self.fields["follow_up_of"].initial = order.pk
            self.fields["kind"].initial = InspectionKind.FOLLOW_UP
        if user.role == Role.INSPECTOR:
            self.fields["inspectors"].initial = [user.pk]


class ChecklistForm(forms.Form):
    """One radio group (shown as toggle buttons) and a note per item of the checklist."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.label, choices=ANSWERS, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
            if item.result != ItemResult.UNCHECKED:
                self.fields[f"result_{item.pk}"].initial = item.result
            self.fields[f"note_{item.pk}"].initial = item.note

    def rows(self):
        for item in self.items:
            yield {"item": item, "result": self[f"result_{item.pk}"], "note": self[f"note_{item.pk}"]}

    def entries(self) -> dict[int, tuple[str, str]]:
        entries = {}
        for item in self.items:
            result = self.cleaned_data.get(f"result_{item.pk}") or item.result
            entries[item.pk] = (result, self.cleaned_data.get(f"note_{item.pk}", ""))
        return entries


class FindingForm(forms.Form):
    weight = forms.ChoiceField(label=gettext_lazy("Weight"), choices=Weight.choices, widget=forms.RadioSelect)
    item_code = forms.ChoiceField(label=gettext_lazy("Checklist item"), required=False)
    description = forms.CharField(
        label=gettext_lazy("What was found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    clause = forms.CharField(
        label=gettext_lazy("Clause"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Leave empty to cite the clause of the checklist item."),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Photo or document (PDF, JPEG, PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [("", "—"), *((item.code, item.label) for item in items)]


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Photo or document (PDF, JPEG, PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )


class CompleteForm(forms.Form):
    summary = forms.CharField(
        label=pgettext_lazy("inspection", "Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=[("", "—"), *OrderStatus.choices], required=False)
    overdue = forms.TypedChoiceField(
        label=gettext_lazy("Deadline"),
        choices=[("", "—"), ("1", gettext_lazy("Overdue")), ("0", gettext_lazy("Not overdue"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class RespondForm(forms.Form):
    response = forms.CharField(
        label=gettext_lazy("How the finding was rectified"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    evidence = forms.FileField(
        label=gettext_lazy("Photo or document (PDF, JPEG, PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )


class CloseForm(forms.Form):
    reinspection = forms.ModelChoiceField(label=gettext_lazy("Re-inspection"), queryset=Inspection.objects.none())

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reinspection"].queryset = Inspection.objects.filter(
            follow_up_of=order, status=InspectionStatus.COMPLETED
        ).order_by("-inspected_on", "-id")
        self.fields["reinspection"].label_from_instance = lambda i: (
            f"{i.inspected_on:%Y-%m-%d} · {i.get_kind_display()}"
        )


# --- inspections ------------------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    _require_supervision_role(request.user)
    form = InspectionFilterForm(request.GET or None)
    rows = selectors.inspection_list_for(user=request.user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "can_start": request.user.role in STARTING_ROLES,
        },
    )


@login_required
def inspection_start(request: HttpRequest) -> HttpResponse:
    """Start an inspection; from a facility's page (`?facility=`) or a rectification order's (`?order=`)."""
    user = request.user
    if user.role not in STARTING_ROLES:
        raise NotFound
    order = selectors.order_get_for(user=user, pk=request.GET["order"]) if request.GET.get("order") else None
    facility = order.facility if order else None
    if facility is None and request.GET.get("facility"):
        facility = facility_get_for(user=user, pk=request.GET["facility"])
    form = InspectionStartForm(request.POST or None, user=user, facility=facility, order=order)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = records.inspection_start(
                actor=user,
                facility=data["facility"],
                kind=data["kind"],
                inspected_on=data["inspected_on"],
                inspectors=list(data["inspectors"]),
                follow_up_of=data.get("follow_up_of"),
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The inspection has been started; record the checklist."))
            return redirect("inspections:inspection_detail", pk=inspection.pk)
    response = render(request, "inspections/inspection_start.html", {"form": form, "facility": facility})
    return invalid_form_status(response) if request.method == "POST" else response


def _detail_page(request: HttpRequest, inspection: Inspection, *, failed: bool = False, **forms_) -> HttpResponse:
    items = list(inspection.items.all())
    editable = inspection.status == InspectionStatus.DRAFT and supervises(inspection.facility, request.user)
    context = {
        "inspection": inspection,
        "items": items,
        "findings": list(inspection.findings.all()),
        "editable": editable,
        "checklist_form": forms_.get("checklist_form") or ChecklistForm(items=items),
        "finding_form": forms_.get("finding_form") or FindingForm(items=items),
        "complete_form": forms_.get("complete_form") or CompleteForm(),
        "evidence_form": forms_.get("evidence_form") or EvidenceForm(),
        "evidence_finding": forms_.get("evidence_finding"),
        "unchecked": sum(1 for item in items if item.result == ItemResult.UNCHECKED),
    }
    response = render(request, "inspections/inspection_detail.html", context)
    return invalid_form_status(response) if failed else response


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_supervision_role(request.user)
    return _detail_page(request, selectors.inspection_get_for(user=request.user, pk=pk))


@login_required
@require_POST
def inspection_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    form = ChecklistForm(request.POST, items=inspection.items.all())
    if form.is_valid():
        try:
            records.checklist_items_set(actor=request.user, inspection=inspection, entries=form.entries())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The checklist has been saved."))
            return redirect(reverse("inspections:inspection_detail", args=[pk]) + "#checklist")
    return _detail_page(request, inspection, failed=True, checklist_form=form)


@login_required
@require_POST
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    form = FindingForm(request.POST, request.FILES, items=inspection.items.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            records.finding_add(
                actor=request.user,
                inspection=inspection,
                weight=data["weight"],
                description=data["description"],
                item_code=data["item_code"],
                clause=data["clause"],
                evidence=data.get("evidence"),
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The finding has been recorded and its rectification order issued."))
            return redirect(reverse("inspections:inspection_detail", args=[pk]) + "#findings")
    return _detail_page(request, inspection, failed=True, finding_form=form)


@login_required
@require_POST
def finding_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get_for(user=request.user, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            records.evidence_upload(actor=request.user, finding=finding, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The file has been added."))
            return redirect(reverse("inspections:inspection_detail", args=[finding.inspection_id]) + "#findings")
    inspection = selectors.inspection_get_for(user=request.user, pk=finding.inspection_id)
    return _detail_page(request, inspection, failed=True, evidence_form=form, evidence_finding=finding.pk)


@login_required
@require_POST
def inspection_complete(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            records.inspection_complete(actor=request.user, inspection=inspection, summary=form.cleaned_data["summary"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The inspection has been completed."))
            return redirect("inspections:inspection_detail", pk=pk)
    return _detail_page(request, inspection, failed=True, complete_form=form)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file itself, only through this scoped view (never a public media URL)."""
    evidence = selectors.evidence_get_for(user=request.user, pk=pk)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- rectification orders ---------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """Rectification orders (an operator: their own); `?overdue=1` is the overdue list, city-wide for the city."""
    _require_supervision_role(request.user)
    form = OrderFilterForm(request.GET or None)
    filters = form.filters()
    today = timezone.localdate()
    rows = selectors.order_list_for(user=request.user, today=today, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/order_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "overdue_only": filters.get("overdue") is True,
            "today": today,
            "whole_city": sees_whole_city(request.user),
        },
    )


def _order_page(request: HttpRequest, order: RectificationOrder, *, failed: bool = False, **forms_) -> HttpResponse:
    user = request.user
    is_operator = runs(order.facility, user)
    can_supervise = supervises(order.facility, user)
    context = {
        "order": order,
        "finding": order.finding,
        "is_operator": is_operator,
        "can_supervise": can_supervise,
        "can_respond": is_operator and order.status == OrderStatus.OPEN,
        "can_close": can_supervise and order.status != OrderStatus.CLOSED,
        "respond_form": forms_.get("respond_form") or RespondForm(),
        "close_form": forms_.get("close_form") or CloseForm(order=order),
        "reinspections": list(order.reinspections.all()),
        "closable": bool(selectors.follow_ups_for_closing(order)) or "close_form" in forms_,
        "assumed_years": incomplete_years_among({order.deadline.year}),
    }
    response = render(request, "inspections/order_detail.html", context)
    return invalid_form_status(response) if failed else response


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_supervision_role(request.user)
    return _order_page(request, selectors.order_get_for(user=request.user, pk=pk))


@login_required
@require_POST
def order_respond(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    form = RespondForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rectification.order_respond(
                actor=request.user,
                order=order,
                response=form.cleaned_data["response"],
                evidence=form.cleaned_data.get("evidence"),
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Your response has been sent to the unit."))
            return redirect("inspections:order_detail", pk=pk)
    return _order_page(request, order, failed=True, respond_form=form)


@login_required
@require_POST
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    form = CloseForm(request.POST, order=order)
    if form.is_valid():
        try:
            rectification.order_close(actor=request.user, order=order, reinspection=form.cleaned_data["reinspection"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The rectification order has been closed."))
            return redirect("inspections:order_detail", pk=pk)
    return _order_page(request, order, failed=True, close_form=form)
