"""Login (password, then the second factor), logout, password change, language choice, the lockout page, the
accounts list, the second factor's pages and the REST tokens page."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login
from qrcode.image.svg import SvgPathFillImage

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.drf import error_body
from suzhou_childcare.errors import ApplicationError, NotFound
from suzhou_childcare.permissions import Capability, can
from suzhou_childcare.ratelimit import limit_posts
from suzhou_childcare.web import form_add_application_error, invalid_form_status

from . import selectors, services
from .forms import LanguageForm, PortalAuthenticationForm, RevealForm, SecondFactorForm
from .models import Role


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once (username, address) has failed too often."""
    message = _(
        "Too many failed logins for this account from your address. Try again in 30 minutes or ask your administrator."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code="locked_out", message=message), status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@method_decorator(limit_posts(scope="login", rate_setting="RATE_LIMIT_LOGIN"), name="dispatch")
class LoginView(auth_views.LoginView):
    """The password step; an account with a second factor (or required to have one) goes on to its page."""

    template_name = "accounts/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return invalid_form_status(super().form_invalid(form))

    def form_valid(self, form):
        response = super().form_valid(form)
        step = selectors.second_factor_step(user=self.request.user)
        if step is None:
            return response
        url_name = "accounts:second_factor_setup" if step == selectors.SECOND_FACTOR_ENROL else "accounts:second_factor"
        return redirect(_with_next(url_name, self.get_success_url()))


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
    context = {"page": page, "rows": rows, "may_reset_second_factor": request.user.role == Role.CITY_ADMIN}
    return render(request, "accounts/account_list.html", context)


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


# --- second factor (TOTP) -------------------------------------------------------------------------------------


def _second_factor_locked_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong codes: the half-open session ends, and axes refuses the password for a while too."""
    logout(request)
    return lockout_response(request)


@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """The code step after the password. Wrong codes slow the device down (django-otp's back-off) and count
    towards axes' lockout of (username, address), like wrong passwords."""
    user = request.user
    next_url = _next_url(request)
    device = selectors.second_factor_device(user=user)
    if device is None:
        return redirect(_with_next("accounts:second_factor_setup", next_url) if settings.OTP_REQUIRED else next_url)
    if user.is_verified():
        return redirect(next_url)
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _second_factor_locked_out(request)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = services.second_factor_verify(user=user, device=device, code=form.cleaned_data["otp_token"])
        except ApplicationError as exc:  # still waiting out the back-off
            form_add_application_error(form, exc)
        else:
            if verified:
                otp_login(request, device)
                request.session.cycle_key()
                return redirect(next_url)
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _second_factor_locked_out(request)
            form.add_error("otp_token", _("The code is not correct. Check the time on your phone and try again."))
    response = render(request, "accounts/second_factor.html", {"form": form, "next": next_url})
    return invalid_form_status(response) if request.method == "POST" else response


def _may_enrol(user) -> bool:
    """Enrolling replaces the device, so with a device it needs the code of that device first."""
    return user.is_verified() or selectors.second_factor_device(user=user) is None


@never_cache
@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: a QR code and the secret for the authenticator app, confirmed with a code from it."""
    user = request.user
    next_url = _next_url(request)
    if not _may_enrol(user):
        return redirect(_with_next("accounts:second_factor", next_url))
    replacing = selectors.second_factor_device(user=user) is not None
    device = services.second_factor_enrol_start(user=user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.second_factor_confirm(user=user, device=device, code=form.cleaned_data["otp_token"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, _("The second factor is set up. From now on, you log in with a code from it."))
            return redirect(next_url)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": settings.OTP_REQUIRED,
        "replacing": replacing,
    }
    response = render(request, "accounts/second_factor_setup.html", context)
    return invalid_form_status(response) if request.method == "POST" else response


@never_cache
@require_safe
@login_required
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the device being enrolled, as SVG (an image: no script, no inline style in the page)."""
    device = selectors.second_factor_pending_device(user=request.user)
    if device is None or not _may_enrol(request.user):
        raise NotFound
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, box_size=10, border=2)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@login_required
@require_POST
def second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The city admin removes an account's second factor (audited); the account enrols again."""
    account = selectors.account_get_for(user=request.user, pk=pk)
    services.second_factor_reset(actor=request.user, user=account)
    messages.success(request, _("The second factor of %(account)s has been reset.") % {"account": account})
    return redirect("accounts:list")


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The account's own page for its second factor and its REST tokens."""
    context = {
        "device": selectors.second_factor_device(user=request.user),
        "required": settings.OTP_REQUIRED,
        "own_tokens": selectors.api_token_list_for(user=request.user).filter(user=request.user).count(),
        "is_city_admin": request.user.role == Role.CITY_ADMIN,
    }
    return render(request, "accounts/security.html", context)


# --- REST tokens ------------------------------------------------------------------------------------------------


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Tokens in force and expired: every account's for the city admin, one's own for everybody else."""
    page = Paginator(selectors.api_token_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/token_list.html", {"page": page, "everyone": request.user.role == Role.CITY_ADMIN})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get_for(user=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… has been revoked.") % {"prefix": token.prefix})
    return redirect("accounts:tokens")
