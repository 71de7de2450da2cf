"""The public register of administrative penalties (行政处罚公示): anyone, without an account.

It uses the public layout (`facilities/public/_layout.html`): no navigation, no user, no form needing a CSRF
cookie, so a response is the same for every visitor in a language and may be cached briefly by browsers and
proxies (the language comes from the session, hence `Vary: Cookie`). Rows come from `published_penalties`,
which loads only the public fields: never a person's name or ID number, never the facts.
"""

from __future__ import annotations

import unicodedata

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ..models import PenaltyKind
from ..rules_penalties import yuan
from ..selectors.penalties import SEARCH_MAX_LENGTH, kind_label, published_penalties

PUBLIC_MAX_AGE = 300  # seconds: a new decision shows on the register within five minutes
PAGE_SIZE = 50


def normalise_query(raw: str) -> str:
    """What a person types: full-width characters from a Chinese IME, surrounding and repeated spaces."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())[:SEARCH_MAX_LENGTH]


@require_safe
def penalty_register(request: HttpRequest) -> HttpResponse:
    """Decided penalties within their publication period, newest first, searchable by facility name."""
    q = normalise_query(request.GET.get("q", ""))
    today = timezone.localdate()
    page = Paginator(published_penalties(today=today, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {
            **row,
            "kind_label": kind_label(row["kind"]),
            "amount": yuan(row["amount"]) if row["amount"] is not None else "",
            "person_banned": row["kind"] == PenaltyKind.LIFETIME_BAN,
        }
        for row in page.object_list
    ]
    response = render(request, "inspections/public_penalties_register.html", {"page": page, "entries": entries, "q": q})
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response
