"""Development targets, the build projects that meet them, and the guidance duties of model facilities.

- Targets (per unit and year, or for the whole city) are reference data: only the city admin sets them.
- Build projects go planned → under construction → completed → opened (with the facility that opened), or
  are cancelled with a reason before opening. A unit's officer works the unit's projects; the city any.
- Guidance activities (示范带动) are recorded for a facility holding a model recognition in force on the day,
  by its operator, its unit's officer or the city admin; the activity is linked to that recognition.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District, Street

from ..models import (
    MODEL_KINDS,
    BuildProject,
    DevelopmentTarget,
    Facility,
    GuidanceActivity,
    GuidanceKind,
    ProjectStatus,
    TargetIndicator,
)
from ..selectors_recognition import recognitions_in_force_on
from .records import require_role_on

GUIDANCE_CLAUSE = "苏府办〔2021〕182号 示范带动"
COUNT_INDICATORS = (TargetIndicator.INCLUSIVE_FACILITIES_BUILT, TargetIndicator.MODEL_FACILITIES)
SHARE_INDICATORS = (TargetIndicator.STREETS_WITH_INCLUSIVE_SHARE,)
YEAR_RANGE = (2019, 2100)
TARGET_MAX = Decimal("9999999.99")
MAX_SLOTS = 100_000
MAX_PARTICIPANTS = 100_000
NOTE_MAX = 4000
REASON_MAX = 500

TARGET_FIELDS = ["district", "year", "from_year", "indicator", "value", "source", "is_default"]
PROJECT_FIELDS = [
    "name",
    "programme",
    "district",
    "street",
    "target_year",
    "planned_slots",
    "planned_opening_on",
    "note",
    "status",
    "started_on",
    "completed_on",
    "opened_on",
    "cancelled_on",
    "facility",
]
PROJECT_EDITABLE = (
    "name",
    "programme",
    "district",
    "street",
    "target_year",
    "planned_slots",
    "planned_opening_on",
    "note",
)
GUIDANCE_FIELDS = ["kind", "held_on", "title", "participants", "mentored_facility", "recognition", "note"]

PROJECT_WORKERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})
GUIDANCE_RECORDERS = frozenset({Role.OPERATOR, Role.DISTRICT_OFFICER, Role.CITY_ADMIN})

# The next step of each open status, and the date column each step sets.
NEXT_STEP = {
    ProjectStatus.PLANNED: ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.UNDER_CONSTRUCTION: ProjectStatus.COMPLETED,
    ProjectStatus.COMPLETED: ProjectStatus.OPENED,
}
STEP_DATE = {
    ProjectStatus.UNDER_CONSTRUCTION: "started_on",
    ProjectStatus.COMPLETED: "completed_on",
    ProjectStatus.OPENED: "opened_on",
    ProjectStatus.CANCELLED: "cancelled_on",
}
CLOSED_STATUSES = (ProjectStatus.OPENED, ProjectStatus.CANCELLED)


# --- shared checks ---


def _whole(value: Any, *, field: str, low: int, high: int, errors: dict) -> int | None:
    if isinstance(value, bool):
        number = None
    else:
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except (TypeError, ValueError):
            number = None
    if number is None or not low <= number <= high:
        errors[field] = [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return number


def _text(value: Any, *, field: str, max_length: int, errors: dict, required: bool = True) -> str:
    text = str(value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        errors[field] = [_("Enter text.")]
        return ""
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > max_length:
        errors[field] = [_("At most %(max)d characters.") % {"max": max_length}]
    return text


def _past_date(value: Any, *, field: str, errors: dict, today: date) -> date | None:
    if not isinstance(value, date):
        errors[field] = [_("Enter a date.")]
        return None
    if value > today:
        errors[field] = [_("A date in the future cannot be recorded.")]
        return None
    return value


def may_work_projects(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in PROJECT_WORKERS)


def may_record_guidance(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in GUIDANCE_RECORDERS)


# --- targets ---


@transaction.atomic
def target_set(
    *,
    actor: User,
    district_code: str | None,
    year: int,
    indicator: str,
    value: Decimal | int | str,
    source: str,
    from_year: int | None = None,
) -> DevelopmentTarget:
    """Set (create or replace) the target of a unit, or of the city when `district_code` is empty."""
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city admin sets development targets."))
    errors: dict[str, list[str]] = {}
    district = None
    if district_code:
        district = District.objects.filter(code=str(district_code)).first()
        if district is None:
            errors["district"] = [_("Choose a county-level unit, or none for the whole city.")]
    year_number = _whole(year, field="year", low=YEAR_RANGE[0], high=YEAR_RANGE[1], errors=errors)
    from_number = None
    if from_year not in (None, ""):
        from_number = _whole(from_year, field="from_year", low=YEAR_RANGE[0], high=YEAR_RANGE[1], errors=errors)
        if from_number is not None and year_number is not None and from_number > year_number:
            errors["from_year"] = [_("The first year counted cannot come after the target's year.")]
    if indicator not in TargetIndicator.values:
        errors["indicator"] = [_("Choose one of the indicators.")]
    try:
        amount = Decimal(str(value).replace(",", "").strip()) if not isinstance(value, bool | float) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > TARGET_MAX:
        errors["value"] = [_("Enter a number, 0 or more.")]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["value"] = [_("At most two decimal places.")]
    elif indicator in SHARE_INDICATORS and amount > 100:
        errors["value"] = [_("A share is at most 100 (%).")]
    elif indicator in COUNT_INDICATORS and amount != amount.to_integral_value():
        errors["value"] = [_("A number of facilities is a whole number.")]
    source_text = _text(source, field="source", max_length=300, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    existing = (
        DevelopmentTarget.objects.select_for_update()
        .filter(district=district, year=year_number, indicator=indicator)
        .first()
    )
    before = audit_snapshot(existing, TARGET_FIELDS) if existing else None
    target = existing or DevelopmentTarget(district=district, year=year_number, indicator=indicator)
    target.from_year = from_number
    target.value = amount.quantize(Decimal("0.01"))
    target.source = source_text
    target.is_default = False
    target.set_by = actor
    target.save()
    audit_record(
        actor=actor,
        action="development_target.set",
        target=target,
        before=before,
        after=audit_snapshot(target, TARGET_FIELDS),
    )
    return target


# --- build projects ---


def _require_project_worker(actor: User) -> None:
    if not may_work_projects(actor):
        raise PermissionDenied(_("Only the unit's officers and the city admin work build projects."))


def _require_project_in_reach(actor: User, project: BuildProject) -> None:
    _require_project_worker(actor)
    if actor.role == Role.DISTRICT_OFFICER and project.district_id != actor.district_id:
        raise NotFound


def _project_changes(data: dict[str, Any], *, actor: User, project: BuildProject | None) -> dict[str, Any]:
    """Coerce and check the writable fields present in `data` (all of them required on creation)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Send the project's fields as an object."))
    unknown = sorted(set(data) - set(PROJECT_EDITABLE))
    errors: dict[str, list[str]] = {field: [_("This field cannot be written here.")] for field in unknown}
    creating = project is None
    changes: dict[str, Any] = {}
    for field in ("name", "programme"):
        if creating or field in data:
            changes[field] = _text(data.get(field), field=field, max_length=200, errors=errors)
    if creating or "district" in data:
        district = data.get("district")
        if not isinstance(district, District):
            district = District.objects.filter(code=str(district or "")).first() if district else None
        if district is None:
            errors["district"] = [_("Choose the county-level unit.")]
        elif actor.role == Role.DISTRICT_OFFICER and district.pk != actor.district_id:
            errors["district"] = [_("You can only enter projects of your own unit.")]
        changes["district"] = district
    if creating or "street" in data:
        street = data.get("street")
        if street in (None, ""):
            street = None
        elif not isinstance(street, Street):
            try:
                street = Street.objects.filter(pk=int(street)).first()
            except (TypeError, ValueError):
                street = None
            if street is None:
                errors["street"] = [_("Unknown street or town.")]
        changes["street"] = street
    if creating or "target_year" in data:
        changes["target_year"] = _whole(
            data.get("target_year"), field="target_year", low=YEAR_RANGE[0], high=YEAR_RANGE[1], errors=errors
        )
    if creating or "planned_slots" in data:
        changes["planned_slots"] = _whole(
            data.get("planned_slots"), field="planned_slots", low=1, high=MAX_SLOTS, errors=errors
        )
    if creating or "planned_opening_on" in data:
        planned = data.get("planned_opening_on")
        if planned in (None, ""):
            planned = None
        elif not isinstance(planned, date):
            errors["planned_opening_on"] = [_("Enter a date.")]
        changes["planned_opening_on"] = planned
    if creating or "note" in data:
        changes["note"] = _text(data.get("note"), field="note", max_length=NOTE_MAX, errors=errors, required=False)
    district = changes.get("district", project.district if project else None)
    street = changes.get("street", project.street if project else None)
    if street is not None and district is not None and "street" not in errors and street.district_id != district.pk:
        errors["street"] = [_("This street or town is not in the project's unit.")]
    moved = district is not None and project is not None and district.pk != project.district_id
    if moved and project.facility_id and "district" in changes:
        errors["district"] = [_("A project whose facility has opened stays in its unit.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return changes


@transaction.atomic
def project_create(*, actor: User, data: dict[str, Any]) -> BuildProject:
    """A new project, planned: the city for any unit, a unit's officer for their own."""
    _require_project_worker(actor)
    changes = _project_changes(data, actor=actor, project=None)
    project = BuildProject.objects.create(status=ProjectStatus.PLANNED, created_by=actor, **changes)
    audit_record(
        actor=actor, action="build_project.create", target=project, after=audit_snapshot(project, PROJECT_FIELDS)
    )
    return project


def _locked(project: BuildProject) -> BuildProject:
    # Two officers advancing the same project at once: the row lock makes each step see the other's.
    return BuildProject.objects.select_for_update().get(pk=project.pk)


@transaction.atomic
def project_update(*, actor: User, project: BuildProject, data: dict[str, Any]) -> BuildProject:
    """Change the plan's fields; an opened or cancelled project keeps its plan (only its note changes)."""
    _require_project_in_reach(actor, project)
    project = _locked(project)
    _require_project_in_reach(actor, project)
    changes = _project_changes(data, actor=actor, project=project)
    if project.status in CLOSED_STATUSES and set(changes) - {"note"}:
        raise Conflict(
            _("An opened or cancelled project keeps its plan; only its note can change."), code="project_closed"
        )
    before = audit_snapshot(project, PROJECT_FIELDS)
    for field, value in changes.items():
        setattr(project, field, value)
    project.save()
    audit_record(
        actor=actor,
        action="build_project.update",
        target=project,
        before=before,
        after=audit_snapshot(project, PROJECT_FIELDS),
    )
    return project


def _latest_step_date(project: BuildProject) -> tuple[str | None, date | None]:
    for field in ("completed_on", "started_on"):
        if getattr(project, field):
            return field, getattr(project, field)
    return None, None


@transaction.atomic
def project_advance(
    *,
    actor: User,
    project: BuildProject,
    status: str,
    on: date,
    facility: Facility | None = None,
    reason: str = "",
) -> BuildProject:
    """Move a project one step on (or cancel it), dated `on`; opening names the facility that opened."""
    _require_project_in_reach(actor, project)
    project = _locked(project)
    if status not in ProjectStatus.values or status == ProjectStatus.PLANNED:
        raise ValidationFailed(fields={"status": [_("Choose the next step or cancellation.")]})
    if project.status in CLOSED_STATUSES:
        raise Conflict(
            _("This project is %(status)s: it takes no further step.") % {"status": project.get_status_display()},
            code="project_closed",
        )
    if status != ProjectStatus.CANCELLED and NEXT_STEP.get(project.status) != status:
        raise Conflict(
            _("A %(current)s project goes on to %(next)s, not to %(wanted)s.")
            % {
                "current": project.get_status_display(),
                "next": ProjectStatus(NEXT_STEP[project.status]).label,
                "wanted": ProjectStatus(status).label,
            },
            code="project_transition",
        )
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    day = _past_date(on, field="on", errors=errors, today=today)
    previous_field, previous = _latest_step_date(project)
    if day is not None and previous is not None and day < previous:
        label = str(BuildProject._meta.get_field(previous_field).verbose_name)
        errors["on"] = [
            _("This step cannot come before the previous one (%(label)s %(day)s).")
            % {"label": label, "day": previous.isoformat()}
        ]
    reason = str(reason or "").strip()
    if status == ProjectStatus.CANCELLED:
        if not reason:
            errors["reason"] = [_("Give the reason for cancelling the project.")]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [_("At most %(max)d characters.") % {"max": REASON_MAX}]
    if status == ProjectStatus.OPENED:
        if facility is None:
            errors["facility"] = [_("Name the facility that opened.")]
        elif facility.district_id != project.district_id:
            errors["facility"] = [_("The facility must be in the project's unit.")]
        elif BuildProject.objects.filter(facility=facility).exclude(pk=project.pk).exists():
            errors["facility"] = [_("This facility is already linked to another build project.")]
    elif facility is not None:
        errors["facility"] = [_("A facility is named only when the project opens.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(project, PROJECT_FIELDS)
    project.status = status
    setattr(project, STEP_DATE[status], day)
    if status == ProjectStatus.OPENED:
        project.facility = facility
    project.save()
    audit_record(
        actor=actor,
        action="build_project.cancel" if status == ProjectStatus.CANCELLED else "build_project.advance",
        target=project,
        before=before,
        after=audit_snapshot(project, PROJECT_FIELDS),
        reason=reason,
    )
    return project


# --- guidance duties of model facilities ---


@transaction.atomic
def guidance_record(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    held_on: date,
    title: str,
    participants: int,
    mentored_facility: Facility | None = None,
    note: str = "",
) -> GuidanceActivity:
    """Record a guidance activity of a model facility (refused for a facility without a model recognition)."""
    require_role_on(facility, actor, roles=GUIDANCE_RECORDERS)
    errors: dict[str, list[str]] = {}
    if kind not in GuidanceKind.values:
        errors["kind"] = [_("Choose the kind of activity.")]
    day = _past_date(held_on, field="held_on", errors=errors, today=timezone.localdate())
    title_text = _text(title, field="title", max_length=200, errors=errors)
    count = _whole(participants, field="participants", low=0, high=MAX_PARTICIPANTS, errors=errors)
    note_text = _text(note, field="note", max_length=NOTE_MAX, errors=errors, required=False)
    if kind == GuidanceKind.MENTORING and mentored_facility is None:
        errors["mentored_facility"] = [_("Name the facility mentored.")]
    elif mentored_facility is not None and mentored_facility.pk == facility.pk:
        errors["mentored_facility"] = [_("A facility does not mentor itself.")]
    if errors:
        raise ValidationFailed(fields=errors)
    recognition = (
        recognitions_in_force_on(day)
        .filter(facility=facility, kind__in=MODEL_KINDS)
        .order_by("-kind", "-valid_from", "id")  # provincial before municipal
        .first()
    )
    if recognition is None:
        raise RuleViolation(
            _(
                "Only a model facility carries out guidance duties: %(facility)s holds no provincial or "
                "municipal model recognition in force on %(day)s."
            )
            % {"facility": facility.name, "day": day.isoformat()},
            code="not_a_model_facility",
            clause=GUIDANCE_CLAUSE,
        )
    activity = GuidanceActivity.objects.create(
        facility=facility,
        recognition=recognition,
        kind=kind,
        held_on=day,
        title=title_text,
        participants=count,
        mentored_facility=mentored_facility,
        note=note_text,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="facility.guidance_record",
        target=facility,
        after={"guidance_activity": activity.pk, **audit_snapshot(activity, GUIDANCE_FIELDS)},
    )
    return activity
