"""The filing transitions: one service per action, each locking the facility row and audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.notices.services import notify
from suzhou_childcare.workdays.services import add_working_days

from .. import selectors
from ..models import Facility, FilingSequence, FilingStatus
from . import lifecycle
from .records import _coerce, _offerings_write, version_write


def _notify(recipients, *, kind: str, facility: Facility, title: str, body: str = "") -> None:
    """Tell people about a step, each in their own language (texts are stored as written)."""
    from django.urls import reverse

    by_language: dict[str, list[User]] = {}
    for user in recipients:
        by_language.setdefault(user.language, []).append(user)
    for language, users in by_language.items():
        with translation.override(language):
            values = {
                "name": facility.name,
                "number": facility.filing_number or "",
                "deadline": facility.record_deadline or "",
                "reasons": facility.review_reasons,
            }
            notify(
                recipients=users,
                kind=kind,
                title=_(title) % values,
                body=_(body) % values if body else "",
                link=reverse("facilities:detail", args=[facility.pk]),
            )


def _unit_officers(facility: Facility):
    return User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=facility.district_id, is_active=True)


def _operators(facility: Facility):
    return facility.operators.filter(is_active=True)


def _locked(facility: Facility) -> Facility:
    return Facility.objects.select_for_update().select_related("district").get(pk=facility.pk)


def _authorise(facility: Facility, actor: User, action: str) -> None:
    """Scope first (a foreign facility does not exist for the actor), then the lifecycle table."""
    if actor.role == Role.OPERATOR and not facility.operators.filter(pk=actor.pk).exists():
        raise NotFound
    if actor.role == Role.DISTRICT_OFFICER and facility.district_id != actor.district_id:
        raise NotFound
    states = lifecycle.TRANSITIONS[action]
    if facility.filing_status not in states:
        raise Conflict(
            _("This action is not possible while the filing is “%(state)s”.")
            % {"state": facility.get_filing_status_display()},
            code="invalid_transition",
            clause=lifecycle.CLAUSE,
        )
    if not lifecycle.allowed(action, facility.filing_status, actor.role):
        raise PermissionDenied(_("Your role may not take this action on a filing."))


def _transition(facility: Facility, *, actor: User, action: str, status: str, reason: str = "", before=None) -> None:
    facility.filing_status = status
    facility.reviewer = actor if actor.role == Role.DISTRICT_OFFICER else facility.reviewer
    facility.save()
    version_write(facility, actor=actor)
    audit_record(
        actor=actor,
        action=f"facility.{action}",
        target=facility,
        before=before,
        after=audit_snapshot(facility),
        reason=reason,
    )


@transaction.atomic
def facility_start_draft(*, actor: User, facility: Facility) -> Facility:
    """A `known` facility (operating, not filed) starts its filing; an operator taking it up becomes its operator."""
    facility = _locked(facility)
    _authorise(facility, actor, "start_draft")
    before = audit_snapshot(facility)
    _transition(facility, actor=actor, action="start_draft", status=FilingStatus.DRAFT, before=before)
    return facility


@transaction.atomic
def facility_submit(*, actor: User, facility: Facility, today: date | None = None) -> Facility:
    """Submit (or resubmit after a non-conformity notice). Refused only for incompleteness or bad format."""
    facility = _locked(facility)
    _authorise(facility, actor, "submit")
    today = today or timezone.localdate()
    review = selectors.facility_review(facility, on=today)
    if review.blocking:
        fields: dict[str, list[str]] = {}
        for finding in review.blocking:
            fields.setdefault(finding.field or "non_field_errors", []).append(str(finding.message))
        raise RuleViolation(
            _("The filing is incomplete: %(count)d item(s) must be completed before submitting.")
            % {"count": len(review.blocking)},
            code="incomplete",
            fields=fields,
            clause=review.blocking[0].clause or lifecycle.CLAUSE,
        )
    before = audit_snapshot(facility)
    facility.received_on = today
    facility.record_deadline = add_working_days(today, lifecycle.RECORD_WITHIN_WORKING_DAYS).date
    facility.notice_deadline = None
    facility.review_reasons = ""
    _transition(facility, actor=actor, action="submit", status=FilingStatus.SUBMITTED, before=before)
    _notify(
        _unit_officers(facility),
        kind="filing.submitted",
        facility=facility,
        title=gettext_noop("Filing submitted: %(name)s"),
        body=gettext_noop("Record it by %(deadline)s (5 working days)."),
    )
    return facility


def _next_filing_number(facility: Facility, year: int) -> str:
    """`<unit code>-<year>-<sequence>`: the sequence row is locked, so concurrent records never share one."""
    try:
        with transaction.atomic():
            FilingSequence.objects.get_or_create(district_id=facility.district_id, year=year)
    except IntegrityError:
        pass  # another transaction created it a moment ago
    sequence = FilingSequence.objects.select_for_update().get(district_id=facility.district_id, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{facility.district_id}-{year}-{sequence.last_number:04d}"


@transaction.atomic
def facility_record(*, actor: User, facility: Facility, today: date | None = None) -> Facility:
    """The unit records the filing and issues its 回执 with a filing number; or records a change filing."""
    facility = _locked(facility)
    _authorise(facility, actor, "record")
    today = today or timezone.localdate()
    before = audit_snapshot(facility)
    if facility.filing_status == FilingStatus.CHANGE_PENDING:
        # A recorded change keeps the filing as it stood: its number, dates and verification.
        _apply_pending_changes(facility, actor)
        facility.record_deadline = None
        status = FilingStatus.VERIFIED if facility.verified_on else FilingStatus.FILED
        _transition(facility, actor=actor, action="record", status=status, before=before)
        _notify(
            _operators(facility),
            kind="filing.change_recorded",
            facility=facility,
            title=gettext_noop("Change filing recorded: %(name)s"),
        )
        return facility
    if not facility.filing_number:
        facility.filing_number = _next_filing_number(facility, today.year)
    received = facility.received_on or today
    facility.notice_deadline = add_working_days(received, lifecycle.NOTICE_WITHIN_WORKING_DAYS).date
    facility.filed_on = today
    facility.verified_on = None
    _transition(facility, actor=actor, action="record", status=FilingStatus.FILED, before=before)
    _notify(
        _operators(facility),
        kind="filing.recorded",
        facility=facility,
        title=gettext_noop("Filing recorded: %(name)s, number %(number)s"),
        body=gettext_noop("The receipt (备案回执) can be printed from the facility's page."),
    )
    return facility


def _apply_pending_changes(facility: Facility, actor: User) -> None:
    pending = dict(facility.pending_changes)
    offerings = pending.pop("offerings", None)
    changes = _coerce(pending, actor)
    for field in ("lease_start", "lease_end", "policy_expires_on", "opened_on"):
        if isinstance(changes.get(field), str):
            changes[field] = date.fromisoformat(changes[field])
    for field in ("floor_area", "observation_room_area"):
        if isinstance(changes.get(field), str):
            changes[field] = Decimal(changes[field])
    for field, value in changes.items():
        setattr(facility, field, value)
    if offerings:
        _offerings_write(facility, offerings)
    facility.pending_changes = {}


@transaction.atomic
def facility_reject(*, actor: User, facility: Facility, reason: str) -> Facility:
    """Return an incomplete submission for completion, or refuse a change filing; the reason is required."""
    facility = _locked(facility)
    _authorise(facility, actor, "reject")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("State what must be completed.")]})
    before = audit_snapshot(facility)
    facility.review_reasons = reason
    if facility.filing_status == FilingStatus.CHANGE_PENDING:
        facility.pending_changes = {}
        status = FilingStatus.VERIFIED if facility.verified_on else FilingStatus.FILED
    else:
        facility.record_deadline = None
        status = FilingStatus.DRAFT
    _transition(facility, actor=actor, action="reject", status=status, reason=reason, before=before)
    _notify(
        _operators(facility),
        kind="filing.returned",
        facility=facility,
        title=gettext_noop("Filing returned for completion: %(name)s"),
        body=gettext_noop("The unit's reasons: %(reasons)s"),
    )
    return facility


@transaction.atomic
def facility_verify(
    *, actor: User, facility: Facility, conforming: bool, reasons: str = "", today: date | None = None
) -> Facility:
    """After the on-site check: verified, or a 不符合告知 with reasons (published)."""
    facility = _locked(facility)
    _authorise(facility, actor, "verify")
    today = today or timezone.localdate()
    reasons = (reasons or "").strip()
    before = audit_snapshot(facility)
    if conforming:
        facility.verified_on = today
        facility.review_reasons = ""
        status = FilingStatus.VERIFIED
    else:
        if not reasons:
            raise ValidationFailed(fields={"reasons": [_("A non-conformity notice must state its reasons.")]})
        facility.nonconforming_on = today
        facility.review_reasons = reasons
        status = FilingStatus.NONCONFORMING
    _transition(facility, actor=actor, action="verify", status=status, reason=reasons, before=before)
    if conforming:
        _notify(
            _operators(facility),
            kind="filing.verified",
            facility=facility,
            title=gettext_noop("Filing verified: %(name)s"),
        )
    else:
        _notify(
            _operators(facility),
            kind="filing.nonconforming",
            facility=facility,
            title=gettext_noop("Non-conformity notice (不符合告知): %(name)s"),
            body=gettext_noop("Reasons: %(reasons)s. Correct them and submit the filing again."),
        )
    return facility


@transaction.atomic
def facility_start_change(*, actor: User, facility: Facility, today: date | None = None) -> Facility:
    """Open a change filing (变更备案); the filed record stays in force until the unit records the change."""
    facility = _locked(facility)
    _authorise(facility, actor, "start_change")
    today = today or timezone.localdate()
    before = audit_snapshot(facility)
    facility.pending_changes = {}
    facility.received_on = today
    facility.record_deadline = add_working_days(today, lifecycle.RECORD_WITHIN_WORKING_DAYS).date
    _transition(facility, actor=actor, action="start_change", status=FilingStatus.CHANGE_PENDING, before=before)
    return facility


@transaction.atomic
def facility_cancel(*, actor: User, facility: Facility, reason: str = "", today: date | None = None) -> Facility:
    """Cancellation (注销备案): the facility stops operating from today."""
    facility = _locked(facility)
    _authorise(facility, actor, "cancel")
    today = today or timezone.localdate()
    before = audit_snapshot(facility)
    facility.cancelled_on = today
    facility.closed_on = facility.closed_on or today
    if facility.opened_on and facility.closed_on < facility.opened_on:
        facility.closed_on = facility.opened_on
    facility.record_deadline = None
    facility.notice_deadline = None
    _transition(facility, actor=actor, action="cancel", status=FilingStatus.CANCELLED, reason=reason, before=before)
    return facility


@transaction.atomic
def facility_remind(*, actor: User, facility: Facility, today: date | None = None) -> Facility:
    """催办: the unit reminds a facility that operates without a filing (known, or a draft left unsubmitted)."""
    facility = _locked(facility)
    if actor.role != Role.DISTRICT_OFFICER:
        raise PermissionDenied(_("Reminders are sent by the unit's officers."))
    if facility.district_id != actor.district_id:
        raise NotFound
    if facility.filing_status not in (FilingStatus.KNOWN, FilingStatus.DRAFT):
        raise Conflict(_("Only facilities that have not filed are reminded."))
    today = today or timezone.localdate()
    from suzhou_childcare.audit.models import AuditEntry

    already = AuditEntry.objects.filter(
        action="facility.remind", object_id=str(facility.pk), created_at__date=today
    ).exists()
    if already:
        raise Conflict(_("This facility has already been reminded today."))
    audit_record(actor=actor, action="facility.remind", target=facility, after={"on": today.isoformat()})
    _notify(
        _operators(facility),
        kind="filing.reminder",
        facility=facility,
        title=gettext_noop("Reminder (催办): %(name)s has not filed yet"),
        body=gettext_noop("A facility that provides childcare must file with the county-level health commission."),
    )
    return facility
