"""The recognition workflow (普惠 / 示范认定): apply or nominate → unit review → city decision by another
person → published for a validity period → renewal, expiry, suspension, revocation. Every step locks the
row it changes, re-runs the criteria in force where it grants something, and is audited.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.notices.services import notify
from suzhou_childcare.workdays.services import add_working_days

from .. import selectors_recognition as selectors
from ..models import (
    KIND_PREFIX,
    MODEL_KINDS,
    OPEN_APPLICATION_STATUSES,
    OPEN_RECOGNITION_STATUSES,
    ApplicationRoute,
    ApplicationStatus,
    CriteriaSet,
    Facility,
    Recognition,
    RecognitionApplication,
    RecognitionKind,
    RecognitionSequence,
    RecognitionStatus,
    RecognitionSuspension,
)
from ..rules.recognition import CriterionResult, failures, months_before

APPLICATION_FIELDS = [
    "status",
    "unit_reviewer",
    "unit_reviewed_on",
    "unit_opinion",
    "city_deadline",
    "decided_by",
    "decided_on",
    "decision_opinion",
    "decision_reference",
]
RECOGNITION_FIELDS = ["status", "valid_from", "valid_to", "revoked_on", "revocation_reason", "expired_on"]
WORKFLOW_CLAUSE = "发改价格〔2024〕1477号：普惠托育机构由县级以上地方人民政府有关部门认定并公布"


# --- helpers ---


def _tell(recipients, *, kind: str, title: str, body: str = "", values: dict, link: str = "") -> None:
    """Notify each recipient in their own language (`title`/`body` are gettext_noop'd source strings)."""
    by_language: dict[str, list[User]] = {}
    for user in recipients:
        by_language.setdefault(user.language, []).append(user)
    for language, users in by_language.items():
        with translation.override(language):
            shown = {**values, "kind": RecognitionKind(values["kind"]).label} if "kind" in values else values
            notify(
                recipients=users,
                kind=kind,
                title=_(title) % shown,
                body=_(body) % shown if body else "",
                link=link,
            )


def _unit_officers(facility: Facility):
    return User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=facility.district_id, is_active=True)


def _city_admins():
    return User.objects.filter(role=Role.CITY_ADMIN, is_active=True)


def _operators(facility: Facility):
    return facility.operators.filter(is_active=True)


def _in_reach(actor: User, facility: Facility) -> bool:
    if actor.role == Role.CITY_ADMIN:
        return True
    if actor.role == Role.DISTRICT_OFFICER:
        return facility.district_id == actor.district_id
    if actor.role == Role.OPERATOR:
        return facility.operators.filter(pk=actor.pk).exists()
    return selectors.facility_scope_for(user=actor).filter(pk=facility.pk).exists()


def _require_city_admin(actor: User) -> None:
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city health commission decides on recognitions."))


def _refuse_failures(results: list[CriterionResult]) -> None:
    failed = failures(results)
    if not failed:
        return
    first = failed[0]
    raise RuleViolation(
        _("The facility does not meet %(count)d criterion/criteria for this recognition. First: %(label)s — %(why)s")
        % {"count": len(failed), "label": first.label, "why": first.evidence},
        code="criteria_not_met",
        fields={result.check_code: [result.evidence] for result in failed},
        clause=f"{first.source}：{first.clause}" if first.source else first.clause,
    )


def _check(application: RecognitionApplication, facility: Facility, on: date):
    criteria_set, facts, results = selectors.recognition_check(
        facility,
        kind=application.kind,
        on=on,
        agreement_signed_on=application.agreement_signed_on,
        agreement_reference=application.agreement_reference,
        guidance_accepted=application.guidance_accepted,
    )
    if criteria_set is None:
        raise RuleViolation(
            _("No criteria for this recognition are in force on %(date)s.") % {"date": on.isoformat()},
            code="no_criteria",
            clause=WORKFLOW_CLAUSE,
        )
    return criteria_set, facts, results


