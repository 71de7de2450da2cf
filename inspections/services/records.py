"""Writing inspection records: starting one with its checklist, results, findings with their rectification
orders, evidence files, completion. Every write is audited on the facility, in its own transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from facilities.models import Facility, FacilityForm
from facilities.selectors import facility_scope_for, standards_in_force
from facilities.services.materials import sniff_content_type
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.notices.services import notify
from suzhou_childcare.workdays.services import add_working_days

from .. import rules
from ..models import (
    ChecklistItem,
    Evidence,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    OrderStatus,
    RectificationDeadlineRule,
    RectificationOrder,
    Weight,
)

if TYPE_CHECKING:
    from ..models import InspectionPlan

ART_41_CORRECT = "人口与计划生育法（2021）第四十一条 责令改正"
# The first line of a follow-up's checklist: whether the finding of the re-inspected order is rectified.
RECTIFICATION_ITEM = "rectification"
DESCRIPTION_MAX = 5000
SUMMARY_MAX = 5000
LABEL_MAX = ChecklistItem._meta.get_field("label").max_length
CLAUSE_MAX = ChecklistItem._meta.get_field("clause").max_length
NOTE_MAX = ChecklistItem._meta.get_field("note").max_length


# --- who may act ------------------------------------------------------------------------------------------


def _sees(facility: Facility, actor: User) -> bool:
    return facility_scope_for(user=actor).filter(pk=facility.pk).exists()


def supervises(facility: Facility, actor: User) -> bool:
    """Inspectors and officers of the facility's unit, and the city's inspectors, supervise it."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.role == Role.INSPECTOR and (actor.is_citywide or actor.district_id == facility.district_id):
        return True
    return actor.role == Role.DISTRICT_OFFICER and actor.district_id == facility.district_id


def require_supervisor_of(facility: Facility, actor: User) -> None:
    """A facility the actor cannot see does not exist for them (404); one they see but do not supervise, 403."""
    if supervises(facility, actor):
        return
    if not _sees(facility, actor):
        raise NotFound
    raise PermissionDenied(
        _("Only the inspectors and officers of the facility's unit, or the city's inspectors, do this.")
    )


def runs(facility: Facility, actor: User) -> bool:
    return (
        actor.is_authenticated
        and actor.is_active
        and actor.role == Role.OPERATOR
        and facility.operators.filter(pk=actor.pk).exists()
    )


def require_operator_of(facility: Facility, actor: User) -> None:
    if runs(facility, actor):
        return
    if not _sees(facility, actor):
        raise NotFound
    raise PermissionDenied(_("Only the facility's operator does this."))


def inspector_eligible(user: User, facility: Facility) -> bool:
    """Who may be named on an inspection: an active inspector of the facility's unit, or a city-wide one."""
    return (
        user.is_active
        and user.role == Role.INSPECTOR
        and (user.is_citywide or (user.district_id is not None and user.district_id == facility.district_id))
    )


# --- notices ----------------------------------------------------------------------------------------------


def unit_officers(facility: Facility):
    return User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=facility.district_id, is_active=True)


def facility_operators(facility: Facility):
    return facility.operators.filter(is_active=True)


def notify_in_language(
    recipients: Iterable[User], *, kind: str, title: str, body: str, link: str, values: Mapping[str, Any]
) -> None:
    """Tell each recipient in their own language: `title` and `body` are English sources (gettext_noop),
    `values` may hold lazy labels, translated in the same language."""
    by_language: dict[str, list[User]] = {}
    for user in recipients:
        by_language.setdefault(user.language, []).append(user)
    for language, users in by_language.items():
        with translation.override(language):
            filled = {key: str(value) for key, value in values.items()}
            notify(
                recipients=users,
                kind=kind,
                title=_(title) % filled,
                body=(_(body) % filled) if body else "",
                link=link,
            )


# --- helpers ----------------------------------------------------------------------------------------------


def _locked_inspection(pk: int) -> Inspection:
    return Inspection.objects.select_for_update(of=("self",)).select_related("facility").get(pk=pk)


def _require_draft(inspection: Inspection) -> None:
    if inspection.status != InspectionStatus.DRAFT:
        raise Conflict(_("The inspection is completed; its record can no longer be changed."), code="completed")


def _is_plain_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _facts_of(facility: Facility) -> dict[str, Any]:
    return {
        "class_types": list(facility.classes.values_list("class_type", flat=True).distinct()),
        "meals_served": facility.meals_served,
        "enrolled": facility.enrolled,
        "family_point": facility.form == FacilityForm.FAMILY_POINT,
    }


