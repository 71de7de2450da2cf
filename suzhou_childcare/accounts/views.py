"""Login, logout, password change, language choice, the lockout page, and the accounts list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import error_body
from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from . import selectors, services
from .forms import LanguageForm, PortalAuthenticationForm, RevealForm


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once (username, address) has failed too often."""
    message = _(
        "Too many failed logins for this account from your address. Try again in 30 minutes or ask your administrator."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code="locked_out", message=message), status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return invalid_form_status(super().form_invalid(form))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_invalid(self, form):
        return invalid_form_status(super().form_invalid(form))

    def form_valid(self, form):
        services.account_change_password(user=self.request.user, new_password=form.cleaned_data["new_password1"])
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.success_url)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if form.is_valid():
        language = form.cleaned_data["language"]
        request.session["language"] = language
        if request.user.is_authenticated:
            services.account_set_language(user=request.user, language=language)
    return redirect(target)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = selectors.account_list_for(user=request.user)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    rows = [(account, mask_identifier(account.id_number)) for account in page.object_list]
    return render(request, "accounts/account_list.html", {"page": page, "rows": rows})


@login_required
def account_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows an account's full ID number once, after the user states a reason (audited)."""
    account = selectors.account_get_for(user=request.user, pk=pk)
    if not can(request.user, Capability.UNMASK_PERSONAL_DATA):
        return render(request, "errors/404.html", status=404)
    revealed = None
    form = RevealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revealed = services.personal_data_reveal(
                actor=request.user, target=account, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
    response = render(
        request,
        "accounts/account_reveal.html",
        {"account": account, "masked": mask_identifier(account.id_number), "form": form, "revealed": revealed},
    )
    response["Cache-Control"] = "no-store"
    if request.method == "POST" and revealed is None:
        invalid_form_status(response)
    return response


@login_required
@require_POST
def personal_data_rekey(request: HttpRequest) -> HttpResponse:
    """The city admin starts re-encrypting personal data under the newest key; the job page shows progress."""
    from .rekey import personal_data_rekey_start

    job = personal_data_rekey_start(actor=request.user)
    return redirect("jobs:detail", job_id=job.id)
