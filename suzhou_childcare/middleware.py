"""Request id, security headers, language preference, web access by role, and the page side of ApplicationError."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from .context import request_id_var
from .errors import ApplicationError

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class RequestIdMiddleware:
    """Takes a sane X-Request-ID from the proxy or makes one; logs and audit entries carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """The content-security policy and the permissions policy on every response (Django's SecurityMiddleware sets
    HSTS, nosniff, referrer and opener policies). A view that needs a different policy sets its own header."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
            else "Content-Security-Policy"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault(self.header, self.policy)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def language_for(request: HttpRequest) -> str:
    """The user's chosen language, else the one picked on the login page, else Chinese.

    The browser's Accept-Language is deliberately ignored: the portal is Chinese unless a person picks English.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED_LANGUAGES:
        return user.language
    chosen = request.session.get("language") if hasattr(request, "session") else None
    return chosen if chosen in SUPPORTED_LANGUAGES else settings.LANGUAGE_CODE


class PreferredLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class WebAccessMiddleware:
    """Statistics clients use the REST statistics only; a session of theirs gets no page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .permissions import Capability, can

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not can(user, Capability.USE_WEB_PORTAL)
            and not request.path.startswith(("/api/", "/accounts/logout/", "/static/", "/healthz"))
        ):
            return render(request, "errors/404.html", status=404)
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """An ApplicationError that escapes a page view becomes a Chinese error page with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        return render(
            request,
            "errors/application_error.html",
            {"error": exception.as_dict()},
            status=exception.status_code,
        )


class DatabaseUnavailableMiddleware:
    """A database that is down or restarting answers 503 at once — the static errors/503.html page, or the API's
    JSON error shape under /api/ — instead of a 500 (or an error page that itself needs the database).

    Placed before the session middleware (settings, "database outages"): everything that may touch the database
    runs inside it. A view's error arrives through `process_exception`; an error in an inner middleware (the session
    and user loaded by the language middleware) has already become the 500 handler's response when it gets here,
    so the `got_request_exception` signal marks the request; and when the 500 handler fails in turn (its context
    processors read the database) the error reaches `__call__`.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        from django.core.signals import got_request_exception

        self.get_response = get_response
        got_request_exception.connect(self.mark_request, dispatch_uid="portal-database-unavailable")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:
            if self.is_outage(exc):
                return self.unavailable(request)
            raise
        if getattr(request, "_database_unavailable", False):
            return self.unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return self.unavailable(request) if self.is_outage(exception) else None

    @staticmethod
    def is_outage(exception: BaseException | None) -> bool:
        from django.db import InterfaceError, OperationalError

        return isinstance(exception, (OperationalError, InterfaceError))

    @classmethod
    def mark_request(cls, sender, request=None, **kwargs) -> None:
        import sys

        if request is not None and cls.is_outage(sys.exc_info()[1]):
            request._database_unavailable = True

    def unavailable(self, request: HttpRequest) -> HttpResponse:
        import logging

        from django.http import JsonResponse
        from django.template.loader import render_to_string
        from django.utils.translation import gettext

        from .drf import error_body

        logging.getLogger(__name__).error("database unavailable: %s %s answered 503", request.method, request.path)
        if request.path.startswith("/api/"):
            message = gettext("The service is temporarily unavailable. Please try again in a moment.")
            response = JsonResponse(error_body(code="service_unavailable", message=message), status=503)
        else:
            # Rendered without the request: no context processor, session or user, so nothing reads the database.
            response = HttpResponse(render_to_string("errors/503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
