"""Development targets, build projects and guidance duties: the services' rules, the progress figures on a
small known data set, and the pages per role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from facilities.models import (
    BuildProject,
    CriteriaSet,
    DevelopmentTarget,
    Facility,
    FacilityVersion,
    GuidanceActivity,
    Recognition,
    RecognitionSuspension,
)
from facilities.selectors_development import guidance_counts, target_progress
from facilities.services.development import (
    GUIDANCE_CLAUSE,
    guidance_record,
    project_advance,
    project_create,
    project_update,
    target_set,
)
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District, DistrictPopulation, Street

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
_numbers = count(1)


# --- set-up helpers ---


def make_facility(
    district=GUSU, *, name=None, street=None, slots=0, opened=date(2020, 1, 1), closed=None, operator=None
):
    """A facility (and its version history from `opened`) straight in the database, for set-up."""
    facility = Facility.objects.create(
        name=name or f"托育机构{next(_numbers)}",
        category="social",
        district_id=district,
        street=street,
        slots=slots,
        filing_status="draft",
        opened_on=opened,
        closed_on=closed,
    )
    FacilityVersion.objects.create(
        facility=facility,
        valid_from=opened,
        opened_on=opened,
        closed_on=closed,
        district_id=district,
        category="social",
        form="standalone",
        filing_status="draft",
        slots=slots,
        enrolled=0,
    )
    if operator is not None:
        facility.operators.add(operator)
    return facility


def make_recognition(facility, kind="municipal_model", *, granted_on, valid_to=None, status="active", **extra):
    return Recognition.objects.create(
        facility=facility,
        kind=kind,
        number=f"T-{kind[:3]}-{next(_numbers):05d}",
        status=status,
        valid_from=granted_on,
        valid_to=valid_to or granted_on + timedelta(days=3 * 365),
        granted_on=granted_on,
        criteria_set=CriteriaSet.objects.filter(kind=kind).first(),
        **extra,
    )


def model_facility(operator=None, district=GUSU, **kwargs):
    today = timezone.localdate()
    facility = make_facility(district, operator=operator, **kwargs)
    make_recognition(facility, "municipal_model", granted_on=today - timedelta(days=200))
    return facility


def project_data(**overrides):
    return {
        "name": "姑苏区某街道普惠托育中心",
        "programme": "2026年市政府民生实事项目",
        "district": GUSU,
        "street": None,
        "target_year": 2026,
        "planned_slots": 80,
        "planned_opening_on": None,
        "note": "",
        **overrides,
    }


def opened_project(district, *, target_year, opened_on, facility=None, name="项目"):
    facility = facility or make_facility(district)
    return BuildProject.objects.create(
        name=name,
        programme="实事项目",
        district_id=district,
        target_year=target_year,
        planned_slots=50,
        status="opened",
        opened_on=opened_on,
        facility=facility,
    )


# --- targets ---


def test_the_city_admin_sets_and_replaces_a_target_audited(city_admin):
    target = target_set(
        actor=city_admin, district_code=GUSU, year=2026, indicator="inclusive_facilities_built", value="3", source="A"
    )
    again = target_set(
        actor=city_admin,
        district_code=GUSU,
        year=2026,
        indicator="inclusive_facilities_built",
        value=Decimal(4),
        source="B",
    )
    assert again.pk == target.pk and again.value == Decimal("4.00") and again.source == "B"
    assert DevelopmentTarget.objects.filter(district_id=GUSU, year=2026).count() == 1
    entry = AuditEntry.objects.filter(action="development_target.set").order_by("-id").first()
    assert entry.before["value"] == "3.00" and entry.after["value"] == "4.00"


def test_a_city_target_replaces_the_seeded_default(city_admin):
    seeded = DevelopmentTarget.objects.get(district__isnull=True, year=2021, indicator="inclusive_facilities_built")
    assert seeded.value == 30
    target = target_set(
        actor=city_admin, district_code=None, year=2021, indicator="inclusive_facilities_built", value=31, source="X"
    )
    assert target.pk == seeded.pk and target.value == 31 and not target.is_default


@pytest.mark.parametrize("user_fixture", ["gusu_officer", "gusu_inspector", "operator"])
def test_only_the_city_admin_sets_targets(request, user_fixture):
    with pytest.raises(PermissionDenied):
        target_set(
            actor=request.getfixturevalue(user_fixture),
            district_code=GUSU,
            year=2026,
            indicator="model_facilities",
            value=2,
            source="S",
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "-1"}, "value"),
        ({"value": "abc"}, "value"),
        ({"value": "2.5"}, "value"),  # a number of facilities is whole
        ({"indicator": "streets_with_inclusive_share", "value": "100.01"}, "value"),
        ({"value": "1.234", "indicator": "slots_per_thousand"}, "value"),
        ({"district_code": "999999"}, "district"),
        ({"year": 1900}, "year"),
        ({"from_year": 2027}, "from_year"),
        ({"indicator": "nonsense"}, "indicator"),
        ({"source": "  "}, "source"),
    ],
)
def test_bad_target_input_names_the_field_and_saves_nothing(city_admin, changes, field):
    before = DevelopmentTarget.objects.count()
    kwargs = {
        "district_code": GUSU,
        "year": 2026,
        "indicator": "model_facilities",
        "value": "2",
        "source": "S",
        **changes,
    }
    with pytest.raises(ValidationFailed) as refused:
        target_set(actor=city_admin, **kwargs)
    assert field in refused.value.fields
    assert DevelopmentTarget.objects.count() == before


def test_a_share_of_100_and_a_decimal_slots_target_are_accepted(city_admin):
    share = target_set(
        actor=city_admin,
        district_code=GUSU,
        year=2026,
        indicator="streets_with_inclusive_share",
        value="100",
        source="S",
    )
    slots = target_set(
        actor=city_admin, district_code=GUSU, year=2026, indicator="slots_per_thousand", value="4.5", source="S"
    )
    assert share.value == 100 and slots.value == Decimal("4.50")


# --- build projects ---


def test_the_city_creates_a_project_in_any_unit_and_an_officer_in_their_own(city_admin, gusu_officer):
    street = Street.objects.create(district_id=WUJIANG, name="松陵街道")
    project = project_create(actor=city_admin, data=project_data(district=WUJIANG, street=street.pk))
    assert (project.status, project.district_id, project.street_id) == ("planned", WUJIANG, street.pk)
    own = project_create(actor=gusu_officer, data=project_data())
    assert own.created_by == gusu_officer
    assert AuditEntry.objects.filter(action="build_project.create", object_id=str(own.pk)).exists()


def test_an_officer_cannot_create_a_project_in_another_unit(gusu_officer):
    with pytest.raises(ValidationFailed) as refused:
        project_create(actor=gusu_officer, data=project_data(district=WUJIANG))
    assert "district" in refused.value.fields
    assert not BuildProject.objects.exists()


@pytest.mark.parametrize("user_fixture", ["gusu_inspector", "operator", "citywide_inspector", "training_base"])
def test_other_roles_cannot_create_projects(request, user_fixture):
    with pytest.raises(PermissionDenied):
        project_create(actor=request.getfixturevalue(user_fixture), data=project_data())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"planned_slots": 0}, "planned_slots"),
        ({"planned_slots": "many"}, "planned_slots"),
        ({"target_year": 3000}, "target_year"),
        ({"district": "000000"}, "district"),
        ({"street": 999999}, "street"),
        ({"planned_opening_on": "soon"}, "planned_opening_on"),
        ({"status": "opened"}, "status"),
    ],
)
def test_bad_project_input_names_the_field_and_saves_nothing(city_admin, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        project_create(actor=city_admin, data=project_data(**changes))
    assert field in refused.value.fields
    assert not BuildProject.objects.exists()


def test_a_street_of_another_unit_is_refused(city_admin):
    street = Street.objects.create(district_id=WUJIANG, name="松陵街道")
    with pytest.raises(ValidationFailed) as refused:
        project_create(actor=city_admin, data=project_data(street=street.pk))
    assert "street" in refused.value.fields


def test_an_officer_does_not_reach_another_units_project(city_admin, wujiang_officer, gusu_officer):
    project = project_create(actor=city_admin, data=project_data())
    with pytest.raises(NotFound):
        project_update(actor=wujiang_officer, project=project, data={"name": "改名"})
    with pytest.raises(NotFound):
        project_advance(actor=wujiang_officer, project=project, status="under_construction", on=date(2026, 1, 5))
    updated = project_update(actor=gusu_officer, project=project, data={"planned_slots": 120})
    assert updated.planned_slots == 120
    entry = AuditEntry.objects.get(action="build_project.update", object_id=str(project.pk))
    assert (entry.before["planned_slots"], entry.after["planned_slots"]) == (80, 120)


def test_a_project_goes_from_plan_to_opening_step_by_step(city_admin, gusu_officer):
    project = project_create(actor=gusu_officer, data=project_data())
    today = timezone.localdate()
    facility = make_facility(GUSU)
    project = project_advance(
        actor=gusu_officer, project=project, status="under_construction", on=today - timedelta(days=100)
    )
    assert project.started_on == today - timedelta(days=100)
    project = project_advance(actor=gusu_officer, project=project, status="completed", on=today - timedelta(days=20))
    project = project_advance(actor=city_admin, project=project, status="opened", on=today, facility=facility)
    project.refresh_from_db()
    assert (project.status, project.opened_on, project.facility_id) == ("opened", today, facility.pk)
    assert AuditEntry.objects.filter(action="build_project.advance", object_id=str(project.pk)).count() == 3
    with pytest.raises(Conflict):
        project_advance(actor=city_admin, project=project, status="cancelled", on=today, reason="撤销")


@pytest.mark.parametrize("status", ["completed", "opened"])
def test_a_step_cannot_be_skipped(city_admin, status):
    project = project_create(actor=city_admin, data=project_data())
    with pytest.raises(Conflict) as refused:
        project_advance(
            actor=city_admin, project=project, status=status, on=timezone.localdate(), facility=make_facility()
        )
    assert refused.value.code == "project_transition"
    project.refresh_from_db()
    assert project.status == "planned"


def test_a_step_cannot_go_back_or_repeat(city_admin):
    project = project_create(actor=city_admin, data=project_data())
    today = timezone.localdate()
    project_advance(actor=city_admin, project=project, status="under_construction", on=today)
    with pytest.raises(Conflict):
        project_advance(actor=city_admin, project=project, status="under_construction", on=today)
    with pytest.raises(ValidationFailed) as refused:
        project_advance(actor=city_admin, project=project, status="planned", on=today)
    assert "status" in refused.value.fields


def test_step_dates_are_not_in_the_future_nor_before_the_previous_step(city_admin):
    project = project_create(actor=city_admin, data=project_data())
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as future:
        project_advance(actor=city_admin, project=project, status="under_construction", on=today + timedelta(days=1))
    assert "on" in future.value.fields
    project_advance(actor=city_admin, project=project, status="under_construction", on=today - timedelta(days=5))
    with pytest.raises(ValidationFailed) as earlier:
        project_advance(actor=city_admin, project=project, status="completed", on=today - timedelta(days=6))
    assert "on" in earlier.value.fields and (today - timedelta(days=5)).isoformat() in earlier.value.fields["on"][0]
    project.refresh_from_db()
    assert (project.status, project.completed_on) == ("under_construction", None)


def _completed(city_admin):
    project = project_create(actor=city_admin, data=project_data())
    today = timezone.localdate()
    project_advance(actor=city_admin, project=project, status="under_construction", on=today - timedelta(days=9))
    return project_advance(actor=city_admin, project=project, status="completed", on=today - timedelta(days=2))


def test_opening_needs_a_facility_of_the_same_unit_not_linked_elsewhere(city_admin):
    project = _completed(city_admin)
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as missing:
        project_advance(actor=city_admin, project=project, status="opened", on=today)
    assert "facility" in missing.value.fields
    with pytest.raises(ValidationFailed) as foreign:
        project_advance(actor=city_admin, project=project, status="opened", on=today, facility=make_facility(WUJIANG))
    assert "facility" in foreign.value.fields
    taken = opened_project(GUSU, target_year=2025, opened_on=date(2025, 6, 1)).facility
    with pytest.raises(ValidationFailed) as linked:
        project_advance(actor=city_admin, project=project, status="opened", on=today, facility=taken)
    assert "facility" in linked.value.fields
    project.refresh_from_db()
    assert project.status == "completed" and project.facility is None


def test_cancelling_needs_a_reason_and_ends_the_project(city_admin):
    project = project_create(actor=city_admin, data=project_data())
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as refused:
        project_advance(actor=city_admin, project=project, status="cancelled", on=today, reason=" ")
    assert "reason" in refused.value.fields
    project = project_advance(actor=city_admin, project=project, status="cancelled", on=today, reason="选址变更")
    assert (project.status, project.cancelled_on) == ("cancelled", today)
    assert AuditEntry.objects.get(action="build_project.cancel", object_id=str(project.pk)).reason == "选址变更"
    with pytest.raises(Conflict):
        project_advance(actor=city_admin, project=project, status="under_construction", on=today)
    with pytest.raises(Conflict):
        project_update(actor=city_admin, project=project, data={"planned_slots": 10})
    assert project_update(actor=city_admin, project=project, data={"note": "已取消"}).note == "已取消"


# --- guidance ---


def test_guidance_is_refused_for_a_facility_without_a_model_recognition(operator):
    facility = make_facility(operator=operator)
    make_recognition(facility, "municipal_inclusive", granted_on=date(2025, 1, 1))
    with pytest.raises(RuleViolation) as refused:
        guidance_record(
            actor=operator,
            facility=facility,
            kind="open_day",
            held_on=timezone.localdate(),
            title="开放日",
            participants=20,
        )
    assert refused.value.clause == GUIDANCE_CLAUSE
    assert "苏府办〔2021〕182号 示范带动" in refused.value.clause
    assert not GuidanceActivity.objects.exists()


def test_guidance_is_recorded_for_a_model_facility_and_linked_to_its_recognition(operator):
    facility = model_facility(operator)
    recognition = facility.recognitions.get()
    activity = guidance_record(
        actor=operator,
        facility=facility,
        kind="parenting_session",
        held_on=timezone.localdate(),
        title="科学育儿讲座",
        participants=35,
    )
    assert activity.recognition == recognition and activity.recorded_by == operator
    assert AuditEntry.objects.filter(action="facility.guidance_record", object_id=str(facility.pk)).exists()


def test_guidance_before_the_recognition_or_during_a_suspension_is_refused(operator, city_admin):
    facility = model_facility(operator)
    recognition = facility.recognitions.get()
    with pytest.raises(RuleViolation):
        guidance_record(
            actor=operator,
            facility=facility,
            kind="open_day",
            held_on=recognition.valid_from - timedelta(days=1),
            title="开放日",
            participants=1,
        )
    RecognitionSuspension.objects.create(
        recognition=recognition, suspended_on=timezone.localdate() - timedelta(days=3), reason="重大处罚"
    )
    with pytest.raises(RuleViolation):
        guidance_record(
            actor=city_admin,
            facility=facility,
            kind="open_day",
            held_on=timezone.localdate(),
            title="开放日",
            participants=1,
        )


def test_a_provincial_model_recognition_also_carries_guidance_duties(gusu_officer):
    facility = make_facility(GUSU)
    make_recognition(facility, "provincial_model", granted_on=timezone.localdate() - timedelta(days=10))
    activity = guidance_record(
        actor=gusu_officer,
        facility=facility,
        kind="community_class",
        held_on=timezone.localdate(),
        title="社区课堂",
        participants=12,
    )
    assert activity.recognition.kind == "provincial_model"


def test_mentoring_names_another_facility(operator):
    facility = model_facility(operator)
    base = {"actor": operator, "facility": facility, "kind": "mentoring", "held_on": timezone.localdate()}
    with pytest.raises(ValidationFailed) as missing:
        guidance_record(**base, title="结对", participants=3)
    assert "mentored_facility" in missing.value.fields
    with pytest.raises(ValidationFailed) as itself:
        guidance_record(**base, title="结对", participants=3, mentored_facility=facility)
    assert "mentored_facility" in itself.value.fields
    other = make_facility(WUJIANG)  # any facility of the city
    assert guidance_record(**base, title="结对", participants=3, mentored_facility=other).mentored_facility == other


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": "tomorrow"}, "held_on"),
        ({"participants": 100_001}, "participants"),
        ({"participants": -1}, "participants"),
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_guidance_input_names_the_field_and_saves_nothing(operator, changes, field):
    facility = model_facility(operator)
    kwargs = {"kind": "open_day", "held_on": timezone.localdate(), "title": "开放日", "participants": 5, **changes}
    if kwargs["held_on"] == "tomorrow":
        kwargs["held_on"] = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        guidance_record(actor=operator, facility=facility, **kwargs)
    assert field in refused.value.fields
    assert not GuidanceActivity.objects.exists()


def test_who_may_record_guidance(operator, make_user, gusu_inspector, wujiang_officer, gusu_officer, city_admin):
    facility = model_facility(operator)
    args = {"facility": facility, "kind": "open_day", "held_on": timezone.localdate(), "title": "开放日"}
    with pytest.raises(PermissionDenied):
        guidance_record(actor=gusu_inspector, participants=1, **args)
    with pytest.raises(NotFound):
        guidance_record(actor=make_user("operator", username="someone_else"), participants=1, **args)
    with pytest.raises(NotFound):
        guidance_record(actor=wujiang_officer, participants=1, **args)
    guidance_record(actor=gusu_officer, participants=1, **args)
    guidance_record(actor=city_admin, participants=1, **args)
    assert GuidanceActivity.objects.count() == 2


def test_guidance_counts_per_facility_and_kind_in_the_users_scope(operator, gusu_officer, wujiang_officer):
    first = model_facility(operator, name="甲")
    second = model_facility(None, district=WUJIANG, name="乙")
    today = timezone.localdate()
    recognition = first.recognitions.get()
    rows = [
        (first, "open_day", 0, 30),
        (first, "open_day", 5, 20),
        (first, "mentoring", 1, 4),
        (first, "open_day", 400, 99),  # before the period
        (second, "community_class", 2, 15),
    ]
    for facility, kind, days_ago, participants in rows:
        GuidanceActivity.objects.create(
            facility=facility,
            recognition=facility.recognitions.get() if facility != first else recognition,
            kind=kind,
            held_on=today - timedelta(days=days_ago),
            title="t",
            participants=participants,
            mentored_facility=second if kind == "mentoring" else None,
            recorded_by=gusu_officer,
        )
    period = {"date_from": today - timedelta(days=30), "date_to": today}
    counts = guidance_counts(user=operator, **period)
    assert len(counts) == 1
    row = counts[0]
    assert (row["facility_id"], row["facility_name"], row["district"]) == (first.pk, "甲", GUSU)
    assert row["kinds"]["open_day"] == {"count": 2, "participants": 50}
    assert row["kinds"]["mentoring"] == {"count": 1, "participants": 4}
    assert row["kinds"]["community_class"] == {"count": 0, "participants": 0}
    assert (row["count"], row["participants"]) == (3, 54)
    assert [r["facility_id"] for r in guidance_counts(user=wujiang_officer, **period)] == [second.pk]
    assert guidance_counts(user=wujiang_officer, district=GUSU, **period) == []


# --- progress on a known data set ---


@pytest.fixture
def known_data(city_admin):
    """2024: two units with targets, projects, model recognitions, streets, slots and populations."""
    for district, indicator, value, from_year in [
        (GUSU, "inclusive_facilities_built", 2, None),
        (WUJIANG, "inclusive_facilities_built", 3, None),
        (GUSU, "model_facilities", 4, 2023),
        (GUSU, "streets_with_inclusive_share", 100, None),
        (GUSU, "slots_per_thousand", 5, None),
    ]:
        target_set(
            actor=city_admin,
            district_code=district,
            year=2024,
            indicator=indicator,
            value=value,
            source="测试",
            from_year=from_year,
        )
    # Projects: one of 姑苏 and one of 吴江 count; opened after the year, of another year, or not opened do not.
    opened_project(GUSU, target_year=2024, opened_on=date(2024, 6, 1))
    opened_project(GUSU, target_year=2024, opened_on=date(2025, 1, 10))
    opened_project(GUSU, target_year=2023, opened_on=date(2023, 5, 1))
    opened_project(WUJIANG, target_year=2024, opened_on=date(2024, 3, 1))
    BuildProject.objects.create(
        name="未开园", programme="p", district_id=WUJIANG, target_year=2024, planned_slots=10, status="completed"
    )
    # Municipal model recognitions: 姑苏 counts from 2023 (A, and B once although granted twice);
    # 吴江 counts 2024 only (C was granted in 2022; D is provincial).
    a, b = make_facility(GUSU), make_facility(GUSU)
    make_recognition(a, granted_on=date(2023, 3, 1))
    make_recognition(b, granted_on=date(2024, 1, 5), status="expired")
    make_recognition(b, granted_on=date(2024, 11, 1))
    c, d = make_facility(WUJIANG), make_facility(WUJIANG)
    make_recognition(c, granted_on=date(2022, 6, 1))
    make_recognition(d, "provincial_model", granted_on=date(2024, 2, 1))
    # Streets of 姑苏: only the first has an inclusive facility in force on 2024-12-31.
    streets = [Street.objects.create(district_id=GUSU, name=f"街道{i}") for i in range(4)]
    in_force = make_facility(GUSU, street=streets[0])
    make_recognition(in_force, "municipal_inclusive", granted_on=date(2024, 1, 1))
    make_recognition(make_facility(GUSU, street=streets[0]), "provincial_inclusive", granted_on=date(2023, 1, 1))
    make_recognition(
        make_facility(GUSU, street=streets[1]),
        "provincial_inclusive",
        granted_on=date(2024, 1, 1),
        revoked_on=date(2024, 10, 1),
        status="revoked",
    )
    suspended = make_recognition(
        make_facility(GUSU, street=streets[2]), "municipal_inclusive", granted_on=date(2024, 1, 1)
    )
    RecognitionSuspension.objects.create(recognition=suspended, suspended_on=date(2024, 12, 1), reason="处罚")
    make_recognition(make_facility(GUSU, street=streets[3]), "municipal_inclusive", granted_on=date(2025, 2, 1))
    # Slots operating on 2024-12-31: 姑苏 2,500 + 500 (one closed before, one opened after); 吴江 1,000.
    make_facility(GUSU, slots=2500)
    make_facility(GUSU, slots=500, opened=date(2024, 12, 31))
    make_facility(GUSU, slots=700, opened=date(2020, 1, 1), closed=date(2024, 11, 30))
    make_facility(GUSU, slots=900, opened=date(2025, 1, 1))
    make_facility(WUJIANG, slots=1000)
    DistrictPopulation.objects.create(district_id=GUSU, year=2023, population=1_000_000, status="official")
    DistrictPopulation.objects.create(district_id=GUSU, year=2025, population=2_000_000, status="official")


def _row(progress, code):
    return next(row for row in progress["rows"] if row["code"] == code)


def _cell(row, indicator):
    return next(cell for cell in row["indicators"] if cell["indicator"] == indicator)


def test_progress_of_a_unit_on_the_known_data(known_data, city_admin):
    progress = target_progress(year=2024, user=city_admin)
    assert progress["as_of"] == date(2024, 12, 31)
    gusu = _row(progress, GUSU)
    built = _cell(gusu, "inclusive_facilities_built")
    assert (built["target"], built["actual"], built["completion"]) == (Decimal(2), 1, Decimal("0.5000"))
    model = _cell(gusu, "model_facilities")
    assert (model["target"], model["actual"], model["from_year"], model["percent"]) == (
        Decimal(4),
        2,
        2023,
        Decimal("50.0"),
    )
    share = _cell(gusu, "streets_with_inclusive_share")
    assert (share["actual"], share["completion"]) == (Decimal("25.00"), Decimal("0.2500"))
    assert (gusu["streets"], gusu["streets_with_inclusive"]) == (4, 1)
    slots = _cell(gusu, "slots_per_thousand")
    assert (gusu["slots"], gusu["population"], gusu["population_year"]) == (3000, 1_000_000, 2023)
    assert (slots["actual"], slots["completion"], slots["estimated"]) == (Decimal("3.00"), Decimal("0.6000"), False)

    wujiang = _row(progress, WUJIANG)
    built = _cell(wujiang, "inclusive_facilities_built")
    assert (built["actual"], built["completion"]) == (1, Decimal("0.3333"))
    assert _cell(wujiang, "model_facilities")["actual"] == 0
    assert _cell(wujiang, "model_facilities")["target"] is None
    assert _cell(wujiang, "model_facilities")["completion"] is None
    share = _cell(wujiang, "streets_with_inclusive_share")
    assert (share["actual"], share["note"]) == (None, "streets_not_entered")
    slots = _cell(wujiang, "slots_per_thousand")
    assert (slots["actual"], slots["estimated"]) == (Decimal("0.65"), True)  # 1,000 × 1,000 ÷ 1,544,062


def test_progress_of_the_city_is_the_sum_of_its_units(known_data, city_admin):
    progress = target_progress(year=2024, user=city_admin)
    assert len(progress["rows"]) == 11 and progress["rows"][-1]["is_city"]
    city = progress["rows"][-1]
    built = _cell(city, "inclusive_facilities_built")
    assert (built["target"], built["target_summed"], built["actual"], built["completion"]) == (
        Decimal(5),
        True,
        2,
        Decimal("0.4000"),
    )
    model = _cell(city, "model_facilities")
    assert (model["target"], model["actual"]) == (Decimal(4), 2)
    assert _cell(city, "streets_with_inclusive_share")["actual"] == Decimal("25.00")
    assert _cell(city, "streets_with_inclusive_share")["target"] is None
    # 4,000 slots ÷ 12,825,362 residents (the ten units, 姑苏 at its 2023 figure) × 1,000.
    assert city["population"] == 12_825_362 and city["slots"] == 4000
    slots = _cell(city, "slots_per_thousand")
    assert (slots["actual"], slots["estimated"]) == (Decimal("0.31"), True)


def test_a_cumulative_city_target_counts_every_unit_over_its_years(known_data, city_admin):
    target_set(
        actor=city_admin,
        district_code=None,
        year=2024,
        indicator="model_facilities",
        value=10,
        source="测试",
        from_year=2022,
    )
    progress = target_progress(year=2024, user=city_admin)
    assert _cell(_row(progress, WUJIANG), "model_facilities")["actual"] == 1  # C, granted 2022, now counts
    model = _cell(progress["rows"][-1], "model_facilities")
    assert (model["target"], model["actual"], model["completion"]) == (Decimal(10), 3, Decimal("0.3000"))


def test_a_unit_officer_sees_only_their_unit(known_data, gusu_officer, operator):
    progress = target_progress(year=2024, user=gusu_officer)
    assert [row["code"] for row in progress["rows"]] == [GUSU]
    assert _cell(progress["rows"][0], "inclusive_facilities_built")["actual"] == 1
    assert target_progress(year=2024, user=operator)["rows"] == []


def test_progress_runs_a_fixed_number_of_queries(city_admin):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            target_progress(year=2024, user=city_admin)
        return len(captured)

    small = queries()
    for district in District.objects.all():
        street = Street.objects.create(district=district, name="街道")
        for _ in range(3):
            facility = make_facility(district.code, street=street, slots=10)
            make_recognition(facility, "municipal_inclusive", granted_on=date(2024, 1, 1))
            make_recognition(facility, "municipal_model", granted_on=date(2024, 2, 1))
            opened_project(district.code, target_year=2024, opened_on=date(2024, 5, 1))
    assert queries() == small


# --- pages ---


TARGETS = "/recognitions/targets/"
PROJECTS = "/recognitions/projects/"
GUIDANCE = "/recognitions/guidance/"


@pytest.mark.parametrize("user_fixture", ["city_admin", "gusu_officer", "gusu_inspector", "citywide_inspector"])
def test_the_targets_page_for_staff(known_data, request, web_client_for, user_fixture):
    user = request.getfixturevalue(user_fixture)
    page = web_client_for(user).get(TARGETS, {"year": 2024})
    assert page.status_code == 200
    body = page.content.decode()
    assert "姑苏区" in body and "50.0%" in body
    assert ("吴江区" in body) == (user_fixture in ("city_admin", "citywide_inspector"))
    assert ('name="source"' in body) == (user_fixture == "city_admin")


@pytest.mark.parametrize("user_fixture", ["operator", "training_base", "mch_assessor", "stats_client"])
def test_the_targets_pages_are_absent_for_other_roles(request, web_client_for, user_fixture):
    client = web_client_for(request.getfixturevalue(user_fixture))
    for url in (TARGETS, TARGETS + "export.xlsx", PROJECTS):
        assert client.get(url).status_code == 404


def test_a_bad_year_falls_back_to_the_current_year(city_admin, web_client_for):
    page = web_client_for(city_admin).get(TARGETS, {"year": "abc"})
    year = timezone.localdate().year
    assert page.status_code == 200 and page.context["year"] == year and page.context["year_error"]
    assert f'<option value="{year}" selected>' in page.content.decode()


def test_the_city_admin_sets_a_target_on_the_page(city_admin, web_client_for):
    client = web_client_for(city_admin)
    form = {
        "district": GUSU,
        "year": 2026,
        "indicator": "streets_with_inclusive_share",
        "value": "101",
        "source": "S",
    }
    refused = client.post(TARGETS, form)
    assert refused.status_code == 400 and "100" in refused.content.decode()
    assert not DevelopmentTarget.objects.filter(district_id=GUSU).exists()
    saved = client.post(TARGETS, {**form, "value": "80"})
    assert saved.status_code == 302 and saved["Location"].endswith("?year=2026")
    assert DevelopmentTarget.objects.get(district_id=GUSU, year=2026).value == 80


def test_an_officer_cannot_post_a_target(gusu_officer, web_client_for):
    form = {"district": GUSU, "year": 2026, "indicator": "model_facilities", "value": "2", "source": "S"}
    assert web_client_for(gusu_officer).post(TARGETS, form).status_code == 403
    assert not DevelopmentTarget.objects.filter(district_id=GUSU).exists()


def test_the_export_writes_the_progress_and_sources_as_text(known_data, city_admin, web_client_for):
    target_set(
        actor=city_admin,
        district_code=WUJIANG,
        year=2024,
        indicator="model_facilities",
        value=1,
        source='=HYPERLINK("http://evil.example","x")',
    )
    response = web_client_for(city_admin).get(TARGETS + "export.xlsx", {"year": 2024})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    progress = book["2024"]
    names = [progress.cell(row=r, column=1).value for r in range(2, 13)]
    assert names[3] == "姑苏区" and len([n for n in names if n]) == 11
    assert progress.cell(row=5, column=2).value == 2 and progress.cell(row=5, column=3).value == 1
    sources = [cell.value for row in book.worksheets[1].iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in sources


def test_the_project_pages_per_role(city_admin, gusu_officer, wujiang_officer, gusu_inspector, web_client_for):
    gusu = project_create(actor=city_admin, data=project_data(name="姑苏项目"))
    wujiang = project_create(actor=city_admin, data=project_data(name="吴江项目", district=WUJIANG))
    listing = web_client_for(city_admin).get(PROJECTS).content.decode()
    assert "姑苏项目" in listing and "吴江项目" in listing
    for user in (gusu_officer, gusu_inspector):
        client = web_client_for(user)
        listing = client.get(PROJECTS).content.decode()
        assert "姑苏项目" in listing and "吴江项目" not in listing
        assert client.get(f"{PROJECTS}{gusu.pk}/").status_code == 200
        assert client.get(f"{PROJECTS}{wujiang.pk}/").status_code == 404
    assert web_client_for(wujiang_officer).get(f"{PROJECTS}{gusu.pk}/").status_code == 404
    assert 'name="advance-status"' not in web_client_for(gusu_inspector).get(f"{PROJECTS}{gusu.pk}/").content.decode()
    filtered = web_client_for(city_admin).get(PROJECTS, {"district": WUJIANG, "status": "planned"}).content.decode()
    assert "吴江项目" in filtered and "姑苏项目" not in filtered


def test_an_officer_adds_and_advances_a_project_on_the_pages(gusu_officer, gusu_inspector, web_client_for):
    client = web_client_for(gusu_officer)
    form = {
        "name": "新建托育中心",
        "programme": "实事项目",
        "district": GUSU,
        "target_year": 2026,
        "planned_slots": "0",
    }
    refused = client.post(PROJECTS, form)
    assert refused.status_code == 400 and not BuildProject.objects.exists()
    created = client.post(PROJECTS, {**form, "planned_slots": "60"})
    project = BuildProject.objects.get()
    assert created.status_code == 302 and created["Location"] == f"{PROJECTS}{project.pk}/"
    today = timezone.localdate()
    future = client.post(
        f"{PROJECTS}{project.pk}/",
        {"form": "advance", "advance-status": "under_construction", "advance-on": (today + timedelta(days=2))},
    )
    assert future.status_code == 400
    project.refresh_from_db()
    assert project.status == "planned"
    done = client.post(
        f"{PROJECTS}{project.pk}/", {"form": "advance", "advance-status": "under_construction", "advance-on": today}
    )
    assert done.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.started_on) == ("under_construction", today)
    assert web_client_for(gusu_inspector).post(f"{PROJECTS}{project.pk}/", {"form": "advance"}).status_code == 403


def test_the_project_list_runs_the_same_queries_with_more_projects(city_admin, web_client_for):
    client = web_client_for(city_admin)
    client.get(PROJECTS)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PROJECTS).status_code == 200
        return len(captured)

    for i in range(3):
        opened_project(GUSU, target_year=2025, opened_on=date(2025, 1, 2), name=f"项目{i}")
    few = queries()
    street = Street.objects.create(district_id=WUJIANG, name="松陵街道")
    for i in range(40):
        project = opened_project(WUJIANG, target_year=2025, opened_on=date(2025, 1, 2), name=f"吴江{i}")
        project.street = street
        project.save()
    assert queries() == few


def test_the_guidance_page_per_role(operator, make_user, gusu_officer, gusu_inspector, wujiang_officer, web_client_for):
    facility = model_facility(operator, name="示范托育园")
    guidance_record(
        actor=operator,
        facility=facility,
        kind="open_day",
        held_on=timezone.localdate(),
        title="开放日活动",
        participants=30,
    )
    for user in (operator, gusu_officer, gusu_inspector):
        body = web_client_for(user).get(GUIDANCE).content.decode()
        assert "开放日活动" in body
    assert "开放日活动" not in web_client_for(wujiang_officer).get(GUIDANCE).content.decode()
    stranger = make_user("operator", username="stranger")
    body = web_client_for(stranger).get(GUIDANCE).content.decode()
    assert "开放日活动" not in body and 'name="title"' not in body
    assert 'name="title"' not in web_client_for(gusu_inspector).get(GUIDANCE).content.decode()
    assert web_client_for(make_user("training_base", username="tb2")).get(GUIDANCE).status_code == 404


def test_an_operator_records_guidance_on_the_page(operator, web_client_for):
    facility = model_facility(operator, name="示范托育园")
    client = web_client_for(operator)
    form = {
        "facility": facility.pk,
        "kind": "mentoring",
        "held_on": timezone.localdate().isoformat(),
        "title": "结对帮扶",
        "participants": "4",
    }
    refused = client.post(GUIDANCE, form)
    assert refused.status_code == 400 and not GuidanceActivity.objects.exists()
    mentored = make_facility(GUSU, name="被帮扶机构")
    Facility.objects.filter(pk=mentored.pk).update(filing_number="苏姑托备2026001", filing_status="filed")
    saved = client.post(GUIDANCE, {**form, "mentored_facility": mentored.pk})
    assert saved.status_code == 302
    activity = GuidanceActivity.objects.get()
    assert activity.mentored_facility == mentored
    page = client.get(GUIDANCE).content.decode()
    assert "结对帮扶" in page


def test_an_inspector_cannot_post_guidance(operator, gusu_inspector, web_client_for):
    facility = model_facility(operator)
    form = {"facility": facility.pk, "kind": "open_day", "held_on": "2026-01-01", "title": "x", "participants": 1}
    assert web_client_for(gusu_inspector).post(GUIDANCE, form).status_code == 403
    assert not GuidanceActivity.objects.exists()


def test_the_guidance_page_runs_the_same_queries_with_more_activities(operator, gusu_officer, web_client_for):
    facilities = [model_facility(operator), model_facility(operator)]
    other = make_facility(WUJIANG)
    client = web_client_for(operator)
    client.get(GUIDANCE)

    def add(n: int) -> None:
        GuidanceActivity.objects.bulk_create(
            GuidanceActivity(
                facility=facilities[i % 2],
                recognition=facilities[i % 2].recognitions.get(),
                kind="mentoring" if i % 3 == 0 else "open_day",
                mentored_facility=other if i % 3 == 0 else None,
                held_on=timezone.localdate() - timedelta(days=i % 200),
                title=f"活动{i}",
                participants=i,
                recorded_by=gusu_officer,
            )
            for i in range(n)
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(GUIDANCE).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(120)
    assert queries() == few


def test_a_closed_projects_page_shows_its_outcome_and_takes_no_step(city_admin, gusu_officer, web_client_for):
    opened = opened_project(GUSU, target_year=2025, opened_on=date(2025, 3, 1), facility=make_facility(name="新园"))
    cancelled = project_create(actor=city_admin, data=project_data(name="撤销项目"))
    project_advance(actor=city_admin, project=cancelled, status="cancelled", on=timezone.localdate(), reason="选址变更")
    client = web_client_for(gusu_officer)
    page = client.get(f"{PROJECTS}{opened.pk}/").content.decode()
    assert "新园" in page and 'name="advance-status"' not in page
    assert "选址变更" in client.get(f"{PROJECTS}{cancelled.pk}/").content.decode()
    step = {"form": "advance", "advance-status": "cancelled", "advance-on": "2026-01-01", "advance-reason": "x"}
    assert client.post(f"{PROJECTS}{opened.pk}/", step).status_code == 403
    note = client.post(
        f"{PROJECTS}{cancelled.pk}/",
        {
            "form": "edit",
            "edit-name": "改名无效",
            "edit-programme": "p",
            "edit-district": GUSU,
            "edit-target_year": 2026,
            "edit-planned_slots": 5,
            "edit-note": "已取消",
        },
    )
    assert note.status_code == 302
    cancelled.refresh_from_db()
    assert (cancelled.name, cancelled.note) == ("撤销项目", "已取消")
