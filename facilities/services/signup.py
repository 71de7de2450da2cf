"""An operator signs up with their facility: the account and the facility's draft filing, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.accounts.services import account_create
from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.errors import ValidationFailed

from ..models import Facility, FilingStatus
from .filing import facility_start_draft
from .records import facility_create


@transaction.atomic
def operator_sign_up(
    *, username: str, password: str, full_name: str, email: str, facility: dict
) -> tuple[User, Facility]:
    """Create the operator's account and their facility's draft.

    When the unit already knows the facility (status `known`, the same credit code in the same unit, nobody
    running it on the portal yet), the account takes it up and its filing starts; otherwise a new draft.
    Any error rolls back both, so a refused sign-up leaves no account behind.
    """
    user = account_create(username=username, role=Role.OPERATOR, password=password, full_name=full_name, email=email)
    uscc = (facility.get("uscc") or "").strip().upper()
    district = facility.get("district")
    known = (
        Facility.objects.select_for_update(of=("self",))
        .filter(uscc=uscc, district=district, filing_status=FilingStatus.KNOWN, operators__isnull=True)
        .first()
        if uscc
        else None
    )
    if known is not None:
        known.operators.add(user)
        audit_record(actor=user, action="facility.taken_up", target=known, after={"operator": user.username})
        return user, facility_start_draft(actor=user, facility=known)
    if not (facility.get("name") or "").strip():
        raise ValidationFailed(fields={"name": [_("Enter the facility's name.")]})
    return user, facility_create(actor=user, data=facility)
