"""Writing training institutions, courses, sessions, training records and health-care staff assessments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Person
from facilities.services.records import person_for
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District

from ..models import (
    Course,
    CourseTarget,
    HealthStaffAssessment,
    Institution,
    InstitutionKind,
    Session,
    TrainingRecord,
    TrainingResult,
)

MAX_HOURS = Decimal("9999.9")
MAX_SCORE = Decimal("100")


def _require_active(actor: User | None) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied


def require_account_of(actor: User, institution: Institution) -> None:
    """Only the institution's own accounts write its courses, sessions, records and assessments."""
    _require_active(actor)
    if not institution.accounts.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("Only the institution's own accounts may record its training."))


def _hours(value, errors: dict, field: str = "hours") -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite() or number < 0 or number > MAX_HOURS:
        errors[field] = [_("Enter the hours, a number from 0 to %(max)s.") % {"max": MAX_HOURS}]
        return None
    return number.quantize(Decimal("0.1"))


def _text(value, errors: dict, field: str, *, model, required_message: str | None = None) -> str:
    text = (value or "").strip()
    if required_message and not text:
        errors[field] = [required_message]
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        errors[field] = [
            _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
            % {"limit_value": limit, "show_value": len(text)}
        ]
    return text


def _is_date(value) -> bool:
    return isinstance(value, date)


