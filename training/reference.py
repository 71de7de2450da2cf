"""Reference data of training: the city's talent awards as labelled defaults.

The amounts and conditions below are *defaults of this portal*, not quotations of a published policy: the
city admin replaces them (a new row with a later `effective_from`) once the policy document is confirmed.
Loaded by a data migration and by tests that flush the database; idempotent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

DEFAULT_SOURCE = "苏州市托育人才奖励（本市默认值，待政策文件确认）"
EFFECTIVE_FROM = date(2024, 1, 1)

AWARD_RULES = [
    {
        "code": "skilled_carer",
        "title": "托育技能人才奖励（保育师/育婴员）",
        "amount": Decimal("2000.00"),
        "conditions": {
            "roles": ["carer", "health_care", "director"],
            "certificate_targets": ["nursery_teacher", "infant_carer"],
            "min_years_at_filed_facility": 2,
        },
    },
    {
        "code": "director_excellence",
        "title": "优秀托育机构负责人奖励",
        "amount": Decimal("5000.00"),
        "conditions": {
            "roles": ["director"],
            "facility_grades": ["A", "B"],
            "no_serious_violation_months": 12,
        },
    },
]


def load_award_rules(AwardRule) -> int:
    """Create the default rules that are missing; return how many were created."""
    created = 0
    for spec in AWARD_RULES:
        _, was_created = AwardRule.objects.get_or_create(
            code=spec["code"],
            effective_from=EFFECTIVE_FROM,
            defaults={
                "title": spec["title"],
                "amount": spec["amount"],
                "conditions": spec["conditions"],
                "source": DEFAULT_SOURCE,
                "is_default": True,
            },
        )
        created += was_created
    return created
