"""Inspection plans and their random draw (双随机: random facilities, random inspectors).

Who: a district officer plans for their own unit; the city admin for any unit, or city-wide (district empty:
the city health supervision institute's plans). Inspectors and other roles are refused.

The draw is made once. Its seed (63 random bits from `secrets` unless given) is logged on the plan and, with
every input of the draw (the candidate facilities and their weights, the inspectors), in the audit entry: so
`plan_redraw_check` can recompute the draw from the log long after facilities opened, closed or changed, and
prove the targets stored are the ones the seed gives.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District

from .. import rules_planning
from ..models import InspectionPlan, PlanTarget
from ..selectors.planning import PLANNERS, draw_candidates, draw_inspectors

DRAW_ACTION = "inspection_plan.draw"
# 行政处罚法（2021）第四十二条: 执法人员不得少于两人.
TWO_INSPECTORS_CLAUSE = "《中华人民共和国行政处罚法》（2021）第四十二条"
MIN_INSPECTORS_PER_FACILITY = 2
MAX_INSPECTORS_PER_FACILITY = 10
MAX_SERIOUS_FINDING_WEIGHT = 10
MAX_SAMPLE_SIZE = 10_000
SEED_BITS = 63  # fits the signed 64-bit column
TITLE_MAX_LENGTH = InspectionPlan._meta.get_field("title").max_length


def _require_planner_for(actor: User, plan: InspectionPlan) -> None:
    """The unit's district officer, or the city admin; a city-wide plan is the city's alone."""
    if not (actor.is_authenticated and actor.is_active) or actor.role not in PLANNERS:
        raise PermissionDenied
    if actor.role == Role.DISTRICT_OFFICER:
        if plan.district_id is None:
            raise PermissionDenied(_("City-wide plans are drawn by the city health commission."))
        if plan.district_id != actor.district_id:
            raise NotFound


def _whole_number(value, *, low: int, high: int, field: str, errors: dict, message: str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = [message]
        return None
    if isinstance(value, bool) or str(number) != str(value).strip() or not low <= number <= high:
        errors[field] = [message]
        return None
    return number


@transaction.atomic
def plan_create(
    *,
    actor: User,
    title: str,
    district: District | str | None,
    period_start: date,
    period_end: date,
    sample_size: int,
    inspectors_per_facility: int = 2,
    serious_finding_weight: int = 3,
) -> InspectionPlan:
    """A plan of one unit for a period (district officers: their own unit), or city-wide (`district=None`,
    the city admin only)."""
    if not (actor.is_authenticated and actor.is_active) or actor.role not in PLANNERS:
        raise PermissionDenied(_("Your role may not make inspection plans."))
    errors: dict[str, list[str]] = {}
    if isinstance(district, str):
        district = District.objects.filter(code=district).first() if district else None
        if district is None:
            errors["district"] = [_("Choose a county-level unit.")]
    if actor.role == Role.DISTRICT_OFFICER:
        if district is None:
            errors["district"] = [_("City-wide plans are made by the city health commission.")]
        elif district.pk != actor.district_id:
            errors["district"] = [_("You can only plan inspections of your own unit.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the plan a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("At most %(max)d characters.") % {"max": TITLE_MAX_LENGTH}]
    if not isinstance(period_start, date):
        errors["period_start"] = [_("Enter the first day of the period.")]
    if not isinstance(period_end, date):
        errors["period_end"] = [_("Enter the last day of the period.")]
    elif isinstance(period_start, date) and period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    sample_size = _whole_number(
        sample_size,
        low=1,
        high=MAX_SAMPLE_SIZE,
        field="sample_size",
        errors=errors,
        message=_("Draw between 1 and %(max)d facilities.") % {"max": MAX_SAMPLE_SIZE},
    )
    inspectors_per_facility = _whole_number(
        inspectors_per_facility,
        low=MIN_INSPECTORS_PER_FACILITY,
        high=MAX_INSPECTORS_PER_FACILITY,
        field="inspectors_per_facility",
        errors=errors,
        message=_(
            "Between %(min)d and %(max)d inspectors per facility: inspections are made by at least two (%(clause)s)."
        )
        % {"min": MIN_INSPECTORS_PER_FACILITY, "max": MAX_INSPECTORS_PER_FACILITY, "clause": TWO_INSPECTORS_CLAUSE},
    )
    serious_finding_weight = _whole_number(
        serious_finding_weight,
        low=1,
        high=MAX_SERIOUS_FINDING_WEIGHT,
        field="serious_finding_weight",
        errors=errors,
        message=_("A weight between 1 and %(max)d.") % {"max": MAX_SERIOUS_FINDING_WEIGHT},
    )
    if errors:
        raise ValidationFailed(fields=errors)
    plan = InspectionPlan.objects.create(
        title=title,
        district=district,
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        inspectors_per_facility=inspectors_per_facility,
        serious_finding_weight=serious_finding_weight,
        created_by=actor,
    )
    audit_record(actor=actor, action="inspection_plan.create", target=plan, after=audit_snapshot(plan))
    return plan


@transaction.atomic
def plan_draw(*, actor: User, plan: InspectionPlan, seed: int | None = None) -> InspectionPlan:
    """Draw the plan's facilities and, for each, its inspectors; once only (a second draw is a Conflict).

    Candidates: facilities of the plan's unit (the city for a city-wide plan) operating today; a serious
    finding in the last 12 months multiplies a facility's weight by the plan's `serious_finding_weight`.
    Inspectors: the unit's active inspectors (city-wide inspectors for a city-wide plan).
    """
    _require_planner_for(actor, plan)
    # The row lock makes "drawn once" hold when two officers press the button together.
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.draw_seed is not None:
        raise Conflict(_("This plan has been drawn already; a draw is never repeated."), code="plan_already_drawn")
    today = timezone.localdate()
    if today > plan.period_end:
        raise RuleViolation(_("The plan's period is over; make a new plan."), code="plan_period_over")
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**SEED_BITS:
        raise ValidationFailed(fields={"seed": [_("A seed is a whole number from 0 to 2^63 − 1.")]})

    candidates = [
        (
            facility_id,
            rules_planning.draw_weight(
                serious_finding_recently=serious, serious_finding_weight=plan.serious_finding_weight
            ),
        )
        for facility_id, serious in draw_candidates(district_code=plan.district_id, on=today)
    ]
    inspectors = draw_inspectors(district_code=plan.district_id)
    if not candidates:
        raise RuleViolation(
            _("No facility of this plan's area is operating: there is nothing to draw."), code="no_candidates"
        )
    if len(inspectors) < plan.inspectors_per_facility:
        raise RuleViolation(
            _("%(count)d active inspectors can be drawn, but each facility needs %(needed)d.")
            % {"count": len(inspectors), "needed": plan.inspectors_per_facility},
            code="too_few_inspectors",
            clause=TWO_INSPECTORS_CLAUSE,
        )
    result = rules_planning.draw(seed, candidates, plan.sample_size, inspectors, plan.inspectors_per_facility)

    targets = PlanTarget.objects.bulk_create(
        [PlanTarget(plan=plan, facility_id=facility_id, position=n) for n, (facility_id, _team) in enumerate(result, 1)]
    )
    through = PlanTarget.inspectors.through
    through.objects.bulk_create(
        [
            through(plantarget_id=target.pk, user_id=inspector_id)
            for target, (_facility_id, team) in zip(targets, result, strict=True)
            for inspector_id in team
        ]
    )
    before = audit_snapshot(plan, ["draw_seed", "drawn_at", "drawn_by"])
    plan.draw_seed = seed
    plan.drawn_at = timezone.now()
    plan.drawn_by = actor
    plan.save(update_fields=["draw_seed", "drawn_at", "drawn_by"])
    audit_record(
        actor=actor,
        action=DRAW_ACTION,
        target=plan,
        before=before,
        after={
            **audit_snapshot(plan, ["draw_seed", "drawn_at", "drawn_by"]),
            "drawn_on": today.isoformat(),
            "sample_size": plan.sample_size,
            "inspectors_per_facility": plan.inspectors_per_facility,
            "candidates": [[facility_id, weight] for facility_id, weight in candidates],
            "inspectors": inspectors,
            "targets": [[facility_id, list(team)] for facility_id, team in result],
        },
    )
    return plan


def plan_draw_log(plan: InspectionPlan) -> dict | None:
    """What the draw entry of the audit trail logged (seed and inputs), or None if the plan was not drawn."""
    if plan.draw_seed is None:
        return None
    entry = (
        AuditEntry.objects.filter(action=DRAW_ACTION, object_id=str(plan.pk), content_type__model="inspectionplan")
        .filter(content_type__app_label="inspections")
        .order_by("-id")
        .first()
    )
    return entry.after if entry is not None else None


def plan_redraw_check(plan: InspectionPlan) -> bool:
    """Recompute the draw from the logged seed and inputs, and compare with the targets stored.

    True only when the plan was drawn, the audit entry logged the seed on the plan, and the seed gives exactly
    the stored facilities, in order, with exactly the stored inspectors.
    """
    log = plan_draw_log(plan)
    if not log or log.get("draw_seed") != plan.draw_seed:
        return False
    try:
        expected = rules_planning.draw(
            plan.draw_seed,
            [(facility_id, weight) for facility_id, weight in log["candidates"]],
            plan.sample_size,
            log["inspectors"],
            plan.inspectors_per_facility,
        )
    except (KeyError, TypeError, ValueError):
        return False
    stored = [
        (target.facility_id, tuple(sorted(person.pk for person in target.inspectors.all())))
        for target in PlanTarget.objects.filter(plan=plan).prefetch_related("inspectors").order_by("position")
    ]
    return stored == expected
