"""The period's calculation: every facility's month turned into a statement, idempotently and in chunks.

- Each chunk locks its facilities' rows (in id order) for the length of its transaction, so two runs of the
  same period never interleave on a facility; the unique constraints are the last line of defence.
- A statement not yet in a batch is replaced when the recalculation differs (same inputs → same fingerprint →
  no write). A statement in a batch is never changed: a difference becomes one pending adjustment statement.
- One-time awards are `AwardGrant` rows with unique constraints (once per facility, or once per slot).
- Speed (bench/subsidy_month.py: 100,000 facilities against one hand-written SQL statement): per chunk one
  locking SELECT, one statements lookup and the facts in a constant number of queries (ids as one array); rule
  sets looked up once per run; on PostgreSQL new statements, lines and grants are written with COPY (statement
  ids drawn from the sequence first), elsewhere with bulk_create.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility
from suzhou_childcare.outbox.services import job_finish, job_progress

from .. import selectors
from ..facts import among, month_end, month_facts
from ..models import AwardGrant, RuleSet, Statement, StatementKind, StatementLine
from ..rules import Line, Result, Terms, calculate, parse_terms

CHUNK_SIZE = 5000


def rule_ref(rule_set: RuleSet) -> str:
    return f"{rule_set.edition} (#{rule_set.pk})"


@functools.lru_cache(maxsize=4096)
def _json_str(value: str) -> str:
    return json.dumps(value)


_INPUTS_JSON: dict[str, str] = {}


def _json_inputs(inputs) -> str:
    """A line's inputs as `json.dumps(…, sort_keys=True, default=str)` writes them, cached by their repr (the
    same few dictionaries recur on most lines)."""
    if not inputs:
        return "{}"
    key = repr(inputs)
    text = _INPUTS_JSON.get(key)
    if text is None:
        text = json.dumps(dict(inputs), sort_keys=True, default=str)
        if len(_INPUTS_JSON) < 4096:
            _INPUTS_JSON[key] = text
    return text


def _quoted(value) -> str:
    return "null" if value is None else f'"{value}"'


# `Result.fingerprint()` hashes json.dumps(sort_keys=True) of {eligible, lines: [asdict(line) with amount,
# quantity and rate as strings], reason, total}. Written out here with the repeated strings encoded once, the same
# text costs a fifth of the time (asdict's deep copies were a sixth of the monthly run); a Line of another shape
# falls back to `Result.fingerprint()`.
_FAST_FINGERPRINT = {f.name for f in dataclasses.fields(Line)} == {
    "amount",
    "code",
    "inputs",
    "quantity",
    "rate",
    "rule",
}


def _fingerprint(result: Result) -> str:
    """The digest `Result.fingerprint()` gives (the benchmark checks both against each other)."""
    if not _FAST_FINGERPRINT:
        return result.fingerprint()
    lines = ", ".join(
        f'{{"amount": "{line.amount}", "code": {_json_str(line.code)}, "inputs": {_json_inputs(line.inputs)}, '
        f'"quantity": {_quoted(line.quantity)}, "rate": {_quoted(line.rate)}, "rule": {_json_str(line.rule)}}}'
        for line in result.lines
    )
    payload = (
        f'{{"eligible": {"true" if result.eligible else "false"}, "lines": [{lines}], '
        f'"reason": {_json_str(result.reason_code)}, "total": "{result.total}"}}'
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _line_values(result: Result):
    """(position, code, rule, quantity, rate, amount, inputs) of each line of the statement."""
    for position, line in enumerate(result.lines, start=1):
        yield position, line.code, line.rule[:200], line.quantity, line.rate, line.amount, dict(line.inputs)


def _award_values(result: Result):
    """(award code, slot number or None, amount) of each grant: per-slot awards are split over their slots."""
    for award in result.awards:
        if award.slot_from is None:
            yield award.code, None, award.amount
            continue
        count = award.slot_to - award.slot_from + 1
        each = (award.amount / count).quantize(Decimal("0.01"))
        for slot in range(award.slot_from, award.slot_to + 1):
            yield award.code, slot, each


def _line_rows(statement_id: int, result: Result) -> list[StatementLine]:
    return [
        StatementLine(
            statement_id=statement_id,
            position=position,
            code=code,
            rule=rule,
            quantity=quantity,
            rate=rate,
            amount=amount,
            inputs=inputs,
        )
        for position, code, rule, quantity, rate, amount, inputs in _line_values(result)
    ]


def _award_rows(statement_id: int, facility_id: int, result: Result) -> list[AwardGrant]:
    return [
        AwardGrant(facility_id=facility_id, award_code=code, slot_number=slot, statement_id=statement_id, amount=amount)
        for code, slot, amount in _award_values(result)
    ]


# --- writing many rows: COPY on PostgreSQL (ids drawn from the sequence first), bulk_create elsewhere -----------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@functools.lru_cache(maxsize=4096)
def _copy_text(value: str) -> str:
    """A text value for COPY (text format): backslash, tab, newline and carriage return escaped."""
    return value.translate(_COPY_ESCAPES)


def _copy_json(text: str) -> str:
    # JSON text has no raw control characters (json.dumps escapes them); only its backslashes need doubling.
    return text.replace("\\", "\\\\") if "\\" in text else text


def _copy_value(value) -> str:
    return "\\N" if value is None else str(value)


def _copy(cursor, model, columns: list[str], text: str) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO(text))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(text)


STATEMENT_COLUMNS = [
    "id",
    "facility_id",
    "period",
    "kind",
    "rule_set_id",
    "eligible",
    "reason_code",
    "reason",
    "total",
    "inputs",
    "fingerprint",
    "calculated_at",
]


def _insert_statements(*, period: date, rows: list, reasons: dict[str, str], now) -> list[tuple[int, int, Result]]:
    """Insert new regular statements; returns (statement id, facility id, result) of each."""
    if connection.vendor != "postgresql":
        statements = Statement.objects.bulk_create(
            Statement(
                facility_id=facility_id,
                period=period,
                kind=StatementKind.REGULAR,
                rule_set=rule_set,
                eligible=result.eligible,
                reason_code=result.reason_code,
                reason=reasons[result.reason_code],
                total=result.total,
                inputs=inputs,
                fingerprint=fingerprint,
                calculated_at=now,
            )
            for facility_id, rule_set, result, fingerprint, inputs in rows
        )
        return [(s.pk, s.facility_id, row[2]) for s, row in zip(statements, rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Statement._meta.db_table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        day, stamp, regular = period.isoformat(), now.isoformat(), StatementKind.REGULAR.value
        reason_texts = {code: _copy_text(text) for code, text in reasons.items()}
        text = "".join(
            f"{pk}\t{facility_id}\t{day}\t{regular}\t{rule_set.pk}\t{'t' if result.eligible else 'f'}\t"
            f"{_copy_text(result.reason_code)}\t{reason_texts[result.reason_code]}\t{result.total}\t"
            f"{_copy_json(json.dumps(inputs))}\t{fingerprint}\t{stamp}\n"
            for pk, (facility_id, rule_set, result, fingerprint, inputs) in zip(ids, rows, strict=True)
        )
        _copy(cursor, Statement, STATEMENT_COLUMNS, text)
    return [(pk, row[0], row[2]) for pk, row in zip(ids, rows, strict=True)]


def _insert_lines_and_awards(written: list[tuple[int, int, Result]]) -> None:
    """The lines and award grants of statements just written: (statement id, facility id, result) each."""
    if connection.vendor != "postgresql":
        lines, awards = [], []
        for statement_id, facility_id, result in written:
            lines.extend(_line_rows(statement_id, result))
            awards.extend(_award_rows(statement_id, facility_id, result))
        StatementLine.objects.bulk_create(lines, batch_size=2000)
        AwardGrant.objects.bulk_create(awards, batch_size=2000)
        return
    lines, awards = [], []
    for statement_id, facility_id, result in written:
        for position, code, rule, quantity, rate, amount, inputs in _line_values(result):
            lines.append(
                f"{statement_id}\t{position}\t{_copy_text(code)}\t{_copy_text(rule)}\t{_copy_value(quantity)}\t"
                f"{_copy_value(rate)}\t{amount}\t{_copy_json(_json_inputs(inputs))}\n"
            )
        for code, slot, amount in _award_values(result):
            awards.append(f"{facility_id}\t{_copy_text(code)}\t{_copy_value(slot)}\t{statement_id}\t{amount}\n")
    with connection.cursor() as cursor:
        if lines:
            columns = ["statement_id", "position", "code", "rule", "quantity", "rate", "amount", "inputs"]
            _copy(cursor, StatementLine, columns, "".join(lines))
        if awards:
            columns = ["facility_id", "award_code", "slot_number", "statement_id", "amount"]
            _copy(cursor, AwardGrant, columns, "".join(awards))


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


def _rule_set_in_force(district_id: str, period: date) -> tuple[RuleSet, Terms, str] | None:
    rule_set = selectors.rule_set_for(district_code=district_id, on=period)
    if rule_set is None:
        return None
    return rule_set, parse_terms(rule_set.terms), rule_ref(rule_set)


def calculate_chunk(
    *, period: date, facility_ids: list[int], now=None, rule_sets: dict | None = None
) -> dict[str, int]:
    """Calculate one chunk of facilities for `period` in one transaction. Returns counts of what changed.

    `rule_sets` (unit code → rule set in force, its terms and reference, or None) may be shared by the chunks of
    one run so the rule sets are looked up once per run; it is filled as units are met.
    """
    now = now or timezone.now()
    rule_sets = {} if rule_sets is None else rule_sets
    counts = {"created": 0, "replaced": 0, "unchanged": 0, "adjustments": 0, "skipped": 0}
    with transaction.atomic():
        # One locking SELECT for the chunk, in id order.
        locked = list(
            Facility.objects.select_for_update()
            .filter(among("pk", facility_ids))
            .order_by("pk")
            .values_list("pk", "district_id")
        )
        # Locked too: a batch being prepared at this moment either took them before (we then adjust) or waits.
        existing = {
            s.facility_id: s
            for s in Statement.objects.select_for_update().filter(
                among("facility_id", [pk for pk, _d in locked]), period=period, kind=StatementKind.REGULAR
            )
        }
        # Every statement of the month (regular and adjustments): their awards belong to this month's figure.
        own: dict[int, list[int]] = defaultdict(list)
        for facility_id, statement_id in Statement.objects.filter(
            among("facility_id", [pk for pk, _d in locked]), period=period
        ).values_list("facility_id", "pk"):
            own[facility_id].append(statement_id)
        batched = [s.pk for s in existing.values() if s.batch_id]
        adjusted = (
            dict(
                Statement.objects.filter(adjusts__in=batched, batch__isnull=False)
                .values("adjusts")
                .annotate(total=Sum("total"))
                .values_list("adjusts", "total")
            )
            if batched
            else {}
        )
        # The facts of the chunk, one gathering per baseline day (the start of the rule set in force).
        by_baseline: dict[date, list[int]] = defaultdict(list)
        for pk, district_id in locked:
            if district_id not in rule_sets:
                rule_sets[district_id] = _rule_set_in_force(district_id, period)
            entry = rule_sets[district_id]
            if entry is not None:
                by_baseline[entry[0].effective_from].append(pk)
        facts_by_id = {}
        for baseline_day, ids in by_baseline.items():
            facts_by_id.update(
                month_facts(
                    ids,
                    period=period,
                    baseline_day=baseline_day,
                    exclude_statements=[statement for pk in ids for statement in own.get(pk, ())],
                )
            )
        reasons: dict[str, str] = {}

        def reason_of(code: str) -> str:
            if code not in reasons:
                reasons[code] = selectors.reason_text(code)
            return reasons[code]

        new_statements: list[tuple[int, RuleSet, Result, str, dict]] = []
        replaced: list[tuple[Statement, Result]] = []
        for pk, district_id in locked:
            entry = rule_sets[district_id]
            facts = facts_by_id.get(pk)
            if entry is None or facts is None:
                counts["skipped"] += 1
                continue
            rule_set, terms, ref = entry
            result = calculate(terms, facts, rule_ref=ref)
            fingerprint = _fingerprint(result)
            current = existing.get(pk)
            if current is None:
                reason_of(result.reason_code)
                new_statements.append((pk, rule_set, result, fingerprint, _inputs(facts)))
                continue
            if current.batch_id is None and current.fingerprint == fingerprint and current.rule_set_id == rule_set.pk:
                counts["unchanged"] += 1
                continue
            values = {
                "rule_set": rule_set,
                "eligible": result.eligible,
                "reason_code": result.reason_code,
                "reason": reason_of(result.reason_code),
                "total": result.total,
                "inputs": _inputs(facts),
                "fingerprint": fingerprint,
                "calculated_at": now,
            }
            if current.batch_id is None:
                for field, value in values.items():
                    setattr(current, field, value)
                replaced.append((current, result))
            else:
                made = _adjust(current, result, values, already=adjusted.get(current.pk))
                counts["adjustments" if made else "unchanged"] += 1
        if replaced:
            ids = [s.pk for s, _r in replaced]
            # A statement released by a rejected batch is whole again: its waiting adjustments go.
            waiting = list(
                Statement.objects.filter(adjusts_id__in=ids, batch__isnull=True).values_list("pk", flat=True)
            )
            StatementLine.objects.filter(statement_id__in=ids + waiting).delete()
            AwardGrant.objects.filter(statement_id__in=ids + waiting).delete()
            Statement.objects.filter(pk__in=waiting).delete()
            Statement.objects.bulk_update(
                [s for s, _r in replaced],
                ["rule_set", "eligible", "reason_code", "reason", "total", "inputs", "fingerprint", "calculated_at"],
            )
            counts["replaced"] = len(replaced)
        written = [(s.pk, s.facility_id, r) for s, r in replaced]
        if new_statements:
            written += _insert_statements(period=period, rows=new_statements, reasons=reasons, now=now)
            counts["created"] = len(new_statements)
        _insert_lines_and_awards(written)
    return counts


def _adjust(statement: Statement, result: Result, values: dict, *, already) -> int:
    """A batched statement stays as paid; the difference goes into one pending adjustment (replaced on reruns)."""
    waiting = Statement.objects.filter(adjusts=statement, batch__isnull=True)
    AwardGrant.objects.filter(statement__in=waiting).delete()
    waiting.delete()
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
    AwardGrant.objects.bulk_create(_award_rows(adjustment.pk, adjustment.facility_id, result), ignore_conflicts=True)
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
    rule_sets: dict = {}
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        for key, value in calculate_chunk(period=period, facility_ids=chunk, rule_sets=rule_sets).items():
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
