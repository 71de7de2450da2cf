"""Compliance pushed to the facility, expiry alerts sent once, and persons on several rosters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities import services as facility_services
from facilities.models import Facility, StaffMember, StaffRole
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.notices.models import Notice
from training.models import Course, ExpiryAlert, HealthStaffAssessment, Institution, TrainingRecord
from training.selectors.compliance import multi_roster_persons_for
from training.services.compliance import compliance_refresh_all, expiry_alerts_send, facility_compliance_refresh

from ..facilities.factories import complete_draft, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(db):
    return Institution.objects.create(name="苏州市托育人才培训基地", kind="training_base")


def course(base, target, hours="60", valid_months=36):
    return Course.objects.create(
        institution=base,
        title=f"{target} course",
        target=target,
        hours=Decimal(hours),
        certificate_valid_months=valid_months,
    )


def record(person, course, *, by, hours=None, valid_until=None, result="passed"):
    today = timezone.localdate()
    return TrainingRecord.objects.create(
        person=person,
        course=course,
        hours=Decimal(hours or course.hours),
        result=result,
        completed_on=today - timedelta(days=10),
        certificate_valid_until=valid_until,
        recorded_by=by,
    )


def train_everyone(facility, base, by):
    today = timezone.localdate()
    director, carer = course(base, "director", "64"), course(base, "carer", "40")
    for member in facility.staff.all():
        if member.role == StaffRole.DIRECTOR:
            record(member.person, director, by=by)
        elif member.role == StaffRole.CARER:
            record(member.person, carer, by=by)
        elif member.role == StaffRole.HEALTH_CARE:
            HealthStaffAssessment.objects.create(
                person=member.person,
                institution=base,
                assessed_on=today - timedelta(days=5),
                score=Decimal("90"),
                passed=True,
                valid_until=today + timedelta(days=365),
                recorded_by=by,
            )


def test_compliance_is_pushed_to_the_facility_and_names_the_missing_director_training(operator, city_admin, base):
    facility = complete_draft(operator)
    today = timezone.localdate()
    assert facility_compliance_refresh(facility=facility, today=today) is False
    facility.refresh_from_db()
    assert facility.training_compliant is False
    assert facility.training_checked_on == today
    director_gaps = [g for g in facility.training_gaps if g["requirement"] == "director_training"]
    assert director_gaps == [
        {"role": "director", "person": "王丽", "requirement": "director_training", "clause": director_gaps[0]["clause"]}
    ]
    assert "60学时" in director_gaps[0]["clause"]

    train_everyone(facility, base, city_admin)
    assert facility_compliance_refresh(facility=facility, today=today) is True
    facility.refresh_from_db()
    assert facility.training_compliant is True
    assert facility.training_gaps == []


def test_refreshing_all_reads_a_fixed_number_of_queries_per_batch(operator, city_admin, base):
    first = complete_draft(operator, name="一号托育")
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as one:
        assert compliance_refresh_all(today=today) == 1
    complete_draft(operator, name="二号托育")
    complete_draft(operator, name="三号托育")
    with CaptureQueriesContext(connection) as three:
        assert compliance_refresh_all(today=today) == 3

    def reads(captured):
        tables = ('FROM "training_', 'FROM "facilities_staffmember"')
        return [q for q in captured if any(t in q["sql"] for t in tables)]

    # Roster, training records and assessments: once per batch, whatever the number of facilities.
    assert len(reads(one.captured_queries)) == len(reads(three.captured_queries)) == 3
    train_everyone(first, base, city_admin)
    compliance_refresh_all(today=today)
    assert Facility.objects.filter(training_compliant=True).get() == first


def test_certificate_expiring_in_29_days_alerts_facility_and_district_once(
    operator, gusu_officer, wujiang_officer, city_admin, base
):
    facility = complete_draft(operator, district_code="320508")
    today = timezone.localdate()
    carer = StaffMember.objects.filter(facility=facility, role=StaffRole.CARER).first()
    record(carer.person, course(base, "carer"), by=city_admin, valid_until=today + timedelta(days=29))
    # Out of the window: tomorrow + 31 days, and an already expired one.
    other = StaffMember.objects.filter(facility=facility, role=StaffRole.CARER).exclude(pk=carer.pk).first()
    record(other.person, course(base, "carer"), by=city_admin, valid_until=today + timedelta(days=31))

    assert expiry_alerts_send(today=today) == 2
    assert expiry_alerts_send(today=today) == 0  # the job ran twice

    alerts = ExpiryAlert.objects.filter(kind="certificate")
    assert sorted(alerts.values_list("audience", flat=True)) == ["district", "facility"]
    assert set(alerts.values_list("facility_id", flat=True)) == {facility.pk}
    to_operator = Notice.objects.filter(recipient=operator, kind="training.expiry.certificate")
    to_officer = Notice.objects.filter(recipient=gusu_officer, kind="training.expiry.certificate")
    assert to_operator.count() == 1
    assert to_officer.count() == 1
    assert carer.name in to_operator.get().title
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()


def test_health_certificates_and_assessments_alert_too(operator, gusu_officer, city_admin, base):
    facility = complete_draft(operator)
    today = timezone.localdate()
    guard = StaffMember.objects.get(facility=facility, role=StaffRole.SECURITY_GUARD)
    StaffMember.objects.filter(pk=guard.pk).update(health_certificate_expires_on=today + timedelta(days=3))
    nurse = StaffMember.objects.get(facility=facility, role=StaffRole.HEALTH_CARE)
    HealthStaffAssessment.objects.create(
        person=nurse.person,
        institution=base,
        assessed_on=today - timedelta(days=300),
        score=Decimal("80"),
        passed=True,
        valid_until=today + timedelta(days=30),
        recorded_by=city_admin,
    )
    assert expiry_alerts_send(today=today) == 4
    assert expiry_alerts_send(today=today) == 0
    kinds = sorted(Notice.objects.filter(recipient=gusu_officer).values_list("kind", flat=True))
    assert kinds == ["training.expiry.health_assessment", "training.expiry.health_certificate"]


@pytest.fixture
def two_rosters(make_user):
    op_gusu = make_user(Role.OPERATOR, username="op_gusu")
    op_wujiang = make_user(Role.OPERATOR, username="op_wujiang")
    gusu = complete_draft(op_gusu, district_code="320508", name="姑苏小苗托育")
    wujiang = complete_draft(op_wujiang, district_code="320509", name="吴江小苗托育", address="吴江区中山路1号")
    shared_id = valid_id_number()
    today = timezone.localdate()
    for operator, facility, name in ((op_gusu, gusu, "周燕"), (op_wujiang, wujiang, "周艳")):
        facility_services.staff_add(
            actor=operator,
            facility=facility,
            name=name,
            id_number=shared_id,
            role=StaffRole.CARER,
            employed_from=today - timedelta(days=10),
            health_certificate_expires_on=today + timedelta(days=300),
            no_criminal_record_on_file=True,
        )
    return gusu, wujiang, shared_id, op_gusu


def test_a_person_on_two_rosters_is_flagged_to_both_units_officers(
    two_rosters, gusu_officer, wujiang_officer, make_user, api_client_for, web_client_for
):
    _gusu, _wujiang, shared_id, op_gusu = two_rosters
    third = make_user(Role.DISTRICT_OFFICER, district_code="320506", username="wuzhong_officer")
    for officer in (gusu_officer, wujiang_officer):
        persons = multi_roster_persons_for(user=officer)
        assert len(persons) == 1
        assert {(e["facility"], e["district"], e["name"]) for e in persons[0]["employments"]} == {
            ("姑苏小苗托育", "320508", "周燕"),
            ("吴江小苗托育", "320509", "周艳"),
        }
        response = api_client_for(officer).get("/api/v1/training/multi-roster/")
        assert response.status_code == 200
        assert len(response.json()) == 1
        page = web_client_for(officer).get(reverse("training:multi_roster"))
        assert page.status_code == 200
        html = page.content.decode()
        assert "姑苏小苗托育" in html and "吴江小苗托育" in html
        assert shared_id not in html and shared_id not in response.content.decode()
    assert multi_roster_persons_for(user=third) == []
    assert api_client_for(third).get("/api/v1/training/multi-roster/").json() == []
    # An operator does not see other facilities' rosters at all.
    assert api_client_for(op_gusu).get("/api/v1/training/multi-roster/").status_code == 404
    assert web_client_for(op_gusu).get(reverse("training:multi_roster")).status_code == 404


def test_an_ended_employment_is_not_a_second_roster(two_rosters, gusu_officer):
    _gusu, wujiang, _shared_id, _op = two_rosters
    StaffMember.objects.filter(facility=wujiang, name="周艳").update(employed_to=timezone.localdate())
    assert multi_roster_persons_for(user=gusu_officer) == []


def test_compliance_pages_and_api_per_role(
    operator, city_admin, gusu_officer, wujiang_officer, training_base, api_client_for, web_client_for
):
    facility = complete_draft(operator)
    facility_compliance_refresh(facility=facility, today=timezone.localdate())
    city_page = web_client_for(city_admin).get(reverse("training:compliance"))
    assert city_page.status_code == 200
    assert "姑苏区" in city_page.content.decode()
    assert city_page.context["units"][0]["non_compliant"] == 1
    for user in (gusu_officer, operator):
        page = web_client_for(user).get(reverse("training:compliance"))
        assert page.status_code == 200
        assert "王丽" in page.content.decode()
        body = api_client_for(user).get("/api/v1/training/compliance/").json()
        assert [row["name"] for row in body["results"]] == [facility.name]
        assert body["results"][0]["training_compliant"] is False
    assert api_client_for(wujiang_officer).get("/api/v1/training/compliance/").json()["results"] == []
    units = api_client_for(city_admin).get("/api/v1/training/compliance/units/").json()
    assert units == [
        {
            "district": "320508",
            "district_name": units[0]["district_name"],
            "total": 1,
            "compliant": 0,
            "non_compliant": 1,
            "unchecked": 0,
        }
    ]
    assert api_client_for(training_base).get("/api/v1/training/compliance/").status_code == 404
    assert web_client_for(training_base).get(reverse("training:compliance")).status_code == 404
    assert api_client_for(operator).get("/api/v1/training/compliance/units/").status_code == 404


def test_the_daily_task_runs_both(operator):
    from training.tasks import training_daily

    complete_draft(operator)
    assert training_daily.run() == {"facilities": 1, "alerts": 0}
