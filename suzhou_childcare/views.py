"""Project-wide pages: each role's home, the health check, and the error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .accounts.models import Role
from .drf import error_body
from .outbox.models import MessageStatus, OutboxMessage
from .regions.selectors import district_list_for

logger = logging.getLogger(__name__)

HOME_TEMPLATES = {
    Role.CITY_ADMIN: "home/city_admin.html",
    Role.DISTRICT_OFFICER: "home/district_officer.html",
    Role.INSPECTOR: "home/inspector.html",
    Role.OPERATOR: "home/operator.html",
    Role.TRAINING_BASE: "home/training_base.html",
    Role.MCH_ASSESSOR: "home/mch_assessor.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.OPERATOR:
        # An operator's home is the list of their facilities and their filings.
        return redirect("facilities:list")
    context = {"districts": district_list_for(user=user)}
    if user.role == Role.CITY_ADMIN:
        context["outbox_waiting"] = OutboxMessage.objects.filter(
            status__in=[MessageStatus.PENDING, MessageStatus.SENT]
        ).count()
    return render(request, HOME_TEMPLATES.get(user.role, "home/default.html"), context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status, for load balancers and monitoring. 503 when the database is down."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("health check: database unavailable")
        checks["database"] = "error"
    if not settings.CELERY_BROKER_URL:
        checks["broker"] = "in-process"
    else:
        from .celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:
            logger.warning("health check: broker unavailable")
            checks["broker"] = "error"
    healthy = checks["database"] == "ok" and checks["broker"] != "error"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(code="bad_request", message=_("The request could not be understood.")), status=400
        )
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(code="permission_denied", message=_("You are not allowed to perform this operation.")),
            status=403,
        )
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(code="not_found", message=_("The requested object was not found.")), status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(code="server_error", message=_("An internal error occurred; it has been logged.")), status=500
        )
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)
