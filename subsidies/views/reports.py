"""Monthly enrolment reports: the list (current revisions), a month's history, and filing or correcting a month.

Operators file for their own facilities; unit officers and the city read their jurisdiction's reports.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from facilities.models import ClassType, FacilityClass
from facilities.selectors import facility_get_for, facility_scope_for
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import invalid_form_status

from .. import selectors
from ..forms import ReportChooseForm, ReportForm, format_period, last_month
from ..models import ReportStatus
from ..services.reports import report_deadline, report_submit
from .common import PAGE_SIZE, READERS, query_without_page, require_role


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, READERS)
    facilities = list(facility_scope_for(user=request.user).order_by("name").values_list("pk", "name")[:500])
    filters = {}
    facility = request.GET.get("facility", "")
    if facility.isdigit():
        filters["facility"] = int(facility)
    rows = selectors.report_list_for(user=request.user, filters=filters).prefetch_related("lines")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.enrolled_total = sum(line.enrolled for line in report.lines.all())
    return render(
        request,
        "subsidies/report_list.html",
        {
            "page": page,
            "facilities": facilities,
            "facility": facility,
            "query": query_without_page(request),
            "can_file": request.user.role == Role.OPERATOR,
        },
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report with every revision of its month (corrections keep history)."""
    require_role(request.user, READERS)
    report = selectors.report_get_for(user=request.user, pk=pk)
    history = list(
        selectors.report_list_for(
            user=request.user, filters={"history": True, "facility": report.facility_id, "period": report.period}
        ).prefetch_related("lines")
    )
    labels = dict(ClassType.choices)
    for revision in history:
        revision.rows = [
            {
                "label": labels.get(line.class_type, line.class_type),
                "enrolled": line.enrolled,
                "attendance_days": line.attendance_days,
                "carers": line.carers,
            }
            for line in revision.lines.all()
        ]
    return render(
        request,
        "subsidies/report_detail.html",
        {
            "report": report,
            "history": history,
            "can_correct": request.user.role == Role.OPERATOR and report.status == ReportStatus.CURRENT,
            "period": format_period(report.period),
        },
    )


def _in_class_order(class_types) -> list[str]:
    """Youngest class first (乳儿班, 托小班, 托大班, 混合班), as the filing lists them."""
    order = {value: index for index, value in enumerate(ClassType.values)}
    return sorted(set(class_types), key=lambda t: (order.get(t, len(order)), t))


def _class_types(facility) -> list[str]:
    return _in_class_order(FacilityClass.objects.filter(facility=facility).values_list("class_type", flat=True))


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """Step one (GET): facility and month. Step two: one row per filed class type; a month already reported
    is corrected with a reason. The service's refusals are shown per row and field, with the rule's clause."""
    require_role(request.user, (Role.OPERATOR,))
    facilities = list(facility_scope_for(user=request.user).order_by("name"))
    if not facilities:
        raise NotFound
    source = request.POST if request.method == "POST" else request.GET
    chosen = str(source.get("facility", ""))
    if chosen.isdigit() and int(chosen) not in {f.pk for f in facilities}:
        raise NotFound  # another operator's facility looks like one that does not exist
    initial = {"facility": facilities[0].pk if len(facilities) == 1 else None, "period": last_month()}
    chooser = ReportChooseForm(
        {"facility": source.get("facility", initial["facility"]), "period": source.get("period", initial["period"])}
        if (source.get("facility") or initial["facility"])
        else None,
        facilities=facilities,
    )
    if not chooser.is_bound or not chooser.is_valid():
        response = render(request, "subsidies/report_new.html", {"chooser": chooser, "form": None})
        return invalid_form_status(response) if chooser.is_bound else response
    facility = facility_get_for(user=request.user, pk=chooser.cleaned_data["facility"])
    period = chooser.cleaned_data["period"]
    current = (
        selectors.report_list_for(user=request.user, filters={"facility": facility.pk, "period": period})
        .prefetch_related("lines")
        .first()
    )
    class_types = _class_types(facility)
    if current is not None:  # a correction may also restate a class type reported before
        class_types = _in_class_order([*class_types, *(line.class_type for line in current.lines.all())])
    form_initial = {"facility": facility.pk, "period": period}
    if current is not None:
        for line in current.lines.all():
            form_initial.update(
                {
                    f"enrolled_{line.class_type}": line.enrolled,
                    f"attendance_days_{line.class_type}": line.attendance_days,
                    f"carers_{line.class_type}": line.carers,
                }
            )
    form = ReportForm(request.POST if request.method == "POST" else None, initial=form_initial, class_types=class_types)
    clause = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = report_submit(
                actor=request.user,
                facility=facility,
                period=period,
                lines=form.lines(),
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ApplicationError as exc:
            clause = exc.clause or ""
            placed = False
            for field, errors in exc.fields.items():
                target = form.field_for(field)
                for error in errors:
                    form.add_error(target, error)
                    placed = True
            if not placed:
                form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The report for %(period)s was filed (revision %(revision)d).")
                % {"period": format_period(period), "revision": report.revision},
            )
            return redirect("subsidies:report_detail", pk=report.pk)
    response = render(
        request,
        "subsidies/report_new.html",
        {
            "chooser": chooser,
            "form": form,
            "facility": facility,
            "period": period,
            "current": current,
            "clause": clause,
            "deadline": report_deadline(facility=facility, period=period),
            "no_classes": not class_types,
        },
    )
    return invalid_form_status(response) if form.is_bound and form.errors else response
