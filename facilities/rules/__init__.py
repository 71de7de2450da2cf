"""Pure domain rules of the facilities app: plain functions over plain values, no ORM, tested without a database.

`filing` says what blocks a submission (completeness, format); `standards` what falls short of the setting
standards (warnings that ground a 不符合告知). Both read the values in `facts`.
"""

from .facts import (
    ClassFacts,
    FacilityFacts,
    Finding,
    MaterialFacts,
    RuleValue,
    StaffFacts,
    Standards,
    choice_label,
    standards_from_rows,
)
from .filing import (
    REQUIRED_MATERIALS,
    USCC_PREFIX_BY_ROUTE,
    completeness_findings,
    required_material_kinds,
    uscc_problem,
)
from .standards import required_health_staff, standards_findings

__all__ = [
    "REQUIRED_MATERIALS",
    "USCC_PREFIX_BY_ROUTE",
    "ClassFacts",
    "FacilityFacts",
    "Finding",
    "MaterialFacts",
    "RuleValue",
    "StaffFacts",
    "Standards",
    "choice_label",
    "completeness_findings",
    "required_health_staff",
    "required_material_kinds",
    "standards_findings",
    "standards_from_rows",
    "uscc_problem",
]
