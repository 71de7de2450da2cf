"""Public filing verification (备案核验): anyone, without an account, checks a filing number from a 回执.

These pages use their own layout (`facilities/public/_layout.html`): no navigation, no user, no form that
needs a CSRF cookie, so a response is the same for every visitor in a language and may be cached briefly
by browsers and proxies (the language comes from the session, hence `Vary: Cookie`).
"""

from __future__ import annotations

import re
import unicodedata

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from suzhou_childcare.errors import NotFound

from ..models import Facility, FilingStatus
from ..selectors_public import filing_public_get
from ..selectors_recognition import recognitions_in_force_on

PUBLIC_MAX_AGE = 300  # seconds: a recorded change shows within five minutes
EXAMPLE_NUMBER = "320508-2025-0001"
# What `_next_filing_number` issues (`<unit code>-<year>-<sequence>`), with room for a later format;
# anything else (a slash, a path, a script) is refused before it reaches a URL.
FILING_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,29}")
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")

STATUS_TONE = {
    FilingStatus.FILED: "primary",
    FilingStatus.VERIFIED: "success",
    FilingStatus.NONCONFORMING: "danger",
    FilingStatus.CHANGE_PENDING: "info",
    FilingStatus.CANCELLED: "secondary",
}


def normalise_filing_number(raw: str) -> str:
    """What a person types or pastes: full-width digits and dashes from a Chinese IME, spaces, other dashes."""
    text = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    return "".join(text.split())


def _labels() -> dict[str, str]:
    """Field labels from the model's own (translated) verbose names."""
    return {
        field: Facility._meta.get_field(field).verbose_name
        for field in ("filing_number", "filing_status", "filed_on", "district", "uscc")
    }


def _public(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Shared caches may keep the page briefly, unless it goes to someone with a session (its cookie must
    never be replayed to others)."""
    has_session = request.user.is_authenticated or not request.session.is_empty()
    if has_session:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_safe
def filing_lookup(request: HttpRequest) -> HttpResponse:
    """The form to type a filing number in; a submitted number goes to its own page."""
    raw = request.GET.get("number")
    if raw is None:
        return _public(
            request, render(request, "facilities/public/lookup.html", {"example": EXAMPLE_NUMBER, "labels": _labels()})
        )
    number = normalise_filing_number(raw)
    if FILING_NUMBER_RE.fullmatch(number):
        return redirect("verify:detail", number=number)
    error = _("Enter a filing number such as %(example)s.") % {"example": EXAMPLE_NUMBER}
    context = {"example": EXAMPLE_NUMBER, "labels": _labels(), "number": raw, "error": error}
    return render(request, "facilities/public/lookup.html", context, status=400)


@require_safe
def filing_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One filing as the public may see it; an unknown number, or one not (or no longer) public, is a 404."""
    try:
        facility = filing_public_get(filing_number=number)
    except NotFound:
        context = {"number": number, "example": EXAMPLE_NUMBER, "labels": _labels()}
        return render(request, "facilities/public/not_found.html", context, status=404)
    # Recognitions in force today, public columns only; each links to its live (never cached) record.
    recognitions = (
        recognitions_in_force_on(timezone.localdate())
        .filter(facility=facility)
        .only("number", "kind", "valid_from", "valid_to")
        .order_by("kind", "number")
    )
    context = {
        "facility": facility,
        "labels": _labels(),
        "status_tone": STATUS_TONE.get(facility.filing_status, "secondary"),
        "recognitions": list(recognitions),
    }
    return _public(request, render(request, "facilities/public/detail.html", context))