def upload_problems(upload) -> list[str]:
    """Why an upload cannot be kept (the rules of filing materials: size cap, type from the content)."""
    if upload is None:
        return [_("Choose a file.")]
    limit = settings.MATERIAL_MAX_BYTES
    if not upload.size:
        return [_("The file is empty.")]
    if upload.size > limit:
        return [
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": limit // 1048576}
        ]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if sniff_content_type(head) is None:
        return [_("Only PDF, JPEG and PNG files are accepted.")]
    return []


def store_evidence(
    *, actor: User, facility: Facility, upload: UploadedFile, finding: Finding | None = None, order=None
) -> Evidence:
    """Keep an upload already checked by `upload_problems`; the file never outlives a row that failed."""
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        finding=finding,
        order=order,
        original_name=(upload.name or "upload")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(upload.name or "upload", upload, save=False)
    try:
        evidence.save()
        audit_record(actor=actor, action="inspection.evidence_upload", target=facility, after=audit_snapshot(evidence))
    except Exception:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


# --- services ---------------------------------------------------------------------------------------------


@transaction.atomic
def inspection_start(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    inspected_on: date,
    inspectors: Iterable[User],
    plan: InspectionPlan | None = None,
    follow_up_of: RectificationOrder | None = None,
) -> Inspection:
    """Record an inspection and its checklist, generated from the standards in force on the day.

    A follow-up (re-inspection) names the order it checks; its checklist starts with whether that finding
    is rectified.
    """
    require_supervisor_of(facility, actor)
    errors: dict[str, list[str]] = {}
    if kind not in InspectionKind.values:
        errors["kind"] = [_("Choose the type of inspection.")]
    if not _is_plain_date(inspected_on):
        errors["inspected_on"] = [_("Enter the date of the inspection.")]
    elif inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("An inspection cannot be dated in the future.")]
    elif inspected_on < timezone.localdate() - timedelta(days=366 * 3):
        errors["inspected_on"] = [_("An inspection is recorded within three years of its date.")]
    elif follow_up_of is not None and inspected_on < follow_up_of.issued_on:
        errors["inspected_on"] = [_("A re-inspection cannot be dated before the order it checks was issued.")]
    named: dict[int, User] = {}
    for user in inspectors or ():
        named.setdefault(user.pk, user)
    if not named:
        errors["inspectors"] = [_("Name at least one inspector.")]
    if any(not inspector_eligible(user, facility) for user in named.values()):
        # One message without names: the list must not tell who holds which account.
        errors.setdefault("inspectors", []).append(
            _("Name only inspectors of %(unit)s or of the city.") % {"unit": facility.district.name}
        )
    if kind == InspectionKind.FOLLOW_UP and follow_up_of is None:
        errors["follow_up_of"] = [_("A follow-up inspection names the rectification order it re-inspects.")]
    if follow_up_of is not None:
        if kind != InspectionKind.FOLLOW_UP and "kind" not in errors:
            errors["kind"] = [_("The re-inspection of a rectification order is a follow-up inspection.")]
        if follow_up_of.facility_id != facility.pk:
            errors["follow_up_of"] = [_("The rectification order is not one of this facility.")]
        elif follow_up_of.status == OrderStatus.CLOSED:
            errors["follow_up_of"] = [_("The rectification order is already closed.")]
    if plan is not None and plan.district_id not in (None, facility.district_id):
        errors["plan"] = [_("The plan is not one of the facility's unit or of the city.")]
    if errors:
        raise ValidationFailed(fields=errors)

    inspection = Inspection.objects.create(
        facility=facility,
        plan=plan,
        kind=kind,
        inspected_on=inspected_on,
        follow_up_of=follow_up_of,
        created_by=actor,
    )
    inspection.inspectors.set(list(named.values()))
    specs = rules.checklist_for(standards_in_force(on=inspected_on), **_facts_of(facility))
    # The record keeps the checklist as it was on the day, worded in the portal's language.
    with translation.override(settings.LANGUAGE_CODE):
        lines = [(spec.code, str(spec.label), spec.clause) for spec in specs]
        if follow_up_of is not None:
            finding = follow_up_of.finding
            label = _("The finding of the rectification order is rectified: %(description)s") % {
                "description": finding.description
            }
            lines.insert(0, (RECTIFICATION_ITEM, label, finding.clause or ART_41_CORRECT))
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            inspection=inspection,
            code=code,
            label=_cut(label, LABEL_MAX),
            clause=_cut(clause, CLAUSE_MAX),
            position=position,
        )
        for position, (code, label, clause) in enumerate(lines, start=1)
    )
    audit_record(
        actor=actor,
        action="inspection.start",
        target=facility,
        after={
            **audit_snapshot(inspection),
            "inspectors": sorted(named),
            "checklist": [code for code, _label, _clause in lines],
        },
    )
    return inspection


