"""Pure rules of the retention schedule and of data-subject requests: no ORM, tested without a database."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta


class Kind:
    """Kinds of record the schedule covers (values stored in `RetentionRule.kind`)."""

    STAFF_OF_CLOSED_FACILITIES = "staff_of_closed_facilities"
    STAFF_DOCUMENTS_OF_CLOSED_FACILITIES = "staff_documents_of_closed_facilities"
    COMPLAINANT_CONTACTS = "complainant_contacts"
    INCIDENT_DETAILS = "incident_details"


class Basis:
    """The date a period is counted from."""

    FACILITY_CLOSED_ON = "facility_closed_on"
    COMPLAINT_CLOSED_ON = "complaint_closed_on"
    INCIDENT_OCCURRED_ON = "incident_occurred_on"


class Action:
    PURGE = "purge"
    ANONYMISE = "anonymise"


class Unit:
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


# What each kind is counted from and which actions make sense for it. Staff rows, complaints and incidents
# are counted in the statistics, so they are anonymised (the row stays); a scan cannot be anonymised.
KIND_SPECS: dict[str, dict] = {
    Kind.STAFF_OF_CLOSED_FACILITIES: {"basis": Basis.FACILITY_CLOSED_ON, "actions": (Action.ANONYMISE,)},
    Kind.STAFF_DOCUMENTS_OF_CLOSED_FACILITIES: {"basis": Basis.FACILITY_CLOSED_ON, "actions": (Action.PURGE,)},
    Kind.COMPLAINANT_CONTACTS: {"basis": Basis.COMPLAINT_CLOSED_ON, "actions": (Action.ANONYMISE,)},
    Kind.INCIDENT_DETAILS: {"basis": Basis.INCIDENT_OCCURRED_ON, "actions": (Action.ANONYMISE,)},
}

# Marks the blind index of a person whose ID number was removed: unique (the column is), and not a hash of
# anything, so the person can no longer be found by their ID number.
ANONYMISED_INDEX_PREFIX = "anonymised:"
SCRUBBED = "***"


def cutoff_date(today: date, *, value: int, unit: str) -> date:
    """The last basis date whose period has run out by `today`.

    A record closed on the cutoff date itself is due: a period of 3 years from 2021-05-10 has elapsed on
    2024-05-10. Months and years follow the calendar (from 2024-02-29, one year runs out on 2025-02-28).
    """
    if value < 1:
        raise ValueError("A retention period is at least 1.")
    if unit == Unit.DAYS:
        return today - relativedelta(days=value)
    if unit == Unit.MONTHS:
        return today - relativedelta(months=value)
    if unit == Unit.YEARS:
        return today - relativedelta(years=value)
    raise ValueError(f"Unknown unit {unit!r}.")


def is_due(basis_on: date | None, *, cutoff: date) -> bool:
    """A record with no basis date (a facility still open) is never due."""
    return basis_on is not None and basis_on <= cutoff


def action_allowed(kind: str, action: str) -> bool:
    spec = KIND_SPECS.get(kind)
    return spec is not None and action in spec["actions"]


def normalise_phone(value: str) -> str:
    """Digits only, without the country code: `+86 138-0000-0000` -> `13800000000`."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalise_name(value: str) -> str:
    return re.sub(r"\s+", "", value or "")


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every occurrence of each secret (a name, a telephone number) replaced by stars.

    Longer secrets first, so a name that contains another is replaced whole. Empty secrets are ignored.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, SCRUBBED)
    return text
