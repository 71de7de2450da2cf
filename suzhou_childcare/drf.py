"""The API frame: one error shape for every 4xx, capped page sizes, cursor pagination for endless tables."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError

logger = logging.getLogger(__name__)

# Ids fit the database's integer column: a larger number in a filter or body is a 400, never an overflow.
MAX_ID = 2**31 - 1


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _messages(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """DRF's nested validation detail, flattened to {"field" or "parent.child": [messages]}."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and all(isinstance(v, dict | list) for v in value):
            for index, sub in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            fields.setdefault(prefix or "non_field_errors", []).extend(_messages(value))

    walk("", detail)
    return fields


_DEFAULT_MESSAGES = {
    "not_authenticated": lambda: _("Authentication credentials were not provided or have expired."),
    "authentication_failed": lambda: _("The credentials are not valid."),
    "permission_denied": lambda: _("You are not allowed to perform this operation."),
    "not_found": lambda: _("The requested object was not found."),
    "method_not_allowed": lambda: _("This method is not allowed here."),
    "throttled": lambda: _("Too many requests; please try again later."),
    "parse_error": lambda: _("The request body could not be read."),
    "unsupported_media_type": lambda: _("This content type is not supported."),
    "not_acceptable": lambda: _("The requested response format is not available."),
}


def error_body(*, code: str, message: str, fields: dict | None = None, clause: str | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}, "clause": clause}


def exception_handler(exc, context):
    """Every 4xx of the API as {"code", "message", "fields", "clause"}."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            code="invalid",
            message=_("Some of the submitted data is not valid."),
            fields=_fields(exc.detail),
        )
    else:
        code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = code if isinstance(code, str) else "error"
        default = _DEFAULT_MESSAGES.get(code)
        # DRF's own English messages are replaced by ours; messages we raised ourselves are kept.
        detail = exc.detail if hasattr(exc, "detail") else ""
        message = default() if default and str(detail) == str(type(exc).default_detail) else str(detail)
        body = error_body(code=code, message=message)
    response.data = body
    return response


def not_found_response() -> Response:
    return Response(
        error_body(code="not_found", message=_("The requested object was not found.")), status.HTTP_404_NOT_FOUND
    )


class PageSizePagination(PageNumberPagination):
    """`?page=2&page_size=50`; the page size is capped so no client can ask for the whole table."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE


class CreatedCursorPagination(CursorPagination):
    """For tables that grow without bound (audit entries): stable, index-backed pages."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE


def paginated_response(view, request, rows, serializer_class):
    """One page of `rows` (page size capped), serialised: the list endpoints' common answer."""
    paginator = PageSizePagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
