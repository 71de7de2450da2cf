"""Reading the audit trail: an object's history, for those who may see the object."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Max, Model, QuerySet

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import Capability, can

from .models import AuditEntry, AuditSeal, AuditVerification
from .registry import history_scope


def audited_object_get_for(*, user, label: str, object_id: str) -> Model:
    scope = history_scope(label)
    if scope is None or not can(user, Capability.VIEW_AUDIT_HISTORY):
        raise NotFound
    queryset = scope(user=user)
    try:
        pk = queryset.model._meta.pk.to_python(object_id)
    except ValidationError as exc:  # "abc" for an integer key: no such object
        raise NotFound from exc
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound
    return obj


def audit_history_for(*, user, label: str, object_id: str) -> tuple[Model, QuerySet[AuditEntry]]:
    obj = audited_object_get_for(user=user, label=label, object_id=object_id)
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
    ).select_related("actor")
    return obj, entries


def changed_fields(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field that differs, for display."""
    before = entry.before or {}
    after = entry.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


def audit_chain_status_for(*, user) -> dict:
    """The sealed audit log at a glance, for the city admin only (others: 404). Four queries, whatever the size."""
    if not (user.is_authenticated and user.is_active and user.role == Role.CITY_ADMIN):
        raise NotFound
    sealed = AuditSeal.objects.aggregate(head=Max("position"), last=Max("sealed_at"))
    return {
        "sealed": sealed["head"] or 0,
        "unsealed": AuditEntry.objects.filter(seal__isnull=True).count(),
        "last_sealed_at": sealed["last"],
        "last_verification": AuditVerification.objects.order_by("-checked_at", "-id").first(),
    }
