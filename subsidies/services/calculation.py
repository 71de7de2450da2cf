"""The period's calculation: every facility's month turned into a statement, idempotently and in chunks.

- Each chunk locks its facilities' rows (in id order) for the length of its transaction, so two runs of the
  same period never interleave on a facility; the unique constraints are the last line of defence.
- A statement not yet in a batch is replaced when the recalculation differs (same inputs → same fingerprint →
  no write). A statement in a batch is never changed: a difference becomes one pending adjustment statement.
- One-time awards are `AwardGrant` rows with unique constraints (once per facility, or once per slot).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility
from suzhou_childcare.outbox.services import job_finish, job_progress

from .. import selectors
from ..facts import month_end, month_facts
from ..models import AwardGrant, RuleSet, Statement, StatementKind, StatementLine
from ..rules import Result, Terms, calculate, parse_terms

CHUNK_SIZE = 500


def rule_ref(rule_set: RuleSet) -> str:
    return f"{rule_set.edition} (#{rule_set.pk})"


def _line_rows(statement: Statement, result: Result) -> list[StatementLine]:
    return [
        StatementLine(
            statement=statement,
            position=position,
            code=line.code,
            rule=line.rule[:200],
            quantity=line.quantity,
            rate=line.rate,
            amount=line.amount,
            inputs=dict(line.inputs),
        )
        for position, line in enumerate(result.lines, start=1)
    ]


def _award_rows(statement: Statement, result: Result) -> list[AwardGrant]:
    rows = []
    for award in result.awards:
        if award.slot_from is None:
            rows.append(
                AwardGrant(
                    facility_id=statement.facility_id, award_code=award.code, statement=statement, amount=award.amount
                )
            )
            continue
        count = award.slot_to - award.slot_from + 1
        each = (award.amount / count).quantize(Decimal("0.01"))
        rows.extend(
            AwardGrant(
                facility_id=statement.facility_id,
                award_code=award.code,
                slot_number=slot,
                statement=statement,
                amount=each,
            )
            for slot in range(award.slot_from, award.slot_to + 1)
        )
    return rows


def _inputs(facts) -> dict:
    return {
        "category": facts.category,
        "filing_status": facts.filing_status,
        "full_day_fee": None if facts.full_day_fee is None else str(facts.full_day_fee),
        "fee_reference": None if facts.fee_reference is None else str(facts.fee_reference),
        "recognitions": list(facts.recognitions),
        "slots": facts.slots,
        "report_present": facts.report_present,
        "enrolled_by_class": dict(facts.enrolled_by_class),
        "serious_violation_open": facts.serious_violation_open,
        "penalties_decided": facts.penalties_decided,
        "chain_sites": facts.chain_sites,
        "group_enrolled": facts.group_enrolled,
        "slots_baseline": facts.slots_baseline,
    }


def calculate_chunk(*, period: date, facility_ids: list[int], now=None) -> dict[str, int]:
    """Calculate one chunk of facilities for `period` in one transaction. Returns counts of what changed."""
    now = now or timezone.now()
    counts = {"created": 0, "replaced": 0, "unchanged": 0, "adjustments": 0, "skipped": 0}
    with transaction.atomic():
        locked = list(
            Facility.objects.select_for_update()
            .filter(pk__in=facility_ids)
            .order_by("pk")
            .values_list("pk", "district_id")
        )
        by_district: dict[str, list[int]] = defaultdict(list)
        for pk, district_id in locked:
            by_district[district_id].append(pk)
        existing = {
            s.facility_id: s
            for s in Statement.objects.filter(
                facility_id__in=[pk for pk, _d in locked], period=period, kind=StatementKind.REGULAR
            )
        }
        adjusted = dict(
            Statement.objects.filter(adjusts__in=[s.pk for s in existing.values() if s.batch_id], batch__isnull=False)
            .values("adjusts")
            .annotate(total=Sum("total"))
            .values_list("adjusts", "total")
        )
        new_statements: list[tuple[Statement, Result]] = []
        replaced: list[tuple[Statement, Result]] = []
        for district_id, ids in by_district.items():
            rule_set = selectors.rule_set_for(district_code=district_id, on=period)
            if rule_set is None:
                counts["skipped"] += len(ids)
                continue
            terms: Terms = parse_terms(rule_set.terms)
            facts_by_id = month_facts(
                ids,
                period=period,
                baseline_day=rule_set.effective_from,
                exclude_statements=[existing[pk].pk for pk in ids if pk in existing],
            )
            counts["skipped"] += len(ids) - len(facts_by_id)
            ref = rule_ref(rule_set)
            for pk, facts in facts_by_id.items():
                result = calculate(terms, facts, rule_ref=ref)
                fingerprint = result.fingerprint()
                values = {
                    "rule_set": rule_set,
                    "eligible": result.eligible,
                    "reason_code": result.reason_code,
                    "reason": selectors.reason_text(result.reason_code),
                    "total": result.total,
                    "inputs": _inputs(facts),
                    "fingerprint": fingerprint,
                    "calculated_at": now,
                }
                current = existing.get(pk)
                if current is None:
                    new_statements.append(
                        (Statement(facility_id=pk, period=period, kind=StatementKind.REGULAR, **values), result)
                    )
                elif current.batch_id is None:
                    if current.fingerprint == fingerprint and current.rule_set_id == rule_set.pk:
                        counts["unchanged"] += 1
                        continue
                    for field, value in values.items():
                        setattr(current, field, value)
                    replaced.append((current, result))
                else:
                    counts["adjustments"] += _adjust(current, result, values, already=adjusted.get(current.pk))
        if replaced:
            ids = [s.pk for s, _r in replaced]
            StatementLine.objects.filter(statement_id__in=ids).delete()
            AwardGrant.objects.filter(statement_id__in=ids).delete()
            Statement.objects.bulk_update(
                [s for s, _r in replaced],
                ["rule_set", "eligible", "reason_code", "reason", "total", "inputs", "fingerprint", "calculated_at"],
            )
            counts["replaced"] = len(replaced)
        if new_statements:
            Statement.objects.bulk_create([s for s, _r in new_statements])
            counts["created"] = len(new_statements)
        lines, awards = [], []
        for statement, result in [*new_statements, *replaced]:
            lines.extend(_line_rows(statement, result))
            awards.extend(_award_rows(statement, result))
        StatementLine.objects.bulk_create(lines, batch_size=2000)
        AwardGrant.objects.bulk_create(awards, batch_size=2000)
    return counts


def _adjust(statement: Statement, result: Result, values: dict, *, already) -> int:
    """A batched statement stays as paid; the difference goes into one pending adjustment (replaced on reruns)."""
    Statement.objects.filter(adjusts=statement, batch__isnull=True).delete()
    paid = statement.total + (already or Decimal("0.00"))
    difference = result.total - paid
    if difference == 0:
        return 0
    adjustment = Statement.objects.create(
        facility_id=statement.facility_id,
        period=statement.period,
        kind=StatementKind.ADJUSTMENT,
        adjusts=statement,
        **{**values, "total": difference},
    )
    StatementLine.objects.create(
        statement=adjustment,
        position=1,
        code="adjustment",
        rule=values["rule_set"].edition[:200],
        amount=difference,
        inputs={"recalculated": str(result.total), "paid": str(paid), "statement": statement.pk},
    )
    # Awards the original statement already granted are kept there (the constraint drops the repeats).
    AwardGrant.objects.bulk_create(_award_rows(adjustment, result), ignore_conflicts=True)
    return 1


def facilities_to_calculate(*, period: date, district_code: str | None = None) -> list[int]:
    """Facilities that may be paid for the month: operating in it (as recorded now), in the unit if given."""
    qs = Facility.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=month_end(period))).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=period)
    )
    if district_code:
        qs = qs.filter(district_id=district_code)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def period_calculate(
    *, period: date, district_code: str | None = None, job_id=None, chunk_size: int = CHUNK_SIZE
) -> dict[str, int]:
    """Calculate the month for every facility (of a unit), chunk by chunk, reporting progress to the job."""
    if period.day != 1:
        raise ValueError("period must be the first day of a month")
    ids = facilities_to_calculate(period=period, district_code=district_code)
    totals = {"created": 0, "replaced": 0, "unchanged": 0, "adjustments": 0, "skipped": 0}
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        for key, value in calculate_chunk(period=period, facility_ids=chunk).items():
            totals[key] += value
        if job_id is not None:
            job_progress(
                job_id=job_id,
                done=min(start + chunk_size, len(ids)),
                total=len(ids),
                message=_("%(done)d of %(total)d facilities calculated")
                % {"done": min(start + chunk_size, len(ids)), "total": len(ids)},
            )
    if job_id is not None:
        job_finish(job_id=job_id, result=totals, message=_("Calculation finished."))
    return totals
