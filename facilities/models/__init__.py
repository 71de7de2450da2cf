from .coordination import COMMON_DEPARTMENTS, CaseStatus, CaseStep, CaseTopic, CoordinationCase
from .facility import (
    Category,
    ClassType,
    Facility,
    FacilityClass,
    FacilityForm,
    FacilityVersion,
    FilingSequence,
    FilingStatus,
    InsuranceMode,
    Ownership,
    PremisesTenure,
    RegistrationRoute,
    ServiceForm,
    ServiceOffering,
)
from .materials import Material, MaterialKind
from .staff import Education, Person, StaffMember, StaffRole
from .standards import StandardRule

__all__ = [
    "COMMON_DEPARTMENTS",
    "CaseStatus",
    "CaseStep",
    "CaseTopic",
    "Category",
    "ClassType",
    "CoordinationCase",
    "Education",
    "Facility",
    "FacilityClass",
    "FacilityForm",
    "FacilityVersion",
    "FilingSequence",
    "FilingStatus",
    "InsuranceMode",
    "Material",
    "MaterialKind",
    "Ownership",
    "Person",
    "PremisesTenure",
    "RegistrationRoute",
    "ServiceForm",
    "ServiceOffering",
    "StaffMember",
    "StaffRole",
    "StandardRule",
]
