"""The city admin's pages for the working-day calendar: the years, and each year's special days."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from . import selectors, services
from .forms import CalendarYearAddForm, CalendarYearForm, SpecialDayForm


@login_required
def year_list(request: HttpRequest) -> HttpResponse:
    years = selectors.calendar_year_list_for(user=request.user)
    form = CalendarYearAddForm(prefix="year")
    if request.method == "POST":
        form = CalendarYearAddForm(request.POST, prefix="year")
        if form.is_valid():
            try:
                calendar_year = services.calendar_year_add(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, _("The year has been added; enter its days, then mark it complete."))
                return redirect("workdays:year_detail", year=calendar_year.year)
    years = list(years)
    next_year = timezone.localdate().year + 1
    next_year_complete = any(y.year == next_year and y.is_complete for y in years)
    response = render(
        request,
        "workdays/year_list.html",
        {"years": years, "form": form, "next_year": next_year, "next_year_complete": next_year_complete},
    )
    return invalid_form_status(response) if request.method == "POST" else response


def _removed_day(value: str, year: int) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise NotFound from exc
    if day.year != year:
        raise NotFound
    return day


@login_required
def year_detail(request: HttpRequest, year: int) -> HttpResponse:
    calendar_year = selectors.calendar_year_get_for(user=request.user, year=year)
    year_form = CalendarYearForm(
        prefix="year", initial={"source": calendar_year.source, "is_complete": calendar_year.is_complete}
    )
    day_form = SpecialDayForm(prefix="day", year=year)
    if request.method == "POST":
        if "remove" in request.POST:
            # Removing a day that is not (or no longer) there is a 404, like any missing object.
            day = _removed_day(request.POST["remove"], year)
            services.special_day_remove(actor=request.user, day=day)
            messages.success(request, _("The day has been removed; it follows the weekend rule again."))
            return redirect("workdays:year_detail", year=year)
        if "year-source" in request.POST:
            year_form = CalendarYearForm(request.POST, prefix="year")
            if year_form.is_valid():
                try:
                    services.calendar_year_set(actor=request.user, year=year, **year_form.cleaned_data)
                except ApplicationError as exc:
                    form_add_application_error(year_form, exc)
                else:
                    messages.success(request, _("The arrangement has been saved."))
                    return redirect("workdays:year_detail", year=year)
        else:
            day_form = SpecialDayForm(request.POST, prefix="day", year=year)
            if day_form.is_valid():
                try:
                    services.special_day_set(actor=request.user, **day_form.cleaned_data)
                except ApplicationError as exc:
                    form_add_application_error(day_form, exc)
                else:
                    messages.success(request, _("The day has been saved."))
                    return redirect("workdays:year_detail", year=year)
    response = render(
        request,
        "workdays/year_detail.html",
        {
            "calendar_year": calendar_year,
            "special_days": selectors.special_day_list(calendar_year=calendar_year),
            "year_form": year_form,
            "day_form": day_form,
        },
    )
    # Reaching here after a POST means a form was sent back with its errors.
    return invalid_form_status(response) if request.method == "POST" else response