def _item_errors(result, note) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if result not in ItemResult.values:
        errors["result"] = [_("Choose conforms, does not conform or not applicable.")]
    if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
        errors["note"] = [_("The note may have at most %(limit)s characters.") % {"limit": NOTE_MAX}]
    return errors


@transaction.atomic
def checklist_item_set(*, actor: User, item: ChecklistItem, result: str, note: str = "") -> ChecklistItem:
    """Record the result of one item of an inspection in progress."""
    inspection = _locked_inspection(item.inspection_id)
    require_supervisor_of(inspection.facility, actor)
    _require_draft(inspection)
    note = note if note is not None else ""
    if errors := _item_errors(result, note):
        raise ValidationFailed(fields=errors)
    item = ChecklistItem.objects.get(pk=item.pk)
    changed = _apply_result(item, result, note.strip())
    if changed:
        item.save(update_fields=["result", "note"])
        audit_record(
            actor=actor,
            action="inspection.item_set",
            target=inspection.facility,
            before={"inspection": inspection.pk, **changed},
            after={"inspection": inspection.pk, **audit_snapshot(item, ["code", "result", "note"])},
        )
    return item


def _apply_result(item: ChecklistItem, result: str, note: str) -> dict[str, Any] | None:
    if item.result == result and item.note == note:
        return None
    before = audit_snapshot(item, ["code", "result", "note"])
    item.result, item.note = result, note
    return before


@transaction.atomic
def checklist_items_set(
    *, actor: User, inspection: Inspection, entries: Mapping[int, tuple[str, str]]
) -> list[ChecklistItem]:
    """Record the results of several items at once (the checklist form): `{item id: (result, note)}`.

    All or nothing; an item left unanswered keeps "not checked yet". One audit entry lists the changes.
    """
    inspection = _locked_inspection(inspection.pk)
    require_supervisor_of(inspection.facility, actor)
    _require_draft(inspection)
    items = {item.pk: item for item in inspection.items.all()}
    errors: dict[str, list[str]] = {}
    for pk, (result, note) in entries.items():
        item = items.get(pk)
        if item is None:
            errors.setdefault("items", []).append(_("An item is not part of this inspection."))
            continue
        for field, messages in _item_errors(result, note if note is not None else "").items():
            errors[f"items.{item.code}.{field}"] = messages
    if errors:
        raise ValidationFailed(fields=errors)
    before, after, changed_items = [], [], []
    for pk, (result, note) in entries.items():
        item = items[pk]
        previous = _apply_result(item, result, (note or "").strip())
        if previous is not None:
            before.append(previous)
            after.append(audit_snapshot(item, ["code", "result", "note"]))
            changed_items.append(item)
    if changed_items:
        ChecklistItem.objects.bulk_update(changed_items, ["result", "note"])
        audit_record(
            actor=actor,
            action="inspection.items_set",
            target=inspection.facility,
            before={"inspection": inspection.pk, "items": before},
            after={"inspection": inspection.pk, "items": after},
        )
    return list(items.values())


def deadline_for(weight: str, recorded_on: date):
    """The rectification deadline of a finding: working days from the table in force, the day itself not counted."""
    table = list(RectificationDeadlineRule.objects.values_list("weight", "working_days", "effective_from"))
    try:
        days = rules.deadline_working_days(weight, table, recorded_on)
    except LookupError as exc:
        raise RuleViolation(
            _("No rectification deadline is set for this weight on that day; the city admin enters one."),
            code="no_deadline_rule",
        ) from exc
    return days, add_working_days(recorded_on, days)


