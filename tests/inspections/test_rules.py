"""The checklist and the deadline table as pure rules: plain values in, no database."""

from datetime import date

import pytest
from django.utils import translation

from facilities.rules import RuleValue, standards_from_rows
from facilities.standards_seed import seed_rows
from inspections.rules import FIXED_CLAUSES, checklist_for, deadline_working_days

STANDARDS = standards_from_rows(seed_rows(), on=date(2025, 9, 30))
TABLE = [
    ("serious", 3, date(2020, 1, 1)),
    ("moderate", 10, date(2020, 1, 1)),
    ("minor", 20, date(2020, 1, 1)),
    ("serious", 2, date(2026, 1, 1)),
]


def codes(items) -> list[str]:
    return [item.code for item in items]


def test_every_required_area_is_on_the_checklist_of_a_facility_serving_meals():
    items = checklist_for(STANDARDS, class_types=["infant", "older"], meals_served=True, enrolled=30)
    assert codes(items) == [
        "surveillance_coverage",
        "surveillance_retention",
        "one_click_alarm",
        "licensed_guard",
        "infant_insurance",
        "class.infant",
        "class.older",
        "health_staff",
        "morning_checks",
        "fire_safety",
        "health_evaluation",
        "food_licence",
        "staff_health_certificates",
    ]


def test_no_food_licence_item_when_no_meals_are_served():
    assert "food_licence" not in codes(checklist_for(STANDARDS, class_types=["infant"], meals_served=False))


def test_one_class_item_per_class_type_present_with_the_figures_and_clauses_of_the_standard():
    items = {i.code: i for i in checklist_for(STANDARDS, class_types=["toddler", "toddler", "mixed"])}
    assert [c for c in items if c.startswith("class.")] == ["class.toddler", "class.mixed"]
    with translation.override("en"):
        assert "at most 15 children" in str(items["class.toddler"].label)
        assert "at most 5" in str(items["class.toddler"].label)
    assert items["class.toddler"].clause == STANDARDS["class.toddler.max_size"].clause + "；" + (
        STANDARDS["class.toddler.children_per_carer"].clause
    )
    assert "混合班" in items["class.mixed"].clause


def test_a_family_point_gets_one_size_item_instead_of_class_items():
    items = checklist_for(STANDARDS, class_types=["infant"], family_point=True)
    assert "class.infant" not in codes(items)
    (family,) = [i for i in items if i.code.startswith("family_point")]
    assert "家庭托育点" in family.clause


def test_the_retention_figure_and_clause_come_from_the_standard_in_force():
    standards = {
        **STANDARDS,
        "safety.min_surveillance_retention_days": RuleValue(120, "新版 第三十二条 保存不少于120日", "测试"),
    }
    items = {i.code: i for i in checklist_for(standards)}
    with translation.override("en"):
        assert "at least 120 days" in str(items["surveillance_retention"].label)
    assert items["surveillance_retention"].clause == "新版 第三十二条 保存不少于120日"


def test_without_standard_rows_each_item_cites_its_fixed_clause():
    items = {i.code: i for i in checklist_for({}, class_types=["infant"], meals_served=True)}
    assert items["surveillance_retention"].clause == FIXED_CLAUSES["safety.min_surveillance_retention_days"]
    assert items["one_click_alarm"].clause == FIXED_CLAUSES["safety.one_click_alarm_required"]
    assert items["food_licence"].clause == FIXED_CLAUSES["filing.food_licence_required"]
    assert items["class.infant"].clause == FIXED_CLAUSES["class.size_and_ratio"]
    with translation.override("en"):
        assert "90 days" in str(items["surveillance_retention"].label)
    assert all(item.clause for item in items.values())


def test_a_requirement_switched_off_in_the_standards_gives_no_item():
    standards = {**STANDARDS, "safety.infant_insurance_required": RuleValue(False, "已停止", "测试")}
    assert "infant_insurance" not in codes(checklist_for(standards))


@pytest.mark.parametrize(
    ("children", "expected"), [(149, "at least one"), (150, "1 full-time"), (300, "2 full-time"), (301, "3 full-time")]
)
def test_health_staff_item_follows_the_150_children_rule(children, expected):
    items = {i.code: i for i in checklist_for(STANDARDS, enrolled=children)}
    with translation.override("en"):
        assert expected in str(items["health_staff"].label)


def test_labels_are_translated_when_shown():
    (item,) = [i for i in checklist_for(STANDARDS) if i.code == "one_click_alarm"]
    with translation.override("en"):
        english = str(item.label)
    assert english.startswith("A one-click alarm")


@pytest.mark.parametrize(
    ("weight", "on", "days"),
    [
        ("serious", date(2025, 9, 30), 3),
        ("moderate", date(2025, 9, 30), 10),
        ("minor", date(2025, 9, 30), 20),
        ("serious", date(2026, 1, 1), 2),  # the later rule, from its first day
        ("serious", date(2025, 12, 31), 3),
    ],
)
def test_deadline_days_come_from_the_latest_rule_in_force(weight, on, days):
    assert deadline_working_days(weight, TABLE, on) == days


def test_no_rule_in_force_is_a_configuration_error():
    with pytest.raises(LookupError):
        deadline_working_days("serious", TABLE, date(2019, 12, 31))
    with pytest.raises(LookupError):
        deadline_working_days("unknown", TABLE, date(2025, 1, 1))
