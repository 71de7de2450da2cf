"""Filing rules without the database: completeness blocks a submission, the setting standards only warn.

Every standards test starts from a facility that meets every rule (checked first) and changes one fact.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from facilities.models import MaterialKind
from facilities.rules import (
    ClassFacts,
    FacilityFacts,
    Finding,
    MaterialFacts,
    StaffFacts,
    completeness_findings,
    required_health_staff,
    standards_findings,
    standards_from_rows,
    uscc_problem,
)
from facilities.standards_seed import seed_rows

TODAY = date(2025, 9, 30)
STANDARDS = standards_from_rows(seed_rows())
ENTERPRISE_USCC = "91110000600037341L"
PUBLIC_INSTITUTION_USCC = "12320500466960000K"
PRIVATE_NON_ENTERPRISE_USCC = "52320508MJ50000001"
FILING_SOURCE = "国卫办人口发〔2019〕25号"
NEXT_YEAR = TODAY + timedelta(days=365)


def person(role: str, name: str, **facts) -> StaffFacts:
    return StaffFacts(
        role=role, name=name, health_certificate_expires_on=NEXT_YEAR, no_criminal_record_on_file=True, **facts
    )


DIRECTOR = person("director", "王园长", education="college", years_of_experience=3, post_training_done=True)
HEALTH_FULL_TIME = person("health_care", "李保健", full_time=True)
HEALTH_PART_TIME = person("health_care", "赵保健", full_time=False)
GUARD = person("security_guard", "张保安", guard_licence_number="苏0512345678")
ALL_MATERIALS = tuple(MaterialFacts(kind.value) for kind in MaterialKind if kind != MaterialKind.OTHER)

COMPLIANT = FacilityFacts(
    name="姑苏区小树苗托育中心",
    registration_route="enterprise",
    uscc=ENTERPRISE_USCC,
    category="social",
    form="standalone",
    district_code="320508",
    address="苏州市姑苏区人民路1号",
    slots=60,
    enrolled=40,
    meals_served=True,
    premises_tenure="owned",
    lowest_floor=1,
    highest_floor=3,
    observation_room_area=Decimal("8.00"),
    surveillance_covers_infant_areas=True,
    surveillance_retention_days=90,
    one_click_alarm=True,
    licensed_guard=True,
    insurance_mode="district_group",
    full_day_fee=Decimal("3200.00"),
    classes=(
        ClassFacts("infant", capacity=10, enrolled=9, carers=3, label="乳儿一班"),
        ClassFacts("toddler", capacity=15, enrolled=15, carers=3, label="托小一班"),
        ClassFacts("older", capacity=20, enrolled=16, carers=3, label="托大一班"),
    ),
    staff=(DIRECTOR, HEALTH_PART_TIME, GUARD),
    materials=ALL_MATERIALS,
)

FAMILY_POINT = replace(
    COMPLIANT,
    name="金阊街道家庭托育点",
    form="family_point",
    slots=5,
    enrolled=5,
    full_day_fee=None,
    classes=(),
    staff=(*COMPLIANT.staff, person("carer", "陈阿姨"), person("carer", "周阿姨")),
)


def warnings(facts: FacilityFacts) -> list[Finding]:
    return standards_findings(facts, STANDARDS, today=TODAY)


def blocking(facts: FacilityFacts) -> list[Finding]:
    return completeness_findings(facts, today=TODAY)


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def one(findings: list[Finding], code: str) -> Finding:
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def with_class(group: ClassFacts) -> FacilityFacts:
    return replace(COMPLIANT, classes=(group,))


def test_the_compliant_facility_has_no_findings_at_all():
    assert blocking(COMPLIANT) == []
    assert warnings(COMPLIANT) == []
    assert warnings(FAMILY_POINT) == []


def test_standards_take_the_latest_edition_in_force():
    rows = [
        {
            "code": "class.infant.max_size",
            "value": 10,
            "clause": "2019",
            "source": "s",
            "effective_from": date(2019, 10, 8),
        },
        {
            "code": "class.infant.max_size",
            "value": 8,
            "clause": "2026",
            "source": "s",
            "effective_from": date(2026, 1, 1),
        },
    ]
    assert standards_from_rows(rows)["class.infant.max_size"].value == 8
    assert standards_from_rows(rows, on=TODAY)["class.infant.max_size"].clause == "2019"
    assert STANDARDS["class.mixed.children_per_carer"].is_default
    assert not STANDARDS["class.infant.children_per_carer"].is_default


# --- classes: size and ratio per class type ---


@pytest.mark.parametrize(("class_type", "largest"), [("infant", 10), ("toddler", 15), ("older", 20), ("mixed", 18)])
def test_a_class_may_be_full_but_not_over_full(class_type, largest):
    at_limit = ClassFacts(class_type, capacity=largest, enrolled=largest, carers=largest, youngest_months=20)
    assert "class_oversize" not in codes(warnings(with_class(at_limit)))

    finding = one(warnings(with_class(replace(at_limit, enrolled=largest + 1))), "class_oversize")
    assert finding.field == "classes.0.enrolled"
    assert finding.clause == STANDARDS[f"class.{class_type}.max_size"].clause
    assert not finding.blocking


@pytest.mark.parametrize(
    ("class_type", "carers", "most_children"),
    [("infant", 3, 9), ("toddler", 2, 10), ("older", 2, 14), ("mixed", 2, 10)],
)
def test_carers_may_each_look_after_their_ratio_and_no_more(class_type, carers, most_children):
    at_limit = ClassFacts(class_type, capacity=20, enrolled=most_children, carers=carers, youngest_months=20)
    assert "class_ratio" not in codes(warnings(with_class(at_limit)))

    finding = one(warnings(with_class(replace(at_limit, enrolled=most_children + 1))), "class_ratio")
    assert finding.field == "classes.0.carers"
    assert finding.clause == STANDARDS[f"class.{class_type}.children_per_carer"].clause


def test_the_mixed_class_ratio_is_flagged_as_a_city_default():
    finding = one(
        warnings(with_class(ClassFacts("mixed", 18, enrolled=11, carers=2, youngest_months=20))), "class_ratio"
    )
    assert finding.is_default
    assert not one(warnings(with_class(ClassFacts("infant", 10, enrolled=10, carers=3))), "class_ratio").is_default


def test_a_mixed_class_takes_children_from_18_months():
    mixed = ClassFacts("mixed", capacity=18, enrolled=10, carers=2, youngest_months=18)
    assert warnings(with_class(mixed)) == []
    assert codes(warnings(with_class(replace(mixed, youngest_months=17)))) == ["class_mixed_too_young"]


def test_an_over_full_infant_class_warns_with_its_clause_and_never_blocks():
    over_full = replace(
        COMPLIANT, classes=(ClassFacts("infant", capacity=12, enrolled=11, carers=4, label="乳儿一班"),)
    )

    assert blocking(over_full) == []
    finding = one(warnings(over_full), "class_oversize")
    assert finding.blocking is False
    assert finding.clause == "托育机构设置标准（试行） 乳儿班 6–12个月 10人以下"
    assert finding.source == "国卫人口发〔2019〕58号"
    assert "乳儿一班" in finding.message
    assert not any(finding.blocking for finding in warnings(over_full))


# --- health-care staff ---


@pytest.mark.parametrize(
    ("children", "needed"),
    [(0, (1, False)), (149, (1, False)), (150, (1, True)), (299, (2, True)), (300, (2, True)), (301, (3, True))],
)
def test_required_health_staff(children, needed):
    assert required_health_staff(children) == needed


@pytest.mark.parametrize(
    ("children", "health_staff", "short"),
    [
        (149, (HEALTH_PART_TIME,), False),
        (149, (), True),
        (150, (HEALTH_PART_TIME,), True),
        (150, (HEALTH_FULL_TIME,), False),
        (299, (HEALTH_FULL_TIME, HEALTH_PART_TIME), True),
        (299, (HEALTH_FULL_TIME, HEALTH_FULL_TIME), False),
        (300, (HEALTH_FULL_TIME, HEALTH_FULL_TIME), False),
        (300, (HEALTH_FULL_TIME, HEALTH_PART_TIME, HEALTH_PART_TIME), True),
        (301, (HEALTH_FULL_TIME, HEALTH_FULL_TIME), True),
        (301, (HEALTH_FULL_TIME, HEALTH_FULL_TIME, HEALTH_FULL_TIME), False),
    ],
)
def test_health_care_staff_against_children_enrolled(children, health_staff, short):
    facts = replace(COMPLIANT, slots=400, enrolled=children, staff=(DIRECTOR, GUARD, *health_staff))
    assert ("health_staff_short" in codes(warnings(facts))) is short


# --- enrolment and premises ---


def test_enrolled_may_reach_the_slots_but_not_pass_them():
    assert warnings(replace(COMPLIANT, enrolled=60)) == []
    assert codes(warnings(replace(COMPLIANT, enrolled=61))) == ["enrolled_over_slots"]


def test_a_lease_of_exactly_three_years_is_enough_and_a_day_less_is_not():
    leased = replace(COMPLIANT, premises_tenure="leased", lease_start=date(2025, 1, 1), lease_end=date(2028, 1, 1))
    assert warnings(leased) == []
    finding = one(warnings(replace(leased, lease_end=date(2027, 12, 31))), "lease_too_short")
    assert finding.clause == STANDARDS["premises.min_lease_years"].clause


def test_a_lease_without_a_start_counts_from_today():
    leased = replace(COMPLIANT, premises_tenure="leased", lease_end=date(2028, 9, 30))
    assert warnings(leased) == []
    assert codes(warnings(replace(leased, lease_end=date(2028, 9, 29)))) == ["lease_too_short"]


def test_a_lease_from_29_february_runs_to_28_february():
    leased = replace(COMPLIANT, premises_tenure="leased", lease_start=date(2024, 2, 29), lease_end=date(2027, 2, 28))
    assert warnings(leased) == []
    assert codes(warnings(replace(leased, lease_end=date(2027, 2, 27)))) == ["lease_too_short"]


def test_owned_premises_have_no_lease_to_check():
    assert warnings(replace(COMPLIANT, premises_tenure="owned", lease_end=date(2026, 1, 1))) == []


@pytest.mark.parametrize(
    ("lowest", "highest", "expected"),
    [
        (1, 3, []),
        (1, 4, ["floor_too_high"]),
        (0, 2, ["floor_underground"]),
        (-1, 1, ["floor_underground"]),
        (0, 4, ["floor_too_high", "floor_underground"]),
    ],
)
def test_infants_rooms_on_floor_three_or_below_and_above_ground(lowest, highest, expected):
    assert codes(warnings(replace(COMPLIANT, lowest_floor=lowest, highest_floor=highest))) == expected


@pytest.mark.parametrize(("area", "small"), [(Decimal(6), False), (Decimal("5.99"), True), (None, True)])
def test_observation_room_of_at_least_six_square_metres(area, small):
    assert ("observation_room_small" in codes(warnings(replace(COMPLIANT, observation_room_area=area)))) is small


# --- safety ---


@pytest.mark.parametrize(("days", "short"), [(90, False), (89, True), (None, True), (365, False)])
def test_footage_kept_at_least_ninety_days(days, short):
    findings = warnings(replace(COMPLIANT, surveillance_retention_days=days))
    assert codes(findings) == (["surveillance"] if short else [])
    if short:
        assert findings[0].clause == STANDARDS["safety.min_surveillance_retention_days"].clause


def test_surveillance_must_cover_infants_areas():
    finding = one(warnings(replace(COMPLIANT, surveillance_covers_infant_areas=False)), "surveillance")
    assert finding.field == "surveillance_covers_infant_areas"


def test_one_click_alarm():
    assert codes(warnings(replace(COMPLIANT, one_click_alarm=False))) == ["one_click_alarm"]


def test_a_licensed_guard_must_be_declared_and_on_the_roster_with_a_licence():
    assert codes(warnings(replace(COMPLIANT, licensed_guard=False))) == ["licensed_guard"]
    unlicensed = replace(GUARD, guard_licence_number="")
    assert codes(warnings(replace(COMPLIANT, staff=(DIRECTOR, HEALTH_PART_TIME, unlicensed)))) == ["licensed_guard"]
    assert codes(warnings(replace(COMPLIANT, staff=(DIRECTOR, HEALTH_PART_TIME)))) == ["licensed_guard"]


@pytest.mark.parametrize(
    ("mode", "expires", "uncovered"),
    [
        ("district_group", None, False),
        ("none", None, True),
        ("own_policy", TODAY, False),
        ("own_policy", TODAY - timedelta(days=1), True),
    ],
)
def test_every_infant_insured(mode, expires, uncovered):
    facts = replace(COMPLIANT, insurance_mode=mode, policy_expires_on=expires)
    assert codes(warnings(facts)) == (["infant_insurance"] if uncovered else [])


# --- staff ---


def test_a_director_must_be_on_the_roster():
    assert codes(warnings(replace(COMPLIANT, staff=(HEALTH_PART_TIME, GUARD)))) == ["director_missing"]


@pytest.mark.parametrize(
    ("education", "years", "fields"),
    [
        ("college", 3, []),
        ("bachelor", 10, []),
        ("below_college", 3, ["staff.0.education"]),
        ("", 3, ["staff.0.education"]),
        ("college", 2, ["staff.0.years_of_experience"]),
        ("college", None, ["staff.0.years_of_experience"]),
        ("below_college", 1, ["staff.0.education", "staff.0.years_of_experience"]),
    ],
)
def test_director_qualifications(education, years, fields):
    director = replace(DIRECTOR, education=education, years_of_experience=years)
    findings = warnings(replace(COMPLIANT, staff=(director, HEALTH_PART_TIME, GUARD)))
    assert [f.field for f in findings if f.code == "director_qualification"] == fields
    assert codes(findings) == ["director_qualification"] * len(fields)


def test_each_person_without_a_valid_health_certificate_is_named():
    expired = replace(HEALTH_PART_TIME, health_certificate_expires_on=TODAY - timedelta(days=1))
    missing = replace(GUARD, health_certificate_expires_on=None)
    expiring_today = replace(DIRECTOR, health_certificate_expires_on=TODAY)
    findings = warnings(replace(COMPLIANT, staff=(expiring_today, expired, missing)))

    assert codes(findings) == ["health_certificate", "health_certificate"]
    assert "赵保健" in findings[0].message
    assert "张保安" in findings[1].message
    assert [f.field for f in findings] == [
        "staff.1.health_certificate_expires_on",
        "staff.2.health_certificate_expires_on",
    ]
    assert all(f.clause and f.source and not f.blocking for f in findings)


def test_each_person_without_a_no_criminal_record_proof_is_named():
    staff = tuple(replace(p, no_criminal_record_on_file=False) for p in (DIRECTOR, HEALTH_PART_TIME))
    findings = warnings(replace(COMPLIANT, staff=(*staff, GUARD)))
    assert codes(findings) == ["no_criminal_record", "no_criminal_record"]
    assert "王园长" in findings[0].message
    assert "赵保健" in findings[1].message


# --- family childcare points ---


@pytest.mark.parametrize(
    ("children", "carers", "over"),
    [(5, 2, False), (6, 2, True), (4, 1, True), (3, 1, False), (6, 3, True)],
)
def test_family_point_at_most_five_children_and_three_per_carer(children, carers, over):
    staff = (DIRECTOR, HEALTH_PART_TIME, GUARD, *(person("carer", f"照护人员{i}") for i in range(carers)))
    facts = replace(FAMILY_POINT, slots=10, enrolled=children, staff=staff)
    assert ("family_point_limit" in codes(warnings(facts))) is over


def test_family_point_classes_are_not_checked():
    facts = replace(FAMILY_POINT, classes=(ClassFacts("infant", capacity=5, enrolled=5, carers=0),))
    assert warnings(facts) == []


def test_family_point_needs_neither_classes_nor_a_full_day_fee():
    assert blocking(FAMILY_POINT) == []
    assert codes(blocking(replace(COMPLIANT, classes=(), full_day_fee=None))) == ["required", "classes_missing"]


# --- completeness: what blocks a submission ---


def test_a_facility_missing_the_fire_safety_pass_is_blocked_and_told_which():
    materials = tuple(m for m in ALL_MATERIALS if m.kind != "fire_safety")
    finding = one(blocking(replace(COMPLIANT, materials=materials)), "material_missing")

    assert finding.blocking
    assert finding.field == "materials.fire_safety"
    assert str(MaterialKind.FIRE_SAFETY.label) in finding.message
    assert finding.source == FILING_SOURCE
    with translation.override("en"):
        assert "Fire-safety pass" in blocking(replace(COMPLIANT, materials=materials))[0].message


def test_a_food_licence_is_required_only_when_meals_are_served():
    without_food_licence = tuple(m for m in ALL_MATERIALS if m.kind != "food_licence")
    assert blocking(replace(COMPLIANT, meals_served=False, materials=without_food_licence)) == []
    finding = one(blocking(replace(COMPLIANT, meals_served=True, materials=without_food_licence)), "material_missing")
    assert finding.field == "materials.food_licence"


@pytest.mark.parametrize(
    ("expiry_dates", "blocked"),
    [
        ((TODAY - timedelta(days=1),), True),
        ((TODAY,), False),
        ((None,), False),
        ((TODAY - timedelta(days=400), TODAY - timedelta(days=1)), True),
        ((TODAY - timedelta(days=1), NEXT_YEAR), False),
    ],
)
def test_an_expired_health_evaluation_blocks_unless_a_valid_copy_is_uploaded(expiry_dates, blocked):
    others = tuple(m for m in ALL_MATERIALS if m.kind != "health_evaluation")
    evaluations = tuple(MaterialFacts("health_evaluation", expires_on=day) for day in expiry_dates)
    findings = blocking(replace(COMPLIANT, materials=(*others, *evaluations)))
    assert codes(findings) == (["material_expired"] if blocked else [])
    if blocked:
        assert findings[0].field == "materials.health_evaluation"
        assert findings[0].blocking


def test_an_empty_record_names_every_missing_field_and_material():
    findings = blocking(FacilityFacts())
    assert all(f.blocking for f in findings)
    assert {f.field for f in findings if f.code == "required"} == {
        "name",
        "registration_route",
        "uscc",
        "district_code",
        "address",
        "slots",
        "premises_tenure",
        "full_day_fee",
    }
    assert {f.field for f in findings if f.code == "material_missing"} == {
        "materials.business_licence",
        "materials.premises_proof",
        "materials.staff_qualifications",
        "materials.health_evaluation",
        "materials.fire_safety",
    }
    assert "classes_missing" in codes(findings)


def test_a_lease_needs_its_end_date():
    leased = replace(COMPLIANT, premises_tenure="leased", lease_end=None)
    assert [(f.code, f.field) for f in blocking(leased)] == [("required", "lease_end")]
    assert blocking(replace(leased, lease_end=date(2030, 1, 1))) == []


@pytest.mark.parametrize(
    ("route", "uscc", "code"),
    [
        ("enterprise", ENTERPRISE_USCC, None),
        ("public_institution", PUBLIC_INSTITUTION_USCC, None),
        ("private_non_enterprise", PRIVATE_NON_ENTERPRISE_USCC, None),
        ("enterprise", "91110000600037341M", "uscc_invalid"),
        ("enterprise", "9111000060003734", "uscc_invalid"),
        ("enterprise", "91110000600037341I", "uscc_invalid"),
        ("public_institution", ENTERPRISE_USCC, "uscc_route_mismatch"),
        ("enterprise", PUBLIC_INSTITUTION_USCC, "uscc_route_mismatch"),
        ("private_non_enterprise", ENTERPRISE_USCC, "uscc_route_mismatch"),
    ],
)
def test_the_uscc_must_be_valid_and_match_the_registration_route(route, uscc, code):
    findings = blocking(replace(COMPLIANT, registration_route=route, uscc=uscc))
    assert codes(findings) == ([code] if code else [])
    if code:
        assert findings[0].field == "uscc"
        assert findings[0].blocking


def test_uscc_problem():
    assert uscc_problem(ENTERPRISE_USCC, "enterprise") is None
    assert uscc_problem(PUBLIC_INSTITUTION_USCC, "public_institution") is None
    with translation.override("en"):
        assert "check character" in uscc_problem("91110000600037341M", "enterprise")
        assert "starts with 1" in uscc_problem(ENTERPRISE_USCC, "public_institution")
    assert uscc_problem("", "enterprise")
