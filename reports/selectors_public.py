"""Reads for the public register (/public/facilities/): the directory of filed facilities, a facility's public
card, and the city's headline figures of a published final month.

Unscoped on purpose (the public has no account), and therefore narrow: every read loads only the columns listed
here. What may reach the public: a facility's name, unit, street/town, category, form, slots, full-day fee and
address (registration and service data the facility publishes anyway), its filing number and status, the
recognitions in force, the date and the finding counts of its latest completed inspection, and the penalties
within their publication period (as `inspections.selectors.penalties.published_penalties` gives them). Never an
operator, a staff member, an inspector, an ID number, a telephone, the text of a finding or a penalty's facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from facilities.models import Facility, FilingStatus, ServiceForm, ServiceOffering
from facilities.selectors_recognition import facilities_recognised_q, recognitions_in_force_on
from inspections.models import Inspection, InspectionStatus, Weight
from inspections.selectors.penalties import SEARCH_MAX_LENGTH, published_penalties

from .models import PeriodState, Snapshot, SnapshotStatus

# A filing in force and not under a non-conformity notice: what a parent may rely on. Never `known` (operating
# unfiled), `draft` or `submitted` (not recorded), `nonconforming` (notified as not conforming) or `cancelled`.
LISTED_STATUSES = (FilingStatus.FILED, FilingStatus.VERIFIED, FilingStatus.CHANGE_PENDING)

# The columns the directory loads: a public page must not even hold the rest.
DIRECTORY_FIELDS = (
    "id",
    "name",
    "category",
    "form",
    "slots",
    "address",
    "district__code",
    "district__name",
    "street__id",
    "street__name",
    "street__kind",
)
CARD_FIELDS = (
    *DIRECTORY_FIELDS,
    "filing_number",
    "filing_status",
    "filed_on",
    "verified_on",
)
RECOGNITION_FIELDS = ("id", "facility_id", "number", "kind", "valid_from", "valid_to")

MAX_PK = 2**63 - 1

# The city's headline figures; "inclusive recognitions" is provincial + municipal (a facility may hold both).
INCLUSIVE_CODES = ("recognitions_provincial_inclusive", "recognitions_municipal_inclusive")
HEADLINE_CODES = ("facilities", "slots", "slots_per_thousand", *INCLUSIVE_CODES)


def listed_facilities(*, on: date) -> QuerySet[Facility]:
    """Facilities the register lists on `on`: filed (filed, verified, change pending) and not closed."""
    return Facility.objects.filter(filing_status__in=LISTED_STATUSES).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=on)
    )


def _full_day_fee() -> Subquery:
    return Subquery(
        ServiceOffering.objects.filter(facility=OuterRef("pk"), service_form=ServiceForm.FULL_DAY).values(
            "monthly_fee"
        )[:1]
    )


def _recognitions_in_force(on: date) -> Prefetch:
    return Prefetch(
        "recognitions",
        queryset=recognitions_in_force_on(on).only(*RECOGNITION_FIELDS).order_by("kind", "number"),
        to_attr="recognitions_in_force",
    )


def public_directory(*, on: date, filters: dict | None = None) -> QuerySet[Facility]:
    """The directory: listed facilities with their full-day fee (annotated) and the recognitions in force on
    `on` (prefetched as `recognitions_in_force`), by unit, street/town and name; three queries a page.

    Filters (already validated by the caller; empty means any): `district` (unit code), `street` (id),
    `category`, `form`, `recognition` (a kind in force on `on`), `q` (part of the name or the address).
    """
    filters = filters or {}
    qs = listed_facilities(on=on)
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("street"):
        qs = qs.filter(street_id=filters["street"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("form"):
        qs = qs.filter(form=filters["form"])
    if filters.get("recognition"):
        qs = qs.filter(facilities_recognised_q(kind=filters["recognition"], on=on))
    term = (filters.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    if term:
        # Substring search: full-text search does not split Chinese.
        qs = qs.filter(Q(name__icontains=term) | Q(address__icontains=term))
    return (
        qs.select_related("district", "street")
        .only(*DIRECTORY_FIELDS)
        .annotate(full_day_fee=_full_day_fee())
        .prefetch_related(_recognitions_in_force(on))
        .order_by("district_id", "street__name", "name", "id")
    )


def public_facility(*, pk: int, on: date) -> Facility | None:
    """A listed facility's card data (public columns, full-day fee, recognitions in force), or None."""
    if not 0 < pk <= MAX_PK:
        return None
    return (
        listed_facilities(on=on)
        .filter(pk=pk)
        .select_related("district", "street")
        .only(*CARD_FIELDS)
        .annotate(full_day_fee=_full_day_fee())
        .prefetch_related(_recognitions_in_force(on))
        .first()
    )


def latest_inspection_outcome(*, facility: Facility) -> dict | None:
    """The latest completed inspection: its date, type and the number of findings by weight. Counts only: a
    finding's text may name a person, so it never leaves the supervision pages."""
    return (
        Inspection.objects.filter(facility=facility, status=InspectionStatus.COMPLETED)
        .order_by("-inspected_on", "-id")
        .annotate(
            serious=Count("findings", filter=Q(findings__weight=Weight.SERIOUS)),
            moderate=Count("findings", filter=Q(findings__weight=Weight.MODERATE)),
            minor=Count("findings", filter=Q(findings__weight=Weight.MINOR)),
        )
        .values("inspected_on", "kind", "serious", "moderate", "minor")
        .first()
    )


def facility_published_penalties(*, facility: Facility, today: date) -> list[dict]:
    """The facility's penalties within their publication period, exactly as the public penalty register shows
    them (the same selector, the same public fields), newest decision first."""
    return list(published_penalties(today=today).filter(facility_id=facility.pk))


@dataclass(frozen=True)
class Headline:
    """The city's figure of one headline indicator in the published month."""

    code: str
    value: Decimal | None
    estimated: bool = False

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Headlines:
    period: date
    as_of: datetime
    figures: dict[str, Headline]


def published_headlines() -> Headlines | None:
    """The city's headline figures of the latest month the city admin published (final and published), from
    the latest revision of each snapshot; None when no month is published. One query."""
    period = (
        PeriodState.objects.filter(published=True, status=SnapshotStatus.FINAL).order_by("-period").values("period")[:1]
    )
    latest_revision = (
        Snapshot.objects.filter(period=OuterRef("period"), district__isnull=True, indicator=OuterRef("indicator"))
        .order_by("-revision")
        .values("revision")[:1]
    )
    rows = list(
        Snapshot.objects.filter(district__isnull=True, indicator__in=HEADLINE_CODES, period=Subquery(period))
        .filter(revision=Subquery(latest_revision))
        .values("period", "indicator", "value", "estimated", "as_of")
    )
    if not rows:
        return None
    by_code = {row["indicator"]: row for row in rows}
    figures = {
        code: Headline(code, by_code[code]["value"], by_code[code]["estimated"])
        for code in ("facilities", "slots", "slots_per_thousand")
        if code in by_code
    }
    if any(code in by_code for code in INCLUSIVE_CODES):
        inclusive = [by_code[c] for c in INCLUSIVE_CODES if c in by_code and by_code[c]["value"] is not None]
        figures["inclusive_recognitions"] = Headline(
            "inclusive_recognitions",
            sum((row["value"] for row in inclusive), Decimal(0)) if inclusive else None,
            any(row["estimated"] for row in inclusive),
        )
    return Headlines(period=rows[0]["period"], as_of=max(row["as_of"] for row in rows), figures=figures)
