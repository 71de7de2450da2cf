"""Administrative penalties (人口与计划生育法 2021, Art. 41): proposed by one person, decided by another.

- An inspector or an officer of the facility's unit (or a city-wide inspector) proposes: kind, amount within
  the legal range in force, facts; a lifetime ban names the person by ID number (person registry).
- A different person holding `DECIDE_PENALTY` (city admin, officers of the unit) decides: decision number,
  date, hearing and appeal status. The amount is checked again against the range in force on the decision
  day. A serious kind flags the facility; a ban marks the person so that no roster can add them. The
  decision is published on the public register for a period (the city's default unless given).
- A proposal (never a decision) can be withdrawn, with a reason.

Every write is audited in its own transaction; notices go to the unit's officers (proposal) and to the
facility's operators (decision).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility
from facilities.selectors import facility_scope_for
from facilities.services import facility_flag_serious_violation, person_ban, person_for
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.money import round_fen
from suzhou_childcare.notices.services import notify
from suzhou_childcare.permissions import Capability, can

from ..models import Inspection, Penalty, PenaltyKind, PenaltyStatus
from ..rules_penalties import penalty_problems, yuan
from ..selectors.penalties import penalty_rule_in_force
from ..selectors.scope import scoped

# How long a decision stays on the public register (公示期), in days, the decision's first day included.
# The city's default (本市默认值): no period was found in a public text for these decisions; a deployment
# sets PENALTY_PUBLISH_DAYS, and the deciding officer may give another period for one decision.
DEFAULT_PUBLISH_DAYS = 180
PUBLISH_DAYS_MAX = 3650

# The inspector proposes, another person decides (issue 5). The Administrative Penalty Law has the head of
# the authority review the investigation's result and decide (2021 revision, Art. 57).
MAKER_CHECKER_CLAUSE = (
    "《行政处罚法》（2021）第五十七条：调查终结，由行政机关负责人审查后作出决定；本平台：提出人不得决定本人提出的处罚"
)

PROPOSER_ROLES = frozenset({Role.INSPECTOR, Role.DISTRICT_OFFICER})
FACTS_MAX_LENGTH = 10000
TEXT_MAX_LENGTH = 100
REASON_MAX_LENGTH = 500  # kept in the audit entry, whose reason column holds 500
AUDITED = [
    "facility",
    "person",
    "inspection",
    "kind",
    "amount",
    "legal_basis",
    "status",
    "proposed_by",
    "proposed_on",
    "decided_by",
    "decided_on",
    "decision_number",
    "hearing_status",
    "appeal_status",
    "publish_from",
    "publish_until",
]


def default_publish_days() -> int:
    return int(getattr(settings, "PENALTY_PUBLISH_DAYS", DEFAULT_PUBLISH_DAYS))


def may_propose(user) -> bool:
    """Inspectors (of a unit or city-wide) and unit officers propose; on which facility is the scope's matter."""
    return bool(user.is_authenticated and user.is_active and user.role in PROPOSER_ROLES)


def may_decide(user, penalty: Penalty) -> bool:
    """Whether the decide form is offered: the deciding permission, and not the proposer (scope is the caller's)."""
    return (
        penalty.status == PenaltyStatus.PROPOSED
        and can(user, Capability.DECIDE_PENALTY)
        and penalty.proposed_by_id != user.pk
    )


def may_withdraw(user, penalty: Penalty) -> bool:
    return penalty.status == PenaltyStatus.PROPOSED and (
        penalty.proposed_by_id == user.pk or can(user, Capability.DECIDE_PENALTY)
    )


def _require_facility_in_scope(actor, facility: Facility) -> None:
    if not facility_scope_for(user=actor).filter(pk=facility.pk).exists():
        raise NotFound


def _require_penalty_in_scope(actor, penalty: Penalty) -> Penalty:
    """The penalty, locked, if the actor may see it (a foreign one does not exist for them)."""
    locked = scoped(Penalty.objects.select_for_update(), user=actor).filter(pk=penalty.pk).first()
    if locked is None:
        raise NotFound
    return locked


