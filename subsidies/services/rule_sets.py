"""Subsidy rule sets as versions: drafted and edited by the city admin, activated from a date, never edited
once active (a new version replaces it from its start). The simulator applies a draft to current data beside
the rules in force, through the same facts and the same pure calculation as the monthly run."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, PermissionDenied, ValidationFailed
from suzhou_childcare.regions.models import District
from suzhou_childcare.versioning import version_activate

from .. import selectors
from ..facts import month_facts
from ..models import PaymentPeriod, RuleSet, RuleSetStatus, Statement
from ..rules import TermsError, calculate, parse_terms
from .calculation import facilities_to_calculate, rule_ref

FIELDS = [
    "district",
    "edition",
    "effective_from",
    "effective_to",
    "status",
    "payment_period",
    "approval_chain",
    "terms",
]
APPROVER_ROLES = (Role.DISTRICT_OFFICER, Role.CITY_ADMIN)


def _require_city_admin(actor: User) -> None:
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city admin drafts and activates subsidy rules."))


def _validated(*, terms, payment_period, approval_chain, edition, source) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        parse_terms(terms)
    except TermsError as exc:
        errors["terms"] = [f"{path}: {problem}" for path, problem in exc.problems.items()]
    if payment_period not in PaymentPeriod.values:
        errors["payment_period"] = [_("Choose monthly, quarterly or yearly.")]
    if (
        not isinstance(approval_chain, list)
        or not approval_chain
        or len(approval_chain) > 5
        or any(role not in APPROVER_ROLES for role in approval_chain)
    ):
        errors["approval_chain"] = [_("One to five steps, each a district officer or the city admin.")]
    if not (edition or "").strip() or len(edition) > 100:
        errors["edition"] = [_("Name the edition (at most 100 characters).")]
    if not (source or "").strip() or len(source) > 300:
        errors["source"] = [_("Name the source (at most 300 characters).")]
    return errors


@transaction.atomic
def rule_set_draft(
    *,
    actor: User,
    district_code: str | None,
    edition: str,
    effective_from: date,
    terms: dict,
    payment_period: str = PaymentPeriod.MONTHLY,
    approval_chain: list | None = None,
    source: str,
    note: str = "",
) -> RuleSet:
    _require_city_admin(actor)
    approval_chain = approval_chain if approval_chain is not None else [Role.DISTRICT_OFFICER, Role.CITY_ADMIN]
    errors = _validated(
        terms=terms, payment_period=payment_period, approval_chain=approval_chain, edition=edition, source=source
    )
    if district_code and not District.objects.filter(code=district_code).exists():
        errors["district"] = [_("Choose a county-level unit.")]
    if not isinstance(effective_from, date) or effective_from.day != 1:
        errors["effective_from"] = [_("Rules start on the first day of a month.")]
    if errors:
        raise ValidationFailed(fields=errors)
    rule_set = RuleSet.objects.create(
        district_id=district_code or None,
        edition=edition.strip(),
        effective_from=effective_from,
        terms=terms,
        payment_period=payment_period,
        approval_chain=approval_chain,
        source=source.strip(),
        note=(note or "").strip()[:500],
        created_by=actor,
    )
    audit_record(actor=actor, action="subsidy_rules.draft", target=rule_set, after=audit_snapshot(rule_set, FIELDS))
    return rule_set


@transaction.atomic
def rule_set_update(*, actor: User, rule_set: RuleSet, **changes) -> RuleSet:
    """Edit a draft. An active rule set — and so every set a payment was calculated with — is never edited."""
    _require_city_admin(actor)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise Conflict(
            _("Rules in force are never edited, so every paid amount can be explained: draft a new version."),
            code="rules_in_use",
        )
    allowed = {"edition", "effective_from", "terms", "payment_period", "approval_chain", "source", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(fields={name: [_("This field cannot be changed.")] for name in unknown})
    merged = {name: changes.get(name, getattr(rule_set, name)) for name in allowed}
    errors = _validated(
        terms=merged["terms"],
        payment_period=merged["payment_period"],
        approval_chain=merged["approval_chain"],
        edition=merged["edition"],
        source=merged["source"],
    )
    if not isinstance(merged["effective_from"], date) or merged["effective_from"].day != 1:
        errors["effective_from"] = [_("Rules start on the first day of a month.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(rule_set, FIELDS)
    for name, value in merged.items():
        setattr(rule_set, name, value)
    rule_set.save()
    audit_record(
        actor=actor,
        action="subsidy_rules.update",
        target=rule_set,
        before=before,
        after=audit_snapshot(rule_set, FIELDS),
    )
    return rule_set


@transaction.atomic
def rule_set_activate(*, actor: User, rule_set: RuleSet, today: date | None = None) -> RuleSet:
    """Put a draft in force from its first month (this month or later); the version it replaces ends then."""
    _require_city_admin(actor)
    today = today or timezone.localdate()
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise Conflict(_("These rules are already active."), code="invalid_transition")
    if rule_set.effective_from < today.replace(day=1):
        raise ValidationFailed(
            fields={"effective_from": [_("Rules cannot start in a past month: months already paid would change.")]}
        )
    same_scope = RuleSet.objects.select_for_update().filter(
        status=RuleSetStatus.ACTIVE, district_id=rule_set.district_id
    )
    if same_scope.filter(effective_from__gte=rule_set.effective_from).exists():
        raise Conflict(_("A version already starts on or after this month."), code="rules_overlap")
    return version_activate(actor=actor, version=rule_set, same_scope=same_scope, fields=FIELDS, action="subsidy_rules")


def simulate(*, actor: User, draft: RuleSet, period: date) -> dict:
    """The draft applied to `period`'s data beside the rules in force: totals per unit and per facility.

    Same facts, same pure calculation as `period_calculate`, so the draft's total is what activating it would
    pay for that month (awards already granted by other months are left out in both).
    """
    _require_city_admin(actor)
    try:
        draft_terms = parse_terms(draft.terms)
    except TermsError as exc:
        raise ValidationFailed(fields={"terms": [f"{k}: {v}" for k, v in exc.problems.items()]}) from exc
    ids = facilities_to_calculate(period=period, district_code=draft.district_id)
    names = dict(Facility.objects.filter(pk__in=ids).values_list("pk", "name"))
    districts = dict(Facility.objects.filter(pk__in=ids).values_list("pk", "district_id"))
    by_district: dict[str, list[int]] = defaultdict(list)
    for pk in ids:
        by_district[districts[pk]].append(pk)
    per_unit: dict[str, dict] = {}
    per_facility = []
    for district_id, unit_ids in sorted(by_district.items()):
        active = selectors.rule_set_for(district_code=district_id, on=period)
        if draft.district_id is None and active is not None and active.district_id is not None:
            continue  # a unit with its own rules is not touched by a city-wide draft
        own = {
            s.facility_id: s.pk
            for s in Statement.objects.filter(facility_id__in=unit_ids, period=period, kind="regular")
        }
        facts = month_facts(unit_ids, period=period, baseline_day=draft.effective_from, exclude_statements=own.values())
        current_facts = (
            month_facts(unit_ids, period=period, baseline_day=active.effective_from, exclude_statements=own.values())
            if active
            else {}
        )
        active_terms = parse_terms(active.terms) if active else None
        unit = {"district": district_id, "facilities": 0, "draft": Decimal("0.00"), "active": Decimal("0.00")}
        for pk, month in facts.items():
            proposed = calculate(draft_terms, month, rule_ref=rule_ref(draft)).total
            current = (
                calculate(active_terms, current_facts[pk], rule_ref=rule_ref(active)).total
                if active_terms and pk in current_facts
                else Decimal("0.00")
            )
            unit["facilities"] += 1
            unit["draft"] += proposed
            unit["active"] += current
            if proposed or current:
                per_facility.append(
                    {"facility": pk, "name": names[pk], "district": district_id, "draft": proposed, "active": current}
                )
        per_unit[district_id] = unit
    units = list(per_unit.values())
    return {
        "period": period,
        "units": units,
        "facilities": sorted(per_facility, key=lambda row: (row["district"], -row["draft"], row["facility"])),
        "draft_total": sum((u["draft"] for u in units), Decimal("0.00")),
        "active_total": sum((u["active"] for u in units), Decimal("0.00")),
    }
