"""The units' pages: the list, and each unit's populations and streets (edited by the city admin)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from . import selectors, services
from .forms import PopulationForm, StreetForm


@login_required
def district_list(request: HttpRequest) -> HttpResponse:
    districts = list(selectors.district_list_for(user=request.user))
    if len(districts) == 1 and not can(request.user, Capability.EDIT_REFERENCE_DATA):
        return redirect("regions:detail", code=districts[0].code)
    total = sum(d.population or 0 for d in districts)
    has_estimate = any(d.population_status == "estimate" for d in districts)
    return render(
        request,
        "regions/district_list.html",
        {"districts": districts, "total": total, "has_estimate": has_estimate},
    )


@login_required
def district_detail(request: HttpRequest, code: str) -> HttpResponse:
    district = selectors.district_get_for(user=request.user, code=code)
    editor = can(request.user, Capability.EDIT_REFERENCE_DATA)
    population_form = PopulationForm(prefix="pop")
    street_form = StreetForm(prefix="street")
    if request.method == "POST":
        if not editor:
            return render(request, "errors/403.html", status=403)
        if "pop-year" in request.POST:
            population_form = PopulationForm(request.POST, prefix="pop")
            if population_form.is_valid():
                try:
                    services.district_population_set(
                        actor=request.user, district=district, **population_form.cleaned_data
                    )
                except ApplicationError as exc:
                    form_add_application_error(population_form, exc)
                else:
                    messages.success(request, _("The population has been saved."))
                    return redirect("regions:detail", code=code)
        else:
            street_form = StreetForm(request.POST, prefix="street")
            if street_form.is_valid():
                try:
                    services.street_add(actor=request.user, district=district, **street_form.cleaned_data)
                except ApplicationError as exc:
                    form_add_application_error(street_form, exc)
                else:
                    messages.success(request, _("The street or town has been added."))
                    return redirect("regions:detail", code=code)
    response = render(
        request,
        "regions/district_detail.html",
        {
            "district": district,
            "populations": district.populations.all(),
            "streets": district.streets.all(),
            "editor": editor,
            "population_form": population_form,
            "street_form": street_form,
        },
    )
    # Reaching here after a POST means a form was sent back with its errors.
    return invalid_form_status(response) if request.method == "POST" else response