def _checked(application: RecognitionApplication, facility: Facility, on: date) -> CriteriaSet:
    """Run the criteria in force on `on`, refuse on a failure, and keep the facts and results the step saw."""
    criteria_set, facts, results = _check(application, facility, on)
    _refuse_failures(results)
    application.criteria_set = criteria_set
    application.facts = facts.as_json()
    application.evaluation = [result.as_json() for result in results]
    return criteria_set


def _concerned(facility: Facility) -> list[User]:
    """Who hears about a recognition's changes: the facility's operators and its unit's officers."""
    return [*_operators(facility), *_unit_officers(facility)]


def _tell_rejected(recipients, application: RecognitionApplication, values: dict) -> None:
    _tell(
        recipients,
        kind="recognition.application_rejected",
        title=gettext_noop("Recognition application rejected: %(name)s (%(kind)s)"),
        body=gettext_noop("Reasons: %(reasons)s"),
        values=values,
        link=_application_link(application),
    )


def _locked_application(application: RecognitionApplication) -> RecognitionApplication:
    return (
        RecognitionApplication.objects.select_for_update()
        .select_related("facility", "criteria_set")
        .get(pk=application.pk)
    )


def _application_link(application: RecognitionApplication) -> str:
    return reverse("recognitions:application", args=[application.pk])


def _recognition_link(recognition: Recognition) -> str:
    return reverse("recognitions:detail", args=[recognition.pk])


def _expect_status(application: RecognitionApplication, *statuses: str) -> None:
    if application.status not in statuses:
        raise Conflict(
            _("This step is not possible while the application is “%(status)s”.")
            % {"status": application.get_status_display()},
            code="invalid_transition",
        )


# --- applications ---


