"""Quality assessments (WS/T 821—2023): recording, the grade pushed to the facility, pages and who reaches them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import AssessmentScheme, QualityAssessment
from inspections.reference import SCHEME
from inspections.services.assessments import assessment_record
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed

from .test_planning import WUJIANG, make_facility

pytestmark = pytest.mark.django_db

FULL = {code: dimension["max"] for code, dimension in SCHEME["dimensions"].items()}
GOOD = {**FULL, "care": 150, "safety": 180}  # 930: grade A


@pytest.fixture
def facility(city_admin, operator):
    facility = make_facility(city_admin, "苏州小苗托育中心")
    facility.operators.add(operator)
    return facility


def record(actor, facility, *, scores=None, vetoes=(), on=None, note=""):
    return assessment_record(
        actor=actor,
        facility=facility,
        assessed_on=on or timezone.localdate(),
        scores=scores if scores is not None else GOOD,
        vetoes_failed=list(vetoes),
        note=note,
    )


# --- the service ---------------------------------------------------------------------------------------------


def test_an_assessment_is_graded_stored_pushed_to_the_facility_and_audited(facility, gusu_officer):
    assessment = record(gusu_officer, facility, note="整体良好")
    assert (assessment.total, assessment.grade) == (930, "A")
    assert assessment.scheme.edition == "WS/T 821—2023"
    assert assessment.scores["care"] == "150.00"
    facility.refresh_from_db()
    assert (facility.quality_grade, facility.quality_assessed_on) == ("A", timezone.localdate())
    entry = AuditEntry.objects.get(action="quality_assessment.record", object_id=str(assessment.pk))
    assert entry.after["grade"] == "A"
    assert AuditEntry.objects.filter(action="facility.quality_grade", object_id=str(facility.pk)).exists()


def test_a_veto_item_gives_grade_d_whatever_the_points(facility, gusu_inspector, web_client_for, gusu_officer):
    assessment = record(gusu_inspector, facility, scores=FULL, vetoes=["abuse"])
    assert (assessment.total, assessment.grade) == (1000, "D")
    facility.refresh_from_db()
    assert facility.quality_grade == "D"
    page = web_client_for(gusu_officer).get(f"/facilities/{facility.pk}/")
    assert page.status_code == 200
    assert 'text-bg-danger">D</span>' in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "grade"),
    [
        ({"care": 100}, "A"),  # 900
        ({"care": "99.5"}, "B"),  # 899.5
        ({"care": 0, "safety": 150}, "B"),  # 750
        ({"care": 0, "safety": 149}, "C"),  # 749
        ({"care": 0, "safety": 0}, "C"),  # 600
        ({"care": 0, "safety": 0, "management": 69}, "D"),  # 599
    ],
)
def test_grades_follow_the_schemes_thresholds(facility, city_admin, changes, grade):
    """Thresholds A 900, B 750, C 600 (city defaults)."""
    assert record(city_admin, facility, scores={**FULL, **changes}).grade == grade


def test_points_over_a_maximum_are_field_errors_naming_the_dimension(facility, gusu_officer):
    with pytest.raises(ValidationFailed) as exc:
        record(gusu_officer, facility, scores={**FULL, "safety": 201, "management": 71})
    assert set(exc.value.fields) == {"scores.safety", "scores.management"}
    assert "安全保障" in exc.value.fields["scores.safety"][0]
    assert "机构管理" in exc.value.fields["scores.management"][0]
    assert not QualityAssessment.objects.exists()
    facility.refresh_from_db()
    assert facility.quality_grade == ""


def test_unknown_veto_codes_and_missing_dimensions_are_refused(facility, gusu_officer):
    partial = dict(FULL)
    del partial["health"]
    with pytest.raises(ValidationFailed) as exc:
        record(gusu_officer, facility, scores=partial, vetoes=["late_fees"])
    assert set(exc.value.fields) == {"scores.health", "vetoes_failed"}


def test_the_scheme_in_force_on_the_day_is_used(facility, city_admin):
    newer = AssessmentScheme.objects.create(
        edition="苏州市2025版（测试）",
        effective_from=date(2025, 1, 1),
        dimensions={"conditions": {"label": "办托条件", "max": 500}, "care": {"label": "保育照护", "max": 500}},
        grade_thresholds=[["A", 800], ["B", 500], ["C", 300], ["D", 0]],
        veto_items={"abuse": "虐童"},
        source="测试",
    )
    old = record(city_admin, facility, on=date(2024, 6, 1))
    assert old.scheme.edition == "WS/T 821—2023"
    current = record(city_admin, facility, scores={"conditions": 450, "care": 400}, on=date(2025, 6, 1))
    assert (current.scheme, current.total, current.grade) == (newer, 850, "A")
    with pytest.raises(RuleViolation):
        record(city_admin, facility, on=date(2024, 3, 31))  # before WS/T 821—2023 was in force


def test_an_older_assessment_does_not_replace_a_newer_grade(facility, city_admin):
    today = timezone.localdate()
    record(city_admin, facility, on=today)
    record(city_admin, facility, scores=FULL, vetoes=["abuse"], on=today - timedelta(days=100))
    facility.refresh_from_db()
    assert facility.quality_grade == "A"


def test_an_assessment_cannot_be_dated_in_the_future(facility, city_admin):
    with pytest.raises(ValidationFailed) as exc:
        record(city_admin, facility, on=timezone.localdate() + timedelta(days=1))
    assert "assessed_on" in exc.value.fields


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "inspector", "citywide_inspector"])
def test_assessors(facility, users, role):
    assert record(users[role], facility).assessor == users[role]


def test_an_officer_or_inspector_of_another_unit_gets_not_found(facility, wujiang_officer, make_user):
    wujiang_inspector = make_user(Role.INSPECTOR, district_code=WUJIANG, username="wj_inspector")
    for actor in (wujiang_officer, wujiang_inspector):
        with pytest.raises(NotFound):
            record(actor, facility)
    assert not QualityAssessment.objects.exists()


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_other_roles_may_not_assess(facility, users, role):
    with pytest.raises(PermissionDenied):
        record(users[role], facility)


# --- pages ---------------------------------------------------------------------------------------------------


def form_data(**changes) -> dict:
    return {"assessed_on": timezone.localdate().isoformat(), **{k: str(v) for k, v in GOOD.items()}, **changes}


def test_the_form_shows_the_seven_dimensions_with_their_maxima_and_the_veto_items(
    facility, gusu_inspector, web_client_for
):
    response = web_client_for(gusu_inspector).get(f"/supervision/plans/assessments/new/{facility.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    form = response.context["form"]
    for code, dimension in SCHEME["dimensions"].items():
        label = form[code].label
        assert dimension["label"] in label
        assert str(dimension["max"]) in label
        assert label in content
        assert f'max="{dimension["max"]}"' in content
    for label in SCHEME["veto_items"].values():
        assert label in content


def test_recording_through_the_form_shows_the_grade(facility, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)
    response = browser.post(
        f"/supervision/plans/assessments/new/{facility.pk}/",
        form_data(**{k: str(v) for k, v in FULL.items()}, vetoes_failed=["major_accident"]),
    )
    assessment = QualityAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/plans/assessments/{assessment.pk}/"
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert 'data-grade="D"' in page.content.decode()
    assert "1000.00" in page.content.decode()
    facility.refresh_from_db()
    assert facility.quality_grade == "D"


def test_points_over_a_maximum_come_back_next_to_the_dimension(facility, gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).post(
        f"/supervision/plans/assessments/new/{facility.pk}/", form_data(safety="250")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["safety"]
    assert "安全保障" in errors["safety"][0]
    assert 'id="id_safety-errors"' in response.content.decode()
    assert not QualityAssessment.objects.exists()


def test_the_list_picker_leads_to_the_form(facility, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)
    listing = browser.get("/supervision/plans/assessments/")
    assert facility.name in listing.content.decode()
    response = browser.get(f"/supervision/plans/assessments/new/?facility={facility.pk}")
    assert response["Location"] == f"/supervision/plans/assessments/new/{facility.pk}/"


def test_an_operator_reads_their_own_facilitys_assessments(facility, city_admin, operator, web_client_for):
    assessment = record(city_admin, facility)
    browser = web_client_for(operator)
    assert facility.name in browser.get("/supervision/plans/assessments/").content.decode()
    assert browser.get(f"/supervision/plans/assessments/{assessment.pk}/").status_code == 200
    # but does not assess (no form)
    assert browser.get(f"/supervision/plans/assessments/new/{facility.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["wujiang_officer", "wujiang_inspector", "other_operator", "training_base"])
def test_foreign_users_get_404_on_assessment_pages(facility, city_admin, users, make_user, web_client_for, role):
    assessment = record(city_admin, facility)
    if role == "wujiang_inspector":
        user = make_user(Role.INSPECTOR, district_code=WUJIANG, username="wj_inspector")
    elif role == "other_operator":
        user = make_user(Role.OPERATOR, username="other_operator")
    else:
        user = users[role]
    browser = web_client_for(user)
    assert browser.get(f"/supervision/plans/assessments/{assessment.pk}/").status_code == 404
    assert browser.get(f"/supervision/plans/assessments/new/{facility.pk}/").status_code == 404
    assert browser.post(f"/supervision/plans/assessments/new/{facility.pk}/", form_data()).status_code == 404
    assert QualityAssessment.objects.count() == 1
    if role != "training_base":
        assert facility.name not in browser.get("/supervision/plans/assessments/").content.decode()


def test_assessment_list_queries_do_not_grow(city_admin, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)

    def measure():
        browser.get("/supervision/plans/assessments/")
        with CaptureQueriesContext(connection) as captured:
            response = browser.get("/supervision/plans/assessments/")
        assert response.status_code == 200
        return len(captured.captured_queries), response

    for n in range(2):
        record(city_admin, make_facility(city_admin, f"评估{n}"))
    small, small_response = measure()
    for n in range(2, 12):
        record(city_admin, make_facility(city_admin, f"评估{n}"))
    large, large_response = measure()
    assert small_response.context["page"].paginator.count == 2
    assert large_response.context["page"].paginator.count == 12
    assert small == large
