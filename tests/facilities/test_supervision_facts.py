"""Facts supervision pushes down to the facility record: grades, serious violations, lifetime bans."""

from datetime import date

import pytest

from facilities import services
from facilities.models import Person
from suzhou_childcare.errors import RuleViolation, ValidationFailed

from .factories import complete_draft, valid_id_number


def test_a_banned_person_cannot_join_any_roster_naming_article_41(operator, make_user):
    number = valid_id_number()
    first = complete_draft(operator, name="甲机构")
    member = services.staff_add(
        actor=operator, facility=first, name="某某", id_number=number, role="carer", employed_from=date(2025, 1, 1)
    )
    services.person_ban(actor=None, person=member.person, banned_on=date(2025, 6, 1), reference="姑卫罚〔2025〕1号")
    other_operator = make_user("operator", username="op2")
    second = complete_draft(other_operator, name="乙机构", district_code="320509")
    with pytest.raises(RuleViolation) as info:
        services.staff_add(
            actor=other_operator,
            facility=second,
            name="换个名字",
            id_number=number.lower(),
            role="carer",
            employed_from=date(2025, 7, 1),
        )
    assert "第四十一条" in info.value.clause
    assert "id_number" in info.value.fields
    assert not second.staff.filter(person__banned_on__isnull=False).exists()
    assert Person.objects.get(pk=member.person.pk).ban_reference == "姑卫罚〔2025〕1号"


def test_grades_and_serious_violations_reach_the_facility(operator):
    facility = complete_draft(operator)
    services.facility_set_quality_grade(actor=None, facility=facility, grade="B", assessed_on=date(2025, 5, 1))
    services.facility_set_quality_grade(actor=None, facility=facility, grade="D", assessed_on=date(2025, 1, 1))
    facility.refresh_from_db()
    assert (facility.quality_grade, facility.quality_assessed_on) == ("B", date(2025, 5, 1))  # newer wins
    with pytest.raises(ValidationFailed):
        services.facility_set_quality_grade(actor=None, facility=facility, grade="E", assessed_on=date(2025, 6, 1))
    services.facility_flag_serious_violation(
        actor=None, facility=facility, decided_on=date(2025, 8, 1), reference="姑卫罚〔2025〕9号"
    )
    facility.refresh_from_db()
    assert facility.serious_violation_on == date(2025, 8, 1)


def test_the_grade_shows_on_the_facility_page(operator, web_client_for):
    facility = complete_draft(operator)
    services.facility_set_quality_grade(actor=None, facility=facility, grade="D", assessed_on=date(2025, 5, 1))
    page = web_client_for(operator).get(f"/facilities/{facility.pk}/").content.decode()
    assert "text-bg-danger" in page and ">D<" in page and "WS/T 821" in page