@transaction.atomic
def recognition_apply(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    agreement_signed_on: date | None = None,
    agreement_reference: str = "",
    guidance_accepted: bool = False,
    statement: str = "",
    renews: Recognition | None = None,
    today: date | None = None,
) -> RecognitionApplication:
    """An operator applies, or the unit (or the city) nominates; a renewal names the recognition it renews.

    Refused when a criterion in force today fails: the error names each failing criterion and its clause.
    """
    today = today or timezone.localdate()
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not _in_reach(actor, facility):
        raise NotFound
    if actor.role not in (Role.OPERATOR, Role.DISTRICT_OFFICER, Role.CITY_ADMIN):
        raise PermissionDenied(_("Your role may not apply for recognitions."))
    if kind not in RecognitionKind.values:
        raise ValidationFailed(fields={"kind": [_("Choose one of the four recognitions.")]})
    errors: dict[str, list[str]] = {}
    if agreement_signed_on and agreement_signed_on > today:
        errors["agreement_signed_on"] = [_("The agreement cannot be signed in the future.")]
    if len(agreement_reference) > 100:
        errors["agreement_reference"] = [_("At most 100 characters.")]
    if len(statement) > 5000:
        errors["statement"] = [_("At most 5,000 characters.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if renews is not None:
        if renews.facility_id != facility.pk or renews.kind != kind:
            raise ValidationFailed(fields={"renews": [_("Choose a recognition of this facility and kind.")]})
        if renews.status != RecognitionStatus.ACTIVE:
            raise Conflict(
                _("Only a recognition in force can be renewed; this one is “%(status)s”.")
                % {"status": renews.get_status_display()},
                code="not_renewable",
            )
        route = ApplicationRoute.RENEWAL
    else:
        held = facility.recognitions.filter(kind=kind, status__in=OPEN_RECOGNITION_STATUSES).first()
        if held is not None:
            raise Conflict(
                _("The facility already holds this recognition (%(number)s); apply for its renewal instead.")
                % {"number": held.number},
                code="already_recognised",
            )
        route = ApplicationRoute.APPLIED if actor.role == Role.OPERATOR else ApplicationRoute.NOMINATED
    if facility.recognition_applications.filter(kind=kind, status__in=OPEN_APPLICATION_STATUSES).exists():
        raise Conflict(_("An application for this recognition is already under review."), code="duplicate")
    application = RecognitionApplication(
        facility=facility,
        kind=kind,
        route=route,
        renews=renews,
        agreement_signed_on=agreement_signed_on,
        agreement_reference=agreement_reference.strip(),
        guidance_accepted=bool(guidance_accepted),
        statement=statement.strip(),
        submitted_by=actor,
        submitted_on=today,
    )
    criteria_set = _checked(application, facility, today)
    application.unit_deadline = add_working_days(today, criteria_set.unit_review_working_days).date
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a concurrent application for the same facility and kind
        raise Conflict(_("An application for this recognition is already under review."), code="duplicate") from exc
    audit_record(
        actor=actor,
        action="recognition_application.submit",
        target=application,
        after=audit_snapshot(application, ["facility", "kind", "route", "status", "unit_deadline"]),
    )
    _tell(
        _unit_officers(facility),
        kind="recognition.application_submitted",
        title=gettext_noop("Recognition application to review: %(name)s (%(kind)s)"),
        body=gettext_noop("Review it by %(deadline)s."),
        values={"name": facility.name, "kind": kind, "deadline": application.unit_deadline.isoformat()},
        link=_application_link(application),
    )
    return application


@transaction.atomic
def recognition_unit_review(
    *,
    actor: User,
    application: RecognitionApplication,
    approve: bool,
    opinion: str = "",
    today: date | None = None,
) -> RecognitionApplication:
    """The unit's review: forward to the city (the criteria are checked again) or reject with reasons."""
    today = today or timezone.localdate()
    application = _locked_application(application)
    facility = application.facility
    if not _in_reach(actor, facility) or actor.role == Role.OPERATOR:
        raise NotFound
    if actor.role not in (Role.DISTRICT_OFFICER, Role.CITY_ADMIN):
        raise PermissionDenied(_("Only the unit's health commission reviews recognition applications."))
    _expect_status(application, ApplicationStatus.SUBMITTED)
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise ValidationFailed(fields={"opinion": [_("Give the reasons for the rejection.")]})
    before = audit_snapshot(application, APPLICATION_FIELDS)
    application.unit_reviewer = actor
    application.unit_reviewed_on = today
    application.unit_opinion = opinion
    if approve:
        criteria_set = _checked(application, facility, today)
        application.status = ApplicationStatus.FORWARDED
        application.city_deadline = add_working_days(today, criteria_set.city_decision_working_days).date
    else:
        application.status = ApplicationStatus.REJECTED
    application.save()
    audit_record(
        actor=actor,
        action="recognition_application.forward" if approve else "recognition_application.unit_reject",
        target=application,
        before=before,
        after=audit_snapshot(application, APPLICATION_FIELDS),
        reason=opinion,
    )
    values = {"name": facility.name, "kind": application.kind, "reasons": opinion}
    if approve:
        _tell(
            [user for user in _city_admins() if user.pk != actor.pk],
            kind="recognition.application_forwarded",
            title=gettext_noop("Recognition to decide: %(name)s (%(kind)s)"),
            values=values,
            link=_application_link(application),
        )
    else:
        _tell_rejected(_operators(facility), application, values)
    return application


def _next_number(kind: str, year: int) -> str:
    try:
        with transaction.atomic():
            RecognitionSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass  # created by a concurrent decision a moment ago
    sequence = RecognitionSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{KIND_PREFIX[kind]}-{year}-{sequence.last_number:04d}"


def add_years(day: date, years: int) -> date:
    return months_before(day, -12 * years)


@transaction.atomic
def recognition_decide(
    *,
    actor: User,
    application: RecognitionApplication,
    grant: bool,
    opinion: str = "",
    decision_reference: str = "",
    today: date | None = None,
) -> RecognitionApplication:
    """The city's decision, by a person other than the unit reviewer and the applicant (maker-checker).

    A grant re-runs the criteria in force today and publishes the recognition for the set's validity period;
    a renewal starts where the renewed recognition ends, which is then marked renewed.
    """
    today = today or timezone.localdate()
    application = _locked_application(application)
    facility = application.facility
    if not _in_reach(actor, facility) or actor.role == Role.OPERATOR:
        raise NotFound
    _require_city_admin(actor)
    _expect_status(application, ApplicationStatus.FORWARDED)
    if actor.pk in (application.unit_reviewer_id, application.submitted_by_id):
        raise PermissionDenied(
            _("The person who submitted or reviewed an application may not also decide it."),
            code="maker_checker",
        )
    opinion = (opinion or "").strip()
    decision_reference = (decision_reference or "").strip()
    if not grant and not opinion:
        raise ValidationFailed(fields={"opinion": [_("Give the reasons for the rejection.")]})
    if len(decision_reference) > 100:
        raise ValidationFailed(fields={"decision_reference": [_("At most 100 characters.")]})
    before = audit_snapshot(application, APPLICATION_FIELDS)
    application.decided_by = actor
    application.decided_on = today
    application.decision_opinion = opinion
    application.decision_reference = decision_reference
    recognition = None
    if grant:
        criteria_set = _checked(application, facility, today)
        application.status = ApplicationStatus.GRANTED
        recognition = _grant(application, criteria_set, actor=actor, today=today)
    else:
        application.status = ApplicationStatus.REJECTED
    application.save()
    audit_record(
        actor=actor,
        action="recognition_application.grant" if grant else "recognition_application.reject",
        target=application,
        before=before,
        after=audit_snapshot(application, APPLICATION_FIELDS),
        reason=opinion,
    )
    values = {"name": facility.name, "kind": application.kind, "reasons": opinion}
    if recognition is not None:
        values.update(number=recognition.number, until=recognition.valid_to.isoformat())
        _tell(
            _concerned(facility),
            kind="recognition.granted",
            title=gettext_noop("Recognition granted: %(name)s (%(kind)s), certificate %(number)s"),
            body=gettext_noop("Valid until %(until)s (exclusive). The certificate can be printed from its page."),
            values=values,
            link=_recognition_link(recognition),
        )
    else:
        _tell_rejected(_concerned(facility), application, values)
    return application


def _grant(application: RecognitionApplication, criteria_set: CriteriaSet, *, actor: User, today: date) -> Recognition:
    renewed = None
    valid_from = today
    if application.renews_id:
        renewed = Recognition.objects.select_for_update().get(pk=application.renews_id)
        if renewed.status != RecognitionStatus.ACTIVE:
            raise Conflict(
                _("The recognition to renew is no longer in force (%(status)s).")
                % {"status": renewed.get_status_display()},
                code="not_renewable",
            )
        valid_from = max(today, renewed.valid_to)
        before = audit_snapshot(renewed, RECOGNITION_FIELDS)
        renewed.status = RecognitionStatus.RENEWED
        renewed.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="recognition.renewed",
            target=renewed,
            before=before,
            after=audit_snapshot(renewed, RECOGNITION_FIELDS),
        )
    recognition = Recognition.objects.create(
        facility=application.facility,
        kind=application.kind,
        number=_next_number(application.kind, today.year),
        valid_from=valid_from,
        valid_to=add_years(valid_from, criteria_set.validity_years),
        granted_on=today,
        decided_by=actor,
        decision_reference=application.decision_reference,
        application=application,
        criteria_set=criteria_set,
        renewed_from=renewed,
        facts=application.facts,
        evaluation=application.evaluation,
    )
    audit_record(
        actor=actor,
        action="recognition.grant",
        target=recognition,
        after={
            **audit_snapshot(recognition, ["number", "kind", "valid_from", "valid_to"]),
            "facility": recognition.facility_id,
        },
    )
    return recognition


@transaction.atomic
def recognition_withdraw(
    *, actor: User, application: RecognitionApplication, reason: str = ""
) -> RecognitionApplication:
    application = _locked_application(application)
    if not _in_reach(actor, application.facility):
        raise NotFound
    if actor.role == Role.OPERATOR or actor.pk == application.submitted_by_id:
        pass
    elif actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the applicant may withdraw an application."))
    _expect_status(application, *OPEN_APPLICATION_STATUSES)
    before = audit_snapshot(application, APPLICATION_FIELDS)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="recognition_application.withdraw",
        target=application,
        before=before,
        after=audit_snapshot(application, APPLICATION_FIELDS),
        reason=reason,
    )
    return application


