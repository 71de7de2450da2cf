"""Statements: the list (operators their facilities', units theirs, the city all), one statement line by line,
the filtered list as Excel (units and the city), and the units' totals per month."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.web import invalid_form_status

from .. import selectors
from ..forms import PeriodField, StatementFilterForm, format_period, last_month
from .common import PAGE_SIZE, READERS, STAFF, line_label, query_without_page, require_role, statements_workbook

OVERVIEW_MAX_MONTHS = 12


def _filter_form(request: HttpRequest) -> StatementFilterForm:
    return StatementFilterForm(request.GET or None, with_district=request.user.role == Role.CITY_ADMIN)


@login_required
@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, READERS)
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        response = render(request, "subsidies/statement_list.html", {"form": form, "page": None})
        return invalid_form_status(response)
    filters = form.filters() if form.is_bound else {}
    page = Paginator(selectors.statement_list_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "subsidies/statement_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": request.user.role in STAFF,
        },
    )


@login_required
@require_GET
def statement_export(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return invalid_form_status(render(request, "subsidies/statement_list.html", {"form": form, "page": None}))
    filters = form.filters() if form.is_bound else {}
    rows = selectors.statement_list_for(user=request.user, filters=filters).prefetch_related("lines")
    name = _("subsidy-statements-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
    return statements_workbook(rows, title=_("Statements"), filename=name)


@login_required
@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, READERS)
    statement = selectors.statement_get_for(user=request.user, pk=pk)
    lines = [{"line": line, "label": line_label(line.code)} for line in statement.lines.all()]
    adjustments = list(
        selectors.statement_list_for(user=request.user).filter(adjusts=statement).order_by("calculated_at", "id")
    )
    return render(
        request,
        "subsidies/statement_detail.html",
        {
            "statement": statement,
            "lines": lines,
            "adjustments": adjustments,
            "sees_batches": request.user.role in STAFF,
        },
    )


def _months_ending(last: date, count: int) -> list[date]:
    """`count` months up to and including `last`, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Totals per unit and month (calculated, in batches, paid), newest month first, each linking to its list."""
    if request.user.role == Role.OPERATOR:
        return redirect("subsidies:statement_list")
    require_role(request.user, STAFF)
    field = PeriodField(required=False)
    errors = []
    end = last_month()
    try:
        end = field.clean(request.GET.get("to")) or end
    except forms.ValidationError as exc:
        errors.extend(exc.messages)
    months = _months_ending(end, OVERVIEW_MAX_MONTHS)
    # One grouped query per month, twelve months at most: the cost does not grow with the data.
    table = [
        {
            "period": month,
            "key": format_period(month),
            "rows": selectors.totals_by_district(user=request.user, period_from=month, period_to=month),
        }
        for month in reversed(months)
    ]
    response = render(
        request,
        "subsidies/overview.html",
        {"table": table, "to": format_period(end), "errors": errors, "can_calculate": True},
    )
    if errors:
        response.status_code = 400
    return response
