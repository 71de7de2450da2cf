"""The city admin edits standards by adding a new version from a date; rows already used are never edited."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.permissions import Capability, can

from ..models import StandardRule


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_problem(current, value) -> str | None:
    """A figure replaces a figure (a positive one: sizes, ratios, days, years); a yes/no a yes/no; a code a code."""
    if _is_number(current):
        if not _is_number(value):
            return _("Enter a number.")
        if not 0 < value <= 100000:
            return _("Enter a number greater than 0 and at most 100000.")
        return None
    if type(value) is not type(current):
        return _("The value must be of the same kind as the current one.")
    return None


@transaction.atomic
def standard_rule_new_version(
    *, actor, code: str, value, effective_from: date, clause: str, source: str, is_default: bool, note: str = ""
) -> StandardRule:
    """A new edition of one figure from `effective_from`; the edition in force before it ends the day before."""
    if not can(actor, Capability.EDIT_REFERENCE_DATA):
        raise PermissionDenied(_("Only the city health commission edits the standards."))
    current = (
        StandardRule.objects.select_for_update()
        .filter(code=code, effective_to__isnull=True)
        .order_by("-effective_from")
        .first()
    )
    errors: dict[str, list[str]] = {}
    if current is None:
        errors["code"] = [_("Unknown standard.")]
    elif effective_from <= current.effective_from:
        errors["effective_from"] = [
            _("The new version must start after the one in force (from %(date)s).") % {"date": current.effective_from}
        ]
    if not (clause or "").strip():
        errors["clause"] = [_("Name the clause this figure comes from.")]
    if not (source or "").strip():
        errors["source"] = [_("Name the source (document and number), or mark it a local default.")]
    if current is not None:
        problem = _value_problem(current.value, value)
        if problem:
            errors["value"] = [problem]
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(current)
    current.effective_to = effective_from
    current.save(update_fields=["effective_to"])
    row = StandardRule.objects.create(
        code=code,
        value=value,
        edition=str(effective_from.year),
        effective_from=effective_from,
        clause=clause.strip(),
        source=source.strip(),
        is_default=is_default,
        note=note.strip(),
    )
    audit_record(actor=actor, action="standard.new_version", target=row, before=before, after=audit_snapshot(row))
    return row
