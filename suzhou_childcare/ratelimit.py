"""Rate limits: DRF throttles for API views, and a small cache-based limiter for page POSTs.

Rates are settings such as ``"5/hour"`` (``RATE_LIMIT_*`` in settings), read on every request so that a
deployment (and a test, with ``override_settings``) can change them. Counts live in Django's cache under a
keyed hash of the client address: the address itself is stored nowhere. The default cache is per-process
memory; production must point CACHES at the shared Redis so that every worker counts together. The address
comes from axes' resolver, so it honours the same REVERSE_PROXY_COUNT as the login lockout.

Both kinds answer 429 with a ``Retry-After`` header and a Chinese message: JSON in the API's error shape
under ``/api/``, a page elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from .crypto import blind_index
from .drf import error_body

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@functools.lru_cache(maxsize=64)
def parse_rate(rate: str) -> Rate:
    """``"5/hour"`` -> Rate(5, 3600); ``"10/5m"`` -> Rate(10, 300). The period's unit is its first letter."""
    match = _RATE_RE.match(rate or "")
    if not match:
        raise ImproperlyConfigured(f"Not a rate: {rate!r} (expected e.g. '5/hour' or '10/5m').")
    count, multiple, unit = match.groups()
    return Rate(count=int(count), seconds=int(multiple or 1) * _PERIODS[unit])


def client_fingerprint(request: HttpRequest) -> str:
    """The client address as a keyed hash: counts need to tell addresses apart, not to know them."""
    address = get_client_ip_address(request) or "unknown"
    return blind_index(address, purpose="rate")


# --- page POSTs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One counted request; `give_back` undoes the count (a submission refused for its content)."""

    key: str
    rate: Rate

    def give_back(self) -> None:
        with contextlib.suppress(ValueError):  # the window expired meanwhile
            cache.decr(self.key)


def take_slot(request: HttpRequest, *, scope: str, rate: str) -> Slot | None:
    """Count one request of this client in `scope`; None when the window's allowance is already used up.

    `add` starts the window (a no-op when it runs), `incr` is atomic in every cache backend, so two requests
    at once cannot both take the last slot.
    """
    parsed = parse_rate(rate)
    key = f"ratelimit:{scope}:{client_fingerprint(request)}"
    cache.add(key, 0, timeout=parsed.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=parsed.seconds)
        count = 1
    return Slot(key=key, rate=parsed) if count <= parsed.count else None


def too_many_response(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 with a Chinese message: the API's error shape under /api/, a page elsewhere."""
    message = _("Too many requests; please try again later.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(code="throttled", message=message), status=429)
    else:
        response = render(
            request, "accounts/too_many_requests.html", {"message": message, "retry_after": retry_after}, status=429
        )
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def limit_posts(*, scope: str, rate_setting: str):
    """Decorator for page views: every POST of a client counts; over the rate, a 429 page and no view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method == "POST":
                rate = getattr(settings, rate_setting)
                if take_slot(request, scope=scope, rate=rate) is None:
                    return too_many_response(request, retry_after=parse_rate(rate).seconds)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- API views ----------------------------------------------------------------------------------------------


class SettingRateThrottle(SimpleRateThrottle):
    """A DRF throttle per client address whose rate is a Django setting, read on every request.

    (DRF's own classes read DEFAULT_THROTTLE_RATES once, at import, which `override_settings` cannot reach.)
    """

    rate_setting: str = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def parse_rate(self, rate):
        parsed = parse_rate(rate)
        return parsed.count, parsed.seconds

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_fingerprint(request._request)}


class TokenObtainThrottle(SettingRateThrottle):
    scope = "auth_token"
    rate_setting = "RATE_LIMIT_API_TOKEN"


class Throttled(exceptions.Throttled):
    """DRF's 429 with our message only (DRF appends an English "Expected available in …" otherwise)."""

    def __init__(self, wait: float | None) -> None:
        super().__init__(detail=_("Too many requests; please try again later."))
        # DRF's exception handler turns `wait` into the Retry-After header.
        self.wait = math.ceil(wait) if wait is not None else None


class ChineseThrottledMixin:
    """For API views with throttles: the 429 carries the portal's Chinese message."""

    def throttled(self, request, wait):
        raise Throttled(wait)
