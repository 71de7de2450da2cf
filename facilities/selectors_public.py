"""Reads for the public, who have no account: the portal's only unscoped reads of facilities.

Everything else goes through `facilities.selectors`, scoped to the user. What is read here is limited,
field by field, to what the public page shows: registration data that is public anyway (name, unit,
unified social credit code) and the filing's own facts. Never operators, staff, addresses of people,
ID numbers, phones, the officer's reasons or materials.
"""

from __future__ import annotations

from suzhou_childcare.errors import NotFound

from .models import Facility, FilingStatus

# A filing in force verifies with its status, non-conformity included (the notice is public, 25号文);
# a cancelled filing verifies as cancelled, so an old 回执 cannot pass for a valid one.
PUBLIC_FILING_STATUSES = frozenset(
    {
        FilingStatus.FILED,
        FilingStatus.VERIFIED,
        FilingStatus.NONCONFORMING,
        FilingStatus.CHANGE_PENDING,
        FilingStatus.CANCELLED,
        # A number keeps verifying while a non-conforming facility's corrections are reviewed.
        FilingStatus.SUBMITTED,
        FilingStatus.DRAFT,
    }
)

PUBLIC_FIELDS = (
    "name",
    "uscc",
    "filing_number",
    "filing_status",
    "filed_on",
    "cancelled_on",
    "district__code",
    "district__name",
)


def filing_public_get(*, filing_number: str) -> Facility:
    """The filing (备案) with this number, for the public verification page; `NotFound` otherwise.

    Unscoped on purpose, and the only such read: anyone holding a 回执 may check it. Only the fields in
    `PUBLIC_FIELDS` are loaded; touching any other field on the result is a mistake (it would cost a query
    and could leak data onto a public page).
    """
    facility = (
        Facility.objects.filter(filing_number=filing_number, filing_status__in=PUBLIC_FILING_STATUSES)
        .select_related("district")
        .only(*PUBLIC_FIELDS)
        .first()
    )
    if facility is None:
        raise NotFound
    return facility