# --- recognitions in force: suspension, reinstatement, revocation, expiry ---


def _locked_recognition(recognition: Recognition) -> Recognition:
    return Recognition.objects.select_for_update().select_related("facility").get(pk=recognition.pk)


def _predecessor_in_force(recognition: Recognition, today: date) -> Recognition | None:
    """The recognition a renewal replaces, while its own period still runs (a renewal starts where it ends): what
    happens to the renewal (suspension, reinstatement, revocation) happens to it too, or the old certificate
    would stay in force."""
    if not recognition.renewed_from_id:
        return None
    return (
        Recognition.objects.select_for_update()
        .select_related("facility")
        .filter(pk=recognition.renewed_from_id, status=RecognitionStatus.RENEWED, valid_to__gt=today)
        .first()
    )


def _suspend(
    recognition: Recognition, *, actor: User | None, reason: str, penalty_reference: str, on: date, notify: bool = True
) -> None:
    before = audit_snapshot(recognition, RECOGNITION_FIELDS)
    if RecognitionSuspension.objects.filter(recognition=recognition, lifted_on__isnull=True).exists():
        return
    RecognitionSuspension.objects.create(
        recognition=recognition,
        suspended_on=on,
        reason=reason,
        penalty_reference=penalty_reference[:100],
        suspended_by=actor,
    )
    if recognition.status == RecognitionStatus.ACTIVE:
        recognition.status = RecognitionStatus.SUSPENDED  # a renewed one keeps its status; the suspension row rules
        recognition.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="recognition.suspend",
        target=recognition,
        before=before,
        after=audit_snapshot(recognition, RECOGNITION_FIELDS),
        reason=reason,
    )
    if not notify:
        return
    _tell(
        _concerned(recognition.facility),
        kind="recognition.suspended",
        title=gettext_noop("Recognition suspended: %(name)s (%(kind)s)"),
        body=gettext_noop("Reason: %(reasons)s"),
        values={"name": recognition.facility.name, "kind": recognition.kind, "reasons": reason},
        link=_recognition_link(recognition),
    )


