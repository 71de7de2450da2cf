"""The subsidy calculation as a pure function: rule-set terms and a facility's month (plain values) in, an
itemised statement out. No ORM here; the same function serves the monthly run, the simulator and the tests.

Order of the calculation (each step one line naming its rule):
  eligibility (first failing condition gives the reason, total 0.00)
  → base: basis quantity × the highest base rate the facility qualifies for
  → class supplements: enrolled infants of a class type × its supplement
  → recognition supplements: basis quantity × the supplement of each recognition held
  → deductions: a share of the subtotal for a month with an open serious violation, and per decided penalty
  → cap per facility-month and per slot-month
  → one-time awards (not deducted, not capped): once per facility, or once per slot for per-slot awards.
Every amount is rounded once, half up to the fen (`round_fen`), line by line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from suzhou_childcare.money import round_fen

RECOGNITIONS = ("provincial_inclusive", "provincial_model", "municipal_inclusive", "municipal_model")
CLASS_TYPES = ("infant", "toddler", "older", "mixed")
CATEGORIES = ("kindergarten_class", "social")
FILED_STATES = ("filed", "verified", "change_pending")
AWARD_CODES = ("large_enrolment", "brand_chain", "construction_slot", "inclusive_new_slot")
BASES = ("enrolled", "recognised_slots")


class TermsError(ValueError):
    """Terms that cannot be applied; `problems` maps a path in the terms to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class Award:
    code: str
    amount: Decimal | None = None  # once per facility
    per_slot: Decimal | None = None  # once per new slot
    min_enrolled: int | None = None
    min_sites: int | None = None
    recognitions_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class Terms:
    require_filed: bool = True
    categories: tuple[str, ...] = ("social",)
    fee_within_reference: bool = True
    recognitions_any: tuple[str, ...] = ()
    min_occupancy_percent: Decimal | None = None
    basis: str = "enrolled"
    base_rates: tuple[tuple[str | None, Decimal], ...] = ()
    class_supplements: tuple[tuple[str, Decimal], ...] = ()
    recognition_supplements: tuple[tuple[str, Decimal], ...] = ()
    serious_violation_share: Decimal = Decimal(0)
    per_penalty_share: Decimal = Decimal(0)
    cap_per_facility_month: Decimal | None = None
    cap_per_slot_month: Decimal | None = None
    report_deadline_working_days: int = 5
    awards: tuple[Award, ...] = ()


def _money(value, path: str, problems: dict, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
        problems[path] = _("an amount in yuan from 0 to 100,000,000")
        return None
    if amount != round_fen(amount):
        problems[path] = _("at most two decimal places")
        return None
    return amount


def _share(value, path: str, problems: dict) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, TypeError):
        share = None
    if share is None or not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        problems[path] = _("a share from 0 to 1 (0.2 = 20 %)")
        return Decimal(0)
    return share


def _codes(values, allowed, path: str, problems: dict) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or any(v not in allowed for v in values):
        problems[path] = _("a list among: ") + ", ".join(allowed)
        return ()
    return tuple(values)


