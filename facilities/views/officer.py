"""The unit's work: the queue by deadline, the facility list with its Excel export, the filing rate, reminders."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.permissions import Capability, can, sees_whole_city
from suzhou_childcare.regions.models import District

from .. import selectors, services
from ..models import Category, FacilityForm, FilingStatus


def _require_staff(user) -> None:
    """Unit officers, inspectors and the city: operators and others have their own pages."""
    if user.role not in (Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.INSPECTOR):
        raise NotFound


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """What the unit must decide, soonest deadline first, with each filing's completeness and findings."""
    _require_staff(request.user)
    today = timezone.localdate()
    standards = selectors.standards_in_force(on=today)
    rows = []
    for title, status, deadline in (
        (
            gettext_lazy("To record (5 working days)"),
            [FilingStatus.SUBMITTED, FilingStatus.CHANGE_PENDING],
            "record_deadline",
        ),
        (gettext_lazy("To verify (15 working days)"), [FilingStatus.FILED], "notice_deadline"),
    ):
        facilities = list(
            selectors.with_review_relations(
                selectors.facility_list_for(user=request.user).filter(filing_status__in=status)
            ).order_by(deadline, "id")[:200]
        )
        entries = []
        for facility in facilities:
            review = selectors.facility_review(facility, on=today, standards=standards)
            entries.append(
                {
                    "facility": facility,
                    "deadline": getattr(facility, deadline),
                    "overdue": getattr(facility, deadline) is not None and getattr(facility, deadline) < today,
                    "blocking": review.blocking,
                    "warnings": review.warnings,
                    "materials": list(facility.materials.all()),
                }
            )
        rows.append({"title": title, "entries": entries})
    return render(request, "facilities/queue.html", {"sections": rows, "today": today})


class FacilityFilterForm(forms.Form):
    district = forms.ModelChoiceField(
        label=gettext_lazy("County-level unit"), queryset=District.objects.all(), required=False, to_field_name="code"
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=[("", "—"), *Category.choices], required=False)
    form = forms.ChoiceField(label=gettext_lazy("Form"), choices=[("", "—"), *FacilityForm.choices], required=False)
    filing_status = forms.ChoiceField(
        label=gettext_lazy("Filing status"), choices=[("", "—"), *FilingStatus.choices], required=False
    )
    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["district"] = data["district"].code if data.get("district") else None
        return {k: v for k, v in data.items() if v}


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.OPERATOR:
        return render(
            request,
            "facilities/my_facilities.html",
            {"facilities": selectors.facility_list_for(user=request.user)},
        )
    _require_staff(request.user)
    form = FacilityFilterForm(request.GET or None)
    if not sees_whole_city(request.user):
        del form.fields["district"]
    page = Paginator(selectors.facility_list_for(user=request.user, filters=form.filters()), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "facilities/facility_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_remind": can(request.user, Capability.READ_STATISTICS),
        },
    )


EXPORT_COLUMNS = [
    (gettext_lazy("Name"), lambda f: f.name),
    (gettext_lazy("County-level unit"), lambda f: f.district.name),
    (gettext_lazy("Street or town"), lambda f: f.street.name if f.street else ""),
    (gettext_lazy("Category"), lambda f: f.get_category_display()),
    (gettext_lazy("Form"), lambda f: f.get_form_display()),
    (gettext_lazy("Unified social credit code"), lambda f: f.uscc),
    (gettext_lazy("Slots"), lambda f: f.slots),
    (gettext_lazy("Enrolled"), lambda f: f.enrolled),
    (gettext_lazy("Filing status"), lambda f: f.get_filing_status_display()),
    (gettext_lazy("Filing number"), lambda f: f.filing_number or ""),
    (gettext_lazy("Received on"), lambda f: f.received_on),
    (gettext_lazy("Record deadline"), lambda f: f.record_deadline),
    (gettext_lazy("Filed on"), lambda f: f.filed_on),
    (gettext_lazy("Classes"), lambda f: f.class_count),
    (gettext_lazy("Staff"), lambda f: f.staff_count),
]


def _cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
def facility_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (no personal data: facilities only)."""
    _require_staff(request.user)
    form = FacilityFilterForm(request.GET or None)
    rows = selectors.facility_list_for(user=request.user, filters=form.filters())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Facilities"))
    sheet.append([str(title) for title, _value in EXPORT_COLUMNS])
    for facility in rows.iterator(chunk_size=500):
        sheet.append([_cell(value(facility)) for _title, value in EXPORT_COLUMNS])
    buffer = BytesIO()
    workbook.save(buffer)
    name = _("facilities-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=\"facilities.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def filing_rate(request: HttpRequest) -> HttpResponse:
    """Filed ÷ known operating facilities, per county-level unit (and for the city)."""
    if not can(request.user, Capability.READ_STATISTICS):
        raise NotFound
    rows = selectors.filing_rate_by_district(user=request.user, on=timezone.localdate())
    totals = {
        "operating": sum(r["operating"] for r in rows),
        "filed": sum(r["filed"] for r in rows),
    }
    totals["rate"] = totals["filed"] / totals["operating"] if totals["operating"] else None
    return render(request, "facilities/filing_rate.html", {"rows": rows, "totals": totals})


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    """催办: remind a facility that operates without having filed."""
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    try:
        services.facility_remind(actor=request.user, facility=facility)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if facility.operators.exists():
            messages.success(request, _("The reminder has been recorded and sent to the facility's accounts."))
        else:
            messages.warning(
                request,
                _(
                    "The reminder has been recorded. The facility has no account on the portal: "
                    "notify it by telephone or in writing."
                ),
            )
    return redirect(_safe_next(request, reverse("facilities:list")))


@login_required
@require_POST
def link_operator(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's officer links an operator's account to a facility (how a known facility is taken up)."""
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    try:
        operator = services.facility_link_operator(
            actor=request.user, facility=facility, username=request.POST.get("username", "")
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, _("The account %(username)s now runs this facility.") % {"username": operator})
    return redirect("facilities:detail", pk=pk)