@transaction.atomic
def recognition_suspend(
    *, actor: User, recognition: Recognition, reason: str, today: date | None = None
) -> Recognition:
    today = today or timezone.localdate()
    recognition = _locked_recognition(recognition)
    if not _in_reach(actor, recognition.facility) or actor.role == Role.OPERATOR:
        raise NotFound
    _require_city_admin(actor)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Give the reason for the suspension.")]})
    if recognition.status != RecognitionStatus.ACTIVE:
        raise Conflict(
            _("Only a recognition in force can be suspended; this one is “%(status)s”.")
            % {"status": recognition.get_status_display()},
            code="invalid_transition",
        )
    _suspend(recognition, actor=actor, reason=reason.strip(), penalty_reference="", on=today)
    predecessor = _predecessor_in_force(recognition, today)
    if predecessor is not None:
        _suspend(predecessor, actor=actor, reason=reason.strip(), penalty_reference="", on=today, notify=False)
    return recognition


def recognitions_suspend_for_serious_violation(
    *, actor: User | None, facility: Facility, reference: str, today: date | None = None
) -> int:
    """A decided serious penalty suspends every recognition of the facility at once (called by supervision)."""
    today = today or timezone.localdate()
    suspended = 0
    for recognition in (
        Recognition.objects.select_for_update()
        .select_related("facility")
        .filter(
            Q(status=RecognitionStatus.ACTIVE) | Q(status=RecognitionStatus.RENEWED, valid_to__gt=today),
            facility=facility,
        )
        .order_by("id")
    ):
        with translation.override("zh-hans"):  # stored text: in the portal's language
            reason = _("Serious violation decided (%(reference)s): suspended until the city reviews it.") % {
                "reference": reference or "—"
            }
        _suspend(
            recognition,
            actor=actor,
            reason=reason,
            penalty_reference=reference,
            on=today,
            notify=recognition.status != RecognitionStatus.RENEWED,
        )
        suspended += 1
    return suspended


