"""Writing the audit trail. Every service that writes calls `audit_record` inside its transaction."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from suzhou_childcare.context import current_request_id
from suzhou_childcare.crypto import EncryptedTextField, mask_identifier

from .models import AuditEntry


def audit_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited state of an object: concrete field values, encrypted ones masked."""
    snapshot: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in ("password",) or field.name.endswith("_index"):
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            value = mask_identifier(value)
        elif isinstance(field, models.FileField):
            value = value.name if value else ""
        snapshot[field.name] = value
    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append an entry. Must run inside the writing transaction: if it fails, the write rolls back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the write it records.")
    actor_obj = actor if (actor is not None and getattr(actor, "is_authenticated", False)) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_username=actor_obj.get_username() if actor_obj else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        before=json.loads(json.dumps(before, cls=DjangoJSONEncoder)) if before is not None else None,
        after=json.loads(json.dumps(after, cls=DjangoJSONEncoder)) if after is not None else None,
        reason=reason[:500],
        request_id=current_request_id(),
    )
