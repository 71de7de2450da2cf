"""Set-up for subsidy tests: the issue's worked example facility and rule set."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from facilities import services as facility_services
from facilities.models import (
    ClassType,
    CriteriaSet,
    FacilityVersion,
    FeeReference,
    Recognition,
    ServiceOffering,
)
from inspections.models import Penalty
from subsidies.models import RuleSet
from subsidies.services.reports import report_submit

from ..facilities.factories import complete_draft

MAY = date(2026, 5, 1)
EXAMPLE_TERMS = {
    "eligibility": {
        "categories": ["social"],
        "recognitions_any": ["municipal_inclusive"],
        "fee_within_reference": True,
    },
    "basis": "enrolled",
    "base_rates": [{"recognition": "municipal_inclusive", "amount": "500.00"}],
    "class_supplements": {"infant": "100.00"},
    "deductions": {"serious_violation_share": "0.20"},
}


def example_rule_set(district_code: str = "320508", **overrides) -> RuleSet:
    values = {
        "district_id": district_code,
        "edition": "工作示例 2026",
        "effective_from": date(2026, 1, 1),
        "status": "active",
        "terms": EXAMPLE_TERMS,
        "payment_period": "monthly",
        "approval_chain": ["district_officer", "city_admin"],
        "source": "issue #8 worked example",
    }
    values.update(overrides)
    return RuleSet.objects.create(**values)


def example_facility(
    operator, officer, *, fee: str = "2200.00", name: str = "苏州示例托育中心", district_code="320508"
):
    """Social, filed, municipal inclusive, fee ¥2,200 against a ¥2,500 reference; classes for 6/12/18 infants."""
    facility = complete_draft(operator, name=name, district_code=district_code, opened_on=date(2025, 9, 1), slots=50)
    facility_services.facility_class_set(
        actor=operator, facility=facility, class_type=ClassType.TODDLER, capacity=15, enrolled=12, carers=3
    )
    facility_services.facility_class_set(
        actor=operator, facility=facility, class_type=ClassType.OLDER, capacity=20, enrolled=18, carers=3
    )
    facility_services.facility_submit(actor=operator, facility=facility)
    facility = facility_services.facility_record(actor=officer, facility=facility)
    # Set-up: the facility has stood as filed since it opened (its history is one version).
    FacilityVersion.objects.filter(facility=facility, valid_to__isnull=False).delete()
    FacilityVersion.objects.filter(facility=facility).update(valid_from=date(2025, 9, 1))
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(monthly_fee=Decimal(fee))
    FeeReference.objects.update_or_create(
        district_id=district_code, year=2026, defaults={"full_day_monthly_fee": Decimal("2500.00"), "source": "例"}
    )
    Recognition.objects.create(
        facility=facility,
        kind="municipal_inclusive",
        number=f"MI-2026-{facility.pk:04d}",
        valid_from=date(2026, 1, 1),
        valid_to=date(2029, 1, 1),
        granted_on=date(2026, 1, 1),
        criteria_set=CriteriaSet.objects.filter(kind="municipal_inclusive").first(),
    )
    return facility


def may_report(operator, facility, *, infants=6, toddlers=12, older=18, reason=""):
    return report_submit(
        actor=operator,
        facility=facility,
        period=MAY,
        lines=[
            {"class_type": "infant", "enrolled": infants, "attendance_days": infants * 20, "carers": 2},
            {"class_type": "toddler", "enrolled": toddlers, "attendance_days": toddlers * 20, "carers": 3},
            {"class_type": "older", "enrolled": older, "attendance_days": older * 20, "carers": 3},
        ],
        correction_reason=reason,
    )


def serious_penalty_in_may(facility, decider, proposer):
    return Penalty.objects.create(
        facility=facility,
        kind="suspension",
        amount=Decimal("60000.00"),
        facts="示例",
        legal_basis="人口与计划生育法（2021）第四十一条",
        status="decided",
        proposed_by=proposer,
        proposed_on=date(2026, 5, 10),
        decided_by=decider,
        decided_on=date(2026, 5, 20),
        decision_number="姑卫罚〔2026〕9号",
    )
