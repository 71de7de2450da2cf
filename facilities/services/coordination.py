"""Coordination cases (一事一议): opening a case, recording its steps, closing it with an outcome.

Who: a district officer of the facility's county-level unit, and the city admin (city-wide). Any other role
is refused (PermissionDenied); a facility outside an officer's unit does not exist for them (NotFound).
Each write is audited on the facility, so the case's history is part of the facility's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, ValidationFailed

from ..models import CaseStatus, CaseStep, CaseTopic, CoordinationCase, Facility
from .records import require_role_on

COORDINATORS = frozenset({Role.DISTRICT_OFFICER, Role.CITY_ADMIN})
DEPARTMENT_MAX_LENGTH = CaseStep._meta.get_field("department").max_length


def may_coordinate(user) -> bool:
    """The roles that open and work cases (the facility's unit is checked per facility)."""
    return bool(user.is_authenticated and user.is_active and user.role in COORDINATORS)


def _clean_departments(departments: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for name in departments or ():
        name = str(name).strip()
        if name and name not in cleaned:
            cleaned.append(name)
    return cleaned


def _locked(case: CoordinationCase) -> CoordinationCase:
    # Steps and closing race each other: the row lock makes "no step after closing" hold.
    return CoordinationCase.objects.select_for_update().select_related("facility").get(pk=case.pk)


def _require_open(case: CoordinationCase) -> None:
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("This case is closed; it takes no more steps."), code="case_closed")


@transaction.atomic
def case_open(
    *, actor: User, facility: Facility, topic: str, summary: str, departments: Iterable[str]
) -> CoordinationCase:
    """Open a case for a facility stuck on an approval, naming the departments to coordinate with."""
    require_role_on(facility, actor, roles=COORDINATORS)
    errors: dict[str, list[str]] = {}
    if topic not in CaseTopic.values:
        errors["topic"] = [_("Choose the topic of the case.")]
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("Describe what the facility is stuck on.")]
    names = _clean_departments(departments)
    if not names:
        errors["departments"] = [_("Name at least one department involved.")]
    elif any(len(name) > DEPARTMENT_MAX_LENGTH for name in names):
        errors["departments"] = [
            _("A department's name may have at most %(max)d characters.") % {"max": DEPARTMENT_MAX_LENGTH}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    case = CoordinationCase.objects.create(
        facility=facility, topic=topic, summary=summary, departments=names, opened_by=actor
    )
    audit_record(actor=actor, action="facility.case_open", target=facility, after=audit_snapshot(case))
    return case


@transaction.atomic
def case_add_step(
    *, actor: User, case: CoordinationCase, happened_on: date | None, department: str, action: str
) -> CaseStep:
    """Record a step; a department not yet named on the case joins its list of departments involved."""
    case = _locked(case)
    require_role_on(case.facility, actor, roles=COORDINATORS)
    _require_open(case)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    opened_on = timezone.localdate(case.opened_at)
    if not isinstance(happened_on, date):
        errors["happened_on"] = [_("Enter the date of the step.")]
    elif happened_on > today:
        errors["happened_on"] = [_("A step cannot be dated in the future.")]
    elif happened_on < opened_on:
        errors["happened_on"] = [
            _("A step cannot be dated before the case was opened (%(day)s).") % {"day": opened_on.isoformat()}
        ]
    department = (department or "").strip()
    if not department:
        errors["department"] = [_("Name the department of this step.")]
    elif len(department) > DEPARTMENT_MAX_LENGTH:
        errors["department"] = [
            _("A department's name may have at most %(max)d characters.") % {"max": DEPARTMENT_MAX_LENGTH}
        ]
    action = (action or "").strip()
    if not action:
        errors["action"] = [_("Describe what was done.")]
    if errors:
        raise ValidationFailed(fields=errors)
    step = CaseStep.objects.create(
        case=case, happened_on=happened_on, department=department, action=action, recorded_by=actor
    )
    if department not in case.departments:
        case.departments = [*case.departments, department]
        case.save(update_fields=["departments"])
    audit_record(
        actor=actor,
        action="facility.case_step",
        target=case.facility,
        after={"case": case.pk, **audit_snapshot(step)},
    )
    return step


@transaction.atomic
def case_close(*, actor: User, case: CoordinationCase, resolved: bool, outcome: str) -> CoordinationCase:
    """Close the case as resolved or as closed without resolution; the outcome says what came of it."""
    case = _locked(case)
    require_role_on(case.facility, actor, roles=COORDINATORS)
    _require_open(case)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(fields={"outcome": [_("Describe the outcome of the case.")]})
    before = audit_snapshot(case)
    case.status = CaseStatus.RESOLVED if resolved else CaseStatus.CLOSED_UNRESOLVED
    case.outcome = outcome
    case.closed_at = timezone.now()
    case.closed_by = actor
    case.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    audit_record(
        actor=actor, action="facility.case_close", target=case.facility, before=before, after=audit_snapshot(case)
    )
    return case
