"""Versioned reference data (criteria sets, subsidy rules): a draft is put in force from its start, and the
version in force in the same scope ends that day. Callers lock `same_scope` and check their own rules first."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from .audit.services import audit_record, audit_snapshot


def version_activate(*, actor, version: Model, same_scope: QuerySet, fields: list[str], action: str) -> Model:
    """End every active version of `same_scope` still open at `version.effective_from`, then activate `version`.

    Audited as `<action>.end` for each ended version and `<action>.activate` for the new one. `same_scope` holds
    the active versions of the same kind/unit (locked with `select_for_update` by the caller).
    """
    start = version.effective_from
    for previous in same_scope.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start)):
        before = audit_snapshot(previous, fields)
        previous.effective_to = start
        previous.save(update_fields=["effective_to"])
        audit_record(
            actor=actor, action=f"{action}.end", target=previous, before=before, after=audit_snapshot(previous, fields)
        )
    before = audit_snapshot(version, fields)
    version.status = "active"
    version.activated_by = actor
    version.activated_at = timezone.now()
    version.save(update_fields=["status", "activated_by", "activated_at"])
    audit_record(
        actor=actor, action=f"{action}.activate", target=version, before=before, after=audit_snapshot(version, fields)
    )
    return version
