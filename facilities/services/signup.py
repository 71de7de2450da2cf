"""An operator signs up with their facility: the account and the facility's draft filing, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.accounts.services import account_create
from suzhou_childcare.errors import ValidationFailed

from ..models import Facility, FilingStatus
from .records import facility_create


@transaction.atomic
def operator_sign_up(
    *, username: str, password: str, full_name: str, email: str, facility: dict
) -> tuple[User, Facility]:
    """Create the operator's account and their facility's draft; any error rolls back both.

    A credit code is public, so knowing one proves nothing: a facility the unit already entered is never taken
    up by a sign-up. Its operator asks the unit, whose officer links the account (`facility_link_operator`).
    """
    uscc = (facility.get("uscc") or "").strip().upper()
    if uscc and Facility.objects.filter(uscc=uscc, filing_status=FilingStatus.KNOWN).exists():
        raise ValidationFailed(
            fields={
                "uscc": [
                    _(
                        "The health department of your county-level unit has already entered this facility. "
                        "Ask it to link your account to the facility."
                    )
                ]
            },
            code="known_facility",
        )
    user = account_create(username=username, role=Role.OPERATOR, password=password, full_name=full_name, email=email)
    if not (facility.get("name") or "").strip():
        raise ValidationFailed(fields={"name": [_("Enter the facility's name.")]})
    return user, facility_create(actor=user, data=facility)