def _amount(value) -> Decimal | None:
    """What a form or client sent, as Decimal; the rules judge range and decimals. Floats are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValidationFailed(fields={"amount": [_("Enter the fine in yuan as a number such as 5000.00.")]})
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValidationFailed(fields={"amount": [_("Enter the fine in yuan as a number such as 5000.00.")]}) from exc


def _check_amount(kind: str, amount: Decimal | None, rule) -> Decimal | None:
    problems = penalty_problems(kind, amount, (rule.min_amount, rule.max_amount, rule.clause))
    if problems:
        fields: dict[str, list[str]] = {}
        for field, message, _clause in problems:
            fields.setdefault(field, []).append(message)
        raise RuleViolation(problems[0][1], code="penalty_amount", fields=fields, clause=problems[0][2])
    return round_fen(amount) if amount is not None else None


def _detail_link(penalty: Penalty) -> str:
    return reverse("inspections:penalty_detail", args=[penalty.pk])


@transaction.atomic
def penalty_propose(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    amount: Decimal | str | int | None,
    facts: str,
    inspection: Inspection | None = None,
    person_id_number: str | None = None,
    person_name: str = "",
) -> Penalty:
    """Propose a penalty on a facility in the actor's jurisdiction; the legal basis is the rule's clause."""
    if not may_propose(actor):
        # A role that sees the facility but may not propose (city admin, operator) is told so; others see nothing.
        _require_facility_in_scope(actor, facility)
        raise PermissionDenied(_("Only inspectors and officers of the facility's unit propose penalties."))
    _require_facility_in_scope(actor, facility)
    errors: dict[str, list[str]] = {}
    if kind not in PenaltyKind.values:
        raise ValidationFailed(fields={"kind": [_("Choose the kind of penalty.")]})
    facts = (facts or "").strip()
    if not facts:
        errors["facts"] = [_("State the facts the penalty rests on.")]
    elif len(facts) > FACTS_MAX_LENGTH:
        errors["facts"] = [_("Keep the facts under %(max)s characters.") % {"max": FACTS_MAX_LENGTH}]
    if inspection is not None and inspection.facility_id != facility.pk:
        errors["inspection"] = [_("The inspection is of another facility.")]
    person = None
    person_name = (person_name or "").strip()
    person_id_number = (person_id_number or "").strip()
    if kind == PenaltyKind.LIFETIME_BAN:
        if not person_id_number:
            errors["person_id_number"] = [_("A lifetime ban names the person: enter their ID number.")]
        if not person_name:
            errors["person_name"] = [_("Enter the person's name.")]
        elif len(person_name) > TEXT_MAX_LENGTH:
            errors["person_name"] = [_("Enter at most %(max)s characters.") % {"max": TEXT_MAX_LENGTH}]
    elif person_id_number or person_name:
        # Only a ban targets a person; the other penalties are on the facility, so no personal data is kept.
        errors["person_id_number"] = [_("Only a lifetime ban names a person; leave the person empty.")]
    today = timezone.localdate()
    rule = penalty_rule_in_force(kind=kind, on=today)
    amount = _amount(amount)
    if errors:
        raise ValidationFailed(fields=errors)
    amount = _check_amount(kind, amount, rule)
    if kind == PenaltyKind.LIFETIME_BAN:
        try:
            person = person_for(name=person_name, id_number=person_id_number)
        except ValidationFailed as exc:
            raise ValidationFailed(
                fields={"person_id_number": exc.fields.get("id_number", [str(exc.message)])}, clause=exc.clause
            ) from exc
        if person.banned_on:
            raise Conflict(
                _("This person is already banned from childcare for life."),
                code="person_already_banned",
                fields={"person_id_number": [_("Already banned from childcare.")]},
                clause=rule.clause,
            )
    penalty = Penalty.objects.create(
        facility=facility,
        person=person,
        inspection=inspection,
        kind=kind,
        amount=amount,
        facts=facts,
        legal_basis=rule.clause,
        status=PenaltyStatus.PROPOSED,
        proposed_by=actor,
        proposed_on=today,
    )
    after = audit_snapshot(penalty, AUDITED)
    if person is not None:
        after["person_name"] = person_name  # as the proposer entered it; the registry keeps its first name
    audit_record(actor=actor, action="penalty.propose", target=penalty, after=after)
    deciders = User.objects.filter(
        role=Role.DISTRICT_OFFICER, district_id=facility.district_id, is_active=True
    ).exclude(pk=actor.pk)
    notify(
        recipients=deciders,
        kind="penalty.proposed",
        title=_("Penalty proposed for %(facility)s: awaiting decision") % {"facility": facility.name},
        body=_("%(kind)s proposed by %(proposer)s on %(date)s.")
        % {"kind": penalty.get_kind_display(), "proposer": actor, "date": today.isoformat()},
        link=_detail_link(penalty),
    )
    return penalty


@transaction.atomic
def penalty_decide(
    *,
    actor: User,
    penalty: Penalty,
    decision_number: str,
    decided_on: date,
    publish_days: int | None = None,
    hearing_status: str = "",
    appeal_status: str = "",
) -> Penalty:
    """Decide a proposal: another person than the proposer, with the deciding permission, in the unit."""
    penalty = _require_penalty_in_scope(actor, penalty)
    if not can(actor, Capability.DECIDE_PENALTY):
        raise PermissionDenied(
            _("Only the city health commission and the officers of the facility's unit decide penalties."),
            code="cannot_decide_penalty",
            clause=MAKER_CHECKER_CLAUSE,
        )
    if penalty.proposed_by_id == actor.pk:
        raise RuleViolation(
            _(
                "Maker-checker: you proposed this penalty, so another person with the deciding permission "
                "must decide it."
            ),
            code="maker_checker",
            clause=MAKER_CHECKER_CLAUSE,
        )
    if penalty.status != PenaltyStatus.PROPOSED:
        raise Conflict(
            _("This penalty is %(status)s; only a proposal can be decided.") % {"status": penalty.get_status_display()}
        )
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    decision_number = " ".join((decision_number or "").split())
    if not decision_number:
        errors["decision_number"] = [_("Enter the number of the decision (处罚决定书文号).")]
    elif len(decision_number) > TEXT_MAX_LENGTH:
        errors["decision_number"] = [_("Enter at most %(max)s characters.") % {"max": TEXT_MAX_LENGTH}]
    elif Penalty.objects.filter(decision_number=decision_number).exclude(pk=penalty.pk).exists():
        errors["decision_number"] = [_("Another penalty already carries this decision number.")]
    if not isinstance(decided_on, date):
        errors["decided_on"] = [_("Enter the date of the decision.")]
    elif decided_on > today:
        errors["decided_on"] = [_("A decision cannot be dated in the future.")]
    elif decided_on < penalty.proposed_on:
        errors["decided_on"] = [_("A decision cannot be dated before its proposal.")]
    if publish_days is None:
        publish_days = default_publish_days()
    if isinstance(publish_days, bool) or not isinstance(publish_days, int) or not 1 <= publish_days <= PUBLISH_DAYS_MAX:
        errors["publish_days"] = [
            _("Publish the decision for 1 to %(max)s days.") % {"max": PUBLISH_DAYS_MAX},
        ]
    hearing_status = (hearing_status or "").strip()
    appeal_status = (appeal_status or "").strip()
    for field, value in (("hearing_status", hearing_status), ("appeal_status", appeal_status)):
        if len(value) > TEXT_MAX_LENGTH:
            errors[field] = [_("Enter at most %(max)s characters.") % {"max": TEXT_MAX_LENGTH}]
    if errors:
        raise ValidationFailed(fields=errors)

    # The decision rests on the law in force on its own day, which may differ from the proposal's.
    rule = penalty_rule_in_force(kind=penalty.kind, on=decided_on)
    _check_amount(penalty.kind, penalty.amount, rule)

    before = audit_snapshot(penalty, AUDITED)
    penalty.status = PenaltyStatus.DECIDED
    penalty.decided_by = actor
    penalty.decided_on = decided_on
    penalty.decision_number = decision_number
    penalty.legal_basis = rule.clause
    penalty.hearing_status = hearing_status
    penalty.appeal_status = appeal_status
    # Published from the day it is recorded (a back-dated decision was not public before), for whole days.
    penalty.publish_from = today
    penalty.publish_until = today + timedelta(days=publish_days - 1)
    try:
        with transaction.atomic():
            penalty.save()
    except IntegrityError as exc:  # the same number taken by a concurrent decision a moment ago
        raise ValidationFailed(
            fields={"decision_number": [_("Another penalty already carries this decision number.")]},
            code="duplicate",
        ) from exc
    audit_record(
        actor=actor,
        action="penalty.decide",
        target=penalty,
        before=before,
        after=audit_snapshot(penalty, AUDITED),
    )
    if rule.serious:
        facility_flag_serious_violation(
            actor=actor, facility=penalty.facility, decided_on=decided_on, reference=decision_number
        )
    if penalty.kind == PenaltyKind.LIFETIME_BAN:
        person_ban(actor=actor, person=penalty.person, banned_on=decided_on, reference=decision_number)
    body = _("Decision %(number)s of %(date)s: %(kind)s.") % {
        "number": decision_number,
        "date": decided_on.isoformat(),
        "kind": penalty.get_kind_display(),
    }
    if penalty.amount is not None:
        body += " " + _("Fine: ¥%(amount)s.") % {"amount": yuan(penalty.amount)}
    body += " " + _("Legal basis: %(basis)s") % {"basis": penalty.legal_basis}
    notify(
        recipients=penalty.facility.operators.all(),
        kind="penalty.decided",
        title=_("Administrative penalty decided for %(facility)s") % {"facility": penalty.facility.name},
        body=body,
        link=_detail_link(penalty),
    )
    return penalty


@transaction.atomic
def penalty_withdraw(*, actor: User, penalty: Penalty, reason: str) -> Penalty:
    """Withdraw a proposal (the proposer, or a person who could decide it); a decision stays."""
    penalty = _require_penalty_in_scope(actor, penalty)
    if not (penalty.proposed_by_id == actor.pk or can(actor, Capability.DECIDE_PENALTY)):
        raise PermissionDenied(_("Only the proposer or an officer who decides penalties may withdraw a proposal."))
    if penalty.status != PenaltyStatus.PROPOSED:
        raise Conflict(
            _("This penalty is %(status)s; only a proposal can be withdrawn.")
            % {"status": penalty.get_status_display()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give the reason for withdrawing the proposal.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(fields={"reason": [_("Enter at most %(max)s characters.") % {"max": REASON_MAX_LENGTH}]})
    before = audit_snapshot(penalty, AUDITED)
    penalty.status = PenaltyStatus.WITHDRAWN
    penalty.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="penalty.withdraw",
        target=penalty,
        before=before,
        after=audit_snapshot(penalty, AUDITED),
        reason=reason,
    )
    return penalty
