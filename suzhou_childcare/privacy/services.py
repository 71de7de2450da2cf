"""Writing for privacy: applying the retention schedule, new versions of its rules, data-subject exports.

Every write runs in a transaction with its audit entry. The retention run works in batches, each its own
transaction with one audit entry per kind of record (ids only: the entry must not keep what was removed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.outbox.models import Job
from suzhou_childcare.outbox.services import enqueue, job_create, job_finish, job_progress
from suzhou_childcare.permissions import Capability, can

from . import rules, selectors
from .models import RetentionKind, RetentionRule

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Up to this many rows, the page applies the schedule at once; above, it queues the task and shows progress.
INLINE_LIMIT = 200
JOB_KIND = "privacy.retention"
APPLIED_ACTION = "privacy.retention_applied"


def _require(actor) -> None:
    if actor is not None and not can(actor, Capability.MANAGE_PERSONAL_DATA):
        raise PermissionDenied(_("Only the city health commission manages the retention of personal data."))


# --- applying the schedule ------------------------------------------------------------------------------------


def _anonymise_staff(model, ids: list[int]) -> None:
    model._base_manager.filter(pk__in=ids).update(name="", guard_licence_number="")


def _anonymise_persons(model, ids: list[int]) -> None:
    # The blind index becomes a marker unique to the row (the column is unique), not a hash of anything.
    model._base_manager.filter(pk__in=ids).update(
        name="",
        id_number="",
        id_number_index=Concat(
            Value(rules.ANONYMISED_INDEX_PREFIX),
            Cast("pk", output_field=models.CharField()),
            output_field=models.CharField(),
        ),
    )


def _clear_training_gaps(model, ids: list[int]) -> None:
    model._base_manager.filter(pk__in=ids).update(training_gaps=[])


def _purge_materials(model, ids: list[int]) -> None:
    names = [name for name in model._base_manager.filter(pk__in=ids).values_list("file", flat=True) if name]
    model._base_manager.filter(pk__in=ids).delete()

    def remove_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # a file already gone is what we wanted; anything else is logged, not fatal
                logger.warning("Retention: could not delete a stored file of a purged material.")

    # Only once the rows are gone for good: a rolled-back batch keeps its files.
    transaction.on_commit(remove_files)


def _anonymise_complaints(model, ids: list[int]) -> None:
    for complaint in model._base_manager.filter(pk__in=ids).order_by("pk"):
        secrets = [
            complaint.complainant_name.strip(),
            complaint.complainant_phone.strip(),
            rules.normalise_phone(complaint.complainant_phone),
        ]
        complaint.subject = rules.scrub(complaint.subject, secrets)
        complaint.description = rules.scrub(complaint.description, secrets)
        complaint.reply = rules.scrub(complaint.reply, secrets)
        complaint.complainant_name = ""
        complaint.complainant_phone = ""
        complaint.hotline_ticket = ""
        complaint.save(
            update_fields=["subject", "description", "reply", "complainant_name", "complainant_phone", "hotline_ticket"]
        )


def _anonymise_incidents(model, ids: list[int]) -> None:
    model._base_manager.filter(pk__in=ids).update(description="", follow_up="")


_HANDLERS = {
    "facilities.staffmember": _anonymise_staff,
    "facilities.person": _anonymise_persons,
    "facilities.facility": _clear_training_gaps,
    "facilities.material": _purge_materials,
    "inspections.complaint": _anonymise_complaints,
    "inspections.incident": _anonymise_incidents,
}


def _apply_part(*, due: selectors.RuleDue, part: selectors.DuePart, actor, progress) -> list[int]:
    """Every due row of one kind, batch by batch in primary-key order; returns the ids changed."""
    model = part.queryset.model
    handler = _HANDLERS[part.model_label]
    changed: list[int] = []
    last_pk = None
    while True:
        with transaction.atomic():
            batch_qs = part.queryset.order_by("pk")
            if last_pk is not None:
                batch_qs = batch_qs.filter(pk__gt=last_pk)
            candidates = list(batch_qs.values_list("pk", flat=True)[:BATCH_SIZE])
            if not candidates:
                break
            last_pk = candidates[-1]
            # Lock the rows, then keep those still due: a concurrent run may have taken some meanwhile.
            list(model._base_manager.select_for_update().filter(pk__in=candidates).values_list("pk", flat=True))
            ids = list(part.queryset.filter(pk__in=candidates).order_by("pk").values_list("pk", flat=True))
            if ids:
                handler(model, ids)
                audit_record(
                    actor=actor,
                    action=APPLIED_ACTION,
                    target=due.rule,
                    after={
                        "rule": due.rule.pk,
                        "kind": due.rule.kind,
                        "action": due.rule.action,
                        "cutoff": due.cutoff.isoformat(),
                        "model": part.model_label,
                        "count": len(ids),
                        "ids": ids,
                    },
                    reason=due.rule.source,
                )
                changed.extend(ids)
        progress(len(ids))
    return changed


def retention_apply(*, today: date, actor=None, job_id: str | None = None) -> dict[str, dict[str, int]]:
    """Purge or anonymise every row past its period, per the rules in force on `today`.

    Idempotent: a row done holds nothing the rule removes and is not due again, so a second run finds nothing.
    Returns {kind: {model label: rows changed}}.
    """
    _require(actor)
    plan = selectors.retention_due(today=today)
    total = sum(part.count() for due in plan for part in due.parts)
    done = 0
    if job_id:
        job_progress(job_id=job_id, done=0, total=total)

    def progress(n: int) -> None:
        nonlocal done
        done = min(done + n, total)
        if job_id:
            job_progress(job_id=job_id, done=done, total=total)

    summary: dict[str, dict[str, int]] = {}
    for due in plan:
        if not rules.action_allowed(due.rule.kind, due.rule.action):
            continue  # a constraint forbids such a row; never act on one that got in anyway
        for part in due.parts:
            changed = _apply_part(due=due, part=part, actor=actor, progress=progress)
            summary.setdefault(due.rule.kind, {})[part.model_label] = len(changed)
    if job_id:
        changed_total = sum(n for kinds in summary.values() for n in kinds.values())
        job_finish(
            job_id=job_id,
            result=summary,
            message=_("%(n)d record(s) purged or anonymised.") % {"n": changed_total},
        )
    return summary


def retention_due_total(*, today: date) -> int:
    return sum(part.count() for due in selectors.retention_due(today=today) for part in due.parts)


@dataclass
class RetentionStart:
    job: Job | None
    summary: dict[str, dict[str, int]] | None


def retention_start(*, actor, today: date | None = None) -> RetentionStart:
    """Apply now: at once for a small set, otherwise as the `privacy.retention` task with a progress job."""
    _require(actor)
    if actor is None:
        raise PermissionDenied
    today = today or timezone.localdate()
    total = retention_due_total(today=today)
    if total <= INLINE_LIMIT:
        return RetentionStart(job=None, summary=retention_apply(today=today, actor=actor))
    from .tasks import retention

    with transaction.atomic():
        job = job_create(kind=JOB_KIND, title=_("Apply the retention schedule"), owner=actor, total=total)
        enqueue(retention, job_id=str(job.id), actor_id=actor.pk, today=today.isoformat())
    return RetentionStart(job=job, summary=None)


# --- the schedule's rules -------------------------------------------------------------------------------------

RULE_FIELDS = ["kind", "period_value", "period_unit", "counted_from", "action", "source", "is_default", "valid_from"]


@transaction.atomic
def retention_rule_add(
    *,
    actor,
    kind: str,
    period_value: int,
    period_unit: str,
    action: str,
    source: str,
    is_default: bool,
    valid_from: date,
    today: date | None = None,
) -> RetentionRule:
    """A new version of a kind's rule, in force from `valid_from` (today or later: the past stays as it was)."""
    if actor is None or not can(actor, Capability.MANAGE_PERSONAL_DATA):
        raise PermissionDenied(_("Only the city health commission manages the retention of personal data."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in RetentionKind.values:
        errors["kind"] = [_("Choose the kind of record.")]
    if not isinstance(period_value, int) or period_value < 1:
        errors["period_value"] = [_("Enter a period of at least 1.")]
    if period_unit not in (rules.Unit.DAYS, rules.Unit.MONTHS, rules.Unit.YEARS):
        errors["period_unit"] = [_("Choose days, months or years.")]
    if kind in RetentionKind.values and not rules.action_allowed(kind, action):
        errors["action"] = [_("This action cannot be applied to this kind of record.")]
    source = (source or "").strip()
    if not source:
        errors["source"] = [_("Name the legal basis, or say that the period is a local default.")]
    if valid_from is None or valid_from < today:
        errors["valid_from"] = [_("A new rule starts today or later; past periods stay as they were.")]
    if not errors and RetentionRule.objects.filter(kind=kind, valid_from=valid_from).exists():
        errors["valid_from"] = [_("A rule of this kind already starts on this day.")]
    if errors:
        raise ValidationFailed(fields=errors)
    rule = RetentionRule.objects.create(
        kind=kind,
        period_value=period_value,
        period_unit=period_unit,
        counted_from=rules.KIND_SPECS[kind]["basis"],
        action=action,
        source=source,
        is_default=is_default,
        valid_from=valid_from,
        created_by=actor,
    )
    audit_record(actor=actor, action="privacy.retention_rule_add", target=rule, after=audit_snapshot(rule, RULE_FIELDS))
    return rule


# --- data-subject requests ------------------------------------------------------------------------------------


@dataclass
class SubjectExport:
    records: selectors.SubjectRecords
    content: bytes
    filename: str

    @property
    def found(self) -> bool:
        return self.records.total() > 0


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # a spreadsheet must not run what a person typed as a formula
    return value


def _sheets(found: selectors.SubjectRecords) -> list[tuple[str, list[str], list[list[Any]]]]:
    return [
        (
            _("Accounts"),
            [
                _("Id"),
                _("Username"),
                _("Name"),
                _("E-mail"),
                _("Role"),
                _("Organisation"),
                _("County-level unit"),
                _("ID number"),
                _("Joined"),
                _("Last login"),
            ],
            [
                [
                    u.pk,
                    u.username,
                    u.get_full_name(),
                    u.email,
                    u.get_role_display(),
                    u.organisation,
                    u.district.name if u.district else "",
                    u.id_number,
                    u.date_joined,
                    u.last_login,
                ]
                for u in found.accounts
            ],
        ),
        (
            _("Persons"),
            [_("Id"), _("Name"), _("ID number"), _("Registered"), _("Banned from childcare on"), _("Ban decision")],
            [[p.pk, p.name, p.id_number, p.created_at, p.banned_on, p.ban_reference] for p in found.persons],
        ),
        (
            _("Employments"),
            [
                _("Id"),
                _("Facility"),
                _("Name entered"),
                _("Role"),
                _("Full-time"),
                _("Qualification"),
                _("Education"),
                _("Years of experience"),
                _("Guard licence"),
                _("Health certificate expiry"),
                _("Employed from"),
                _("Employed until"),
            ],
            [
                [
                    s.pk,
                    s.facility.name,
                    s.name,
                    s.get_role_display(),
                    s.full_time,
                    s.qualification,
                    s.get_education_display(),
                    s.years_of_experience,
                    s.guard_licence_number,
                    s.health_certificate_expires_on,
                    s.employed_from,
                    s.employed_to,
                ]
                for s in found.employments
            ],
        ),
        (
            _("Training records"),
            [
                _("Id"),
                _("Institution"),
                _("Course"),
                _("Hours"),
                pgettext("training record", "Result"),
                pgettext("training record", "Completed on"),
                _("Certificate number"),
                _("Certificate valid until"),
            ],
            [
                [
                    r.pk,
                    r.course.institution.name,
                    r.course.title,
                    r.hours,
                    r.get_result_display(),
                    r.completed_on,
                    r.certificate_number,
                    r.certificate_valid_until,
                ]
                for r in found.training_records
            ],
        ),
        (
            _("Health-care assessments"),
            [_("Id"), _("Institution"), _("Assessed on"), _("Score"), _("Passed"), _("Valid until")],
            [
                [a.pk, a.institution.name, a.assessed_on, a.score, a.passed, a.valid_until]
                for a in found.health_assessments
            ],
        ),
        (
            _("Award applications"),
            [
                _("Id"),
                _("Award"),
                _("Facility"),
                _("Status"),
                _("Submitted on"),
                _("Decided on"),
                _("Amount"),
                _("Reasons"),
            ],
            [
                [
                    a.pk,
                    a.rule.title,
                    a.facility.name,
                    a.get_status_display(),
                    a.submitted_on,
                    a.decided_on,
                    a.amount,
                    a.reasons,
                ]
                for a in found.award_applications
            ],
        ),
        (
            _("Competition entries"),
            [_("Id"), _("Competition"), _("Held on"), _("Facility"), _("Rank"), _("Award")],
            [
                [e.pk, e.competition.title, e.competition.held_on, e.facility.name, e.rank, e.award]
                for e in found.competition_entries
            ],
        ),
        (
            _("Penalties"),
            [
                _("Id"),
                _("Facility"),
                _("Kind"),
                _("Status"),
                _("Proposed on"),
                _("Decided on"),
                _("Decision number"),
                _("Facts"),
            ],
            [
                [
                    p.pk,
                    p.facility.name,
                    p.get_kind_display(),
                    p.get_status_display(),
                    p.proposed_on,
                    p.decided_on,
                    p.decision_number,
                    p.facts,
                ]
                for p in found.penalties
            ],
        ),
        (
            _("Complaints"),
            [
                _("Id"),
                _("Tracking code"),
                _("Received at"),
                _("County-level unit"),
                _("Facility"),
                _("Subject"),
                _("Description"),
                _("Complainant's name"),
                _("Complainant's telephone"),
                _("Status"),
                _("Reply"),
                _("Closed on"),
            ],
            [
                [
                    c.pk,
                    c.tracking_code,
                    c.received_at,
                    c.district.name,
                    c.facility.name if c.facility else c.facility_name,
                    c.subject,
                    c.description,
                    c.complainant_name,
                    c.complainant_phone,
                    c.get_status_display(),
                    c.reply,
                    c.closed_on,
                ]
                for c in found.complaints
            ],
        ),
        (
            _("Audit trail"),
            [_("Time"), _("Actor"), _("Action"), _("Kind of record"), _("Record id"), _("Reason")],
            [
                [e.created_at, e.actor_username, e.action, e.content_type.model, e.object_id, e.reason]
                for e in found.audit_entries
            ],
        ),
    ]


def _workbook(found: selectors.SubjectRecords, *, requested_at: datetime) -> bytes:
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(pgettext("workbook sheet", "Summary")[:31])
    summary.append([_("Data-subject export"), _cell(requested_at)])
    if not found.total():
        summary.append([_("No record about this person was found.")])
    sheets = _sheets(found)
    for title, _header, rows in sheets:
        summary.append([title, len(rows)])
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def subject_export(*, actor, reason: str, id_number: str = "", name: str = "", phone: str = "") -> SubjectExport:
    """个人信息查阅复制: everything held about one person, as a workbook; audited with the reason given.

    Found by ID number (accounts, the person registry and what hangs on it) and/or by name and telephone
    (complaints they made). A person not found gets a valid, empty workbook: not an error.
    """
    from suzhou_childcare.accounts.services import normalise_id_number

    if actor is None or not can(actor, Capability.MANAGE_PERSONAL_DATA):
        raise PermissionDenied(_("Only the city health commission answers data-subject requests."))
    reason = (reason or "").strip()
    id_number, name, phone = (id_number or "").strip(), (name or "").strip(), (phone or "").strip()
    errors: dict[str, list[str]] = {}
    if len(reason) < 4:
        errors["reason"] = [_("State the request this export answers (at least 4 characters).")]
    if (name or phone) and not (name and phone):
        errors["phone" if name else "name"] = [_("A name and a telephone number are searched together.")]
    elif not id_number and not (name and phone):
        errors["id_number"] = [_("Enter the person's ID number, or their name and telephone number.")]
    if phone and not rules.normalise_phone(phone):
        errors["phone"] = [_("Enter a telephone number.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if id_number:
        id_number = normalise_id_number(id_number)
    found = selectors.subject_records(id_number=id_number, name=name, phone=phone)
    searched_by = (["id_number"] if id_number else []) + (["name", "phone"] if name else [])
    # Ids and counts only: the trail must not become a copy of what it records.
    audit_record(
        actor=actor,
        action="privacy.subject_export",
        target=actor,
        after={"searched_by": searched_by, "counts": found.counts(), "ids": found.ids()},
        reason=reason,
    )
    now = timezone.now()
    return SubjectExport(
        records=found,
        content=_workbook(found, requested_at=now),
        filename=f"subject-export-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx",
    )
