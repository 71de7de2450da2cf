"""Inspection plans, their reproducible draw (双随机), the coverage view, and their pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities import services as facility_services
from inspections.models import Finding, Inspection, InspectionPlan, PlanTarget, RectificationOrder
from inspections.selectors.planning import coverage_for, plan_list_for
from inspections.services.planning import plan_create, plan_draw, plan_redraw_check
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.regions.models import District

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"


# --- helpers (also used by this developer's other test files) --------------------------------------------------


def make_facility(actor, name: str, *, district_code: str = GUSU, opened_days_ago: int | None = 400, **fields):
    """A facility the unit knows to operate (status "known"), entered through the facilities service."""
    today = timezone.localdate()
    data = {
        "name": name,
        "category": "social",
        "district": District.objects.get(code=district_code),
        "opened_on": today - timedelta(days=opened_days_ago) if opened_days_ago is not None else None,
        **fields,
    }
    return facility_services.facility_create(actor=actor, data=data)


def make_inspectors(make_user, district_code: str | None, count: int, prefix: str) -> list:
    if district_code is None:
        return [make_user(Role.INSPECTOR, is_citywide=True, username=f"{prefix}{n}") for n in range(count)]
    return [make_user(Role.INSPECTOR, district_code=district_code, username=f"{prefix}{n}") for n in range(count)]


def inspect(facility, on: date, *, by, status: str = "completed", kind: str = "routine", follow_up_of=None, plan=None):
    """An inspection written directly (test setup; the records service belongs to another part of the app)."""
    inspection = Inspection.objects.create(
        facility=facility,
        plan=plan,
        kind=kind,
        inspected_on=on,
        status=status,
        follow_up_of=follow_up_of,
        created_by=by,
        completed_at=timezone.now() if status == "completed" else None,
    )
    inspection.inspectors.add(by)
    return inspection


def finding(facility, on: date, *, by, weight: str = "serious") -> Finding:
    inspection = inspect(facility, on, by=by)
    return Finding.objects.create(
        inspection=inspection, facility=facility, weight=weight, description="监控覆盖不全", recorded_on=on
    )


def order(facility, *, by, deadline: date, status: str = "open", issued_on: date | None = None):
    issued_on = issued_on or deadline - timedelta(days=14)
    found = finding(facility, issued_on, by=by, weight="moderate")
    return RectificationOrder.objects.create(
        finding=found, facility=facility, issued_on=issued_on, deadline=deadline, status=status
    )


def new_plan(actor, *, district_code: str | None = GUSU, sample_size: int = 3, **extra) -> InspectionPlan:
    today = timezone.localdate()
    return plan_create(
        actor=actor,
        title=extra.pop("title", "2025年双随机抽查"),
        district=District.objects.get(code=district_code) if district_code else None,
        period_start=extra.pop("period_start", today - timedelta(days=10)),
        period_end=extra.pop("period_end", today + timedelta(days=80)),
        sample_size=sample_size,
        inspectors_per_facility=extra.pop("inspectors_per_facility", 2),
        serious_finding_weight=extra.pop("serious_finding_weight", 3),
    )


def drawn(plan) -> list[tuple[int, tuple[int, ...]]]:
    return [
        (t.facility_id, tuple(sorted(p.pk for p in t.inspectors.all())))
        for t in PlanTarget.objects.filter(plan=plan).prefetch_related("inspectors").order_by("position")
    ]


@pytest.fixture
def gusu(city_admin, make_user):
    """Six operating facilities and four inspectors in 姑苏区, plus what a draw must leave out."""
    facilities = [make_facility(city_admin, f"姑苏托育{n}") for n in range(6)]
    inspectors = make_inspectors(make_user, GUSU, 4, "gusu_insp")
    return {"facilities": facilities, "inspectors": inspectors}


# --- plan_create ---------------------------------------------------------------------------------------------


def test_a_district_officer_plans_for_their_unit(gusu_officer):
    plan = new_plan(gusu_officer)
    assert plan.district_id == GUSU
    assert plan.draw_seed is None
    assert AuditEntry.objects.filter(action="inspection_plan.create", object_id=str(plan.pk)).exists()


def test_a_district_officer_cannot_plan_for_another_unit_or_the_city(gusu_officer):
    with pytest.raises(ValidationFailed) as other_unit:
        new_plan(gusu_officer, district_code=WUJIANG)
    assert "district" in other_unit.value.fields
    with pytest.raises(ValidationFailed) as citywide:
        new_plan(gusu_officer, district_code=None)
    assert "district" in citywide.value.fields


def test_the_city_admin_plans_city_wide(city_admin):
    assert new_plan(city_admin, district_code=None).district is None


@pytest.mark.parametrize("role", ["inspector", "operator"])
def test_other_roles_may_not_plan(users, role):
    with pytest.raises(PermissionDenied):
        new_plan(users[role])


def test_plan_values_are_checked_field_by_field(gusu_officer):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        new_plan(
            gusu_officer,
            title=" ",
            sample_size=0,
            inspectors_per_facility=1,
            serious_finding_weight=0,
            period_start=today,
            period_end=today - timedelta(days=1),
        )
    fields = exc.value.fields
    assert set(fields) == {"title", "sample_size", "inspectors_per_facility", "serious_finding_weight", "period_end"}
    assert "行政处罚法" in fields["inspectors_per_facility"][0]  # two inspectors at least


# --- plan_draw -----------------------------------------------------------------------------------------------


def test_a_draw_picks_operating_facilities_of_the_unit_and_the_units_inspectors(
    gusu, city_admin, gusu_officer, make_user, gusu_inspector
):
    wujiang = make_facility(city_admin, "吴江托育", district_code=WUJIANG)
    not_open_yet = make_facility(city_admin, "姑苏未开业", opened_days_ago=-10)
    cancelled = make_facility(city_admin, "姑苏已注销")
    facility_services.facility_cancel(actor=gusu_officer, facility=cancelled)
    make_inspectors(make_user, WUJIANG, 2, "wj_insp")
    make_inspectors(make_user, None, 2, "city_insp")

    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=100))

    facility_ids = {f for f, _team in drawn(plan)}
    assert facility_ids == {f.pk for f in gusu["facilities"]}
    assert not facility_ids & {wujiang.pk, not_open_yet.pk, cancelled.pk}
    unit_inspectors = {p.pk for p in gusu["inspectors"]} | {gusu_inspector.pk}
    for _facility, team in drawn(plan):
        assert len(team) == 2
        assert set(team) <= unit_inspectors


def test_the_seed_is_logged_on_the_plan_and_in_the_audit_entry(gusu, gusu_officer):
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer))
    plan.refresh_from_db()
    assert plan.draw_seed is not None
    assert 0 <= plan.draw_seed < 2**63
    assert plan.drawn_by == gusu_officer
    assert plan.drawn_at is not None
    entry = AuditEntry.objects.get(action="inspection_plan.draw", object_id=str(plan.pk))
    assert entry.after["draw_seed"] == plan.draw_seed
    assert sorted(f for f, _w in entry.after["candidates"]) == sorted(f.pk for f in gusu["facilities"])
    assert [[f, list(team)] for f, team in drawn(plan)] == entry.after["targets"]


def test_the_same_seed_reproduces_the_same_draw(gusu, gusu_officer):
    first = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer), seed=123456789)
    second = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer), seed=123456789)
    other = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer), seed=987654321)
    assert drawn(first) == drawn(second)
    assert len(drawn(first)) == 3
    assert drawn(first) != drawn(other)


def test_the_redraw_check_recomputes_the_draw_from_the_log(gusu, gusu_officer, city_admin):
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer))
    # Facilities opening after the draw do not change what the logged seed reproduces.
    make_facility(city_admin, "抽取后开业")
    assert plan_redraw_check(plan) is True

    target = PlanTarget.objects.filter(plan=plan).order_by("position").first()
    on_it = set(target.inspectors.values_list("pk", flat=True))
    outsider = next(p for p in gusu["inspectors"] if p.pk not in on_it)
    target.inspectors.remove(next(iter(on_it)))
    target.inspectors.add(outsider)
    assert plan_redraw_check(plan) is False


def test_an_undrawn_plan_does_not_pass_the_redraw_check(gusu_officer):
    assert plan_redraw_check(new_plan(gusu_officer)) is False


def test_a_plan_is_drawn_once(gusu, gusu_officer):
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer), seed=1)
    before = drawn(plan)
    with pytest.raises(Conflict):
        plan_draw(actor=gusu_officer, plan=plan, seed=2)
    plan.refresh_from_db()
    assert plan.draw_seed == 1
    assert drawn(plan) == before


def test_a_serious_finding_in_the_last_12_months_weighs_on_the_draw(gusu, gusu_officer):
    recent, old, _clean, *_rest = gusu["facilities"]
    today = timezone.localdate()
    finding(recent, today - timedelta(days=200), by=gusu_officer)
    finding(old, today - timedelta(days=400), by=gusu_officer)
    finding(old, today - timedelta(days=30), by=gusu_officer, weight="minor")
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, serious_finding_weight=4))
    weights = dict(AuditEntry.objects.get(action="inspection_plan.draw", object_id=str(plan.pk)).after["candidates"])
    assert weights[recent.pk] == 4
    assert weights[old.pk] == 1
    assert sorted(weights.values()) == [1, 1, 1, 1, 1, 4]


def test_a_serious_finding_makes_a_facility_drawn_more_often_over_many_seeds(gusu, gusu_officer):
    """Fixed seeds, so deterministic: weight 5 against five facilities of weight 1, one drawn per plan."""
    flagged = gusu["facilities"][0]
    finding(flagged, timezone.localdate() - timedelta(days=10), by=gusu_officer)
    hits = 0
    for seed in range(60):
        plan = plan_draw(
            actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=1, serious_finding_weight=5), seed=seed
        )
        hits += drawn(plan)[0][0] == flagged.pk
    # Expected 5 / 10 of the draws, against 1 / 6 without the weight.
    assert hits >= 20


def test_too_few_inspectors_is_refused(city_admin, gusu_officer, gusu_inspector):
    make_facility(city_admin, "姑苏托育")
    plan = new_plan(gusu_officer, inspectors_per_facility=2)
    with pytest.raises(RuleViolation) as exc:
        plan_draw(actor=gusu_officer, plan=plan)
    assert exc.value.code == "too_few_inspectors"
    plan.refresh_from_db()
    assert plan.draw_seed is None


def test_nothing_to_draw_is_refused(gusu_officer, make_user):
    make_inspectors(make_user, GUSU, 2, "gi")
    with pytest.raises(RuleViolation) as exc:
        plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer))
    assert exc.value.code == "no_candidates"


def test_a_city_wide_plan_draws_across_units_with_city_wide_inspectors(gusu, city_admin, make_user):
    wujiang = make_facility(city_admin, "吴江托育", district_code=WUJIANG)
    city = make_inspectors(make_user, None, 3, "city_insp")
    plan = plan_draw(actor=city_admin, plan=new_plan(city_admin, district_code=None, sample_size=100))
    assert {f for f, _team in drawn(plan)} == {f.pk for f in gusu["facilities"]} | {wujiang.pk}
    assert {p for _f, team in drawn(plan) for p in team} <= {p.pk for p in city}


def test_only_the_units_officer_or_the_city_draws(gusu, gusu_officer, wujiang_officer, gusu_inspector, city_admin):
    plan = new_plan(gusu_officer)
    with pytest.raises(NotFound):
        plan_draw(actor=wujiang_officer, plan=plan)
    with pytest.raises(PermissionDenied):
        plan_draw(actor=gusu_inspector, plan=plan)
    with pytest.raises(PermissionDenied):
        plan_draw(actor=gusu_officer, plan=new_plan(city_admin, district_code=None))
    assert plan_draw(actor=city_admin, plan=plan).draw_seed is not None


def test_a_plan_whose_period_is_over_is_not_drawn(gusu, gusu_officer):
    today = timezone.localdate()
    plan = new_plan(gusu_officer, period_start=today - timedelta(days=90), period_end=today - timedelta(days=1))
    with pytest.raises(RuleViolation):
        plan_draw(actor=gusu_officer, plan=plan)


# --- who sees which plan -------------------------------------------------------------------------------------


def test_plan_visibility(gusu, users, city_admin, gusu_officer, wujiang_officer, gusu_inspector, make_user):
    gusu_plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=6), seed=7)
    city_plan = new_plan(city_admin, district_code=None)
    wujiang_plan = new_plan(wujiang_officer, district_code=WUJIANG)
    drawn_inspector = PlanTarget.objects.filter(plan=gusu_plan).first().inspectors.first()
    idle_inspector = make_user(Role.INSPECTOR, district_code=GUSU, username="idle_insp", is_active=True)

    def visible(user):
        return set(plan_list_for(user=user).values_list("pk", flat=True))

    assert visible(city_admin) == {gusu_plan.pk, city_plan.pk, wujiang_plan.pk}
    assert visible(gusu_officer) == {gusu_plan.pk, city_plan.pk}
    assert visible(wujiang_officer) == {wujiang_plan.pk, city_plan.pk}
    assert visible(drawn_inspector) == {gusu_plan.pk}
    assert visible(idle_inspector) == set()
    assert visible(users["operator"]) == set()
    assert visible(users["mch_assessor"]) == set()


# --- coverage ------------------------------------------------------------------------------------------------


def test_coverage_lists_exactly_the_facilities_with_no_completed_inspection_in_the_cycle(
    city_admin, gusu_officer, wujiang_officer
):
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    done = make_facility(city_admin, "已检查")
    in_progress = make_facility(city_admin, "检查未完成")
    last_year = make_facility(city_admin, "去年检查")
    never = make_facility(city_admin, "从未检查")
    known_no_date = make_facility(city_admin, "已知未填开业日", opened_days_ago=None)
    cancelled = make_facility(city_admin, "已注销")
    wujiang = make_facility(city_admin, "吴江未检查", district_code=WUJIANG)
    inspect(done, date(2025, 3, 5), by=gusu_officer)
    inspect(in_progress, date(2025, 4, 1), by=gusu_officer, status="draft")
    inspect(last_year, date(2024, 12, 31), by=gusu_officer)
    inspect(cancelled, date(2024, 6, 1), by=gusu_officer)
    facility_services.facility_cancel(actor=gusu_officer, facility=cancelled)

    def not_inspected(user):
        return set(coverage_for(user=user, start=start, end=end)["not_inspected"].values_list("name", flat=True))

    assert not_inspected(gusu_officer) == {in_progress.name, last_year.name, never.name, known_no_date.name}
    assert not_inspected(wujiang_officer) == {wujiang.name}
    assert not_inspected(city_admin) == {in_progress.name, last_year.name, never.name, known_no_date.name, wujiang.name}


def test_a_facility_opened_after_the_cycle_is_not_listed(city_admin, gusu_officer):
    today = timezone.localdate()
    make_facility(city_admin, "新开业", opened_days_ago=5)
    start, end = today - timedelta(days=400), today - timedelta(days=30)
    assert not coverage_for(user=gusu_officer, start=start, end=end)["not_inspected"].exists()


def test_coverage_lists_reinspections_due_and_overdue_orders(city_admin, gusu_officer, wujiang_officer):
    today = date(2025, 10, 15)
    pending = make_facility(city_admin, "整改中")
    past_open = order(pending, by=gusu_officer, deadline=date(2025, 10, 1))
    future_open = order(pending, by=gusu_officer, deadline=date(2025, 11, 1))
    closed = order(pending, by=gusu_officer, deadline=date(2025, 9, 1), status="closed")
    responded = order(
        make_facility(city_admin, "已回复"), by=gusu_officer, deadline=date(2025, 10, 20), status="responded"
    )
    # Re-inspected through the order itself.
    linked = make_facility(city_admin, "已复查")
    responded_followed = order(linked, by=gusu_officer, deadline=date(2025, 10, 1), status="responded")
    inspect(linked, date(2025, 10, 3), by=gusu_officer, kind="follow_up", follow_up_of=responded_followed)
    # A follow-up inspection of the facility after the order was issued counts too; one before it does not.
    unlinked = make_facility(city_admin, "已跟踪检查")
    followed_by_kind = order(unlinked, by=gusu_officer, deadline=date(2025, 10, 10), issued_on=date(2025, 9, 20))
    inspect(unlinked, date(2025, 9, 25), by=gusu_officer, kind="follow_up")
    earlier = make_facility(city_admin, "复查在前")
    inspect(earlier, date(2025, 8, 1), by=gusu_officer, kind="follow_up")
    after_follow_up = order(earlier, by=gusu_officer, deadline=date(2025, 12, 1), issued_on=date(2025, 9, 1))
    order(make_facility(city_admin, "吴江整改", district_code=WUJIANG), by=wujiang_officer, deadline=date(2025, 9, 1))

    lists = coverage_for(user=gusu_officer, start=date(2025, 1, 1), end=date(2025, 12, 31), today=today)
    assert list(lists["reinspections_due"]) == [past_open, responded, future_open, after_follow_up]
    # Answered orders await the unit's re-inspection; only an order left unanswered past its deadline is overdue.
    assert list(lists["overdue"]) == [past_open, followed_by_kind]
    assert closed not in list(lists["overdue"])

    wujiang_lists = coverage_for(user=wujiang_officer, start=date(2025, 1, 1), end=date(2025, 12, 31), today=today)
    assert [o.facility.name for o in wujiang_lists["overdue"]] == ["吴江整改"]
    assert [o.facility.name for o in wujiang_lists["reinspections_due"]] == ["吴江整改"]


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_coverage_is_not_for_other_roles(users, role):
    with pytest.raises(NotFound):
        coverage_for(user=users[role], start=date(2025, 1, 1), end=date(2025, 12, 31))


# --- pages ---------------------------------------------------------------------------------------------------


def count_queries(client, url: str) -> tuple[int, object]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), response


def test_plan_pages_for_the_units_officer(gusu, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)
    assert browser.get("/supervision/plans/new/").status_code == 200
    today = timezone.localdate()
    response = browser.post(
        "/supervision/plans/new/",
        {
            "title": "第二季度双随机",
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=60)).isoformat(),
            "sample_size": 3,
            "inspectors_per_facility": 2,
            "serious_finding_weight": 3,
        },
    )
    plan = InspectionPlan.objects.get(title="第二季度双随机")
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/plans/{plan.pk}/"
    assert plan.district_id == GUSU

    assert "第二季度双随机" in browser.get("/supervision/plans/").content.decode()
    undrawn = browser.get(f"/supervision/plans/{plan.pk}/")
    assert undrawn.context["can_draw"] is True
    assert f'action="/supervision/plans/{plan.pk}/draw/"' in undrawn.content.decode()
    response = browser.post(f"/supervision/plans/{plan.pk}/draw/")
    assert response.status_code == 302
    plan.refresh_from_db()
    page = browser.get(f"/supervision/plans/{plan.pk}/").content.decode()
    assert str(plan.draw_seed) in page
    for target in PlanTarget.objects.filter(plan=plan).select_related("facility").prefetch_related("inspectors"):
        assert target.facility.name in page
        for person in target.inspectors.all():
            assert str(person) in page
    # Drawing again is refused with a message, the draw is unchanged.
    before = drawn(plan)
    again = browser.post(f"/supervision/plans/{plan.pk}/draw/", follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    assert again.context["can_draw"] is False
    assert drawn(plan) == before


def test_plan_form_errors_come_back_next_to_their_fields(gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).post(
        "/supervision/plans/new/",
        {
            "title": "",
            "period_start": "2025-03-01",
            "period_end": "2025-02-01",
            "sample_size": 0,
            "inspectors_per_facility": 1,
            "serious_finding_weight": 3,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"title", "period_end", "sample_size", "inspectors_per_facility"} <= set(form.errors)
    assert not InspectionPlan.objects.exists()


def test_the_city_admin_chooses_the_unit_or_city_wide(city_admin, web_client_for):
    browser = web_client_for(city_admin)
    response = browser.post(
        "/supervision/plans/new/",
        {
            "title": "全市专项",
            "district": "",
            "period_start": "2025-03-01",
            "period_end": "2025-12-31",
            "sample_size": 10,
            "inspectors_per_facility": 2,
            "serious_finding_weight": 3,
        },
    )
    assert response.status_code == 302
    assert InspectionPlan.objects.get(title="全市专项").district is None


def test_a_drawn_inspector_sees_the_plan_and_an_idle_one_does_not(gusu, gusu_officer, web_client_for, make_user):
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=1), seed=3)
    on_it = PlanTarget.objects.get(plan=plan).inspectors.first()
    idle = next(p for p in gusu["inspectors"] if not PlanTarget.objects.filter(plan=plan, inspectors=p).exists())
    assert web_client_for(on_it).get(f"/supervision/plans/{plan.pk}/").status_code == 200
    assert web_client_for(idle).get(f"/supervision/plans/{plan.pk}/").status_code == 404
    # An inspector does not draw.
    assert web_client_for(on_it).post(f"/supervision/plans/{plan.pk}/draw/").status_code in (302, 403)
    assert PlanTarget.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize("role", ["wujiang_officer", "operator", "training_base", "mch_assessor"])
def test_foreign_users_get_404_on_a_units_plan(gusu, gusu_officer, users, web_client_for, role):
    plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer), seed=11)
    undrawn = new_plan(gusu_officer)
    browser = web_client_for(users[role])
    assert browser.get(f"/supervision/plans/{plan.pk}/").status_code == 404
    assert browser.post(f"/supervision/plans/{undrawn.pk}/draw/").status_code == 404
    undrawn.refresh_from_db()
    assert undrawn.draw_seed is None


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_roles_without_plans_get_404_on_the_plan_pages(users, web_client_for, role):
    browser = web_client_for(users[role])
    for path in ("/supervision/plans/", "/supervision/plans/new/", "/supervision/plans/coverage/"):
        assert browser.get(path).status_code == 404, path


def test_an_inspector_cannot_open_the_new_plan_form(gusu_inspector, web_client_for):
    assert web_client_for(gusu_inspector).get("/supervision/plans/new/").status_code == 404


def test_coverage_page_defaults_to_the_current_year(city_admin, gusu_officer, web_client_for):
    never = make_facility(city_admin, "从未检查的托育")
    done = make_facility(city_admin, "今年已检查")
    inspect(done, timezone.localdate(), by=gusu_officer)
    response = web_client_for(gusu_officer).get("/supervision/plans/coverage/")
    assert response.status_code == 200
    year = timezone.localdate().year
    assert (response.context["start"], response.context["end"]) == (date(year, 1, 1), date(year, 12, 31))
    content = response.content.decode()
    assert never.name in content
    assert done.name not in content


def test_coverage_page_takes_a_cycle(city_admin, gusu_officer, web_client_for):
    facility = make_facility(city_admin, "去年检查过")
    inspect(facility, date(2024, 5, 1), by=gusu_officer)
    browser = web_client_for(gusu_officer)
    assert (
        facility.name
        not in browser.get("/supervision/plans/coverage/?start=2024-01-01&end=2024-12-31").content.decode()
    )
    assert facility.name in browser.get("/supervision/plans/coverage/?start=2025-01-01&end=2025-12-31").content.decode()


def test_coverage_page_queries_do_not_grow(city_admin, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)
    url = "/supervision/plans/coverage/?start=2025-01-01&end=2025-12-31"
    today = timezone.localdate()
    for n in range(2):
        f = make_facility(city_admin, f"少{n}")
        order(f, by=gusu_officer, deadline=today - timedelta(days=3))
    small, small_response = count_queries(browser, url)
    for n in range(8):
        f = make_facility(city_admin, f"多{n}")
        order(f, by=gusu_officer, deadline=today - timedelta(days=3))
    large, large_response = count_queries(browser, url)
    assert small_response.context["overdue"].paginator.count == 2
    assert large_response.context["overdue"].paginator.count == 10
    assert large_response.context["not_inspected"].paginator.count >= 10
    assert small == large


def test_plan_list_and_detail_queries_do_not_grow(gusu, city_admin, gusu_officer, web_client_for, make_user):
    browser = web_client_for(gusu_officer)
    small_plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=1), seed=1)
    small_list, _ = count_queries(browser, "/supervision/plans/")
    small_detail, _ = count_queries(browser, f"/supervision/plans/{small_plan.pk}/")
    for n in range(4):
        make_facility(city_admin, f"更多{n}")
    make_inspectors(make_user, GUSU, 3, "more_insp")
    large_plan = plan_draw(actor=gusu_officer, plan=new_plan(gusu_officer, sample_size=9, inspectors_per_facility=3))
    for _ in range(3):
        new_plan(gusu_officer)
    large_list, response = count_queries(browser, "/supervision/plans/")
    large_detail, detail = count_queries(browser, f"/supervision/plans/{large_plan.pk}/")
    assert response.context["page"].paginator.count == 5
    assert len(detail.context["targets"]) == 9
    assert small_list == large_list
    assert small_detail == large_detail
