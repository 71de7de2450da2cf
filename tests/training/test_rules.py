"""Staff compliance rules, without a database."""

from datetime import date, timedelta
from decimal import Decimal

from training import rules
from training.rules import AssessmentFacts, StaffFacts, TrainingFacts

TODAY = date(2025, 6, 1)
LATER = TODAY + timedelta(days=200)


def staff(person_id, role, name, **facts):
    return StaffFacts(
        person_id=person_id,
        name=name,
        role=role,
        health_certificate_expires_on=facts.get("health", LATER),
        no_criminal_record_on_file=facts.get("record", True),
    )


def training(person_id, target, hours="60", result="passed", valid_until=None):
    return TrainingFacts(person_id, target, result, Decimal(hours), valid_until)


ROSTER = [staff(1, "director", "王丽"), staff(2, "carer", "李娜"), staff(3, "health_care", "陈静")]
RECORDS = [training(1, "director", "64"), training(2, "nursery_teacher", "40")]
ASSESSMENTS = [AssessmentFacts(3, True, LATER)]


def requirements(gaps):
    return {(g["person"], g["requirement"]) for g in gaps}


def test_a_fully_trained_roster_complies():
    assert rules.compliance(ROSTER, RECORDS, ASSESSMENTS, TODAY) == (True, [])


def test_director_needs_passed_post_training_of_sixty_hours():
    for records in (
        [],
        [training(1, "director", "59.5")],
        [training(1, "director", "64", result="failed")],
        [training(1, "carer", "64")],
        [training(1, "director", "64", valid_until=TODAY - timedelta(days=1))],
    ):
        compliant, gaps = rules.compliance(ROSTER, [*records, RECORDS[1]], ASSESSMENTS, TODAY)
        assert not compliant
        assert requirements(gaps) == {("王丽", "director_training")}
        assert "WS/T 821—2023" in gaps[0]["clause"]
        assert gaps[0]["role"] == "director"


def test_carer_accepts_carer_or_vocational_training_only():
    for target, ok in (("carer", True), ("infant_carer", True), ("nursery_teacher", True), ("health_care", False)):
        records = [RECORDS[0], training(2, target)]
        compliant, gaps = rules.compliance(ROSTER, records, ASSESSMENTS, TODAY)
        assert compliant is ok
        assert requirements(gaps) == (set() if ok else {("李娜", "carer_training")})


def test_health_care_staff_need_a_valid_passed_assessment():
    for assessments in ([], [AssessmentFacts(3, False, LATER)], [AssessmentFacts(3, True, TODAY - timedelta(1))]):
        _compliant, gaps = rules.compliance(ROSTER, RECORDS, assessments, TODAY)
        assert requirements(gaps) == {("陈静", "health_care_assessment")}
    assert rules.compliance(ROSTER, RECORDS, [AssessmentFacts(3, True, TODAY)], TODAY)[0]


def test_health_certificate_and_no_criminal_record_for_everyone():
    roster = [
        staff(1, "director", "王丽"),
        staff(4, "security_guard", "赵强", health=TODAY - timedelta(days=1)),
        staff(5, "other", "孙伟", health=None, record=False),
    ]
    compliant, gaps = rules.compliance(roster, RECORDS, [], TODAY)
    assert not compliant
    assert requirements(gaps) == {
        ("赵强", "health_certificate"),
        ("孙伟", "health_certificate"),
        ("孙伟", "no_criminal_record"),
    }
    # Valid through the day of expiry.
    assert rules.compliance([staff(1, "director", "王丽", health=TODAY)], RECORDS, [], TODAY)[0]


def test_a_roster_without_director_is_a_gap():
    compliant, gaps = rules.compliance([staff(2, "carer", "李娜")], RECORDS, [], TODAY)
    assert not compliant
    assert requirements(gaps) == {("", "director_on_roster")}


def test_gaps_name_the_person_and_a_clause_never_an_id_number():
    _compliant, gaps = rules.compliance(ROSTER, [], [], TODAY)
    assert {g["person"] for g in gaps} == {"王丽", "李娜", "陈静"}
    assert all(g["clause"] and set(g) == {"role", "person", "requirement", "clause"} for g in gaps)
    assert any("苏州市默认口径" in g["clause"] for g in gaps)