@transaction.atomic
def recognition_reinstate(
    *, actor: User, recognition: Recognition, reason: str, today: date | None = None
) -> Recognition:
    """Lift a suspension: only when the criteria in force today are met again (a serious violation within the
    period keeps it suspended)."""
    today = today or timezone.localdate()
    recognition = _locked_recognition(recognition)
    if not _in_reach(actor, recognition.facility) or actor.role == Role.OPERATOR:
        raise NotFound
    _require_city_admin(actor)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Give the reason for lifting the suspension.")]})
    if recognition.status != RecognitionStatus.SUSPENDED:
        raise Conflict(_("This recognition is not suspended."), code="invalid_transition")
    declared = recognition.facts or {}
    _criteria_set, _facts, results = selectors.recognition_check(
        recognition.facility,
        kind=recognition.kind,
        on=today,
        agreement_signed_on=date.fromisoformat(declared["agreement_signed_on"])
        if declared.get("agreement_signed_on")
        else None,
        agreement_reference=declared.get("agreement_reference", ""),
        guidance_accepted=bool(declared.get("guidance_accepted")),
    )
    _refuse_failures(results)
    before = audit_snapshot(recognition, RECOGNITION_FIELDS)
    predecessor = _predecessor_in_force(recognition, today)
    RecognitionSuspension.objects.filter(
        Q(recognition=recognition) | Q(recognition=predecessor), lifted_on__isnull=True
    ).update(lifted_on=today, lift_reason=reason.strip(), lifted_by=actor)
    recognition.status = RecognitionStatus.ACTIVE if recognition.valid_to > today else RecognitionStatus.EXPIRED
    recognition.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="recognition.reinstate",
        target=recognition,
        before=before,
        after=audit_snapshot(recognition, RECOGNITION_FIELDS),
        reason=reason,
    )
    return recognition


@transaction.atomic
def recognition_revoke(*, actor: User, recognition: Recognition, reason: str, today: date | None = None) -> Recognition:
    today = today or timezone.localdate()
    recognition = _locked_recognition(recognition)
    if not _in_reach(actor, recognition.facility) or actor.role == Role.OPERATOR:
        raise NotFound
    _require_city_admin(actor)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Give the reason for the revocation.")]})
    if recognition.status not in OPEN_RECOGNITION_STATUSES:
        raise Conflict(
            _("Only a recognition in force or suspended can be revoked; this one is “%(status)s”.")
            % {"status": recognition.get_status_display()},
            code="invalid_transition",
        )
    before = audit_snapshot(recognition, RECOGNITION_FIELDS)
    predecessor = _predecessor_in_force(recognition, today)
    for revoked in filter(None, (recognition, predecessor)):
        RecognitionSuspension.objects.filter(recognition=revoked, lifted_on__isnull=True).update(
            lifted_on=today, lift_reason=_("Revoked"), lifted_by=actor
        )
        if revoked is predecessor:
            was = audit_snapshot(revoked, RECOGNITION_FIELDS)
        revoked.status = RecognitionStatus.REVOKED
        revoked.revoked_on = today
        revoked.revocation_reason = reason.strip()
        revoked.save(update_fields=["status", "revoked_on", "revocation_reason", "updated_at"])
        if revoked is predecessor:
            audit_record(
                actor=actor,
                action="recognition.revoke",
                target=revoked,
                before=was,
                after=audit_snapshot(revoked, RECOGNITION_FIELDS),
                reason=reason,
            )
    audit_record(
        actor=actor,
        action="recognition.revoke",
        target=recognition,
        before=before,
        after=audit_snapshot(recognition, RECOGNITION_FIELDS),
        reason=reason,
    )
    _tell(
        _concerned(recognition.facility),
        kind="recognition.revoked",
        title=gettext_noop("Recognition revoked: %(name)s (%(kind)s)"),
        body=gettext_noop("Reason: %(reasons)s"),
        values={"name": recognition.facility.name, "kind": recognition.kind, "reasons": reason.strip()},
        link=_recognition_link(recognition),
    )
    return recognition


