"""The facts the calculation reads, gathered for many facilities at once with a constant number of queries.

Per month and chunk of facilities: the facility as it stood at the month's end (FacilityVersion), its full-day
fee, the unit's fee reference for the year, recognitions in force on the month's last day, the current monthly
report's lines, whether a serious violation was open during the month (a serious finding's rectification order
open on any day of it, or a serious penalty decided in it), decided penalties, "1+N" sites, the slots already
built when the rule set took effect, and the one-time awards already granted elsewhere.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, Q, Sum

from facilities.models import Facility, FacilityVersion, FeeReference, ServiceForm, ServiceOffering
from facilities.selectors_recognition import recognitions_in_force_on
from inspections.models import Penalty, PenaltyRule, RectificationOrder

from .models import AwardGrant, EnrolmentReport, ReportStatus
from .rules import MonthFacts


class _AnyOf(Expression):
    """`field = ANY('{…}')` bounded by `BETWEEN min AND max`: the ids travel as one array literal (PostgreSQL),
    and the redundant range lets the planner read a chunk of consecutive ids off the index instead of scanning
    the whole table once per chunk."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: list[int]) -> None:
        super().__init__()
        self.lhs, self.ids = F(field), sorted({int(pk) for pk in ids})

    def get_source_expressions(self):
        return [self.lhs]

    def set_source_expressions(self, exprs) -> None:
        (self.lhs,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        array = "{" + ",".join(map(str, self.ids)) + "}"
        if not self.ids:
            return f"{sql} = ANY(%s::bigint[])", (*params, array)
        return (
            f"({sql} BETWEEN %s AND %s AND {sql} = ANY(%s::bigint[]))",
            (*params, self.ids[0], self.ids[-1], *params, array),
        )


def among(field: str, ids: Iterable[int]) -> Q | Expression:
    """A filter "`field` is one of `ids`" for thousands of ids: on PostgreSQL one array parameter (not thousands
    bound and quoted one by one, which cost more than the query) within the ids' range; elsewhere `__in`."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return _AnyOf(field, ids)
    return Q(**{f"{field}__in": ids})


def month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


_VERSION_FIELDS = ("category", "filing_status", "slots", "district_id", "opened_on", "closed_on")


def _versions_on(day: date, facility_ids: list[int], fields=_VERSION_FIELDS) -> dict[int, tuple]:
    """Each facility's version in force on `day`: facility id → the values of `fields` (a tuple)."""
    rows = (
        FacilityVersion.objects.filter(among("facility_id", facility_ids), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("valid_from")
        .values_list("facility_id", *fields)
    )
    return {row[0]: row[1:] for row in rows}


def month_facts(
    facility_ids: Iterable[int],
    *,
    period: date,
    baseline_day: date,
    exclude_statements: Iterable[int] = (),
) -> dict[int, MonthFacts]:
    """Facts for each facility operating at some point of the month (others are left out)."""
    ids = sorted(set(facility_ids))
    if not ids:
        return {}
    last = month_end(period)
    versions = _versions_on(last, ids)
    baseline = (
        _versions_on(baseline_day - timedelta(days=1), ids, fields=("slots",))
        if baseline_day > date(2000, 1, 1)
        else {}
    )
    # Facilities whose current record has no version yet (created outside the history) use the record itself.
    missing = [pk for pk in ids if pk not in versions]
    if missing:
        for pk, *row in Facility.objects.filter(among("pk", missing)).values_list("id", *_VERSION_FIELDS):
            versions[pk] = tuple(row)
    operating = {
        pk: row
        for pk, row in versions.items()
        if (row[4] is None or row[4] <= last) and (row[5] is None or row[5] >= period)
    }
    ids = sorted(operating)
    fees = dict(
        ServiceOffering.objects.filter(among("facility_id", ids), service_form=ServiceForm.FULL_DAY)
        .order_by()
        .values_list("facility_id", "monthly_fee")
    )
    references = dict(
        FeeReference.objects.filter(year=period.year).order_by().values_list("district_id", "full_day_monthly_fee")
    )
    recognitions: dict[int, list[str]] = defaultdict(list)
    for facility_id, kind in (
        recognitions_in_force_on(last).filter(among("facility_id", ids)).order_by().values_list("facility_id", "kind")
    ):
        recognitions[facility_id].append(kind)
    # The current report of the month and its lines (a report without lines still counts as present).
    lines: dict[int, list[tuple[str, int]]] = defaultdict(list)
    reported: set[int] = set()
    for facility_id, class_type, enrolled in (
        EnrolmentReport.objects.filter(among("facility_id", ids), period=period, status=ReportStatus.CURRENT)
        .order_by()
        .values_list("facility_id", "lines__class_type", "lines__enrolled")
    ):
        reported.add(facility_id)
        if class_type is not None:
            lines[facility_id].append((class_type, enrolled))
    open_orders = set(
        RectificationOrder.objects.filter(among("facility_id", ids), finding__weight="serious", issued_on__lte=last)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period))
        .order_by()
        .values_list("facility_id", flat=True)
    )
    serious_kinds = set(PenaltyRule.objects.filter(serious=True).values_list("kind", flat=True))
    decided = (
        Penalty.objects.filter(
            among("facility_id", ids), status="decided", decided_on__gte=period, decided_on__lte=last
        )
        .order_by()
        .values("facility_id")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(kind__in=serious_kinds)))
        .values_list("facility_id", "n", "serious")
    )
    penalties = {facility_id: (n, serious) for facility_id, n, serious in decided}
    site_rows = (
        FacilityVersion.objects.filter(among("facility__hub_id", ids), valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=last))
        .order_by()
        .values("facility__hub_id")
        .annotate(n=Count("id"), enrolled=Sum("enrolled"))
        .values_list("facility__hub_id", "n", "enrolled")
    )
    sites = {hub_id: (n, enrolled) for hub_id, n, enrolled in site_rows}
    granted: dict[int, list[str]] = defaultdict(list)
    through: dict[int, dict[str, int]] = defaultdict(dict)
    excluded = list(exclude_statements)
    for facility_id, code, slot in (
        AwardGrant.objects.filter(among("facility_id", ids))
        .exclude(among("statement_id", excluded))
        .order_by()
        .values_list("facility_id", "award_code", "slot_number")
    ):
        if slot is None:
            granted[facility_id].append(code)
        else:
            through[facility_id][code] = max(through[facility_id].get(code, 0), slot)
    facts = {}
    no_penalty, no_sites = (0, 0), (0, None)
    for pk in ids:
        category, filing_status, slots, district_id, _opened, _closed = operating[pk]
        n_penalties, n_serious = penalties.get(pk, no_penalty)
        n_sites, sites_enrolled = sites.get(pk, no_sites)
        own = lines.get(pk)
        held = recognitions.get(pk)
        once = granted.get(pk)
        per_slot = through.get(pk)
        base = baseline.get(pk)
        facts[pk] = MonthFacts(
            facility_id=pk,
            period=period,
            category=category,
            filing_status=filing_status,
            full_day_fee=fees.get(pk),
            fee_reference=references.get(district_id),
            recognitions=tuple(sorted(held)) if held else (),
            slots=slots,
            report_present=pk in reported,
            enrolled_by_class=tuple(sorted(own)) if own else (),
            serious_violation_open=pk in open_orders or bool(n_serious),
            penalties_decided=n_penalties,
            chain_sites=n_sites,
            group_enrolled=(sum(n for _t, n in own) if own else 0) + (sites_enrolled or 0),
            slots_baseline=base[0] if base else 0,
            awards_granted=tuple(sorted(set(once))) if once else (),
            slot_awards_through=tuple(sorted(per_slot.items())) if per_slot else (),
        )
    return facts