@transaction.atomic
def institution_create(
    *,
    actor: User,
    name: str,
    kind: str,
    district: District | None = None,
    accounts=(),
) -> Institution:
    """A training base (培训基地) or a maternal and child health institution (妇幼保健机构); the city admin's."""
    _require_active(actor)
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the health commission records training institutions."))
    errors: dict[str, list[str]] = {}
    name = _text(name, errors, "name", model=Institution, required_message=_("Enter the institution's name."))
    if kind not in InstitutionKind.values:
        errors["kind"] = [_("Choose one of the offered values.")]
    accounts = list(accounts)
    expected = {InstitutionKind.TRAINING_BASE: Role.TRAINING_BASE, InstitutionKind.MCH: Role.MCH_ASSESSOR}.get(kind)
    if expected and any(account.role != expected for account in accounts):
        errors["accounts"] = [_("The accounts of an institution must have the institution's role.")]
    if name and Institution.objects.filter(name=name).exists():
        errors["name"] = [_("An institution with this name already exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            institution = Institution.objects.create(name=name, kind=kind, district=district)
    except IntegrityError as exc:  # created by a concurrent request a moment ago
        raise ValidationFailed(fields={"name": [_("An institution with this name already exists.")]}) from exc
    if accounts:
        institution.accounts.set(accounts)
    audit_record(
        actor=actor,
        action="training.institution_create",
        target=institution,
        after={**audit_snapshot(institution), "accounts": [account.pk for account in accounts]},
    )
    return institution


@transaction.atomic
def course_create(
    *,
    actor: User,
    institution: Institution,
    title: str,
    target: str,
    hours,
    subsidy_eligible: bool = False,
    certificate_valid_months: int | None = None,
) -> Course:
    require_account_of(actor, institution)
    errors: dict[str, list[str]] = {}
    title = _text(title, errors, "title", model=Course, required_message=_("Enter the course's title."))
    if target not in CourseTarget.values:
        errors["target"] = [_("Choose one of the offered values.")]
    elif institution.kind == InstitutionKind.MCH and target != CourseTarget.HEALTH_CARE:
        errors["target"] = [_("A maternal and child health institution trains health-care staff only.")]
    number = _hours(hours, errors)
    if certificate_valid_months is not None and (
        not isinstance(certificate_valid_months, int) or not 1 <= certificate_valid_months <= 240
    ):
        errors["certificate_valid_months"] = [_("Enter a number of months from 1 to 240, or leave it empty.")]
    if errors:
        raise ValidationFailed(fields=errors)
    course = Course.objects.create(
        institution=institution,
        title=title,
        target=target,
        hours=number,
        subsidy_eligible=bool(subsidy_eligible),
        certificate_valid_months=certificate_valid_months,
    )
    audit_record(actor=actor, action="training.course_create", target=institution, after=audit_snapshot(course))
    return course


@transaction.atomic
def session_create(
    *, actor: User, course: Course, starts_on: date, ends_on: date, capacity: int, location: str = ""
) -> Session:
    require_account_of(actor, course.institution)
    errors: dict[str, list[str]] = {}
    if not _is_date(starts_on):
        errors["starts_on"] = [_("Enter a valid date, e.g. 2021-09-01.")]
    if not _is_date(ends_on):
        errors["ends_on"] = [_("Enter a valid date, e.g. 2021-09-01.")]
    elif _is_date(starts_on) and ends_on < starts_on:
        errors["ends_on"] = [_("The session cannot end before it starts.")]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 10000:
        errors["capacity"] = [_("Enter the capacity, a whole number from 1 to 10000.")]
    location = _text(location, errors, "location", model=Session)
    if errors:
        raise ValidationFailed(fields=errors)
    session = Session.objects.create(
        course=course, starts_on=starts_on, ends_on=ends_on, capacity=capacity, location=location
    )
    audit_record(actor=actor, action="training.session_create", target=session, after=audit_snapshot(session))
    return session


def _person(name: str, id_number: str, errors: dict) -> Person | None:
    """The registry's person, or the field errors of name and ID number (all reported together)."""
    if not (name or "").strip():
        errors["name"] = [_("Enter the person's name.")]
    elif len(name.strip()) > Person._meta.get_field("name").max_length:
        errors["name"] = [_("At most %(max)d characters.") % {"max": Person._meta.get_field("name").max_length}]
    if not (id_number or "").strip():
        errors["id_number"] = [_("This is not a valid resident ID number (GB 11643-1999).")]
    if errors.get("name") or errors.get("id_number"):
        return None
    try:
        person = person_for(name=name, id_number=id_number)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return None
    if person.name != name.strip():
        # The registry's name is never shown to an institution; a record must name the person it is for.
        errors["name"] = [_("The name does not match the ID number's registration; check both.")]
        return None
    return person


@transaction.atomic
def record_add(
    *,
    actor: User,
    session: Session,
    name: str,
    id_number: str,
    hours,
    result: str,
    completed_on: date,
    certificate_number: str = "",
    certificate_valid_until: date | None = None,
) -> TrainingRecord:
    """A person's result in a session. Without a validity date, a passed course's certificate is valid for the
    course's months from completion."""
    # The row lock serialises additions to one session, so two clerks cannot both take its last place.
    session = Session.objects.select_for_update().select_related("course__institution").get(pk=session.pk)
    course = session.course
    require_account_of(actor, course.institution)
    errors: dict[str, list[str]] = {}
    number = _hours(hours, errors)
    if result not in TrainingResult.values:
        errors["result"] = [_("Choose one of the offered values.")]
    if not _is_date(completed_on):
        errors["completed_on"] = [_("Enter a valid date, e.g. 2021-09-01.")]
    elif completed_on < session.starts_on:
        errors["completed_on"] = [_("The course cannot be completed before the session starts.")]
    elif completed_on > timezone.localdate():
        errors["completed_on"] = [_("A course cannot be completed in the future.")]
    if number is not None and course.hours is not None and number > course.hours:
        errors["hours"] = [_("At most the course's %(hours)s hours.") % {"hours": course.hours}]
    certificate_number = _text(certificate_number, errors, "certificate_number", model=TrainingRecord)
    if certificate_valid_until is not None and not _is_date(certificate_valid_until):
        errors["certificate_valid_until"] = [_("Enter a valid date, e.g. 2021-09-01.")]
    elif certificate_valid_until is not None and _is_date(completed_on) and certificate_valid_until <= completed_on:
        errors["certificate_valid_until"] = [_("The certificate must be valid after the completion date.")]
    person = _person(name, id_number, errors)
    if person is not None and session.records.filter(person=person).exists():
        errors["id_number"] = [_("This person already has a result in this session.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if session.records.count() >= session.capacity:
        raise RuleViolation(
            _("The session is full (%(capacity)d places).") % {"capacity": session.capacity},
            code="session_full",
        )
    if certificate_valid_until is None and result == TrainingResult.PASSED and course.certificate_valid_months:
        certificate_valid_until = completed_on + relativedelta(months=course.certificate_valid_months)
    record = TrainingRecord.objects.create(
        person=person,
        course=course,
        session=session,
        hours=number,
        result=result,
        completed_on=completed_on,
        certificate_number=certificate_number,
        certificate_valid_until=certificate_valid_until if result == TrainingResult.PASSED else None,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="training.record_add", target=session, after=audit_snapshot(record))
    return record


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    institution: Institution,
    name: str,
    id_number: str,
    assessed_on: date,
    score,
    passed: bool,
    valid_until: date | None = None,
) -> HealthStaffAssessment:
    """A health-care staff member's assessment (卫生保健人员考核) by a maternal and child health institution."""
    require_account_of(actor, institution)
    if institution.kind != InstitutionKind.MCH:
        raise RuleViolation(_("Only maternal and child health institutions assess health-care staff."), code="not_mch")
    errors: dict[str, list[str]] = {}
    if not _is_date(assessed_on):
        errors["assessed_on"] = [_("Enter a valid date, e.g. 2021-09-01.")]
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("An assessment cannot be taken in the future.")]
    try:
        value = Decimal(str(score))
    except (InvalidOperation, TypeError, ValueError):
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= MAX_SCORE:
        errors["score"] = [_("Enter the score, a number from 0 to 100.")]
    else:
        value = value.quantize(Decimal("0.1"))
    if not isinstance(passed, bool):
        errors["passed"] = [_("Say whether the assessment was passed.")]
    if valid_until is not None and (
        not _is_date(valid_until) or (_is_date(assessed_on) and valid_until <= assessed_on)
    ):
        errors["valid_until"] = [_("The assessment must be valid after the day it was taken.")]
    person = _person(name, id_number, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            assessment = HealthStaffAssessment.objects.create(
                person=person,
                institution=institution,
                assessed_on=assessed_on,
                score=value,
                passed=passed,
                valid_until=valid_until,
                recorded_by=actor,
            )
    except IntegrityError as exc:  # the same assessment submitted twice
        raise Conflict(_("This person's assessment of that day is already recorded."), code="duplicate") from exc
    audit_record(actor=actor, action="training.assessment_record", target=institution, after=audit_snapshot(assessment))
    return assessment
