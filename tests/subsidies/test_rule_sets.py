"""Rule sets: drafts are edited, active sets never; the simulator's totals equal what activation pays."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from subsidies.models import RuleSet, Statement
from subsidies.services.calculation import period_calculate
from subsidies.services.rule_sets import rule_set_activate, rule_set_draft, rule_set_update, simulate
from suzhou_childcare.errors import Conflict, PermissionDenied, ValidationFailed

from .helpers import EXAMPLE_TERMS, MAY, example_facility, may_report

pytestmark = pytest.mark.django_db


def test_an_active_rule_set_is_never_edited(city_admin):
    active = RuleSet.objects.get(district__isnull=True, status="active")
    with pytest.raises(Conflict) as refused:
        rule_set_update(actor=city_admin, rule_set=active, edition="改")
    assert refused.value.code == "rules_in_use"
    active.refresh_from_db()
    assert active.edition != "改"


def test_bad_terms_are_named_by_path_and_nothing_saved(city_admin):
    terms = copy.deepcopy(EXAMPLE_TERMS)
    terms["base_rates"] = [{"recognition": "municipal_inclusive", "amount": "-5"}]
    terms["deductions"] = {"serious_violation_share": "1.5"}
    with pytest.raises(ValidationFailed) as refused:
        rule_set_draft(
            actor=city_admin,
            district_code="320508",
            edition="坏",
            effective_from=date(2027, 1, 1),
            terms=terms,
            source="x",
        )
    problems = " ".join(refused.value.fields["terms"])
    assert "base_rates[0].amount" in problems and "deductions.serious_violation_share" in problems
    assert not RuleSet.objects.filter(edition="坏").exists()


def test_only_the_city_admin_drafts(gusu_officer):
    with pytest.raises(PermissionDenied):
        rule_set_draft(
            actor=gusu_officer,
            district_code="320508",
            edition="x",
            effective_from=date(2027, 1, 1),
            terms=EXAMPLE_TERMS,
            source="x",
        )


def test_activation_cannot_start_in_a_past_month(city_admin):
    draft = rule_set_draft(
        actor=city_admin,
        district_code="320508",
        edition="旧",
        effective_from=date(2026, 1, 1),
        terms=EXAMPLE_TERMS,
        source="x",
    )
    with pytest.raises(ValidationFailed):
        rule_set_activate(actor=city_admin, rule_set=draft)


def test_the_simulator_total_equals_what_activation_pays(operator, gusu_officer, city_admin, make_user):
    facility = example_facility(operator, gusu_officer)
    may_report(operator, facility)
    other = example_facility(operator, gusu_officer, name="苏州第二示例托育", fee="2400.00")
    may_report(operator, other, infants=2, toddlers=5, older=7)
    # Both pay under the city default today; the draft (¥500 + ¥100 supplement, 20 % deduction) for Gusu.
    this_month = timezone.localdate().replace(day=1)
    draft = rule_set_draft(
        actor=city_admin,
        district_code="320508",
        edition="草案",
        effective_from=this_month,
        terms=EXAMPLE_TERMS,
        source="x",
    )
    simulated = simulate(actor=city_admin, draft=draft, period=MAY)
    assert simulated["draft_total"] == Decimal(36 * 500 + 6 * 100 + 14 * 500 + 2 * 100)
    assert simulated["active_total"] > 0
    # Activate the draft and calculate the same month under it: the same amount is paid.
    rule_set_activate(actor=city_admin, rule_set=draft)
    RuleSet.objects.filter(pk=draft.pk).update(effective_from=date(2026, 1, 1))  # set-up: in force for May
    period_calculate(period=MAY, district_code="320508")
    paid = sum(Statement.objects.filter(period=MAY, facility__district_id="320508").values_list("total", flat=True))
    assert paid == simulated["draft_total"]
