"""绩效评价: each unit's completion of the city's targets for a year, and the units ranked by their average."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from suzhou_childcare.errors import ValidationFailed
from suzhou_childcare.web import invalid_form_status

from .. import selectors_pages as pages
from ..forms import YearForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> tuple[YearForm, int | None]:
    form = YearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    year = (form.cleaned_data.get("year") if form.is_bound else None) or timezone.localdate().year
    if not form.is_bound:
        form = YearForm(initial={"year": year})
    return form, year


@login_required
@require_GET
def evaluation(request: HttpRequest) -> HttpResponse:
    pages.require_viewer(request.user)
    form, year = _year(request)
    if year is None:
        return invalid_form_status(render(request, "reports/evaluation.html", {"form": form, "invalid": True}))
    table = pages.evaluation(year=year, today=timezone.localdate())
    return render(request, "reports/evaluation.html", {"form": form, "year": year, "table": table})


def _cell(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _number(value):
    return float(value) if value is not None else None


@login_required
@require_GET
def evaluation_export(request: HttpRequest) -> HttpResponse:
    pages.require_viewer(request.user)
    form, year = _year(request)
    if year is None:
        raise ValidationFailed(fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    table = pages.evaluation(year=year, today=timezone.localdate())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Evaluation %(year)d") % {"year": year})
    header = [_("Rank"), _("County-level unit")]
    for _code, label in table["indicators"]:
        header += [f"{label} · {_('target')}", f"{label} · {_('actual')}", f"{label} · {_('completion (%)')}"]
    header.append(_("Average completion (%)"))
    sheet.append([_cell(str(title)) for title in header])

    def line(rank, name, row):
        cells = [rank, name]
        for cell in row["indicators"]:
            cells += [_number(cell["target"]), _number(cell["actual"]), _number(cell["percent"])]
        cells.append(_number(row["average_percent"]))
        return [_cell(value) for value in cells]

    for row in table["rows"]:
        sheet.append(line(row["rank"], row["name"], row))
    if table["city"] is not None:
        sheet.append(line(None, _("City"), table["city"]))
    sheet.append([])
    sheet.append([_cell(_("As of %(day)s") % {"day": table["as_of"].isoformat()})])
    buffer = BytesIO()
    workbook.save(buffer)
    name = _("evaluation-%(year)d.xlsx") % {"year": year}
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"evaluation-{year}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
