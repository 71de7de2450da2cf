"""Public pages of recognitions (普惠 / 示范认定), no login: the register of recognitions in force today and
the live record a certificate's QR code opens.

They use the public layout (`facilities/public/_layout.html`): no navigation, no user, no form needing a CSRF
cookie. Unlike the filing verification they are never cached: a suspension must show on the record (and the
recognition leave the register) the moment it is decided, so an old certificate cannot hide it.

What reaches these pages is limited to public facts: the facility's name, unit and filing number, and the
recognition's kind, number and dates. Never an operator, a decider, the facts or evaluation behind a
decision, a suspension's reason or a penalty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from suzhou_childcare.regions.models import District

from ..models import Recognition, RecognitionKind, RecognitionStatus
from ..selectors_recognition import public_recognition, public_register

PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 100
# What `_next_number` issues (`MI-2026-0001`), with room for a later format; anything else is refused before
# it reaches the database.
RECOGNITION_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,29}")
# The only columns the register loads: a public page must not even hold the rest.
REGISTER_FIELDS = (
    "number",
    "kind",
    "valid_from",
    "valid_to",
    "facility__name",
    "facility__filing_number",
    "facility__district__code",
    "facility__district__name",
)


def normalise_query(raw: str) -> str:
    """What a person types: full-width characters from a Chinese IME, surrounding and repeated spaces."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())[:SEARCH_MAX_LENGTH]


def last_day(recognition: Recognition) -> date:
    """The last day a recognition is valid: `valid_to` is exclusive, people read the day it ends."""
    return recognition.valid_to - timedelta(days=1)


@dataclass(frozen=True)
class PublicState:
    """What a certificate's record says now. `key` is one of in_force, pending, suspended, revoked, expired,
    renewed; `on` the day that state began (or begins, for pending); `successor` the renewing recognition."""

    key: str
    on: date | None = None
    successor: Recognition | None = None

    @property
    def in_force(self) -> bool:
        return self.key == "in_force"


def _successor(recognition: Recognition) -> Recognition | None:
    try:
        return recognition.renewed_by
    except ObjectDoesNotExist:
        return None


def public_state(recognition: Recognition, *, today: date) -> PublicState:
    """The state on `today`, from the recognition's dates (the same definition as `in_force_q`), so a
    suspension or revocation shows at once and a lapsed period shows as expired before the nightly task runs.

    Reads `suspensions` and `renewed_by` as loaded by `public_recognition`; no query of its own.
    """
    successor = _successor(recognition)
    if recognition.revoked_on and recognition.revoked_on <= today:
        return PublicState("revoked", recognition.revoked_on)
    suspensions = list(recognition.suspensions.all())
    covering = [s for s in suspensions if s.suspended_on <= today and (s.lifted_on is None or s.lifted_on > today)]
    if not covering and recognition.status == RecognitionStatus.SUSPENDED:
        covering = [s for s in suspensions if s.lifted_on is None]
    if covering:
        return PublicState("suspended", min(s.suspended_on for s in covering))
    if recognition.status == RecognitionStatus.REVOKED:
        return PublicState("revoked", recognition.revoked_on)
    if today >= recognition.valid_to:
        if successor is not None:
            return PublicState("renewed", recognition.valid_to, successor)
        return PublicState("expired", recognition.expired_on or recognition.valid_to)
    if recognition.status == RecognitionStatus.EXPIRED:
        return PublicState("expired", recognition.expired_on or recognition.valid_to)
    if today < recognition.valid_from:
        return PublicState("pending", recognition.valid_from)
    return PublicState("in_force", recognition.valid_from, successor)


def _register_filters(request: HttpRequest, district_codes: set[str]) -> dict:
    """Only known values pass: an unknown kind or unit is ignored rather than answered with an empty page."""
    kind = request.GET.get("kind", "")
    district = request.GET.get("district", "")
    return {
        "kind": kind if kind in RecognitionKind.values else "",
        "district": district if district in district_codes else "",
        "q": normalise_query(request.GET.get("q", "")),
    }


@require_safe
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Recognitions in force today, by unit, kind and facility name; searchable, filterable, paginated."""
    today = timezone.localdate()
    districts = list(District.objects.order_by("code").only("code", "name"))
    filters = _register_filters(request, {d.code for d in districts})
    rows = public_register(on=today, filters=filters).only(*REGISTER_FIELDS)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [(recognition, last_day(recognition)) for recognition in page.object_list]
    context = {
        "page": page,
        "entries": entries,
        "filters": filters,
        "filtered": any(filters.values()),
        "kinds": RecognitionKind.choices,
        "districts": districts,
        "today": today,
    }
    return render(request, "facilities/public/recognition_register.html", context)


@require_safe
@never_cache
def record(request: HttpRequest, number: str) -> HttpResponse:
    """A certificate's live record; an unknown number is a friendly 404 with a link to the register."""
    today = timezone.localdate()
    recognition = public_recognition(number) if RECOGNITION_NUMBER_RE.fullmatch(number) else None
    if recognition is None:
        return render(
            request, "facilities/public/recognition_record.html", {"number": number, "missing": True}, status=404
        )
    context = {
        "recognition": recognition,
        "facility": recognition.facility,
        "state": public_state(recognition, today=today),
        "last_day": last_day(recognition),
        "today": today,
    }
    return render(request, "facilities/public/recognition_record.html", context)
