"""The second factor of browser sessions: until it is given, a signed-in session reaches nothing else.

Who: every role that signs in to the web portal, operators included. The issue speaks of "staff browser
logins"; operators are the staff of private facilities and enter the children's and their own staff's personal
data (ID numbers, health records), and their accounts are the most numerous and the most exposed, so leaving
them out would leave the widest door open. Statistics clients have no browser login at all.

Token clients never need it: a request to the API that carries ``Authorization: Token …`` is left to DRF's
token authentication. A session without its second factor is sent to the code page (a device is confirmed)
or to enrolment (none is, and ``OTP_REQUIRED``); through the API such a session gets a 403 with a Chinese
message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from suzhou_childcare.drf import error_body

from .authentication import ExpiringTokenAuthentication
from .selectors import SECOND_FACTOR_ENROL, second_factor_step

# Reachable before the second factor: its own pages (their views check the step), leaving, and assets.
_OPEN_PREFIXES = ("/accounts/second-factor/", "/accounts/logout/", "/accounts/language/", "/static/", "/healthz")


def _token_keyword(request: HttpRequest) -> bool:
    parts = request.headers.get("Authorization", "").split()
    return bool(parts) and parts[0].lower() == ExpiringTokenAuthentication.keyword.lower()


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        if is_api and _token_keyword(request):
            # DRF's token authentication answers for this request (or refuses it); it never falls back to
            # the session. Any other scheme would, so only "Token" skips the check.
            return self.get_response(request)
        step = second_factor_step(user=user)
        if step is None:
            return self.get_response(request)
        if is_api:
            message = (
                _("Set up the second factor (authenticator app) on the portal before using the API in the browser.")
                if step == SECOND_FACTOR_ENROL
                else _("Enter the code of your authenticator app on the portal before using the API in the browser.")
            )
            return JsonResponse(error_body(code="second_factor_required", message=message), status=403)
        target = reverse("accounts:second_factor_setup" if step == SECOND_FACTOR_ENROL else "accounts:second_factor")
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)
