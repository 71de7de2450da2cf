"""Incidents and alarms: the operator reports a serious incident within the hours its kind allows; the
unit's officers are told at once (a late report says so) and follow it up. Every write is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from facilities.models import Facility
from suzhou_childcare.accounts.models import User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, RuleViolation, ValidationFailed

from ..models import Incident, IncidentKind, IncidentReportRule, IncidentStatus
from .records import facility_operators, notify_in_language, require_operator_of, require_supervisor_of, unit_officers

DESCRIPTION_MAX = 5000
FOLLOW_UP_MAX = 5000
CHILDREN_MAX = 10000


def report_hours_for(kind: str, on) -> IncidentReportRule:
    """The rule in force on the day of the incident (the latest edition that started by then)."""
    rule = IncidentReportRule.objects.filter(kind=kind, effective_from__lte=on).order_by("-effective_from").first()
    if rule is None:
        raise RuleViolation(
            _("No reporting time is set for this kind of incident; the city admin enters one."), code="no_report_rule"
        )
    return rule


@transaction.atomic
def incident_report(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    occurred_at: datetime,
    children_affected: int,
    description: str,
) -> Incident:
    """Report an incident: due within the rule's hours of its occurrence; the unit's officers are notified."""
    require_operator_of(facility, actor)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose the kind of incident.")]
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Enter when the incident occurred.")]
    elif occurred_at > now:
        errors["occurred_at"] = [_("An incident cannot be reported before it occurs.")]
    if isinstance(children_affected, bool) or not isinstance(children_affected, int):
        errors["children_affected"] = [_("Enter the number of infants affected.")]
    elif not 0 <= children_affected <= CHILDREN_MAX:
        errors["children_affected"] = [_("Enter a number between 0 and %(max)s.") % {"max": CHILDREN_MAX}]
    description = (description or "").strip() if isinstance(description, str) else ""
    if not description:
        errors["description"] = [_("Describe what happened.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [
            _("The description may have at most %(limit)s characters.") % {"limit": DESCRIPTION_MAX}
        ]
    if errors:
        raise ValidationFailed(fields=errors)

    rule = report_hours_for(kind, timezone.localdate(occurred_at))
    incident = Incident.objects.create(
        facility=facility,
        kind=kind,
        occurred_at=occurred_at,
        reported_at=now,
        report_due_at=occurred_at + timedelta(hours=rule.hours),
        children_affected=children_affected,
        description=description,
        reported_by=actor,
    )
    audit_record(
        actor=actor,
        action="incident.report",
        target=facility,
        after={
            **audit_snapshot(incident),
            "rule_hours": rule.hours,
            "rule_source": rule.source,
            "reported_late": incident.reported_late,
        },
    )
    late = incident.reported_late
    notify_in_language(
        unit_officers(facility),
        kind="incident.reported_late" if late else "incident.reported",
        title=(
            gettext_noop("Incident at %(name)s (reported late): %(kind)s")
            if late
            else gettext_noop("Incident at %(name)s: %(kind)s")
        ),
        body=(
            gettext_noop(
                "Occurred %(occurred)s, %(children)s infants affected; reported late (due by %(due)s, within "
                "%(hours)s hours). %(description)s"
            )
            if late
            else gettext_noop("Occurred %(occurred)s, %(children)s infants affected. %(description)s")
        ),
        link=reverse("inspections:incident_detail", args=[incident.pk]),
        values={
            "name": facility.name,
            "kind": IncidentKind(kind).label,
            "occurred": timezone.localtime(occurred_at).strftime("%Y-%m-%d %H:%M"),
            "due": timezone.localtime(incident.report_due_at).strftime("%Y-%m-%d %H:%M"),
            "hours": rule.hours,
            "children": children_affected,
            "description": description[:200],
        },
    )
    return incident


@transaction.atomic
def incident_follow_up(*, actor: User, incident: Incident, follow_up: str, close: bool = False) -> Incident:
    """The unit's follow-up: each note is added to the record, dated and signed; `close` ends it."""
    incident = Incident.objects.select_for_update(of=("self",)).select_related("facility").get(pk=incident.pk)
    facility = incident.facility
    require_supervisor_of(facility, actor)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("The incident is closed."), code="closed")
    follow_up = (follow_up or "").strip() if isinstance(follow_up, str) else ""
    if not follow_up:
        raise ValidationFailed(fields={"follow_up": [_("Describe the follow-up.")]})
    if len(follow_up) > FOLLOW_UP_MAX:
        raise ValidationFailed(
            fields={"follow_up": [_("The follow-up may have at most %(limit)s characters.") % {"limit": FOLLOW_UP_MAX}]}
        )
    before = audit_snapshot(incident, ["status", "follow_up", "closed_on", "handled_by"])
    stamp = f"[{timezone.localtime().strftime('%Y-%m-%d %H:%M')} {actor}]"
    entry = f"{stamp} {follow_up}"
    incident.follow_up = f"{incident.follow_up}\n\n{entry}" if incident.follow_up else entry
    incident.handled_by = actor
    if close:
        incident.status = IncidentStatus.CLOSED
        incident.closed_on = timezone.localdate()
    else:
        incident.status = IncidentStatus.FOLLOWING_UP
    incident.save(update_fields=["status", "follow_up", "closed_on", "handled_by"])
    audit_record(
        actor=actor,
        action="incident.close" if close else "incident.follow_up",
        target=facility,
        before={"incident": incident.pk, **before},
        after={"incident": incident.pk, **audit_snapshot(incident, ["status", "follow_up", "closed_on", "handled_by"])},
    )
    notify_in_language(
        facility_operators(facility),
        kind="incident.closed" if close else "incident.follow_up",
        title=(
            gettext_noop("Incident at %(name)s closed by the unit")
            if close
            else gettext_noop("The unit follows up the incident at %(name)s")
        ),
        body=gettext_noop("%(follow_up)s"),
        link=reverse("inspections:incident_detail", args=[incident.pk]),
        values={"name": facility.name, "follow_up": follow_up[:200]},
    )
    return incident
