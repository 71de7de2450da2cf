"""The indicator catalogue the portal ships with (loaded by a migration, reloaded by the test fixtures).

Each row: code, Chinese name, English name, formula, unit, source app. Rates are percentages of their
denominator; `slots_per_thousand` is 每千人口拥有3岁以下婴幼儿托位数 = slots ÷ resident population × 1,000.
"""

from __future__ import annotations

from datetime import date

FORMS = {
    "standalone": ("独立设置", "standalone"),
    "community_embedded": ("社区嵌入式", "community-embedded"),
    "employer": ("用人单位办托", "employer-run"),
    "comprehensive_center": ("托育综合服务中心", "comprehensive service centre"),
    "family_point": ("家庭托育点", "family childcare point"),
}

CATALOGUE: list[tuple[str, str, str, str, str, str]] = [
    (
        "facilities",
        "托育机构数",
        "Facilities operating",
        "count of facilities operating at the month's end",
        "count",
        "facilities",
    ),
    (
        "facilities_kindergarten_class",
        "幼儿园托班数",
        "Kindergarten nursery classes",
        "facilities of category kindergarten_class",
        "count",
        "facilities",
    ),
    (
        "facilities_social",
        "社会办托育机构数",
        "Socially-run facilities",
        "facilities of category social",
        "count",
        "facilities",
    ),
    *[
        (
            f"facilities_form_{form}",
            f"{zh}机构数",
            f"Facilities: {en}",
            f"facilities of form {form}",
            "count",
            "facilities",
        )
        for form, (zh, en) in FORMS.items()
    ],
    (
        "facilities_filed",
        "已备案机构数",
        "Filed facilities",
        "facilities whose filing is recorded (filed, verified, non-conforming notified, change pending)",
        "count",
        "facilities",
    ),
    ("filing_rate", "备案率", "Filing rate", "filed facilities ÷ facilities operating × 100", "percent", "facilities"),
    ("slots", "托位数", "Slots", "sum of slots of facilities operating", "count", "facilities"),
    ("enrolled", "在托婴幼儿数", "Infants enrolled", "sum of enrolled infants", "persons", "facilities"),
    ("occupancy_rate", "托位使用率", "Occupancy rate", "enrolled ÷ slots × 100", "percent", "facilities"),
    (
        "staff",
        "从业人员数",
        "Staff",
        "staff employed at the month's end in facilities operating",
        "persons",
        "facilities",
    ),
    (
        "staff_kindergarten_class",
        "幼儿园托班从业人员数",
        "Staff of kindergarten nursery classes",
        "staff of kindergarten_class facilities",
        "persons",
        "facilities",
    ),
    (
        "staff_social",
        "社会办机构从业人员数",
        "Staff of socially-run facilities",
        "staff of social facilities",
        "persons",
        "facilities",
    ),
    (
        "population",
        "常住人口",
        "Resident population",
        "latest population figure at or before the year; the city's is the sum of its units'",
        "persons",
        "regions",
    ),
    (
        "slots_per_thousand",
        "每千人口托位数",
        "Slots per 1,000 residents",
        "slots ÷ resident population × 1,000",
        "per_thousand",
        "facilities",
    ),
    (
        "recognitions_provincial_inclusive",
        "省级普惠托育机构数",
        "Provincial inclusive recognitions",
        "recognitions in force at the month's end",
        "count",
        "facilities",
    ),
    (
        "recognitions_provincial_model",
        "省级示范托育机构数",
        "Provincial model recognitions",
        "recognitions in force at the month's end",
        "count",
        "facilities",
    ),
    (
        "recognitions_municipal_inclusive",
        "市级普惠托育机构数",
        "Municipal inclusive recognitions",
        "recognitions in force at the month's end",
        "count",
        "facilities",
    ),
    (
        "recognitions_municipal_model",
        "市级示范托育机构数",
        "Municipal model recognitions",
        "recognitions in force at the month's end",
        "count",
        "facilities",
    ),
    (
        "inclusive_slots_share",
        "普惠托位占比",
        "Share of slots in inclusive facilities",
        "slots of facilities with an inclusive recognition in force ÷ slots × 100",
        "percent",
        "facilities",
    ),
    (
        "streets_with_inclusive_facility_share",
        "有普惠托育机构的街道（镇）占比",
        "Streets/towns with an inclusive facility",
        "streets/towns with ≥ 1 inclusive facility ÷ streets/towns entered × 100",
        "percent",
        "facilities",
    ),
    (
        "subsidies_paid",
        "运营补助拨付金额",
        "Operating subsidies paid",
        "statements of the month in paid batches, yuan",
        "yuan",
        "subsidies",
    ),
    (
        "inspection_coverage",
        "监督检查覆盖率",
        "Inspection coverage",
        "facilities with a completed inspection in the 12 months to the month's end ÷ facilities operating × 100",
        "percent",
        "inspections",
    ),
    (
        "rectifications_overdue",
        "逾期未整改数",
        "Rectification orders overdue",
        "orders open past their deadline at the month's end",
        "count",
        "inspections",
    ),
    ("penalties", "行政处罚数", "Penalties decided", "penalties decided in the month", "count", "inspections"),
    (
        "self_inspection_rate",
        "自查率",
        "Self-inspection rate",
        "facilities with a self-inspection for the month's quarter ÷ facilities operating × 100",
        "percent",
        "inspections",
    ),
    (
        "training_compliance_rate",
        "从业人员培训达标率",
        "Staff training compliance rate",
        "facilities whose staff meet every training requirement ÷ facilities checked × 100"
        " (current month only: no history is kept)",
        "percent",
        "training",
    ),
    (
        "safety_equipment_compliance_rate",
        "安全设施达标率",
        "Safety equipment compliance rate",
        "facilities with surveillance of infants' areas, one-click alarm and infant accident insurance"
        " ÷ facilities operating × 100 (current month only)",
        "percent",
        "facilities",
    ),
    (
        "guidance_sessions",
        "示范带动活动次数",
        "Guidance sessions of model facilities",
        "guidance activities held in the month",
        "count",
        "facilities",
    ),
]

TARGETS = {
    "inclusive_facilities_built": ("普惠托育机构建设任务完成率", "Completion: inclusive facilities built"),
    "model_facilities": ("市级示范托育机构任务完成率", "Completion: municipal model facilities"),
    "streets_with_inclusive_share": (
        "街道（镇）普惠托育覆盖任务完成率",
        "Completion: streets/towns with an inclusive facility",
    ),
    "slots_per_thousand": ("每千人口托位数任务完成率", "Completion: slots per 1,000 residents"),
}
CATALOGUE += [
    (
        f"target_completion_{indicator}",
        zh,
        en,
        "actual ÷ the year's target × 100 (targets set by the city admin; the city's own target for the city)",
        "percent",
        "facilities",
    )
    for indicator, (zh, en) in TARGETS.items()
]

EFFECTIVE = date(2019, 1, 1)


def load_catalogue(Indicator) -> None:
    for position, (code, zh, en, formula, unit, source) in enumerate(CATALOGUE):
        Indicator.objects.get_or_create(
            code=code,
            effective_from=EFFECTIVE,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "formula": formula,
                "unit": unit,
                "source_app": source,
                "position": position,
            },
        )


CODES = [row[0] for row in CATALOGUE]
UNITS = {row[0]: row[4] for row in CATALOGUE}
