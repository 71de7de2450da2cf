"""The recognition criteria, fee references and city targets the portal ships with.

Sources: 发改价格〔2024〕1477号 (inclusive facilities are recognised and published by an authority at county
level or above; socially-run inclusive facilities keep their base fee within a locally set reference, fixed
by agreement), 苏府办〔2021〕182号 and the Suzhou opinions on the targets, WS/T 821—2023 (quality grades).
The model criteria and the fee reference amounts are not published: they ship as labelled local defaults
that the city admin replaces with new versions. `load_recognition_reference` is idempotent; the migration
and the test fixtures call it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

PRICE_1477 = "国家发展改革委等《关于完善托育服务价格政策的通知》（发改价格〔2024〕1477号）"
FILING_25 = "托育机构登记和备案办法（试行）（国卫办人口发〔2019〕25号）"
SUZHOU_182 = "苏州市促进3岁以下婴幼儿照护服务高质量发展的实施意见（苏府办〔2021〕182号）"
QUALITY_821 = "托育机构质量评估标准（WS/T 821—2023）"
LOCAL = "本市默认认定条件（未见公开文本，可由市卫健委修订）"

INCLUSIVE_CRITERIA = [
    {"check_code": "filed", "clause": "普惠托育机构应依法登记备案", "source": FILING_25},
    {
        "check_code": "full_day_fee_within_reference",
        "clause": "社会办普惠托育机构基本保育费在当地参考标准范围内",
        "source": PRICE_1477,
    },
    {
        "check_code": "support_agreement_signed",
        "clause": "与卫生健康部门签订普惠托育服务协议，收费以协议约定",
        "source": PRICE_1477,
    },
    {
        "check_code": "no_serious_violation",
        "params": {"months": 12},
        "clause": "近12个月内无严重违法违规行为（重大行政处罚）",
        "source": LOCAL,
        "is_default": True,
    },
]

MODEL_CRITERIA_2021 = [
    {
        "check_code": "inclusive_or_filed_years",
        "params": {"years": 2},
        "clause": "已认定为普惠托育机构，或备案满2年",
        "source": LOCAL,
        "is_default": True,
    },
    {
        "check_code": "no_serious_violation",
        "params": {"months": 12},
        "clause": "近12个月内无严重违法违规行为",
        "source": LOCAL,
        "is_default": True,
    },
    {
        "check_code": "training_compliant",
        "clause": "从业人员培训、考核和证书符合要求",
        "source": LOCAL,
        "is_default": True,
    },
    {
        "check_code": "guidance_duties_accepted",
        "clause": "承担示范带动职责（结对帮扶、开放日、家庭养育指导、社区课堂）",
        "source": SUZHOU_182,
        "is_default": True,
    },
]

MODEL_CRITERIA_2026 = [
    *MODEL_CRITERIA_2021[:1],
    {
        "check_code": "quality_grade",
        "params": {"grades": ["A", "B"]},
        "clause": "最近一次质量评估等级为A级或B级",
        "source": QUALITY_821,
        "is_default": True,
    },
    *MODEL_CRITERIA_2021[1:],
]

CRITERIA_SETS = [
    # kind, edition, effective_from, effective_to, criteria, note
    ("provincial_inclusive", "2021", date(2021, 1, 1), None, INCLUSIVE_CRITERIA, ""),
    ("municipal_inclusive", "2021", date(2021, 1, 1), None, INCLUSIVE_CRITERIA, ""),
    ("provincial_model", "2021", date(2021, 1, 1), date(2026, 1, 1), MODEL_CRITERIA_2021, ""),
    ("municipal_model", "2021", date(2021, 1, 1), date(2026, 1, 1), MODEL_CRITERIA_2021, ""),
    (
        "provincial_model",
        "2026",
        date(2026, 1, 1),
        None,
        MODEL_CRITERIA_2026,
        "Adds the WS/T 821—2023 grade once every facility has been through its first assessment cycle.",
    ),
    (
        "municipal_model",
        "2026",
        date(2026, 1, 1),
        None,
        MODEL_CRITERIA_2026,
        "Adds the WS/T 821—2023 grade once every facility has been through its first assessment cycle.",
    ),
]

# Full-day fee reference, yuan a month, for 2021; +100 a year after (local defaults, not published).
FEE_REFERENCE_2021 = {
    "320505": 3200,
    "320506": 3000,
    "320507": 2800,
    "320508": 3500,
    "320509": 2800,
    "320571": 3800,
    "320581": 2600,
    "320582": 2600,
    "320583": 3000,
    "320585": 2600,
}
FEE_REFERENCE_YEARS = range(2021, 2036)

CITY_TARGETS = [
    # indicator, year, from_year, value, source
    ("inclusive_facilities_built", 2021, None, Decimal(30), "2021年苏州市政府民生实事项目：新建30家普惠性托育机构"),
    ("model_facilities", 2025, 2021, Decimal(50), "苏州市“十四五”期间建成市级示范性托育机构不少于50家"),
    ("slots_per_thousand", 2025, None, Decimal("4.5"), "到2025年每千人口拥有3岁以下婴幼儿托位数4.5个"),
    ("streets_with_inclusive_share", 2025, None, Decimal(100), "到2025年每个街道（镇）至少有1家普惠托育机构"),
]


def load_recognition_reference(CriteriaSet, Criterion, FeeReference, DevelopmentTarget) -> None:
    """Seed the shipped criteria sets, fee references and city targets (idempotent; never overwrites)."""
    for kind, edition, start, end, criteria, note in CRITERIA_SETS:
        criteria_set, created = CriteriaSet.objects.get_or_create(
            kind=kind,
            effective_from=start,
            status="active",
            defaults={
                "edition": edition,
                "effective_to": end,
                "source": f"{PRICE_1477}；{SUZHOU_182}",
                "is_default": True,
                "note": note,
            },
        )
        if created:
            for position, spec in enumerate(criteria):
                Criterion.objects.create(
                    criteria_set=criteria_set,
                    position=position,
                    check_code=spec["check_code"],
                    params=spec.get("params", {}),
                    clause=spec["clause"],
                    source=spec["source"],
                    is_default=spec.get("is_default", False),
                )
    for code, fee in FEE_REFERENCE_2021.items():
        for year in FEE_REFERENCE_YEARS:
            FeeReference.objects.get_or_create(
                district_id=code,
                year=year,
                defaults={
                    "full_day_monthly_fee": Decimal(fee + 100 * (year - 2021)),
                    "source": "本市默认参考标准（未见公开文本，以各地发改、卫健部门公布为准）",
                    "is_default": True,
                },
            )
    for indicator, year, from_year, value, source in CITY_TARGETS:
        DevelopmentTarget.objects.get_or_create(
            district=None,
            year=year,
            indicator=indicator,
            defaults={"from_year": from_year, "value": value, "source": source},
        )