def recognitions_expire(*, today: date | None = None) -> int:
    """Expire every recognition whose period has ended. Each row is locked and re-checked, so two runs (or two
    workers) on the same day expire each recognition once."""
    today = today or timezone.localdate()
    due = list(
        Recognition.objects.filter(status__in=OPEN_RECOGNITION_STATUSES, valid_to__lte=today).values_list(
            "pk", flat=True
        )
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            recognition = (
                Recognition.objects.select_for_update(skip_locked=True)
                .select_related("facility")
                .filter(pk=pk, status__in=OPEN_RECOGNITION_STATUSES, valid_to__lte=today)
                .first()
            )
            if recognition is None:
                continue
            before = audit_snapshot(recognition, RECOGNITION_FIELDS)
            recognition.status = RecognitionStatus.EXPIRED
            recognition.expired_on = recognition.valid_to
            recognition.save(update_fields=["status", "expired_on", "updated_at"])
            audit_record(
                actor=None,
                action="recognition.expire",
                target=recognition,
                before=before,
                after=audit_snapshot(recognition, RECOGNITION_FIELDS),
            )
            _tell(
                _concerned(recognition.facility),
                kind="recognition.expired",
                title=gettext_noop("Recognition expired: %(name)s (%(kind)s), certificate %(number)s"),
                values={"name": recognition.facility.name, "kind": recognition.kind, "number": recognition.number},
                link=_recognition_link(recognition),
            )
            expired += 1
    return expired


def recognition_expiry_notices_send(*, today: date | None = None) -> int:
    """Tell operators and the unit once, `expiry_notice_days` ahead, that a recognition is about to expire
    (unless its renewal is already under way). The conditional UPDATE makes each notice happen once."""
    from datetime import timedelta

    today = today or timezone.localdate()
    candidates = (
        Recognition.objects.filter(
            status=RecognitionStatus.ACTIVE, expiry_notice_sent_on__isnull=True, valid_to__gt=today
        )
        .exclude(renewal_applications__status__in=OPEN_APPLICATION_STATUSES)
        .select_related("facility", "criteria_set")
    )
    sent = 0
    for recognition in candidates:
        if recognition.valid_to - timedelta(days=recognition.criteria_set.expiry_notice_days) > today:
            continue
        with transaction.atomic():
            claimed = Recognition.objects.filter(pk=recognition.pk, expiry_notice_sent_on__isnull=True).update(
                expiry_notice_sent_on=today
            )
            if not claimed:
                continue
            _tell(
                _concerned(recognition.facility),
                kind="recognition.expiring",
                title=gettext_noop("Recognition expiring on %(until)s: %(name)s (%(kind)s)"),
                body=gettext_noop("Apply for its renewal before it expires."),
                values={
                    "name": recognition.facility.name,
                    "kind": recognition.kind,
                    "until": recognition.valid_to.isoformat(),
                },
                link=_recognition_link(recognition),
            )
            sent += 1
    return sent


def is_model(kind: str) -> bool:
    return kind in MODEL_KINDS
