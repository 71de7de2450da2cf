"""Request id, language preference, web access by role, and the page side of ApplicationError."""

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
