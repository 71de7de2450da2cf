"""Reference data of supervision: deadline table, penalty ranges, the quality assessment scheme.

Loaded by the data migration (with historical models) and after a flush in tests. Figures not found in a
public text are marked as defaults and edited by the city admin as new versions.
"""

from datetime import date
from decimal import Decimal

ART_41 = "人口与计划生育法（2021）第四十一条"

DEADLINE_RULES = [
    # weight, working days: the city's default table (not found in a national text), editable.
    ("serious", 3),
    ("moderate", 10),
    ("minor", 20),
]
DEADLINE_SOURCE = "苏州市卫生健康委 默认整改时限（本市默认值，可调整）"

PENALTY_RULES = [
    ("warning", None, None, False, f"{ART_41}：责令改正，给予警告"),
    ("fine", Decimal("5000"), Decimal("50000"), False, f"{ART_41}：拒不改正的，处五千元以上五万元以下的罚款"),
    (
        "suspension",
        Decimal("50000"),
        Decimal("100000"),
        True,
        f"{ART_41}：情节严重的，责令停止托育服务，并处五万元以上十万元以下的罚款",
    ),
    (
        "lifetime_ban",
        None,
        None,
        True,
        f"{ART_41}：虐待婴幼儿的，对直接负责的主管人员和其他直接责任人员终身禁止从事婴幼儿照护服务",
    ),
]

SCHEME = {
    "edition": "WS/T 821—2023",
    "effective_from": date(2024, 4, 1),
    "dimensions": {
        "conditions": {"label": "办托条件", "max": 100},
        "workforce": {"label": "托育队伍", "max": 140},
        "care": {"label": "保育照护", "max": 200},
        "health": {"label": "卫生保健", "max": 210},
        "parenting_support": {"label": "养育支持", "max": 80},
        "safety": {"label": "安全保障", "max": 200},
        "management": {"label": "机构管理", "max": 70},
    },
    # Thresholds were not found in a public text: labelled city defaults.
    "grade_thresholds": [["A", 900], ["B", 750], ["C", 600], ["D", 0]],
    "veto_items": {
        "abuse": "发生虐待、伤害婴幼儿事件",
        "major_accident": "发生重大安全责任事故",
        "not_filed": "未按规定备案",
        "food_poisoning": "发生食物中毒等群体性健康事件并负有责任",
        "false_materials": "提供虚假材料",
    },
    "source": "WS/T 821—2023 托育机构质量评估标准（2024-04-01施行）；等级分数线为本市默认值",
    "thresholds_are_default": True,
}


INCIDENT_RULES = [
    # kind, hours: the city's defaults (not found in a national text), editable.
    ("injury", 2),
    ("infectious_cluster", 2),
    ("alarm", 1),
    ("other_serious", 2),
]
INCIDENT_SOURCE = "苏州市卫生健康委 突发事件报告时限（本市默认值，可调整）"


def load_incident_rules(incident_rule_model) -> None:
    for kind, hours in INCIDENT_RULES:
        incident_rule_model.objects.get_or_create(
            kind=kind, effective_from=date(2020, 1, 1), defaults={"hours": hours, "source": INCIDENT_SOURCE}
        )


def load_reference(deadline_rule_model, penalty_rule_model, scheme_model) -> None:
    for weight, days in DEADLINE_RULES:
        deadline_rule_model.objects.get_or_create(
            weight=weight,
            effective_from=date(2020, 1, 1),
            defaults={"working_days": days, "source": DEADLINE_SOURCE, "is_default": True},
        )
    for kind, low, high, serious, clause in PENALTY_RULES:
        penalty_rule_model.objects.get_or_create(
            kind=kind,
            effective_from=date(2021, 8, 20),
            defaults={"min_amount": low, "max_amount": high, "serious": serious, "clause": clause},
        )
    scheme_model.objects.get_or_create(effective_from=SCHEME["effective_from"], defaults=SCHEME)
