"""Reading administrative penalties: scoped lists and details for staff and operators, the legal range in
force, and the public register (公示) of decided penalties.

Staff and operators read through `scoped` (foreign is 404). The public register is the one unscoped read of
penalties; it loads only the fields listed in `PUBLIC_FIELDS`, never the person, the facts or who decided.
"""

from __future__ import annotations

from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from facilities.models import StaffMember
from suzhou_childcare.errors import NotFound, RuleViolation

from ..models import Penalty, PenaltyKind, PenaltyRule, PenaltyStatus
from ..reference import ART_41
from .scope import scoped

SEARCH_MAX_LENGTH = 100

# What the public register shows, and nothing else: the facility (public registration data), its unit, the
# kind, the amount, the decision number and date, the legal basis and the end of the publication period.
# Never the person (a lifetime ban shows only that a person was banned), the facts, or the officials.
PUBLIC_FIELDS = (
    "facility__name",
    "facility__district__name",
    "kind",
    "amount",
    "decision_number",
    "decided_on",
    "legal_basis",
    "publish_until",
)


def penalty_rule_in_force(*, kind: str, on: date) -> PenaltyRule:
    """The latest edition of the legal range of `kind` effective on `on`."""
    rule = PenaltyRule.objects.filter(kind=kind, effective_from__lte=on).order_by("-effective_from").first()
    if rule is None:
        raise RuleViolation(
            _("No legal range for this kind of penalty is in force on that day."),
            code="no_penalty_rule",
            fields={"kind": [_("No legal range for this kind of penalty is in force on that day.")]},
            clause=ART_41,
        )
    return rule


def _base(user) -> QuerySet[Penalty]:
    """Scoped penalties with what the pages and the API show, in one query.

    A banned person is named as the penalised facility's own roster entered them (`person_roster_name`),
    never by the registry's name, which another facility may have entered: the registry's name is not
    shown across facilities. Someone not on that roster shows by masked ID number only.
    """
    roster_name = (
        StaffMember.objects.filter(facility=OuterRef("facility"), person=OuterRef("person"))
        .order_by("-employed_from", "-id")
        .values("name")[:1]
    )
    return (
        scoped(Penalty.objects.all(), user=user)
        .select_related("facility", "facility__district", "person", "inspection", "proposed_by", "decided_by")
        .annotate(person_roster_name=Subquery(roster_name))
    )


def penalty_list_for(*, user, filters: dict | None = None) -> QuerySet[Penalty]:
    """Penalties on the facilities the user may see, newest proposal first; a constant number of queries.

    Filters: `status`, `kind`, `district` (unit code), `facility` (id), `q` (part of the facility's name or
    of the decision number).
    """
    filters = filters or {}
    qs = _base(user).order_by("-proposed_on", "-id")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("district"):
        qs = qs.filter(facility__district_id=filters["district"])
    if filters.get("facility"):
        qs = qs.filter(facility_id=filters["facility"])
    term = (filters.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    if term:
        # Substring search: full-text search does not split Chinese.
        qs = qs.filter(Q(facility__name__icontains=term) | Q(decision_number__icontains=term))
    return qs


def penalty_get_for(*, user, pk) -> Penalty:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    penalty = _base(user).filter(pk=pk).first()
    if penalty is None:
        raise NotFound
    return penalty


def published_penalties(*, today: date, q: str | None = None) -> QuerySet:
    """The public register (行政处罚公示): decided penalties whose publication period includes `today`.

    Rows are dicts of `PUBLIC_FIELDS` (plus the kind's label on the page), newest decision first. Unscoped
    on purpose: anyone may read a published decision. `q` finds part of a facility's name.
    """
    qs = Penalty.objects.filter(
        status=PenaltyStatus.DECIDED,
        publish_from__isnull=False,
        publish_until__isnull=False,
        publish_from__lte=today,
        publish_until__gte=today,
    )
    term = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if term:
        qs = qs.filter(facility__name__icontains=term)
    return qs.order_by("-decided_on", "-id").values(*PUBLIC_FIELDS)


def kind_label(kind: str) -> str:
    return str(PenaltyKind(kind).label) if kind in PenaltyKind.values else kind
