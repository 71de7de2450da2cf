"""Complaints (social supervision, 社会监督): the public form, staff intake (12345 hotline, letters and visits),
triage, linking to a complaint inspection, reply and closure.

The complainant's name and telephone are personal data: stored encrypted, never written to the audit trail
(only whether they were given), shown masked, and revealed only through `complaint_reveal_contact`, which
needs the unmasking capability and a reason and is audited.
Every write is audited on the complaint, in its own transaction.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from facilities.models import Facility
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can, scope_to_jurisdiction
from suzhou_childcare.regions.models import District

from ..models import Complaint, ComplaintChannel, ComplaintStatus, Inspection, InspectionKind, Weight
from .records import notify_in_language, require_supervisor_of

SUBJECT_MAX = Complaint._meta.get_field("subject").max_length
FACILITY_NAME_MAX = Complaint._meta.get_field("facility_name").max_length
TICKET_MAX = Complaint._meta.get_field("hotline_ticket").max_length
DESCRIPTION_MAX = 5000
REPLY_MAX = 5000
NAME_MAX = 50
REASON_MIN = 4
# Mainland mobile and landline numbers, with an optional area code, dashes or spaces; extensions allowed.
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")
TICKET_RE = re.compile(r"^[A-Za-z0-9\-]+$")
# Fields that may be audited: everything but the complainant's contact.
AUDITED = [
    "tracking_code",
    "channel",
    "hotline_ticket",
    "received_at",
    "district",
    "facility",
    "facility_name",
    "subject",
    "status",
    "weight",
    "inspection",
    "replied_on",
    "closed_on",
]
STAFF_CHANNELS = (ComplaintChannel.HOTLINE_12345, ComplaintChannel.STAFF_INTAKE, ComplaintChannel.LETTER)


# --- who may act ------------------------------------------------------------------------------------------


def handles(district_id: int | None, actor: User) -> bool:
    """Officers and inspectors of the unit, and the city's inspectors, handle its complaints."""
    if not (actor.is_authenticated and actor.is_active) or district_id is None:
        return False
    if actor.role == Role.INSPECTOR and actor.is_citywide:
        return True
    return actor.role in (Role.DISTRICT_OFFICER, Role.INSPECTOR) and actor.district_id == district_id


def _sees(complaint: Complaint, actor: User) -> bool:
    return scope_to_jurisdiction(Complaint.objects.all(), user=actor).filter(pk=complaint.pk).exists()


def require_handler_of(complaint: Complaint, actor: User) -> None:
    """A complaint the actor cannot see does not exist for them (404); one they see but do not handle, 403."""
    if handles(complaint.district_id, actor):
        return
    if not _sees(complaint, actor):
        raise NotFound
    raise PermissionDenied(_("Only the officers and inspectors of the complaint's unit handle it."))


# --- helpers ----------------------------------------------------------------------------------------------


def _clean(value) -> str:
    return str(value or "").strip()


