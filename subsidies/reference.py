"""The subsidy rule sets the portal ships with (labelled defaults where no public text gives the figure).

Sources: Suzhou reported ¥300–800 per slot per month for filed socially-run facilities whose fees do not exceed
the inclusive standard (commission director, 2022-01 press conference); ¥10,000 per new slot (Suzhou
construction subsidy); ¥10,000 per new inclusive slot (发改社会〔2019〕1606号, national special action);
one-time awards for brand chains and for facilities enrolling 150+ infants (amounts not published). The tiers
below, the supplement, the deduction and the award amounts are the city's editable defaults. County-level cities
pay yearly from their own budgets; districts monthly with the city's approval.
"""

from __future__ import annotations

from datetime import date

SOURCE = (
    "苏州市卫健委2022年1月新闻发布会（托位运营补助每月300–800元/托位）；发改社会〔2019〕1606号（新增普惠托位1万元）；"
    "金额分档为本市默认值"
)

DEFAULT_TERMS = {
    "eligibility": {
        "require_filed": True,
        "categories": ["social"],
        "fee_within_reference": True,
        "recognitions_any": [],
        "min_occupancy_percent": None,
    },
    "basis": "enrolled",
    "base_rates": [
        {"recognition": None, "amount": "300.00"},
        {"recognition": "municipal_inclusive", "amount": "500.00"},
        {"recognition": "provincial_inclusive", "amount": "600.00"},
        {"recognition": "municipal_model", "amount": "700.00"},
        {"recognition": "provincial_model", "amount": "800.00"},
    ],
    "class_supplements": {"infant": "100.00"},
    "recognition_supplements": {},
    "deductions": {"serious_violation_share": "0.20", "per_decided_penalty_share": "0.00"},
    "caps": {"per_facility_month": None, "per_slot_month": "800.00"},
    "report_deadline_working_days": 5,
    "awards": [
        {"code": "construction_slot", "per_slot": "10000.00"},
        {
            "code": "inclusive_new_slot",
            "per_slot": "10000.00",
            "recognitions_any": ["municipal_inclusive", "provincial_inclusive"],
        },
        {"code": "large_enrolment", "amount": "50000.00", "min_enrolled": 150},
        {"code": "brand_chain", "amount": "100000.00", "min_sites": 3},
    ],
}

EFFECTIVE = date(2021, 1, 1)
COUNTY_LEVEL_CITIES = ("320581", "320582", "320583", "320585")


def load_subsidy_reference(RuleSet) -> None:
    """The city-wide default (monthly, unit then city approval) and the county-level cities' own (yearly)."""
    RuleSet.objects.get_or_create(
        district_id=None,
        effective_from=EFFECTIVE,
        status="active",
        defaults={
            "edition": "苏州市托位运营补助（默认）2021",
            "payment_period": "monthly",
            "approval_chain": ["district_officer", "city_admin"],
            "terms": DEFAULT_TERMS,
            "source": SOURCE,
            "is_default": True,
        },
    )
    for code in COUNTY_LEVEL_CITIES:
        RuleSet.objects.get_or_create(
            district_id=code,
            effective_from=EFFECTIVE,
            status="active",
            defaults={
                "edition": f"{code} 托位运营补助（默认，本级财政按年拨付）2021",
                "payment_period": "yearly",
                "approval_chain": ["district_officer"],
                "terms": DEFAULT_TERMS,
                "source": SOURCE + "；县级市按年由本级财政拨付",
                "is_default": True,
            },
        )