@transaction.atomic
def finding_add(
    *,
    actor: User,
    inspection: Inspection,
    weight: str,
    description: str,
    item_code: str = "",
    clause: str = "",
    evidence: UploadedFile | None = None,
) -> Finding:
    """Record a finding and issue its rectification order (整改通知), due in working days by its weight.

    The finding is dated the day of the inspection. A finding on a checklist item marks the item failed
    and cites its clause unless another is given. `evidence`, if given, is checked with the other fields
    (a refused file refuses the finding) and attached. The facility's operators are notified.
    """
    inspection = _locked_inspection(inspection.pk)
    facility = inspection.facility
    require_supervisor_of(facility, actor)
    _require_draft(inspection)
    errors: dict[str, list[str]] = {}
    if weight not in Weight.values:
        errors["weight"] = [_("Choose the weight of the finding: serious, moderate or minor.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Describe what was found.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [
            _("The description may have at most %(limit)s characters.") % {"limit": DESCRIPTION_MAX}
        ]
    item_code = (item_code or "").strip()
    item = inspection.items.filter(code=item_code).first() if item_code else None
    if item_code and item is None:
        errors["item_code"] = [_("The item is not on this inspection's checklist.")]
    clause = (clause or "").strip()
    if len(clause) > CLAUSE_MAX:
        errors["clause"] = [_("The clause may have at most %(limit)s characters.") % {"limit": CLAUSE_MAX}]
    if evidence is not None and (problems := upload_problems(evidence)):
        errors["evidence"] = problems
    if errors:
        raise ValidationFailed(fields=errors)

    recorded_on = inspection.inspected_on
    days, deadline = deadline_for(weight, recorded_on)
    finding = Finding.objects.create(
        inspection=inspection,
        facility=facility,
        item_code=item_code,
        weight=weight,
        description=description,
        clause=clause or (item.clause if item else ""),
        recorded_on=recorded_on,
    )
    order = RectificationOrder.objects.create(
        finding=finding, facility=facility, issued_on=recorded_on, deadline=deadline.date
    )
    if item is not None and item.result != ItemResult.FAIL:
        item.result = ItemResult.FAIL
        item.save(update_fields=["result"])
    if evidence is not None:
        store_evidence(actor=actor, facility=facility, upload=evidence, finding=finding)
    audit_record(
        actor=actor,
        action="inspection.finding_add",
        target=facility,
        after={
            "finding": audit_snapshot(finding),
            "order": audit_snapshot(order),
            "working_days": days,
            "weekends_only_years": list(deadline.assumed_years),
        },
    )
    notify_in_language(
        facility_operators(facility),
        kind="rectification.issued",
        title=gettext_noop("Rectification order for %(name)s: correct by %(deadline)s"),
        body=gettext_noop("%(weight)s finding of the inspection on %(date)s: %(description)s"),
        link=reverse("inspections:order_detail", args=[order.pk]),
        values={
            "name": facility.name,
            "deadline": order.deadline.isoformat(),
            "weight": Weight(weight).label,
            "date": recorded_on.isoformat(),
            "description": description,
        },
    )
    return finding


@transaction.atomic
def evidence_upload(
    *, actor: User, finding: Finding | None = None, order: RectificationOrder | None = None, upload
) -> Evidence:
    """Attach a photo or document to a finding (inspection in progress) or to an open rectification order.

    Same rules as filing materials: PDF, JPEG or PNG by content, at most `MATERIAL_MAX_BYTES`; a refused
    file is not stored.
    """
    if (finding is None) == (order is None):
        raise TypeError("evidence_upload needs either a finding or an order")
    if finding is not None:
        inspection = _locked_inspection(finding.inspection_id)
        facility = inspection.facility
        require_supervisor_of(facility, actor)
        _require_draft(inspection)
    else:
        order = RectificationOrder.objects.select_for_update(of=("self",)).select_related("facility").get(pk=order.pk)
        facility = order.facility
        if not (runs(facility, actor) or supervises(facility, actor)):
            require_operator_of(facility, actor)
        if order.status == OrderStatus.CLOSED:
            raise Conflict(_("The rectification order is closed."), code="closed")
    if problems := upload_problems(upload):
        raise ValidationFailed(fields={"file": problems})
    return store_evidence(actor=actor, facility=facility, upload=upload, finding=finding, order=order)


@transaction.atomic
def inspection_complete(*, actor: User, inspection: Inspection, summary: str = "") -> Inspection:
    """Close the record: every item of the checklist must have a result (a failed item may go without a finding)."""
    inspection = _locked_inspection(inspection.pk)
    require_supervisor_of(inspection.facility, actor)
    _require_draft(inspection)
    summary = (summary or "").strip()
    errors: dict[str, list[str]] = {}
    for item in inspection.items.filter(result=ItemResult.UNCHECKED).order_by("position"):
        errors[f"items.{item.code}"] = [_("Not checked yet: %(item)s") % {"item": item.label}]
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = [_("The summary may have at most %(limit)s characters.") % {"limit": SUMMARY_MAX}]
    if errors:
        unchecked = sum(1 for field in errors if field.startswith("items."))
        message = (
            _("%(count)s items of the checklist have no result yet.") % {"count": unchecked} if unchecked else None
        )
        raise ValidationFailed(message, fields=errors)
    before = audit_snapshot(inspection, ["status", "summary", "completed_at"])
    inspection.status = InspectionStatus.COMPLETED
    inspection.summary = summary
    inspection.completed_at = timezone.now()
    inspection.save(update_fields=["status", "summary", "completed_at"])
    audit_record(
        actor=actor,
        action="inspection.complete",
        target=inspection.facility,
        before={"inspection": inspection.pk, **before},
        after={"inspection": inspection.pk, **audit_snapshot(inspection, ["status", "summary", "completed_at"])},
    )
    return inspection
