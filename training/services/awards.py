"""Talent awards (人才奖励) and skills competitions (技能竞赛): every write, audited in its transaction.

An operator applies for one of the staff on a facility's current roster; the city admin or the officer of
the facility's unit decides, never the applicant. Eligibility is checked on application and again at the
decision (facts change: a certificate expires, a serious violation is decided); the amount comes from the
rule, as Decimal rounded to the fen.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility, StaffMember
from facilities.services.records import PERSON_ID_PURPOSE
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.money import round_fen
from suzhou_childcare.regions.models import District

from ..models import ApplicationStatus, AwardApplication, AwardRule, Competition, CompetitionEntry
from ..rules_awards import award_eligibility
from ..selectors.awards import award_facts_for, current_employment

DECIDERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})


def _require_operator_of(actor: User, facility: Facility) -> None:
    if actor.role != Role.OPERATOR:
        raise PermissionDenied
    if not facility.operators.filter(pk=actor.pk).exists():
        raise NotFound


def _officer_of(actor: User, district_id: str | None) -> bool:
    """City admins everywhere; a unit's officer for that unit only."""
    if actor.role == Role.CITY_ADMIN:
        return True
    return actor.role == Role.DISTRICT_OFFICER and bool(actor.district_id) and actor.district_id == district_id


def may_decide(user: User, application: AwardApplication) -> bool:
    return (
        application.status == ApplicationStatus.SUBMITTED
        and user.pk != application.submitted_by_id
        and _officer_of(user, application.facility.district_id)
    )


def _check(rule: AwardRule, staff_member: StaffMember | None, on: date) -> None:
    if staff_member is None:
        raise RuleViolation(_("The person is no longer on the facility's roster."), clause=rule.source)
    problems = award_eligibility(rule.conditions, award_facts_for(staff_member=staff_member, on=on))
    if problems:
        raise RuleViolation(" ".join(problems), fields={"rule": problems}, clause=rule.source)


@transaction.atomic
def award_apply(
    *,
    actor: User,
    rule: AwardRule,
    facility: Facility,
    staff_member: StaffMember | None = None,
    person_id_number: str = "",
) -> AwardApplication:
    """Apply for `rule` for a person on `facility`'s current roster (by roster entry or ID number)."""
    _require_operator_of(actor, facility)
    today = timezone.localdate()
    if staff_member is None:
        number = (person_id_number or "").strip().upper()
        if not number:
            raise ValidationFailed(fields={"person_id_number": [_("Choose a staff member or enter an ID number.")]})
        person_index = blind_index(number, purpose=PERSON_ID_PURPOSE)
        staff_member = facility.staff.filter(person__id_number_index=person_index).order_by("-employed_from").first()
        if staff_member is None:
            raise ValidationFailed(fields={"person_id_number": [_("Nobody with this ID number is on the roster.")]})
    if staff_member.facility_id != facility.pk:
        raise NotFound
    current = current_employment(facility_id=facility.pk, person_id=staff_member.person_id, on=today)
    _check(rule, current, today)
    if AwardApplication.objects.filter(
        rule__code=rule.code,
        person_id=staff_member.person_id,
        status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED),
    ).exists():
        raise Conflict(_("This person already has an application for this award."))
    try:
        with transaction.atomic():
            application = AwardApplication.objects.create(
                rule=rule,
                person_id=staff_member.person_id,
                facility=facility,
                submitted_by=actor,
                submitted_on=today,
            )
    except IntegrityError as exc:  # a concurrent application for the same person and award
        raise Conflict(_("This person already has an application for this award.")) from exc
    audit_record(actor=actor, action="training.award_apply", target=application, after=audit_snapshot(application))
    return application


@transaction.atomic
def award_decide(*, actor: User, application: AwardApplication, approve: bool, reasons: str = "") -> AwardApplication:
    application = AwardApplication.objects.select_for_update().select_related("rule", "facility").get(pk=application.pk)
    if actor.role not in DECIDERS or actor.pk == application.submitted_by_id:
        raise PermissionDenied(_("The applicant cannot decide, and only the city or the unit's officer can."))
    if not _officer_of(actor, application.facility.district_id):
        raise NotFound
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(_("The application has already been decided."))
    reasons = (reasons or "").strip()
    today = timezone.localdate()
    before = audit_snapshot(application)
    if approve:
        current = current_employment(facility_id=application.facility_id, person_id=application.person_id, on=today)
        _check(application.rule, current, today)
        application.status = ApplicationStatus.APPROVED
        application.amount = round_fen(application.rule.amount)
    else:
        if not reasons:
            raise ValidationFailed(fields={"reasons": [_("Give the reasons for a rejection.")]})
        application.status = ApplicationStatus.REJECTED
        application.amount = None
    application.decided_by = actor
    application.decided_on = today
    application.reasons = reasons
    application.save(update_fields=["status", "amount", "decided_by", "decided_on", "reasons"])
    audit_record(
        actor=actor,
        action="training.award_decide",
        target=application,
        before=before,
        after=audit_snapshot(application),
        reason=reasons,
    )
    return application


@transaction.atomic
def competition_create(*, actor: User, title: str, held_on: date, district: District | None = None) -> Competition:
    """The city admin creates city-wide or unit competitions; a unit's officer only their unit's."""
    if actor.role == Role.DISTRICT_OFFICER:
        if district is not None and district.pk != actor.district_id:
            raise PermissionDenied
        district = actor.district
    elif actor.role != Role.CITY_ADMIN:
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(fields={"title": [_("This field is required.")]})
    competition = Competition.objects.create(title=title[:200], held_on=held_on, district=district)
    audit_record(
        actor=actor, action="training.competition_create", target=competition, after=audit_snapshot(competition)
    )
    return competition


@transaction.atomic
def competition_enter(*, actor: User, competition: Competition, staff_member: StaffMember) -> CompetitionEntry:
    facility = staff_member.facility
    _require_operator_of(actor, facility)
    if competition.district_id and competition.district_id != facility.district_id:
        raise RuleViolation(_("The competition is open only to facilities of its unit."))
    if current_employment(facility_id=facility.pk, person_id=staff_member.person_id, on=timezone.localdate()) is None:
        raise RuleViolation(_("The person is no longer on the facility's roster."))
    try:
        with transaction.atomic():
            entry = CompetitionEntry.objects.create(
                competition=competition, person_id=staff_member.person_id, facility=facility
            )
    except IntegrityError as exc:
        raise Conflict(_("This person is already entered.")) from exc
    audit_record(actor=actor, action="training.competition_enter", target=entry, after=audit_snapshot(entry))
    return entry


@transaction.atomic
def competition_result(*, actor: User, entry: CompetitionEntry, rank: int | None, award: str = "") -> CompetitionEntry:
    competition = entry.competition
    if actor.role not in DECIDERS:
        raise PermissionDenied
    if actor.role == Role.DISTRICT_OFFICER and competition.district_id != actor.district_id:
        # A city-wide competition is judged by the city; another unit's is not there for this officer.
        if competition.district_id is None:
            raise PermissionDenied
        raise NotFound
    if rank is not None and rank < 1:
        raise ValidationFailed(fields={"rank": [_("The rank starts at 1.")]})
    before = audit_snapshot(entry)
    entry.rank = rank
    entry.award = (award or "").strip()[:100]
    entry.save(update_fields=["rank", "award"])
    audit_record(
        actor=actor, action="training.competition_result", target=entry, before=before, after=audit_snapshot(entry)
    )
    return entry
