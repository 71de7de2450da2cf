"""Operator sign-up: an account tied to its facility, then straight into the filing form."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from .. import services
from ..forms import SignUpForm

FIELD_MAP = {"name": "facility_name", "password": "password1"}


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, facility = services.operator_sign_up(
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
                email=data["email"],
                facility={
                    "name": data["facility_name"],
                    "uscc": data["uscc"],
                    "registration_route": data["registration_route"],
                    "category": data["category"],
                    "district": data["district"],
                },
            )
        except ApplicationError as exc:
            exc.fields = {FIELD_MAP.get(k, k): v for k, v in exc.fields.items()}
            form_add_application_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Your account has been created. Complete the filing of %(name)s.") % {"name": facility.name}
            )
            return redirect("facilities:filing_step", pk=facility.pk, step="basic")
    response = render(request, "facilities/signup.html", {"form": form})
    return invalid_form_status(response) if request.method == "POST" else response
