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


def mask_personal(value: Any) -> Any:
    """`王小明` -> `王*明`: first and last character kept, stars between; empty (or None) stays as it is."""
    if value is None or value == "":
        return value
    return mask_identifier(str(value), keep_start=1, keep_end=1)


def _personal_fields(instance: models.Model) -> set[str]:
    # Read at call time: the mapping is filled in by the apps and may change while the process runs.
    from suzhou_childcare.privacy import personal_data

    mapping = personal_data.PERSONAL_FIELDS
    labels = {instance._meta.label_lower, instance._meta.concrete_model._meta.label_lower}
    return set().union(*(mapping.get(label, set()) for label in labels))


def audit_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited state of an object: concrete field values, encrypted ones and personal data masked.

    Personal data is what `suzhou_childcare.privacy.personal_data.PERSONAL_FIELDS` lists for the model: the
    trail keeps that something changed and enough to recognise it, not the value (PIPL; the trail is kept for
    years and cannot be anonymised later, being append-only).
    """
    personal = _personal_fields(instance)
    snapshot: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in ("password",) or field.name.endswith("_index"):
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            value = mask_identifier(value)
        elif field.name in personal or field.attname in personal:
            value = mask_personal(value)
        elif isinstance(field, models.FileField):
            value = value.name if value else ""
        snapshot[field.name] = value
    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


def _object_repr(target: models.Model) -> str:
    """How the entry names its object. A model holding personal data is named by kind and id only: its str() may
    be a person's name, and the trail is append-only, so retention could never erase it. A model may offer an
    `audit_label()` that names it without personal data (an account: its username)."""
    if _personal_fields(target):
        label = getattr(target, "audit_label", None)  # a model may name itself without personal data
        return (label() if callable(label) else f"{target._meta.verbose_name} #{target.pk}")[:200]
    return str(target)[:200]


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
        object_repr=_object_repr(target),
        before=json.loads(json.dumps(before, cls=DjangoJSONEncoder)) if before is not None else None,
        after=json.loads(json.dumps(after, cls=DjangoJSONEncoder)) if after is not None else None,
        reason=reason[:500],
        request_id=current_request_id(),
    )


def personal_data_access_record(
    *,
    actor,
    kind: str,
    target: models.Model,
    reason: str = "",
    rows: int | None = None,
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Audit an access to personal data (个人信息访问): `kind` is "reveal", "export" or "download".

    `target` is the object revealed, or the facility / unit an export or download is about; `rows` how many
    records an export held; `detail` anything else worth keeping (never the personal data itself). Runs in its
    own (or the caller's) transaction, so a failure refuses the access.
    """
    after: dict[str, Any] = dict(detail or {})
    if rows is not None:
        after["rows"] = rows
    if fields:
        after["fields"] = list(fields)
    with transaction.atomic():
        return audit_record(
            actor=actor, action=f"personal_data.{kind}", target=target, after=after or None, reason=reason
        )
