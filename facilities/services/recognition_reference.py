"""The city admin's reference data for recognitions: criteria sets as versions, fee references per unit and year.

A criteria set is drafted (copied from the set in force, or empty), its criteria edited while it is a draft,
then activated from a date not in the past; the set it replaces ends that day. Active sets are never edited,
so every decision can be re-evaluated against the rules it was taken under.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, PermissionDenied, ValidationFailed
from suzhou_childcare.regions.models import District
from suzhou_childcare.versioning import version_activate

from .. import selectors_recognition as selectors
from ..models import CriteriaSet, CriteriaSetStatus, Criterion, FeeReference, RecognitionKind
from ..rules.recognition import params_problems

SET_FIELDS = [
    "kind",
    "edition",
    "effective_from",
    "effective_to",
    "status",
    "validity_years",
    "unit_review_working_days",
    "city_decision_working_days",
    "expiry_notice_days",
    "source",
]
CRITERION_FIELDS = ["check_code", "params", "clause", "source", "is_default", "position"]


def _require_city_admin(actor: User) -> None:
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city admin edits recognition criteria and fee references."))


def _whole(value, *, field: str, low: int, high: int, errors: dict) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high:
        errors[field] = [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return number


@transaction.atomic
def criteria_set_draft(
    *,
    actor: User,
    kind: str,
    edition: str,
    effective_from: date,
    source: str,
    validity_years: int = 3,
    unit_review_working_days: int = 15,
    city_decision_working_days: int = 20,
    expiry_notice_days: int = 60,
    note: str = "",
    copy_criteria: bool = True,
) -> CriteriaSet:
    """A new draft version; by default it starts with the criteria of the set in force on `effective_from`."""
    _require_city_admin(actor)
    errors: dict[str, list[str]] = {}
    if kind not in RecognitionKind.values:
        errors["kind"] = [_("Choose one of the four recognitions.")]
    if not (edition or "").strip() or len(edition) > 100:
        errors["edition"] = [_("Name the edition (at most 100 characters).")]
    if not (source or "").strip() or len(source) > 300:
        errors["source"] = [_("Name the source (at most 300 characters).")]
    if not isinstance(effective_from, date):
        errors["effective_from"] = [_("Enter a date.")]
    numbers = {
        "validity_years": _whole(validity_years, field="validity_years", low=1, high=10, errors=errors),
        "unit_review_working_days": _whole(
            unit_review_working_days, field="unit_review_working_days", low=1, high=120, errors=errors
        ),
        "city_decision_working_days": _whole(
            city_decision_working_days, field="city_decision_working_days", low=1, high=120, errors=errors
        ),
        "expiry_notice_days": _whole(expiry_notice_days, field="expiry_notice_days", low=1, high=365, errors=errors),
    }
    if errors:
        raise ValidationFailed(fields=errors)
    criteria_set = CriteriaSet.objects.create(
        kind=kind,
        edition=edition.strip(),
        effective_from=effective_from,
        source=source.strip(),
        note=(note or "").strip()[:500],
        created_by=actor,
        **numbers,
    )
    base = selectors.criteria_set_in_force(kind=kind, on=effective_from) if copy_criteria else None
    if base is not None:
        Criterion.objects.bulk_create(
            Criterion(
                criteria_set=criteria_set,
                position=row.position,
                check_code=row.check_code,
                params=row.params,
                clause=row.clause,
                source=row.source,
                is_default=row.is_default,
                note=row.note,
            )
            for row in base.criteria.all()
        )
    audit_record(
        actor=actor,
        action="criteria_set.draft",
        target=criteria_set,
        after={**audit_snapshot(criteria_set, SET_FIELDS), "copied_from": base.pk if base else None},
    )
    return criteria_set


def _draft(criteria_set: CriteriaSet) -> CriteriaSet:
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if criteria_set.status != CriteriaSetStatus.DRAFT:
        raise Conflict(
            _("An active criteria set is never edited: draft a new version instead."), code="criteria_in_use"
        )
    return criteria_set


@transaction.atomic
def criterion_set(
    *,
    actor: User,
    criteria_set: CriteriaSet,
    check_code: str,
    params: dict | None = None,
    clause: str,
    source: str,
    is_default: bool = False,
    position: int | None = None,
) -> Criterion:
    """Add a criterion to a draft, or replace the one with the same check."""
    _require_city_admin(actor)
    criteria_set = _draft(criteria_set)
    params = params or {}
    errors: dict[str, list[str]] = {}
    if not isinstance(params, dict):
        errors["params"] = [_("Parameters are a JSON object.")]
    else:
        problems = params_problems(check_code, params)
        if problems:
            errors["check_code" if check_code not in _known_checks() else "params"] = problems
    if not (clause or "").strip() or len(clause) > 200:
        errors["clause"] = [_("Name the clause (at most 200 characters).")]
    if not (source or "").strip() or len(source) > 300:
        errors["source"] = [_("Name the source (at most 300 characters).")]
    if errors:
        raise ValidationFailed(fields=errors)
    existing = criteria_set.criteria.filter(check_code=check_code).first()
    before = audit_snapshot(existing, CRITERION_FIELDS) if existing else None
    if position is None:
        position = existing.position if existing else criteria_set.criteria.count()
    criterion, _created = Criterion.objects.update_or_create(
        criteria_set=criteria_set,
        check_code=check_code,
        defaults={
            "params": params,
            "clause": clause.strip(),
            "source": source.strip(),
            "is_default": bool(is_default),
            "position": position,
        },
    )
    audit_record(
        actor=actor,
        action="criterion.set",
        target=criteria_set,
        before=before,
        after=audit_snapshot(criterion, CRITERION_FIELDS),
    )
    return criterion


def _known_checks() -> set[str]:
    from ..rules.recognition import CHECKS

    return set(CHECKS)


@transaction.atomic
def criterion_remove(*, actor: User, criteria_set: CriteriaSet, check_code: str) -> None:
    _require_city_admin(actor)
    criteria_set = _draft(criteria_set)
    criterion = criteria_set.criteria.filter(check_code=check_code).first()
    if criterion is None:
        raise ValidationFailed(fields={"check_code": [_("This draft has no such criterion.")]})
    before = audit_snapshot(criterion, CRITERION_FIELDS)
    criterion.delete()
    audit_record(actor=actor, action="criterion.remove", target=criteria_set, before=before)


@transaction.atomic
def criteria_set_activate(*, actor: User, criteria_set: CriteriaSet, today: date | None = None) -> CriteriaSet:
    """Put a draft in force from its `effective_from` (not in the past); the set it replaces ends that day."""
    _require_city_admin(actor)
    today = today or timezone.localdate()
    criteria_set = _draft(criteria_set)
    if criteria_set.effective_from < today:
        raise ValidationFailed(
            fields={"effective_from": [_("A new version cannot start in the past: choose today or a later day.")]}
        )
    if not criteria_set.criteria.exists():
        raise ValidationFailed(fields={"criteria": [_("Add at least one criterion before activating.")]})
    others = (
        CriteriaSet.objects.select_for_update().filter(kind=criteria_set.kind).exclude(status=CriteriaSetStatus.DRAFT)
    )
    if others.filter(effective_from__gte=criteria_set.effective_from).exists():
        raise Conflict(
            _("A version of these criteria already starts on or after %(date)s.")
            % {"date": criteria_set.effective_from.isoformat()},
            code="criteria_overlap",
        )
    return version_activate(
        actor=actor, version=criteria_set, same_scope=others, fields=SET_FIELDS, action="criteria_set"
    )


@transaction.atomic
def fee_reference_set(*, actor: User, district_code: str, year, fee, source: str) -> FeeReference:
    """Set the full-day fee reference of a unit for a year (decisions keep the figure they used in their facts)."""
    _require_city_admin(actor)
    errors: dict[str, list[str]] = {}
    if not District.objects.filter(code=district_code).exists():
        errors["district"] = [_("Choose a county-level unit.")]
    year_number = _whole(year, field="year", low=2019, high=2100, errors=errors)
    try:
        amount = Decimal(str(fee).replace(",", "").strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount >= Decimal("1000000"):
        errors["fee"] = [_("Enter the monthly fee in yuan, more than 0 and less than 1,000,000.")]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["fee"] = [_("At most two decimal places (fen).")]
    if not (source or "").strip() or len(source) > 300:
        errors["source"] = [_("Name the source (at most 300 characters).")]
    if errors:
        raise ValidationFailed(fields=errors)
    existing = FeeReference.objects.select_for_update().filter(district_id=district_code, year=year_number).first()
    before = audit_snapshot(existing, ["full_day_monthly_fee", "source", "is_default"]) if existing else None
    reference, _created = FeeReference.objects.update_or_create(
        district_id=district_code,
        year=year_number,
        defaults={"full_day_monthly_fee": amount, "source": source.strip(), "is_default": False, "set_by": actor},
    )
    audit_record(
        actor=actor,
        action="fee_reference.set",
        target=reference,
        before=before,
        after=audit_snapshot(reference, ["district", "year", "full_day_monthly_fee", "source", "is_default"]),
    )
    return reference
