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

from django.db.models import Count, Q, Sum

from facilities.models import Facility, FacilityVersion, FeeReference, ServiceForm, ServiceOffering
from facilities.selectors_recognition import recognitions_in_force_on
from inspections.models import Penalty, PenaltyRule, RectificationOrder

from .models import AwardGrant, EnrolmentReport, EnrolmentReportLine, ReportStatus
from .rules import MonthFacts


def month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def _versions_on(day: date, facility_ids: list[int]) -> dict[int, dict]:
    rows = (
        FacilityVersion.objects.filter(facility_id__in=facility_ids, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values("facility_id", "category", "filing_status", "slots", "district_id", "opened_on", "closed_on")
    )
    return {row["facility_id"]: row for row in rows}


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
    baseline = _versions_on(baseline_day - timedelta(days=1), ids) if baseline_day > date(2000, 1, 1) else {}
    # Facilities whose current record has no version yet (created outside the history) use the record itself.
    missing = [pk for pk in ids if pk not in versions]
    if missing:
        for row in Facility.objects.filter(pk__in=missing).values(
            "id", "category", "filing_status", "slots", "district_id", "opened_on", "closed_on"
        ):
            row["facility_id"] = row.pop("id")
            versions[row["facility_id"]] = row
    operating = {
        pk: row
        for pk, row in versions.items()
        if (row["opened_on"] is None or row["opened_on"] <= last)
        and (row["closed_on"] is None or row["closed_on"] >= period)
    }
    ids = sorted(operating)
    fees = dict(
        ServiceOffering.objects.filter(facility_id__in=ids, service_form=ServiceForm.FULL_DAY).values_list(
            "facility_id", "monthly_fee"
        )
    )
    references = dict(FeeReference.objects.filter(year=period.year).values_list("district_id", "full_day_monthly_fee"))
    recognitions: dict[int, list[str]] = defaultdict(list)
    for facility_id, kind in (
        recognitions_in_force_on(last).filter(facility_id__in=ids).values_list("facility_id", "kind")
    ):
        recognitions[facility_id].append(kind)
    lines: dict[int, list[tuple[str, int]]] = defaultdict(list)
    reported: set[int] = set()
    for facility_id, class_type, enrolled in EnrolmentReportLine.objects.filter(
        report__facility_id__in=ids, report__period=period, report__status=ReportStatus.CURRENT
    ).values_list("report__facility_id", "class_type", "enrolled"):
        lines[facility_id].append((class_type, enrolled))
        reported.add(facility_id)
    reported |= set(
        EnrolmentReport.objects.filter(facility_id__in=ids, period=period, status=ReportStatus.CURRENT).values_list(
            "facility_id", flat=True
        )
    )
    open_orders = set(
        RectificationOrder.objects.filter(facility_id__in=ids, finding__weight="serious", issued_on__lte=last)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period))
        .values_list("facility_id", flat=True)
    )
    serious_kinds = set(PenaltyRule.objects.filter(serious=True).values_list("kind", flat=True))
    decided = (
        Penalty.objects.filter(facility_id__in=ids, status="decided", decided_on__gte=period, decided_on__lte=last)
        .values("facility_id")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(kind__in=serious_kinds)))
    )
    penalties = {row["facility_id"]: row for row in decided}
    site_rows = (
        FacilityVersion.objects.filter(facility__hub_id__in=ids, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=last))
        .values("facility__hub_id")
        .annotate(n=Count("id"), enrolled=Sum("enrolled"))
    )
    sites = {row["facility__hub_id"]: row for row in site_rows}
    own_enrolled = {pk: sum(n for _t, n in lines.get(pk, ())) for pk in ids}
    granted: dict[int, list[str]] = defaultdict(list)
    through: dict[int, dict[str, int]] = defaultdict(dict)
    excluded = list(exclude_statements)
    for facility_id, code, slot in (
        AwardGrant.objects.filter(facility_id__in=ids)
        .exclude(statement_id__in=excluded)
        .values_list("facility_id", "award_code", "slot_number")
    ):
        if slot is None:
            granted[facility_id].append(code)
        else:
            through[facility_id][code] = max(through[facility_id].get(code, 0), slot)
    facts = {}
    for pk in ids:
        row = operating[pk]
        penalty = penalties.get(pk, {})
        site = sites.get(pk, {})
        facts[pk] = MonthFacts(
            facility_id=pk,
            period=period,
            category=row["category"],
            filing_status=row["filing_status"],
            full_day_fee=fees.get(pk),
            fee_reference=references.get(row["district_id"]),
            recognitions=tuple(sorted(recognitions.get(pk, ()))),
            slots=row["slots"],
            report_present=pk in reported,
            enrolled_by_class=tuple(sorted(lines.get(pk, ()))),
            serious_violation_open=pk in open_orders or bool(penalty.get("serious")),
            penalties_decided=penalty.get("n", 0),
            chain_sites=site.get("n", 0),
            group_enrolled=own_enrolled[pk] + (site.get("enrolled") or 0),
            slots_baseline=baseline.get(pk, {}).get("slots", 0),
            awards_granted=tuple(sorted(set(granted.get(pk, ())))),
            slot_awards_through=tuple(sorted(through.get(pk, {}).items())),
        )
    return facts
