"""The public register (托育机构公示名录), no login: the directory of filed facilities with the city's published
headline figures, and each facility's public card (filing, recognitions, latest inspection, published penalties).

Like the filing verification these pages use the public layout (`facilities/public/_layout.html`): no
navigation, no user, no form needing a CSRF cookie, so a response is the same for every visitor in a language
and may be cached briefly by browsers and proxies (`Vary: Cookie`, the language comes from the session). Only
the columns of `reports.selectors_public` reach them; never a person.

Filters are forgiving: an unknown unit, street, category, form, recognition or page is ignored (the page shows
what the visitor would have seen without it), never an error. Reads are rate-limited per client address, as the
public complaint form's submissions are (a keyed hash of the address in Django's cache; production points
CACHES at the shared Redis so every worker counts together): a searching script cannot keep the database busy
with uncached substring searches.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from facilities.models import Category, FacilityForm, RecognitionKind
from inspections.models import InspectionKind, PenaltyKind, Weight
from inspections.rules_penalties import yuan
from inspections.selectors.penalties import SEARCH_MAX_LENGTH, kind_label
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.regions.models import District, Street

from .selectors_public import (
    Headlines,
    facility_published_penalties,
    latest_inspection_outcome,
    public_directory,
    public_facility,
    published_headlines,
)

PAGE_SIZE = 25
PUBLIC_MAX_AGE = 300  # seconds, as the filing verification: a recorded change shows within five minutes
RATE_LIMIT = 300  # requests per client address per window: far above a person browsing, below a script
RATE_WINDOW = 60  # seconds

HEADLINES = (
    ("facilities", _("Facilities operating"), 0),
    ("slots", _("Childcare slots"), 0),
    ("slots_per_thousand", _("Slots per 1,000 residents"), 2),
    ("inclusive_recognitions", _("Inclusive recognitions"), 0),
)
WEIGHT_TONE = {Weight.SERIOUS: "danger", Weight.MODERATE: "warning", Weight.MINOR: "secondary"}
STATUS_TONE = {"filed": "primary", "verified": "success", "change_pending": "info"}


def normalise_query(raw: str) -> str:
    """What a person types: full-width characters from a Chinese IME, surrounding and repeated spaces; a NUL
    (which PostgreSQL refuses in a string) is dropped."""
    text = unicodedata.normalize("NFKC", raw.replace("\x00", ""))
    return " ".join(text.split())[:SEARCH_MAX_LENGTH]


# --- caching and rate limit ----------------------------------------------------------------------------------


def _public(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Shared caches may keep the page briefly, unless it goes to someone with a session (its cookie must never
    be replayed to others)."""
    has_session = request.user.is_authenticated or not request.session.is_empty()
    if has_session:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _over_limit(request: HttpRequest) -> bool:
    """Count one request of this address; True when the window's allowance is used up.

    `add` starts the window (a no-op when it runs), `incr` is atomic in every cache backend.
    """
    address = get_client_ip_address(request) or "unknown"
    key = "register:public:" + blind_index(address, purpose="rate")
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW)
        count = 1
    return count > RATE_LIMIT


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "reports/public/too_many.html", status=429)
    response["Retry-After"] = str(RATE_WINDOW)
    add_never_cache_headers(response)
    return response


# --- the directory -------------------------------------------------------------------------------------------


def _filters(request: HttpRequest, districts: list[District]) -> tuple[dict, list[Street]]:
    """Only known values pass; the street must lie in the chosen unit (streets are listed per unit)."""
    params = request.GET
    district = params.get("district", "")
    district = district if district in {d.code for d in districts} else ""
    streets: list[Street] = []
    street = None
    if district:
        streets = list(Street.objects.filter(district_id=district).order_by("name", "id").only("id", "name", "kind"))
        raw = params.get("street", "")
        street = next((s.pk for s in streets if raw.isascii() and raw.isdigit() and s.pk == int(raw)), None)
    category, form, recognition = params.get("category", ""), params.get("form", ""), params.get("recognition", "")
    filters = {
        "district": district,
        "street": street,
        "category": category if category in Category.values else "",
        "form": form if form in FacilityForm.values else "",
        "recognition": recognition if recognition in RecognitionKind.values else "",
        "q": normalise_query(params.get("q", "")),
    }
    return filters, streets


def _headline_figures(headlines: Headlines | None) -> list[dict]:
    if headlines is None:
        return []
    figures = []
    for code, label, places in HEADLINES:
        figure = headlines.figures.get(code)
        if figure is None:
            continue
        value = (
            number_format(figure.value.quantize(Decimal(1).scaleb(-places)), places, force_grouping=True)
            if figure.available
            else None
        )
        figures.append({"code": code, "label": label, "value": value, "estimated": figure.estimated})
    return figures


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """Filed facilities by unit, street/town, category, form and recognition, searchable by name or address;
    the city's headline figures of the latest published final month on top. A constant number of queries."""
    if _over_limit(request):
        return _too_many(request)
    today = timezone.localdate()
    districts = list(District.objects.order_by("code").only("code", "name"))
    filters, streets = _filters(request, districts)
    page = Paginator(public_directory(on=today, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    headlines = published_headlines()
    headline_figures = _headline_figures(headlines)
    context = {
        "page": page,
        "facilities": [(facility, _fee(facility.full_day_fee)) for facility in page.object_list],
        "filters": filters,
        "filtered": any(filters.values()),
        "districts": districts,
        "streets": streets,
        "categories": Category.choices,
        "forms": FacilityForm.choices,
        "kinds": RecognitionKind.choices,
        "headlines": headlines,
        "headline_figures": headline_figures,
        "headline_estimated": any(figure["estimated"] for figure in headline_figures),
        "today": today,
    }
    return _public(request, render(request, "reports/public/directory.html", context))


def _fee(amount: Decimal | None) -> str:
    return yuan(amount) if amount is not None else ""


# --- a facility's card ---------------------------------------------------------------------------------------


@require_safe
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """A listed facility's public card; one not listed (never filed, cancelled, non-conforming, closed) or
    unknown is a friendly 404 with a link back to the directory."""
    if _over_limit(request):
        return _too_many(request)
    today = timezone.localdate()
    facility = public_facility(pk=pk, on=today)
    if facility is None:
        return render(request, "reports/public/not_found.html", status=404)
    inspection = latest_inspection_outcome(facility=facility)
    if inspection is not None:
        inspection["findings"] = [
            (weight, label, inspection[weight], WEIGHT_TONE[weight])
            for weight, label in Weight.choices
            if inspection[weight]
        ]
        kind = inspection["kind"]
        inspection["kind_label"] = InspectionKind(kind).label if kind in InspectionKind.values else ""
        inspection["total"] = inspection["serious"] + inspection["moderate"] + inspection["minor"]
    penalties = [
        {
            **row,
            "kind_label": kind_label(row["kind"]),
            "amount": yuan(row["amount"]) if row["amount"] is not None else "",
            "person_banned": row["kind"] == PenaltyKind.LIFETIME_BAN,
        }
        for row in facility_published_penalties(facility=facility, today=today)
    ]
    context = {
        "facility": facility,
        "fee": _fee(facility.full_day_fee),
        "status_tone": STATUS_TONE.get(facility.filing_status, "secondary"),
        "inspection": inspection,
        "penalties": penalties,
        "today": today,
    }
    return _public(request, render(request, "reports/public/card.html", context))
