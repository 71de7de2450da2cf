"""Uploading filing materials: type from the content, size capped, stored through the storage API."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, ValidationFailed

from ..models import Facility, FilingStatus, Material, MaterialKind
from . import lifecycle
from .records import require_role_on

# Magic numbers: the content decides the type, not the name or the browser's claim.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
UPLOAD_STATES = frozenset(
    {FilingStatus.KNOWN, FilingStatus.DRAFT, FilingStatus.NONCONFORMING, FilingStatus.CHANGE_PENDING}
)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


@transaction.atomic
def material_upload(
    *, actor: User, facility: Facility, kind: str, upload: UploadedFile, expires_on: date | None = None
) -> Material:
    require_role_on(facility, actor, roles=lifecycle.OPERATOR | lifecycle.OFFICER)
    if facility.filing_status not in UPLOAD_STATES:
        raise Conflict(_("Materials can only be added while the filing is being prepared or changed."))
    if actor.role == Role.DISTRICT_OFFICER and facility.filing_status != FilingStatus.KNOWN:
        raise Conflict(_("The operator adds the materials of a filing in preparation."))
    errors: dict[str, list[str]] = {}
    if kind not in MaterialKind.values:
        errors["kind"] = [_("Choose the kind of material.")]
    limit = settings.MATERIAL_MAX_BYTES
    if upload.size is None or upload.size == 0:
        errors["file"] = [_("The file is empty.")]
    elif upload.size > limit:
        errors["file"] = [
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": limit // 1048576}
        ]
    content_type = None
    if "file" not in errors:
        upload.seek(0)
        content_type = sniff_content_type(upload.read(16))
        upload.seek(0)
        if content_type is None:
            errors["file"] = [_("Only PDF, JPEG and PNG files are accepted.")]
    if errors:
        raise ValidationFailed(fields=errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    material = Material(
        facility=facility,
        kind=kind,
        original_name=(upload.name or "upload")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        expires_on=expires_on,
        uploaded_by=actor,
    )
    material.file.save(upload.name or "upload", upload, save=False)
    try:
        material.save()
        audit_record(actor=actor, action="facility.material_upload", target=facility, after=audit_snapshot(material))
    except Exception:
        # The row did not make it: the stored file must not outlive it.
        material.file.storage.delete(material.file.name)
        raise
    return material