def parse_terms(raw: Mapping) -> Terms:
    """Validate and read a rule set's terms (JSON). Raises `TermsError` naming every problem."""
    problems: dict[str, str] = {}
    if not isinstance(raw, Mapping):
        raise TermsError({"terms": "a JSON object"})
    eligibility = raw.get("eligibility") or {}
    if not isinstance(eligibility, Mapping):
        problems["eligibility"] = _("a JSON object")
        eligibility = {}
    occupancy = eligibility.get("min_occupancy_percent")
    if occupancy is not None:
        try:
            occupancy = Decimal(str(occupancy))
            if not occupancy.is_finite() or not 0 <= occupancy <= 100:
                raise InvalidOperation
        except (InvalidOperation, TypeError):
            problems["eligibility.min_occupancy_percent"] = _("a percentage from 0 to 100")
            occupancy = None
    basis = raw.get("basis", "enrolled")
    if basis not in BASES:
        problems["basis"] = _("enrolled or recognised_slots")
    base_rates = []
    raw_rates = raw.get("base_rates") or []
    if not isinstance(raw_rates, list):
        problems["base_rates"] = _("a list of objects with recognition and amount")
        raw_rates = []
    for index, entry in enumerate(raw_rates):
        if not isinstance(entry, Mapping):
            problems[f"base_rates[{index}]"] = _("an object with recognition and amount")
            continue
        recognition = entry.get("recognition")
        if recognition is not None and recognition not in RECOGNITIONS:
            problems[f"base_rates[{index}].recognition"] = _("one of: ") + ", ".join(RECOGNITIONS) + _(" (or null)")
        amount = _money(entry.get("amount"), f"base_rates[{index}].amount", problems)
        if amount is not None:
            base_rates.append((recognition, amount))
    if not base_rates and "base_rates" not in problems:
        problems["base_rates"] = _("at least one base rate")

    def pairs(name: str, allowed) -> tuple[tuple[str, Decimal], ...]:
        values = raw.get(name) or {}
        if not isinstance(values, Mapping):
            problems[name] = _("an object of amounts")
            return ()
        out = []
        for key, value in values.items():
            if key not in allowed:
                problems[f"{name}.{key}"] = _("one of: ") + ", ".join(allowed)
                continue
            amount = _money(value, f"{name}.{key}", problems)
            if amount is not None:
                out.append((key, amount))
        return tuple(out)

    deductions = raw.get("deductions") or {}
    if not isinstance(deductions, Mapping):
        problems["deductions"] = _("an object of shares")
        deductions = {}
    caps = raw.get("caps") or {}
    if not isinstance(caps, Mapping):
        problems["caps"] = _("an object of amounts")
        caps = {}
    deadline = raw.get("report_deadline_working_days", 5)
    if isinstance(deadline, bool) or not isinstance(deadline, int) or not 1 <= deadline <= 60:
        problems["report_deadline_working_days"] = _("a whole number of working days from 1 to 60")
        deadline = 5
    awards = []
    seen = set()
    raw_awards = raw.get("awards") or []
    if not isinstance(raw_awards, list):
        problems["awards"] = _("a list of awards")
        raw_awards = []
    for index, entry in enumerate(raw_awards):
        path = f"awards[{index}]"
        if not isinstance(entry, Mapping) or entry.get("code") not in AWARD_CODES:
            problems[path] = _("an award with a code among: ") + ", ".join(AWARD_CODES)
            continue
        if entry["code"] in seen:
            problems[path] = _("each award once")
            continue
        seen.add(entry["code"])
        per_slot = entry["code"] in ("construction_slot", "inclusive_new_slot")
        amount = _money(entry.get("per_slot" if per_slot else "amount"), f"{path}.amount", problems)
        minimum = entry.get("min_enrolled")
        sites = entry.get("min_sites")
        for name, value in (("min_enrolled", minimum), ("min_sites", sites)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                problems[f"{path}.{name}"] = _("a whole number of at least 1")
        awards.append(
            Award(
                code=entry["code"],
                amount=None if per_slot else amount,
                per_slot=amount if per_slot else None,
                min_enrolled=minimum if isinstance(minimum, int) else None,
                min_sites=sites if isinstance(sites, int) else None,
                recognitions_any=_codes(
                    entry.get("recognitions_any"), RECOGNITIONS, f"{path}.recognitions_any", problems
                ),
            )
        )
    terms = Terms(
        require_filed=bool(eligibility.get("require_filed", True)),
        categories=_codes(eligibility.get("categories", ["social"]), CATEGORIES, "eligibility.categories", problems),
        fee_within_reference=bool(eligibility.get("fee_within_reference", True)),
        recognitions_any=_codes(
            eligibility.get("recognitions_any"), RECOGNITIONS, "eligibility.recognitions_any", problems
        ),
        min_occupancy_percent=occupancy,
        basis=basis,
        base_rates=tuple(base_rates),
        class_supplements=pairs("class_supplements", CLASS_TYPES),
        recognition_supplements=pairs("recognition_supplements", RECOGNITIONS),
        serious_violation_share=_share(
            deductions.get("serious_violation_share", 0), "deductions.serious_violation_share", problems
        ),
        per_penalty_share=_share(
            deductions.get("per_decided_penalty_share", 0), "deductions.per_decided_penalty_share", problems
        ),
        cap_per_facility_month=_money(
            caps.get("per_facility_month"), "caps.per_facility_month", problems, allow_none=True
        ),
        cap_per_slot_month=_money(caps.get("per_slot_month"), "caps.per_slot_month", problems, allow_none=True),
        report_deadline_working_days=deadline,
        awards=tuple(awards),
    )
    if problems:
        raise TermsError(problems)
    return terms


@dataclass(frozen=True)
class MonthFacts:
    """What the calculation reads about one facility in one month (`period` = the month's first day)."""

    facility_id: int
    period: date
    category: str
    filing_status: str
    full_day_fee: Decimal | None
    fee_reference: Decimal | None
    recognitions: tuple[str, ...] = ()  # in force on the month's last day
    slots: int = 0
    report_present: bool = False
    enrolled_by_class: tuple[tuple[str, int], ...] = ()  # from the current monthly report
    serious_violation_open: bool = False
    penalties_decided: int = 0
    chain_sites: int = 0
    group_enrolled: int = 0  # a "1+N" hub's own enrolled plus its sites'
    slots_baseline: int = 0  # slots already built when the policy started (not new)
    awards_granted: tuple[str, ...] = ()  # award codes already granted once per facility (elsewhere)
    slot_awards_through: tuple[tuple[str, int], ...] = ()  # per-slot award code -> highest slot already granted

    @property
    def enrolled(self) -> int:
        return sum(n for _t, n in self.enrolled_by_class)


@dataclass(frozen=True)
class Line:
    code: str
    rule: str
    amount: Decimal
    quantity: Decimal | None = None
    rate: Decimal | None = None
    inputs: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class AwardDue:
    code: str
    amount: Decimal
    slot_from: int | None = None
    slot_to: int | None = None


@dataclass(frozen=True)
class Result:
    eligible: bool
    reason_code: str
    lines: tuple[Line, ...]
    total: Decimal
    awards: tuple[AwardDue, ...] = ()

    def fingerprint(self) -> str:
        """A digest of everything the statement says: recalculating the same inputs gives the same digest."""
        payload = {
            "eligible": self.eligible,
            "reason": self.reason_code,
            "total": str(self.total),
            "lines": [
                {**asdict(line), "amount": str(line.amount), "quantity": _s(line.quantity), "rate": _s(line.rate)}
                for line in self.lines
            ],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _s(value) -> str | None:
    return None if value is None else str(value)


def ineligibility(terms: Terms, facts: MonthFacts) -> str:
    """The code of the first eligibility condition the facility fails, or "" when eligible."""
    if terms.require_filed and facts.filing_status not in FILED_STATES:
        return "not_filed"
    if terms.categories and facts.category not in terms.categories:
        return "category"
    if terms.fee_within_reference:
        if facts.full_day_fee is None:
            return "no_full_day_fee"
        if facts.fee_reference is None:
            return "no_fee_reference"
        if facts.full_day_fee > facts.fee_reference:
            return "fee_above_reference"
    if terms.recognitions_any and not set(terms.recognitions_any) & set(facts.recognitions):
        return "recognition_missing"
    if terms.basis == "enrolled" and not facts.report_present:
        return "no_report"
    if terms.min_occupancy_percent is not None and (
        not facts.slots or Decimal(facts.enrolled) * 100 / facts.slots < terms.min_occupancy_percent
    ):
        return "occupancy_below"
    return ""


def calculate(terms: Terms, facts: MonthFacts, *, rule_ref: str) -> Result:
    reason = ineligibility(terms, facts)
    if reason:
        return Result(eligible=False, reason_code=reason, lines=(), total=Decimal("0.00"))
    lines: list[Line] = []
    quantity = facts.enrolled if terms.basis == "enrolled" else (facts.slots if facts.recognitions else 0)
    rates = [(rec, amount) for rec, amount in terms.base_rates if rec is None or rec in facts.recognitions]
    if rates:
        recognition, rate = max(rates, key=lambda pair: pair[1])
        lines.append(
            Line(
                code="base",
                rule=f"{rule_ref} base_rates[{recognition or '*'}]",
                quantity=Decimal(quantity),
                rate=rate,
                amount=round_fen(Decimal(quantity) * rate),
                inputs={"basis": terms.basis, "recognition": recognition},
            )
        )
    enrolled = dict(facts.enrolled_by_class)
    for class_type, rate in terms.class_supplements:
        count = enrolled.get(class_type, 0)
        if count:
            lines.append(
                Line(
                    code=f"class_supplement.{class_type}",
                    rule=f"{rule_ref} class_supplements.{class_type}",
                    quantity=Decimal(count),
                    rate=rate,
                    amount=round_fen(Decimal(count) * rate),
                    inputs={"class_type": class_type},
                )
            )
    for recognition, rate in terms.recognition_supplements:
        if recognition in facts.recognitions and quantity:
            lines.append(
                Line(
                    code=f"recognition_supplement.{recognition}",
                    rule=f"{rule_ref} recognition_supplements.{recognition}",
                    quantity=Decimal(quantity),
                    rate=rate,
                    amount=round_fen(Decimal(quantity) * rate),
                    inputs={"recognition": recognition},
                )
            )
    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    if facts.serious_violation_open and terms.serious_violation_share:
        lines.append(
            Line(
                code="deduction.serious_violation",
                rule=f"{rule_ref} deductions.serious_violation_share",
                quantity=subtotal,
                rate=terms.serious_violation_share,
                amount=-round_fen(subtotal * terms.serious_violation_share),
            )
        )
    deducted_share = terms.serious_violation_share if facts.serious_violation_open else Decimal(0)
    if facts.penalties_decided and terms.per_penalty_share:
        # Deductions together never take more than the subtotal: a month is never negative.
        share = min(Decimal(1) - deducted_share, terms.per_penalty_share * facts.penalties_decided)
        lines.append(
            Line(
                code="deduction.penalties",
                rule=f"{rule_ref} deductions.per_decided_penalty_share",
                quantity=subtotal,
                rate=share,
                amount=-round_fen(subtotal * share),
                inputs={"penalties": facts.penalties_decided},
            )
        )
    running = sum((line.amount for line in lines), Decimal("0.00"))
    caps = []
    if terms.cap_per_facility_month is not None:
        caps.append(("cap.per_facility_month", terms.cap_per_facility_month))
    if terms.cap_per_slot_month is not None:
        caps.append(("cap.per_slot_month", round_fen(terms.cap_per_slot_month * facts.slots)))
    for code, cap in sorted(caps, key=lambda pair: pair[1]):
        if running > cap:
            lines.append(Line(code=code, rule=f"{rule_ref} caps", quantity=running, rate=None, amount=cap - running))
            running = cap
    awards = []
    granted = set(facts.awards_granted)
    through = dict(facts.slot_awards_through)
    for award in terms.awards:
        if award.recognitions_any and not set(award.recognitions_any) & set(facts.recognitions):
            continue
        if award.per_slot is not None:
            start = max(facts.slots_baseline, through.get(award.code, 0))
            new = facts.slots - start
            if new > 0:
                amount = round_fen(award.per_slot * new)
                awards.append(AwardDue(award.code, amount, slot_from=start + 1, slot_to=facts.slots))
                lines.append(
                    Line(
                        code=f"award.{award.code}",
                        rule=f"{rule_ref} awards.{award.code}",
                        quantity=Decimal(new),
                        rate=award.per_slot,
                        amount=amount,
                        inputs={"slots": [start + 1, facts.slots]},
                    )
                )
            continue
        if award.code in granted:
            continue
        if award.min_enrolled is not None and facts.group_enrolled < award.min_enrolled:
            continue
        if award.min_sites is not None and facts.chain_sites < award.min_sites:
            continue
        awards.append(AwardDue(award.code, award.amount))
        lines.append(
            Line(code=f"award.{award.code}", rule=f"{rule_ref} awards.{award.code}", amount=award.amount, inputs={})
        )
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return Result(eligible=True, reason_code="", lines=tuple(lines), total=round_fen(total), awards=tuple(awards))
