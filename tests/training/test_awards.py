"""Talent awards: eligibility boundaries (pure), applying, deciding (never the applicant; another unit's
officer does not see it), the amount from the rule as Decimal, and the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import FilingStatus, StaffRole
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import NotFound, PermissionDenied, RuleViolation
from training.models import (
    ApplicationStatus,
    AwardRule,
    Course,
    CourseTarget,
    Institution,
    InstitutionKind,
    TrainingRecord,
    TrainingResult,
)
from training.reference import load_award_rules
from training.rules_awards import AwardFacts, award_eligibility
from training.services import awards as services

from ..facilities.factories import complete_draft

SKILLED = {
    "roles": ["carer"],
    "certificate_targets": ["nursery_teacher", "infant_carer"],
    "min_years_at_filed_facility": 2,
}
DIRECTOR = {"roles": ["director"], "facility_grades": ["A", "B"], "no_serious_violation_months": 12}
ON = date(2025, 6, 15)


def _facts(**overrides) -> AwardFacts:
    values = {
        "on": ON,
        "role": "carer",
        "employed_from": date(2023, 6, 15),
        "facility_filing_status": "filed",
        "valid_certificate_targets": frozenset({"nursery_teacher"}),
    }
    return AwardFacts(**{**values, **overrides})


def test_two_full_years_to_the_day_is_eligible_one_day_less_is_not():
    assert award_eligibility(SKILLED, _facts()) == []
    problems = award_eligibility(SKILLED, _facts(employed_from=date(2023, 6, 16)))
    assert len(problems) == 1 and "2" in problems[0]


def test_skilled_award_needs_a_vocational_certificate_and_a_filed_facility():
    assert len(award_eligibility(SKILLED, _facts(valid_certificate_targets=frozenset()))) == 1
    assert len(award_eligibility(SKILLED, _facts(valid_certificate_targets=frozenset({"carer"})))) == 1
    assert len(award_eligibility(SKILLED, _facts(facility_filing_status="draft"))) == 1
    assert len(award_eligibility(SKILLED, _facts(role="security_guard"))) == 1


def test_director_award_grade_and_twelve_months_without_serious_violation():
    base = {"role": "director", "facility_grade": "B"}
    assert award_eligibility(DIRECTOR, _facts(**base)) == []
    assert award_eligibility(DIRECTOR, _facts(**base, serious_violation_on=date(2024, 6, 15))) == []
    assert len(award_eligibility(DIRECTOR, _facts(**base, serious_violation_on=date(2024, 6, 16)))) == 1
    assert len(award_eligibility(DIRECTOR, _facts(role="director", facility_grade="C"))) == 1


@pytest.fixture
def rules(db):
    load_award_rules(AwardRule)
    return {rule.code: rule for rule in AwardRule.objects.all()}


@pytest.fixture
def setup(db, operator, rules, city_admin):
    today = timezone.localdate()
    facility = complete_draft(operator)
    type(facility).objects.filter(pk=facility.pk).update(
        filing_status=FilingStatus.FILED, filing_number="320508-2024-0001", filed_on=today - timedelta(days=400)
    )
    facility.staff.update(employed_from=today - timedelta(days=3 * 366))
    carer = facility.staff.filter(role=StaffRole.CARER).select_related("person", "facility").first()
    base = Institution.objects.create(name="测试基地", kind=InstitutionKind.TRAINING_BASE)
    course = Course.objects.create(
        institution=base, title="保育师", target=CourseTarget.NURSERY_TEACHER, hours=Decimal("80.0")
    )
    TrainingRecord.objects.create(
        person=carer.person,
        course=course,
        hours=Decimal("80.0"),
        result=TrainingResult.PASSED,
        completed_on=today - timedelta(days=100),
        certificate_number="T-1",
        certificate_valid_until=today + timedelta(days=500),
        recorded_by=city_admin,
    )
    return facility, carer, rules["skilled_carer"]


def test_apply_and_decide_with_the_rules_amount_as_decimal(setup, operator, gusu_officer):
    facility, carer, rule = setup
    application = services.award_apply(actor=operator, rule=rule, facility=facility, staff_member=carer)
    decided = services.award_decide(actor=gusu_officer, application=application, approve=True, reasons="")

    assert decided.status == ApplicationStatus.APPROVED
    assert decided.amount == Decimal("2000.00") and isinstance(decided.amount, Decimal)
    assert AuditEntry.objects.filter(action="training.award_decide", object_id=str(decided.pk)).exists()


def test_apply_by_id_number_finds_the_roster_entry(setup, operator):
    facility, carer, rule = setup
    application = services.award_apply(
        actor=operator, rule=rule, facility=facility, person_id_number=carer.person.id_number
    )
    assert application.person_id == carer.person_id


def test_the_applicant_cannot_decide(setup, operator, make_user):
    facility, carer, rule = setup
    application = services.award_apply(actor=operator, rule=rule, facility=facility, staff_member=carer)
    with pytest.raises(PermissionDenied):
        services.award_decide(actor=operator, application=application, approve=True)


def test_eligibility_is_checked_again_at_the_decision(setup, operator, gusu_officer):
    facility, carer, rule = setup
    application = services.award_apply(actor=operator, rule=rule, facility=facility, staff_member=carer)
    TrainingRecord.objects.filter(person=carer.person).update(
        certificate_valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(RuleViolation) as caught:
        services.award_decide(actor=gusu_officer, application=application, approve=True)
    assert caught.value.clause == rule.source


def test_another_units_officer_gets_404(setup, operator, wujiang_officer, client):
    facility, carer, rule = setup
    application = services.award_apply(actor=operator, rule=rule, facility=facility, staff_member=carer)
    with pytest.raises(NotFound):
        services.award_decide(actor=wujiang_officer, application=application, approve=True)
    client.force_login(wujiang_officer)
    assert client.get(reverse("training:award_detail", args=[application.pk])).status_code == 404


def test_pages_show_no_id_number(setup, operator, gusu_officer, client):
    facility, carer, rule = setup
    application = services.award_apply(actor=operator, rule=rule, facility=facility, staff_member=carer)
    for user in (operator, gusu_officer):
        client.force_login(user)
        for url in (reverse("training:award_list"), reverse("training:award_detail", args=[application.pk])):
            response = client.get(url)
            assert response.status_code == 200
            assert carer.person.id_number not in response.content.decode()
    client.force_login(gusu_officer)
    response = client.post(reverse("training:award_detail", args=[application.pk]), {"approve": "1", "reasons": ""})
    assert response.status_code == 302


def test_api_apply_list_and_decide(setup, operator, gusu_officer, wujiang_officer):
    from rest_framework.test import APIClient

    facility, carer, _rule = setup
    api = APIClient()
    api.force_authenticate(operator)
    created = api.post(
        "/api/v1/training/awards/",
        {"rule": "skilled_carer", "facility": facility.pk, "staff_member": carer.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.post(f"/api/v1/training/awards/{pk}/decide/", {"approve": True}, format="json").status_code == 403
    api.force_authenticate(wujiang_officer)
    assert api.post(f"/api/v1/training/awards/{pk}/decide/", {"approve": True}, format="json").status_code == 404
    assert api.get("/api/v1/training/awards/").json()["count"] == 0
    api.force_authenticate(gusu_officer)
    decided = api.post(f"/api/v1/training/awards/{pk}/decide/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["amount"] == "2000.00"
    assert carer.person.id_number not in api.get("/api/v1/training/awards/").content.decode()
    assert api.get("/api/v1/training/competitions/").status_code == 200


def test_competition_entry_and_result(setup, operator, gusu_officer, wujiang_officer):
    _facility, carer, _rule = setup
    competition = services.competition_create(actor=gusu_officer, title="技能比武", held_on=timezone.localdate())
    entry = services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    with pytest.raises(NotFound):
        services.competition_result(actor=wujiang_officer, entry=entry, rank=1, award="一等奖")
    services.competition_result(actor=gusu_officer, entry=entry, rank=1, award="一等奖")
    entry.refresh_from_db()
    assert (entry.rank, entry.award) == (1, "一等奖")
