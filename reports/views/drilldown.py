"""The facilities behind a figure (or behind a data-quality count), computed live as of the month's day."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from facilities.models import Category, FilingStatus
from suzhou_childcare.web import invalid_form_status

from .. import selectors_pages as pages
from ..compilation import as_of_day, month_end
from ..forms import DrilldownForm
from ..models import SnapshotStatus

PAGE_SIZE = 50


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    user = request.user
    pages.require_viewer(user)
    form = DrilldownForm(request.GET)
    if not form.is_valid():
        return invalid_form_status(render(request, "reports/drilldown.html", {"form": form, "invalid": True}))
    today = timezone.localdate()
    period = form.cleaned_data["period"]
    district = form.cleaned_data["district"]
    code = district.code if district else None
    indicator = form.cleaned_data["indicator"]
    drill = pages.drilldown_for(user=user, period=period, district_code=code, indicator=indicator, today=today)

    quality = indicator in pages.QUALITY_CHECKS
    info = None
    figure = None
    if quality:
        title = pages.QUALITY_CHECKS[indicator]
        unit = "count"
    else:
        info = next(i for i in pages.indicator_catalogue(on=month_end(period)) if i.code == indicator)
        title, unit = info.name, info.unit
        figure = pages.snapshot_figure(period=period, district_code=code, indicator=indicator)
    page = Paginator(drill.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = dict(Category.choices)
    statuses = dict(FilingStatus.choices)
    rows = [
        {
            **row,
            "category_label": categories.get(row["category"], row["category"]),
            "filing_status_label": statuses.get(row["filing_status"], row["filing_status"]),
            "cells": [(row.get(key), kind) for key, _label, kind in drill.columns],
        }
        for row in page.object_list
    ]
    figure_value = figure.value if figure is not None and figure.status != SnapshotStatus.UNAVAILABLE else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/drilldown.html",
        {
            "form": form,
            "period": period,
            "day": as_of_day(period, today),
            "district": district,
            "indicator": indicator,
            "info": info,
            "title": title,
            "quality": quality,
            "drill": drill,
            "total_text": pages.format_value(None if drill.unavailable else drill.total, unit),
            "numerator_text": pages.format_value(drill.numerator, "yuan" if unit == "yuan" else "count"),
            "denominator_text": pages.format_value(drill.denominator, "count"),
            "figure": figure,
            "figure_text": pages.format_value(figure_value, unit),
            "differs": figure_value is not None and drill.total is not None and figure_value != drill.total,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "report_month": drill.extra.get("report_month"),
        },
    )
