"""The city admin's actions on a compiled month: recompute it (a job with progress), finalise it, publish it.

The writes are in `reports/services.py`.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suzhou_childcare.errors import ValidationFailed

from .. import selectors_pages as pages
from ..forms import MonthActionForm, PastMonthForm, PublishForm
from ..services import compile_request, period_finalise, period_publish, require_city_admin

# --- views ------------------------------------------------------------------------------------------------------


def _refuse_others(user) -> None:
    """Other roles without the dashboard see nothing (404); staff who see it may not act (403)."""
    pages.require_viewer(user)
    require_city_admin(user)


def _form_errors(form) -> ValidationFailed:
    return ValidationFailed(fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})


def _back(period: date | None) -> HttpResponse:
    url = reverse("reports:dashboard")
    return redirect(f"{url}?period={period:%Y-%m}" if period else url)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    _refuse_others(request.user)
    form = MonthActionForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    job = compile_request(actor=request.user, period=form.cleaned_data["period"])
    return redirect("jobs:detail", job_id=job.id)


@login_required
@require_POST
def finalise(request: HttpRequest) -> HttpResponse:
    _refuse_others(request.user)
    form = PastMonthForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    period = form.cleaned_data["period"]
    period_finalise(actor=request.user, period=period)
    messages.success(request, _("%(month)s is final.") % {"month": f"{period:%Y-%m}"})
    return _back(period)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    _refuse_others(request.user)
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    period, published = form.cleaned_data["period"], form.cleaned_data["published"]
    period_publish(actor=request.user, period=period, published=published)
    if published:
        messages.success(request, _("%(month)s is published on the public register.") % {"month": f"{period:%Y-%m}"})
    else:
        messages.success(request, _("%(month)s is withdrawn from the public register.") % {"month": f"{period:%Y-%m}"})
    return _back(period)
