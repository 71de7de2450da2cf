"""The indicator dashboard: units side by side, the monthly trend, target completion, every figure in a table,
and a data-quality panel per unit. Charts read the JSON the page embeds; every figure links to its facilities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.web import invalid_form_status

from .. import selectors_pages as pages
from ..compilation import month_end
from ..forms import DashboardForm
from ..models import IndicatorUnit, SnapshotStatus

DEFAULT_INDICATOR = "slots_per_thousand"


def drilldown_url(*, period: date, district_code: str | None, indicator: str) -> str:
    query = urlencode({"period": f"{period:%Y-%m}", "district": district_code or "", "indicator": indicator})
    return f"{reverse('reports:drilldown')}?{query}"


def _number(value: Decimal | None) -> float | None:
    # Charts only draw (figures are shown from the Decimal in the table and tooltips round to the unit).
    return float(value) if value is not None else None


def _unit_suffix(unit: str) -> str:
    return {"percent": "%", "per_thousand": "‰"}.get(unit, "")


def _cell(user, snapshots, info, *, period: date, code: str | None) -> dict:
    snap = snapshots.get((code, info.code))
    unavailable = snap is None or snap.status == SnapshotStatus.UNAVAILABLE
    return {
        "text": pages.format_value(None if unavailable else snap.value, info.unit),
        "unavailable": unavailable,
        "estimated": bool(snap and snap.estimated),
        "provisional": bool(snap and snap.status == SnapshotStatus.PROVISIONAL),
        "revision": snap.revision if snap else None,
        "url": drilldown_url(period=period, district_code=code, indicator=info.code)
        if (not unavailable and info.drillable and pages.may_drill_into(user, code))
        else None,
    }


def _chart_data(user, *, period, today, info, trend_unit, units, snapshots, unit_names) -> dict:
    """Everything the charts draw, with their labels translated here (no JS catalogue is routed)."""
    bars = []
    for unit in units:
        snap = snapshots.get((unit.code, info.code))
        value = snap.value if snap is not None else None
        bars.append(
            {
                "name": unit.name,
                "value": _number(value),
                "text": pages.format_value(value, info.unit),
                "estimated": bool(snap and snap.estimated),
                "url": drilldown_url(period=period, district_code=unit.code, indicator=info.code)
                if value is not None and info.drillable and pages.may_drill_into(user, unit.code)
                else None,
            }
        )
    city = snapshots.get((None, info.code))
    trend_code = trend_unit.code if trend_unit else None
    points = [
        {
            "period": f"{point['period']:%Y-%m}",
            "value": _number(point["value"]),
            "text": pages.format_value(point["value"], info.unit),
            "url": drilldown_url(period=point["period"], district_code=trend_code, indicator=info.code)
            if point["value"] is not None and info.drillable and pages.may_drill_into(user, trend_code)
            else None,
        }
        for point in pages.series(indicator=info.code, district_code=trend_code, end=period)
    ]
    progress = pages.completion_by_unit(year=period.year, today=today)
    evaluation_url = f"{reverse('reports:evaluation')}?year={period.year}"
    target_names = [_("City") if row["is_city"] else row["name"] for row in progress["rows"]]
    targets = [
        {
            "name": str(label),
            "values": [_number(row["indicators"][position]["percent"]) for row in progress["rows"]],
            "targets": [_number(row["indicators"][position]["target"]) for row in progress["rows"]],
        }
        for position, (_code, label) in enumerate(progress["indicators"])
    ]
    return {
        "labels": {
            "indicator": info.name,
            "unit": str(IndicatorUnit(info.unit).label) if info.unit in IndicatorUnit.values else info.unit,
            "suffix": _unit_suffix(info.unit),
            "city": _("City"),
            "cityValue": pages.format_value(city.value if city else None, info.unit),
            "cityNumber": _number(city.value if city else None),
            "trendOf": str(trend_unit.name if trend_unit else _("City")),
            "completion": _("Completion (%)"),
            "noData": _("no data for this period"),
            "estimated": _("estimated population"),
            "noTarget": _("no target set"),
            "noTargets": _("No target is set for %(year)d.") % {"year": period.year},
            "clickToDrill": _("Click a bar or point to list the facilities behind it."),
        },
        "units": bars,
        "unitNames": unit_names,
        "trend": points,
        "targets": {"units": target_names, "series": targets, "url": evaluation_url, "year": period.year},
    }


def _quality(user, *, period: date, today: date, units) -> dict:
    quality = pages.data_quality(period=period, today=today)
    rows = []
    for unit in units:
        counts = quality["rows"].get(unit.code, {})
        drill = pages.may_drill_into(user, unit.code)
        rows.append(
            {
                "unit": unit,
                "cells": [
                    {
                        "value": counts.get(check, 0),
                        "url": drilldown_url(period=period, district_code=unit.code, indicator=check)
                        if drill and counts.get(check)
                        else None,
                    }
                    for check in pages.QUALITY_CHECKS
                ],
            }
        )
    return {
        "checks": list(pages.QUALITY_CHECKS.values()),
        "rows": rows,
        "report_month": quality["report_month"],
        "day": quality["day"],
    }


def _compiled_months() -> list[dict]:
    this_month = timezone.localdate().replace(day=1)
    return [
        {"state": state, "ended": state.period < this_month, "final": state.status == SnapshotStatus.FINAL}
        for state in pages.recent_period_states()
    ]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    pages.require_viewer(user)
    today = timezone.localdate()
    form = DashboardForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        catalogue = pages.indicator_catalogue(on=today)
        form.set_indicator_names(catalogue)
        return invalid_form_status(render(request, "reports/dashboard.html", {"form": form, "invalid": True}))
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or pages.latest_compiled_period() or today.replace(day=1)
    catalogue = pages.indicator_catalogue(on=month_end(period))
    by_code = {info.code: info for info in catalogue}
    info = by_code.get(data.get("indicator") or DEFAULT_INDICATOR) or by_code[DEFAULT_INDICATOR]
    trend_unit = data.get("unit")
    # The form shows what the page shows, defaults included.
    form = DashboardForm(initial={"period": period, "indicator": info.code, "unit": trend_unit})
    form.set_indicator_names(catalogue)

    units = pages.units()
    snapshots = pages.latest_snapshots(period=period)
    state = pages.period_state(period)
    table = [
        {
            "info": info_row,
            "city": _cell(user, snapshots, info_row, period=period, code=None),
            "units": [_cell(user, snapshots, info_row, period=period, code=unit.code) for unit in units],
        }
        for info_row in catalogue
    ]
    context = {
        "form": form,
        "period": period,
        "state": state,
        "compiled": bool(snapshots),
        "indicator": info,
        "units": units,
        "table": table,
        "charts": _chart_data(
            user,
            period=period,
            today=today,
            info=info,
            trend_unit=trend_unit,
            units=units,
            snapshots=snapshots,
            unit_names=[unit.name for unit in units],
        ),
        "quality": _quality(user, period=period, today=today, units=units),
        "is_city_admin": user.role == Role.CITY_ADMIN,
    }
    if context["is_city_admin"]:
        context["states"] = _compiled_months()
    return render(request, "reports/dashboard.html", context)
