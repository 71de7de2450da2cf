"""Re-encrypting personal data under the newest key, in batches, with progress (key rotation).

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart, run this
job; when it reports nothing left under an old key, drop the old keys.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.crypto import EncryptedTextField, is_under_primary_key, reencrypt
from suzhou_childcare.errors import PermissionDenied
from suzhou_childcare.outbox.models import Job
from suzhou_childcare.outbox.services import enqueue, job_create, job_finish, job_progress
from suzhou_childcare.permissions import Capability, can

BATCH_SIZE = 500


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


@transaction.atomic
def personal_data_rekey_start(*, actor) -> Job:
    if not can(actor, Capability.EDIT_REFERENCE_DATA):
        raise PermissionDenied(_("Only the city health commission may rotate the encryption keys."))
    from .tasks import personal_data_rekey

    total = sum(model._base_manager.count() for model, _names in encrypted_columns())
    job = job_create(kind="personal_data_rekey", title=_("Re-encrypt personal data"), owner=actor, total=total)
    audit_record(actor=actor, action="personal_data.rekey_start", target=actor, after={"job": str(job.id)})
    enqueue(personal_data_rekey, job_id=str(job.id))
    return job


def personal_data_rekey_run(*, job_id: str) -> dict:
    """Idempotent: values already under the newest key are left alone, so a re-run does no harm."""
    done = rewritten = 0
    columns = encrypted_columns()
    total = sum(model._base_manager.count() for model, _names in columns)
    job_progress(job_id=job_id, done=0, total=total)
    for model, names in columns:
        # Cast to plain text reads the ciphertext as stored instead of decrypting it.
        raw = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in names}
        last_pk = None
        while True:
            with transaction.atomic():
                batch_qs = model._base_manager.order_by("pk").select_for_update()
                if last_pk is not None:
                    batch_qs = batch_qs.filter(pk__gt=last_pk)
                batch = list(batch_qs.annotate(**raw).values_list("pk", *raw.keys())[:BATCH_SIZE])
                for pk, *tokens in batch:
                    updates = {
                        name: Value(reencrypt(token), output_field=models.TextField())
                        for name, token in zip(names, tokens, strict=True)
                        if token and not is_under_primary_key(token)
                    }
                    if updates:
                        model._base_manager.filter(pk=pk).update(**updates)
                        rewritten += 1
            if not batch:
                break
            done += len(batch)
            last_pk = batch[-1][0]
            job_progress(job_id=job_id, done=min(done, total), total=total)
    result = {"rows": done, "rewritten": rewritten}
    job_finish(job_id=job_id, result=result, message=_("%(n)d record(s) re-encrypted.") % {"n": rewritten})
    return result
