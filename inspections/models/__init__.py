from .assessments import AssessmentScheme, QualityAssessment
from .penalties import Penalty, PenaltyKind, PenaltyRule, PenaltyStatus
from .planning import InspectionPlan, PlanTarget
from .records import (
    ChecklistItem,
    Evidence,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    OrderStatus,
    RectificationDeadlineRule,
    RectificationOrder,
    Weight,
)

__all__ = [
    "AssessmentScheme",
    "ChecklistItem",
    "Evidence",
    "Finding",
    "Inspection",
    "InspectionKind",
    "InspectionPlan",
    "InspectionStatus",
    "ItemResult",
    "OrderStatus",
    "Penalty",
    "PenaltyKind",
    "PenaltyRule",
    "PenaltyStatus",
    "PlanTarget",
    "QualityAssessment",
    "RectificationDeadlineRule",
    "RectificationOrder",
    "Weight",
]
