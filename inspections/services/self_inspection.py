"""Self-inspection (自查): the operator fills the inspectors' checklist for a quarter; each gap they report
becomes their own rectification item, due in working days. Every write is audited on the facility."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from facilities.models import Facility
from facilities.selectors import standards_in_force
from suzhou_childcare.accounts.models import User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, ValidationFailed
from suzhou_childcare.workdays.services import add_working_days

from .. import rules
from ..models import ItemResult, SelfInspection, SelfInspectionItem
from ..selectors.self_inspection import quarter_start
from .records import _cut, _facts_of, _is_plain_date, require_operator_of

# The city's default (not found in a national text): working days an operator has to correct a gap
# found in their own self-inspection, the day of submission not counted.
SELF_RECTIFICATION_WORKING_DAYS = 10
ANSWERS = (ItemResult.PASS, ItemResult.FAIL, ItemResult.NOT_APPLICABLE)
LABEL_MAX = SelfInspectionItem._meta.get_field("label").max_length
CLAUSE_MAX = SelfInspectionItem._meta.get_field("clause").max_length
NOTE_MAX = SelfInspectionItem._meta.get_field("note").max_length


def self_checklist_for(facility: Facility, *, on: date | None = None) -> list[rules.ItemSpec]:
    """The same checklist inspectors use, from the standards in force on `on` and the facility's facts."""
    return rules.checklist_for(standards_in_force(on=on or timezone.localdate()), **_facts_of(facility))


@transaction.atomic
def self_inspection_submit(
    *, actor: User, facility: Facility, period: date, results: Mapping[str, tuple[str, str]]
) -> SelfInspection:
    """Record the operator's self-inspection of a quarter: one result per checklist item, all or nothing.

    `period` may be any day of the quarter (stored as its first day); once per facility and quarter.
    A failed item is a gap the operator corrects by `SELF_RECTIFICATION_WORKING_DAYS` working days.
    """
    require_operator_of(facility, actor)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not _is_plain_date(period):
        errors["period"] = [_("Enter the quarter checked.")]
    else:
        period = quarter_start(period)
        if period > today:
            errors["period"] = [_("A quarter that has not begun cannot be self-inspected.")]
        elif SelfInspection.objects.filter(facility=facility, period=period).exists():
            raise Conflict(
                _("The self-inspection of this quarter has already been submitted."), code="already_submitted"
            )
    specs = self_checklist_for(facility, on=today)
    results = dict(results or {})
    codes = {spec.code for spec in specs}
    unknown = sorted(code for code in results if code not in codes)
    if unknown:
        errors["items"] = [_("Not on the checklist: %(codes)s") % {"codes": ", ".join(map(str, unknown))}]
    with translation.override(settings.LANGUAGE_CODE):
        lines = [(spec.code, str(spec.label), spec.clause) for spec in specs]
    answers: dict[str, tuple[str, str]] = {}
    for code, label, _clause in lines:
        entry = results.get(code)
        result, note = entry if isinstance(entry, tuple | list) and len(entry) == 2 else (entry, "")
        note = note if note is not None else ""
        if result not in ANSWERS:
            errors[f"items.{code}"] = [
                _("Choose conforms, does not conform or not applicable: %(item)s") % {"item": label}
            ]
        if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
            errors[f"items.{code}.note"] = [_("The note may have at most %(limit)s characters.") % {"limit": NOTE_MAX}]
        else:
            answers[code] = (result, note.strip())
    if errors:
        unanswered = sum(1 for field in errors if field.startswith("items.") and not field.endswith(".note"))
        message = _("%(count)s items of the checklist have no result.") % {"count": unanswered} if unanswered else None
        raise ValidationFailed(message, fields=errors)

    rectify_by = None
    if any(result == ItemResult.FAIL for result, _note in answers.values()):
        rectify_by = add_working_days(today, SELF_RECTIFICATION_WORKING_DAYS).date
    try:
        # A savepoint: a concurrent submission of the same quarter loses on the unique constraint.
        with transaction.atomic():
            self_inspection = SelfInspection.objects.create(
                facility=facility, period=period, submitted_on=today, submitted_by=actor
            )
    except IntegrityError as exc:
        raise Conflict(
            _("The self-inspection of this quarter has already been submitted."), code="already_submitted"
        ) from exc
    items = SelfInspectionItem.objects.bulk_create(
        SelfInspectionItem(
            self_inspection=self_inspection,
            code=code,
            label=_cut(label, LABEL_MAX),
            clause=_cut(clause, CLAUSE_MAX),
            result=answers[code][0],
            note=answers[code][1],
            rectify_by=rectify_by if answers[code][0] == ItemResult.FAIL else None,
            position=position,
        )
        for position, (code, label, clause) in enumerate(lines, start=1)
    )
    audit_record(
        actor=actor,
        action="self_inspection.submit",
        target=facility,
        after={
            **audit_snapshot(self_inspection),
            "items": [audit_snapshot(item, ["code", "result", "note", "rectify_by"]) for item in items],
            "working_days": SELF_RECTIFICATION_WORKING_DAYS,
        },
    )
    return self_inspection


@transaction.atomic
def self_item_rectified(*, actor: User, item: SelfInspectionItem, on: date) -> SelfInspectionItem:
    """The operator records that a gap of their self-inspection is corrected, on the day `on`."""
    item = (
        SelfInspectionItem.objects.select_for_update(of=("self",))
        .select_related("self_inspection__facility")
        .get(pk=item.pk)
    )
    self_inspection = item.self_inspection
    require_operator_of(self_inspection.facility, actor)
    if item.result != ItemResult.FAIL:
        raise Conflict(_("Only an item that does not conform is rectified."), code="not_a_gap")
    if item.rectified_on is not None:
        raise Conflict(_("The item is already rectified."), code="already_rectified")
    errors: dict[str, list[str]] = {}
    if not _is_plain_date(on):
        errors["on"] = [_("Enter the date of the rectification.")]
    elif on > timezone.localdate():
        errors["on"] = [_("A rectification cannot be dated in the future.")]
    elif on < self_inspection.submitted_on:
        errors["on"] = [_("A rectification cannot be dated before the self-inspection.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(item, ["code", "rectified_on"])
    item.rectified_on = on
    item.save(update_fields=["rectified_on"])
    audit_record(
        actor=actor,
        action="self_inspection.item_rectified",
        target=self_inspection.facility,
        before={"self_inspection": self_inspection.pk, **before},
        after={"self_inspection": self_inspection.pk, **audit_snapshot(item, ["code", "rectified_on"])},
    )
    return item