def _content_errors(*, facility, facility_name: str, subject: str, description: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if facility is None and not facility_name:
        errors["facility_name"] = [_("Name the childcare facility the complaint is about.")]
    elif len(facility_name) > FACILITY_NAME_MAX:
        errors["facility_name"] = [_("The facility's name is too long.")]
    if not subject:
        errors["subject"] = [_("Give the complaint a short subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("The subject is too long (at most %(max)d characters).") % {"max": SUBJECT_MAX}]
    if not description:
        errors["description"] = [_("Describe what happened.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [
            _("The description is too long (at most %(max)d characters).") % {"max": DESCRIPTION_MAX}
        ]
    return errors


def _contact_errors(*, name: str, phone: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(name) > NAME_MAX:
        errors["complainant_name"] = [_("The name is too long.")]
    if phone and not PHONE_RE.match(phone):
        errors["complainant_phone"] = [_("Enter a telephone number of digits only, e.g. 13812345678 or 0512-65223456.")]
    return errors


def _unit_officers(district_id: int, *, exclude: User | None = None):
    officers = User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=district_id, is_active=True)
    if exclude is not None:
        officers = officers.exclude(pk=exclude.pk)
    return officers


def _notify_arrival(complaint: Complaint, *, exclude: User | None = None) -> None:
    # The notice names the subject and the channel, never the complainant.
    notify_in_language(
        _unit_officers(complaint.district_id, exclude=exclude),
        kind="complaint.received",
        title=gettext_noop("New complaint %(code)s: %(subject)s"),
        body=gettext_noop("A complaint came in through %(channel)s about %(facility)s."),
        link=reverse("inspections:complaint_detail", args=[complaint.pk]),
        values={
            "code": complaint.tracking_code,
            "subject": complaint.subject,
            "channel": complaint.get_channel_display(),
            "facility": complaint.facility.name if complaint.facility_id else complaint.facility_name,
        },
    )


def _audit(complaint: Complaint, *, actor, action: str, before: dict | None = None, **extra) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=complaint,
        before=before,
        after={**audit_snapshot(complaint, AUDITED), **extra},
    )


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("facility").get(pk=complaint.pk)


# --- receiving --------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_submit_public(
    *,
    district: District | None,
    facility_name: str,
    subject: str,
    description: str,
    complainant_name: str = "",
    complainant_phone: str = "",
    facility: Facility | None = None,
) -> Complaint:
    """A complaint from the public form, without an account. The caller shows `tracking_code` as the receipt."""
    facility_name, subject, description = _clean(facility_name), _clean(subject), _clean(description)
    name, phone = _clean(complainant_name), _clean(complainant_phone)
    errors = _content_errors(facility=facility, facility_name=facility_name, subject=subject, description=description)
    errors.update(_contact_errors(name=name, phone=phone))
    if district is None:
        errors["district"] = [_("Choose the county-level unit where the facility is.")]
    elif facility is not None and facility.district_id != district.pk:
        errors["facility"] = [_("The facility is not in the chosen county-level unit.")]
    if errors:
        raise ValidationFailed(fields=errors)
    complaint = Complaint.objects.create(
        channel=ComplaintChannel.PUBLIC_FORM,
        received_at=timezone.now(),
        district=district,
        facility=facility,
        facility_name=facility_name or (facility.name if facility else ""),
        subject=subject,
        description=description,
        complainant_name=name,
        complainant_phone=phone,
        status=ComplaintStatus.RECEIVED,
    )
    _audit(complaint, actor=None, action="complaint.submit_public", contact_given=bool(name or phone))
    _notify_arrival(complaint)
    return complaint


@transaction.atomic
def complaint_intake(
    *,
    actor: User,
    channel: str,
    hotline_ticket: str = "",
    district: District | None,
    subject: str,
    description: str,
    facility_name: str = "",
    facility: Facility | None = None,
    received_at: datetime | None = None,
    complainant_name: str = "",
    complainant_phone: str = "",
) -> Complaint:
    """A complaint taken by the unit's staff: from the 12345 hotline (its ticket number is required and
    unique in the unit), a letter or visit, or in person."""
    if district is not None and not handles(district.pk, actor):
        raise PermissionDenied(_("Only the officers and inspectors of the unit take in its complaints."))
    if district is None and not handles(actor.district_id, actor):
        raise PermissionDenied(_("Only the officers and inspectors of the unit take in its complaints."))
    ticket = _clean(hotline_ticket)
    facility_name, subject, description = _clean(facility_name), _clean(subject), _clean(description)
    name, phone = _clean(complainant_name), _clean(complainant_phone)
    errors = _content_errors(facility=facility, facility_name=facility_name, subject=subject, description=description)
    errors.update(_contact_errors(name=name, phone=phone))
    if channel not in STAFF_CHANNELS:
        errors["channel"] = [_("Choose how the complaint came in.")]
    if district is None:
        errors["district"] = [_("Choose the county-level unit where the facility is.")]
    elif facility is not None and facility.district_id != district.pk:
        errors["facility"] = [_("The facility is not in the chosen county-level unit.")]
    if received_at is None:
        received_at = timezone.now()
    elif not isinstance(received_at, datetime) or timezone.is_naive(received_at):
        errors["received_at"] = [_("Enter when the complaint was received.")]
    elif received_at > timezone.now():
        errors["received_at"] = [_("A complaint cannot be received in the future.")]
    if channel == ComplaintChannel.HOTLINE_12345:
        if not ticket:
            errors["hotline_ticket"] = [_("A complaint from the 12345 hotline needs its ticket number.")]
        elif len(ticket) > TICKET_MAX or not TICKET_RE.match(ticket):
            errors["hotline_ticket"] = [_("A 12345 ticket number has letters, digits and dashes only.")]
    elif ticket:
        errors["hotline_ticket"] = [_("Only a complaint from the 12345 hotline has a ticket number.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if ticket:
        # The unit's row serialises intakes of the unit, so two officers entering the same ticket at once
        # cannot both pass the check below (the table has no unique constraint on it).
        District.objects.select_for_update().filter(pk=district.pk).first()
        if Complaint.objects.filter(district=district, hotline_ticket=ticket).exists():
            raise ValidationFailed(
                fields={"hotline_ticket": [_("This 12345 ticket number is already recorded in the unit.")]}
            )
    complaint = Complaint.objects.create(
        channel=channel,
        hotline_ticket=ticket,
        received_at=received_at,
        district=district,
        facility=facility,
        facility_name=facility_name or (facility.name if facility else ""),
        subject=subject,
        description=description,
        complainant_name=name,
        complainant_phone=phone,
        status=ComplaintStatus.RECEIVED,
        created_by=actor,
    )
    _audit(complaint, actor=actor, action="complaint.intake", contact_given=bool(name or phone))
    _notify_arrival(complaint, exclude=actor)
    return complaint


# --- handling ---------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_triage(*, actor: User, complaint: Complaint, weight: str, facility: Facility | None = None) -> Complaint:
    """Weigh the complaint (serious / moderate / minor) and, when known, name the facility it is about."""
    require_handler_of(complaint, actor)
    complaint = _locked(complaint)
    if complaint.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED):
        raise Conflict(_("The complaint is already being investigated or answered; it cannot be triaged again."))
    errors: dict[str, list[str]] = {}
    if weight not in Weight.values:
        errors["weight"] = [_("Choose how serious the complaint is.")]
    if facility is not None and facility.district_id != complaint.district_id:
        errors["facility"] = [_("The facility is not in the complaint's county-level unit.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(complaint, AUDITED)
    complaint.weight = weight
    if facility is not None:
        complaint.facility = facility
    complaint.status = ComplaintStatus.TRIAGED
    complaint.handled_by = actor
    complaint.save(update_fields=["weight", "facility", "status", "handled_by"])
    _audit(complaint, actor=actor, action="complaint.triage", before=before)
    return complaint


@transaction.atomic
def complaint_link_inspection(*, actor: User, complaint: Complaint, inspection: Inspection) -> Complaint:
    """Investigate through a complaint inspection (`inspection_start` with kind "complaint") of its facility."""
    require_handler_of(complaint, actor)
    require_supervisor_of(inspection.facility, actor)
    complaint = _locked(complaint)
    if complaint.status != ComplaintStatus.TRIAGED:
        raise Conflict(_("Only a triaged complaint, not yet answered, can be linked to an inspection."))
    errors: dict[str, list[str]] = {}
    if complaint.facility_id is None:
        errors["inspection"] = [_("Name the facility at triage before linking an inspection.")]
    elif inspection.facility_id != complaint.facility_id:
        errors["inspection"] = [_("The inspection is not one of the facility the complaint is about.")]
    elif inspection.kind != InspectionKind.COMPLAINT:
        errors["inspection"] = [_("Link an inspection of the type complaint.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(complaint, AUDITED)
    complaint.inspection = inspection
    complaint.status = ComplaintStatus.INVESTIGATING
    complaint.handled_by = actor
    complaint.save(update_fields=["inspection", "status", "handled_by"])
    _audit(complaint, actor=actor, action="complaint.link_inspection", before=before)
    return complaint


@transaction.atomic
def complaint_reply(*, actor: User, complaint: Complaint, reply: str) -> Complaint:
    """Answer the complainant (the reply is recorded; the public status page shows only its date)."""
    require_handler_of(complaint, actor)
    complaint = _locked(complaint)
    if complaint.status in (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED):
        raise Conflict(_("The complaint is already answered."))
    if complaint.status == ComplaintStatus.RECEIVED:
        raise Conflict(_("Triage the complaint before answering it."), code="not_triaged")
    reply = _clean(reply)
    if not reply:
        raise ValidationFailed(fields={"reply": [_("Write the reply to the complainant.")]})
    if len(reply) > REPLY_MAX:
        raise ValidationFailed(
            fields={"reply": [_("The reply is too long (at most %(max)d characters).") % {"max": REPLY_MAX}]}
        )
    before = audit_snapshot(complaint, AUDITED)
    complaint.reply = reply
    complaint.replied_on = timezone.localdate()
    complaint.status = ComplaintStatus.REPLIED
    complaint.handled_by = actor
    complaint.save(update_fields=["reply", "replied_on", "status", "handled_by"])
    _audit(complaint, actor=actor, action="complaint.reply", before=before, reply=reply)
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint) -> Complaint:
    """Close an answered complaint; one without a reply cannot be closed."""
    require_handler_of(complaint, actor)
    complaint = _locked(complaint)
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(_("The complaint is already closed."))
    if complaint.status != ComplaintStatus.REPLIED:
        raise Conflict(_("Reply to the complainant before closing the complaint."), code="not_replied")
    before = audit_snapshot(complaint, AUDITED)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_on = timezone.localdate()
    complaint.handled_by = actor
    complaint.save(update_fields=["status", "closed_on", "handled_by"])
    _audit(complaint, actor=actor, action="complaint.close", before=before)
    return complaint


@transaction.atomic
def complaint_reveal_contact(*, actor: User, complaint: Complaint, reason: str) -> dict[str, str]:
    """The complainant's full name and telephone, for a stated reason, to a role that may unmask; audited."""
    if not _sees(complaint, actor):
        raise NotFound
    if not can(actor, Capability.UNMASK_PERSONAL_DATA):
        raise PermissionDenied(_("Your role may not view full personal data."))
    reason = _clean(reason)
    if len(reason) < REASON_MIN:
        raise ValidationFailed(fields={"reason": [_("State why you need the full value (at least 4 characters).")]})
    audit_record(
        actor=actor,
        action="personal_data.reveal",
        target=complaint,
        after={"fields": ["complainant_name", "complainant_phone"]},
        reason=reason,
    )
    fresh = Complaint.objects.only("complainant_name", "complainant_phone").get(pk=complaint.pk)
    return {"complainant_name": fresh.complainant_name, "complainant_phone": fresh.complainant_phone}
