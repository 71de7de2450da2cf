"""Reading complaints: scoped by the complaint's county-level unit (a foreign complaint is a 404), and the
public status of one by its tracking code.

Lists never load the complainant's contact (deferred, so it is not even decrypted); details carry it for
masking; the public status is the status and the reply date, nothing of the content.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from django.db.models import QuerySet

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import NotFound
from suzhou_childcare.permissions import scope_to_jurisdiction

from ..models import Complaint, ComplaintStatus, Inspection, InspectionKind
from .scope import scoped

TRACKING_CODE_MAX = Complaint._meta.get_field("tracking_code").max_length
# Never loaded for a list: the contact (personal data) and the long texts.
LIST_DEFERRED = ("complainant_name", "complainant_phone", "description", "reply")


def complaint_scope_for(*, user) -> QuerySet[Complaint]:
    """Complaints of the user's unit (officers and inspectors), all of them for the city's roles."""
    return scope_to_jurisdiction(Complaint.objects.all(), user=user, district_field="district")


def complaint_list_for(*, user, status: str | None = None) -> QuerySet[Complaint]:
    """Complaints the user may see, newest first, in a constant number of queries."""
    qs = complaint_scope_for(user=user).select_related("district", "facility").defer(*LIST_DEFERRED)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-received_at", "-id")


def complaint_get_for(*, user, pk) -> Complaint:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    complaint = (
        complaint_scope_for(user=user)
        .select_related("district", "facility", "inspection", "handled_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise NotFound
    return complaint


def complaint_inspections_for(*, user, complaint: Complaint) -> QuerySet[Inspection]:
    """Complaint inspections of the complaint's facility that the user may see (to link one)."""
    if complaint.facility_id is None:
        return Inspection.objects.none()
    return (
        scoped(Inspection.objects.all(), user=user)
        .filter(facility_id=complaint.facility_id, kind=InspectionKind.COMPLAINT)
        .order_by("-inspected_on", "-id")
    )


class PublicStatus(TypedDict):
    tracking_code: str
    status: str
    status_label: str
    replied_on: date | None


def normalise_tracking_code(raw: str) -> str:
    return "".join(str(raw or "").split()).upper()[:TRACKING_CODE_MAX]


def complaint_public_status(*, tracking_code: str) -> PublicStatus | None:
    """What the complainant may see without an account: the status and the reply date, nothing else."""
    code = normalise_tracking_code(tracking_code)
    if not code:
        return None
    row = Complaint.objects.filter(tracking_code=code).values("tracking_code", "status", "replied_on").first()
    if row is None:
        return None
    return {
        "tracking_code": row["tracking_code"],
        "status": row["status"],
        "status_label": str(ComplaintStatus(row["status"]).label),
        "replied_on": row["replied_on"],
    }


def mask_name(name: str) -> str:
    """`王小明` -> `王**`. (`mask_identifier` cannot keep nothing at the end: `value[-0:]` is all of it.)"""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*" * len(name)


def complaint_contact_masked(complaint: Complaint) -> dict[str, str]:
    """The contact as staff see it by default: the family name only, the telephone's first 3 and last 4."""
    return {
        "complainant_name": mask_name(complaint.complainant_name),
        "complainant_phone": mask_identifier(complaint.complainant_phone, keep_start=3, keep_end=4),
    }
