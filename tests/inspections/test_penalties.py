"""Administrative penalties (人口与计划生育法 2021, Art. 41): proposing, deciding by another person, what a
decision does to the facility and the person registry, withdrawing, and the pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities import services as facility_services
from facilities.models import Facility, Person
from inspections.models import Penalty, PenaltyRule
from inspections.services.penalties import (
    DEFAULT_PUBLISH_DAYS,
    penalty_decide,
    penalty_propose,
    penalty_withdraw,
)
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.notices.models import Notice

from ..facilities.factories import complete_draft

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
BANNED_ID = "11010519491231002X"  # valid per GB 11643-1999
BANNED_NAME = "孙某某"
FACTS = "2025年复查仍未整改：婴幼儿活动区域监控未覆盖"


# --- helpers (also used by the API and public register tests) ------------------------------------------------


def a_facility(operator, *, name: str = "苏州小苗托育中心", district_code: str = GUSU) -> Facility:
    return complete_draft(operator, name=name, district_code=district_code)


def propose(actor, facility, kind: str = "fine", amount=Decimal("10000"), **kwargs) -> Penalty:
    return penalty_propose(actor=actor, facility=facility, kind=kind, amount=amount, facts=FACTS, **kwargs)


def propose_ban(actor, facility) -> Penalty:
    return penalty_propose(
        actor=actor,
        facility=facility,
        kind="lifetime_ban",
        amount=None,
        facts=FACTS,
        person_id_number=BANNED_ID,
        person_name=BANNED_NAME,
    )


_numbers = iter(range(1, 100000))


def decide(actor, penalty, *, number: str | None = None, **kwargs) -> Penalty:
    kwargs.setdefault("decided_on", timezone.localdate())
    number = number or f"姑卫罚〔2025〕{next(_numbers)}号"
    return penalty_decide(actor=actor, penalty=penalty, decision_number=number, **kwargs)


@pytest.fixture
def facility(operator):
    return a_facility(operator)


# --- amounts against the legal range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("fine", "5000"), ("fine", "50000"), ("fine", "5000.00"), ("suspension", "50000"), ("suspension", "100000")],
)
def test_amounts_at_the_limits_are_accepted(gusu_inspector, facility, kind, amount):
    penalty = propose(gusu_inspector, facility, kind, Decimal(amount))
    assert penalty.amount == Decimal(amount)
    assert penalty.status == "proposed"
    assert "第四十一条" in penalty.legal_basis


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        ("fine", "4999.99"),
        ("fine", "50000.01"),
        ("suspension", "49999.99"),
        ("suspension", "100000.01"),
        ("fine", None),
        ("fine", "5000.001"),
    ],
)
def test_amounts_outside_the_legal_range_are_refused_naming_article_41(gusu_inspector, facility, kind, amount):
    with pytest.raises(RuleViolation) as info:
        propose(gusu_inspector, facility, kind, Decimal(amount) if amount else None)
    assert info.value.code == "penalty_amount"
    assert "amount" in info.value.fields
    assert "第四十一条" in info.value.clause
    assert not Penalty.objects.exists()


def test_a_warning_with_an_amount_is_refused(gusu_inspector, facility):
    with pytest.raises(RuleViolation) as info:
        propose(gusu_inspector, facility, "warning", Decimal("5000"))
    assert "amount" in info.value.fields and "第四十一条" in info.value.clause
    warning = propose(gusu_inspector, facility, "warning", None)
    assert warning.amount is None and "警告" in warning.legal_basis


def test_a_float_amount_is_refused(gusu_inspector, facility):
    with pytest.raises(ValidationFailed) as info:
        propose(gusu_inspector, facility, "fine", 10000.0)
    assert "amount" in info.value.fields


# --- who proposes -------------------------------------------------------------------------------------------------


def test_inspectors_and_officers_of_the_unit_and_citywide_inspectors_propose(
    facility, gusu_inspector, gusu_officer, citywide_inspector
):
    for actor in (gusu_inspector, gusu_officer, citywide_inspector):
        penalty = propose(actor, facility, "warning", None)
        assert penalty.proposed_by == actor
    entry = AuditEntry.objects.filter(action="penalty.propose", object_id=str(penalty.pk)).get()
    assert entry.actor == citywide_inspector and entry.after["kind"] == "warning"


def test_the_unit_officers_hear_of_a_proposal(facility, gusu_inspector, gusu_officer, wujiang_officer):
    penalty = propose(gusu_inspector, facility)
    notice = Notice.objects.get(recipient=gusu_officer, kind="penalty.proposed")
    assert notice.link == f"/supervision/penalties/{penalty.pk}/"
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()


def test_another_unit_proposes_nothing_it_cannot_see(facility, make_user, wujiang_officer):
    wujiang_inspector = make_user("inspector", district_code=WUJIANG, username="wujiang_inspector")
    for actor in (wujiang_inspector, wujiang_officer):
        with pytest.raises(NotFound):
            propose(actor, facility)


def test_operators_and_the_city_admin_do_not_propose(facility, operator, city_admin, make_user):
    with pytest.raises(PermissionDenied):
        propose(operator, facility)
    with pytest.raises(PermissionDenied):
        propose(city_admin, facility)
    with pytest.raises(NotFound):
        propose(make_user("operator", username="another_operator"), facility)
    assert not Penalty.objects.exists()


def test_a_ban_names_a_person_and_only_a_ban_does(facility, gusu_inspector):
    with pytest.raises(ValidationFailed) as info:
        penalty_propose(actor=gusu_inspector, facility=facility, kind="lifetime_ban", amount=None, facts=FACTS)
    assert "person_id_number" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        propose(gusu_inspector, facility, "warning", None, person_id_number=BANNED_ID, person_name=BANNED_NAME)
    assert "person_id_number" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        penalty_propose(
            actor=gusu_inspector,
            facility=facility,
            kind="lifetime_ban",
            amount=None,
            facts=FACTS,
            person_id_number="110105194912310021",  # wrong check digit
            person_name=BANNED_NAME,
        )
    assert "person_id_number" in info.value.fields
    assert not Person.objects.filter(name=BANNED_NAME).exists()


def test_a_ban_finds_the_person_already_in_the_registry(operator, facility, gusu_inspector):
    member = facility_services.staff_add(
        actor=operator,
        facility=facility,
        name=BANNED_NAME,
        id_number=BANNED_ID,
        role="carer",
        employed_from=timezone.localdate() - timedelta(days=10),
    )
    penalty = propose_ban(gusu_inspector, facility)
    assert penalty.person == member.person


# --- who decides: another person with the deciding permission, in the unit -------------------------------------


def test_the_proposer_cannot_decide_their_own_proposal(facility, gusu_officer):
    penalty = propose(gusu_officer, facility)  # an officer may both propose and decide, never the same penalty
    with pytest.raises(RuleViolation) as info:
        decide(gusu_officer, penalty)
    assert info.value.code == "maker_checker"
    assert info.value.clause
    assert "审批分离" in str(info.value.message)  # the Chinese UI names the rule
    penalty.refresh_from_db()
    assert penalty.status == "proposed" and penalty.decided_by is None


def test_operators_and_inspectors_cannot_decide(facility, operator, gusu_inspector, citywide_inspector):
    penalty = propose(gusu_inspector, facility)
    for actor in (operator, citywide_inspector):
        with pytest.raises(PermissionDenied) as info:
            decide(actor, penalty)
        assert info.value.clause
    penalty.refresh_from_db()
    assert penalty.status == "proposed"


def test_another_units_officer_gets_not_found(facility, gusu_inspector, wujiang_officer):
    penalty = propose(gusu_inspector, facility)
    with pytest.raises(NotFound):
        decide(wujiang_officer, penalty)
    with pytest.raises(NotFound):
        penalty_withdraw(actor=wujiang_officer, penalty=penalty, reason="x")


def test_a_decided_fine_is_published_and_the_operators_told(facility, operator, gusu_inspector, gusu_officer):
    penalty = propose(gusu_inspector, facility, "fine", Decimal("20000"))
    today = timezone.localdate()
    decided = decide(gusu_officer, penalty, number="姑卫罚〔2025〕7号", hearing_status="未申请听证")
    assert decided.status == "decided" and decided.decided_by == gusu_officer
    assert decided.publish_from == today
    assert decided.publish_until == today + timedelta(days=DEFAULT_PUBLISH_DAYS - 1)
    assert decided.hearing_status == "未申请听证"
    facility.refresh_from_db()
    assert facility.serious_violation_on is None  # a fine is not a serious penalty
    notice = Notice.objects.get(recipient=operator, kind="penalty.decided")
    assert "姑卫罚〔2025〕7号" in notice.body and "20,000" in notice.body
    entry = AuditEntry.objects.get(action="penalty.decide", object_id=str(penalty.pk))
    assert entry.before["status"] == "proposed" and entry.after["status"] == "decided"
    assert entry.actor == gusu_officer


def test_the_city_admin_decides_and_may_set_the_publication_period(facility, gusu_inspector, city_admin):
    penalty = propose(gusu_inspector, facility, "warning", None)
    decided = decide(city_admin, penalty, publish_days=30)
    assert decided.publish_until - decided.publish_from == timedelta(days=29)


def test_a_decided_suspension_flags_the_facility(facility, gusu_inspector, gusu_officer):
    penalty = propose(gusu_inspector, facility, "suspension", Decimal("80000"))
    decided_on = timezone.localdate()
    decide(gusu_officer, penalty, number="姑卫罚〔2025〕9号", decided_on=decided_on)
    facility.refresh_from_db()
    assert facility.serious_violation_on == decided_on
    assert facility.serious_violation_reference == "姑卫罚〔2025〕9号"
    assert AuditEntry.objects.filter(action="facility.serious_violation", object_id=str(facility.pk)).exists()


def test_a_decided_ban_bars_the_person_from_every_roster(facility, gusu_inspector, gusu_officer, make_user):
    penalty = propose_ban(gusu_inspector, facility)
    decide(gusu_officer, penalty, number="姑卫罚〔2025〕11号")
    person = Person.objects.get(pk=penalty.person_id)
    assert person.banned_on == timezone.localdate() and person.ban_reference == "姑卫罚〔2025〕11号"
    facility.refresh_from_db()
    assert facility.serious_violation_on == timezone.localdate()  # a ban is serious too
    other_operator = make_user("operator", username="another_operator")
    elsewhere = a_facility(other_operator, name="吴江乙托育园", district_code=WUJIANG)
    with pytest.raises(RuleViolation) as info:
        facility_services.staff_add(
            actor=other_operator,
            facility=elsewhere,
            name="另一个名字",
            id_number=BANNED_ID,
            role="carer",
            employed_from=timezone.localdate(),
        )
    assert "第四十一条" in info.value.clause
    assert not elsewhere.staff.filter(person=person).exists()


def test_a_banned_person_is_not_proposed_again(facility, gusu_inspector, gusu_officer):
    decide(gusu_officer, propose_ban(gusu_inspector, facility))
    with pytest.raises(Conflict):
        propose_ban(gusu_inspector, facility)


def test_the_amount_is_checked_against_the_rule_in_force_on_the_decision_day(facility, gusu_inspector, gusu_officer):
    penalty = propose(gusu_inspector, facility, "fine", Decimal("6000"))
    today = timezone.localdate()
    Penalty.objects.filter(pk=penalty.pk).update(proposed_on=today - timedelta(days=10))
    PenaltyRule.objects.create(
        kind="fine",
        min_amount=Decimal("8000"),
        max_amount=Decimal("60000"),
        serious=False,
        clause="假设的新条款：八千元以上六万元以下",
        effective_from=today - timedelta(days=2),
    )
    with pytest.raises(RuleViolation) as info:
        decide(gusu_officer, penalty, decided_on=today)
    assert info.value.clause == "假设的新条款：八千元以上六万元以下"
    decided = decide(gusu_officer, penalty, decided_on=today - timedelta(days=5))  # the old range then
    assert "第四十一条" in decided.legal_basis


def test_decision_numbers_are_unique_and_dates_sensible(facility, gusu_inspector, gusu_officer):
    first, second = propose(gusu_inspector, facility), propose(gusu_inspector, facility)
    decide(gusu_officer, first, number="姑卫罚〔2025〕1号")
    with pytest.raises(ValidationFailed) as info:
        decide(gusu_officer, second, number="姑卫罚〔2025〕1号")
    assert "decision_number" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        decide(gusu_officer, second, decided_on=timezone.localdate() + timedelta(days=1))
    assert "decided_on" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        decide(gusu_officer, second, decided_on=timezone.localdate() - timedelta(days=1))  # before the proposal
    assert "decided_on" in info.value.fields
    with pytest.raises(Conflict):
        decide(gusu_officer, first)  # decided once


def test_only_a_proposal_is_withdrawn_with_a_reason(facility, gusu_inspector, gusu_officer):
    penalty = propose(gusu_inspector, facility)
    with pytest.raises(ValidationFailed):
        penalty_withdraw(actor=gusu_inspector, penalty=penalty, reason=" ")
    withdrawn = penalty_withdraw(actor=gusu_inspector, penalty=penalty, reason="已整改，不予处罚")
    assert withdrawn.status == "withdrawn"
    assert AuditEntry.objects.get(action="penalty.withdraw").reason == "已整改，不予处罚"
    with pytest.raises(Conflict):
        decide(gusu_officer, penalty)
    decided = decide(gusu_officer, propose(gusu_inspector, facility))
    with pytest.raises(Conflict):
        penalty_withdraw(actor=gusu_officer, penalty=decided, reason="撤回")


def test_an_operator_cannot_withdraw(facility, operator, gusu_inspector):
    penalty = propose(gusu_inspector, facility)
    with pytest.raises(PermissionDenied):
        penalty_withdraw(actor=operator, penalty=penalty, reason="请撤回")


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_list_page_shows_each_role_its_own(facility, operator, gusu_inspector, web_client_for, make_user):
    penalty = propose(gusu_inspector, facility)
    for user in (operator, gusu_inspector):
        page = web_client_for(user).get("/supervision/penalties/")
        assert page.status_code == 200
        assert f"/supervision/penalties/{penalty.pk}/" in page.content.decode()
    others = (
        make_user("inspector", district_code=WUJIANG, username="wujiang_inspector"),
        make_user("operator", username="another_operator"),
    )
    for user in others:
        page = web_client_for(user).get("/supervision/penalties/")
        assert page.status_code == 200
        assert f"/supervision/penalties/{penalty.pk}/" not in page.content.decode()


def test_the_list_page_filters(facility, gusu_inspector, gusu_officer, web_client_for):
    fine = propose(gusu_inspector, facility)
    warning = propose(gusu_inspector, facility, "warning", None)
    page = web_client_for(gusu_officer).get("/supervision/penalties/?kind=warning").content.decode()
    assert f"/supervision/penalties/{warning.pk}/" in page
    assert f"/supervision/penalties/{fine.pk}/" not in page


def test_the_list_page_queries_do_not_grow_with_the_rows(facility, gusu_inspector, gusu_officer, web_client_for):
    browser = web_client_for(gusu_officer)
    propose(gusu_inspector, facility)
    browser.get("/supervision/penalties/")
    with CaptureQueriesContext(connection) as small:
        browser.get("/supervision/penalties/")
    for _ in range(6):
        propose(gusu_inspector, facility)
    with CaptureQueriesContext(connection) as large:
        response = browser.get("/supervision/penalties/")
    assert response.content.decode().count("/supervision/penalties/") >= 7
    assert len(large) == len(small)


def test_other_units_and_other_operators_get_404_on_the_pages(facility, gusu_inspector, web_client_for, make_user):
    penalty = propose(gusu_inspector, facility)
    others = (
        make_user("inspector", district_code=WUJIANG, username="wujiang_inspector"),
        make_user("district_officer", district_code=WUJIANG, username="wujiang_officer2"),
        make_user("operator", username="another_operator"),
    )
    for user in others:
        browser = web_client_for(user)
        assert browser.get(f"/supervision/penalties/{penalty.pk}/").status_code == 404
        assert browser.post(f"/supervision/penalties/{penalty.pk}/decide/", {}).status_code == 404
        assert browser.post(f"/supervision/penalties/{penalty.pk}/withdraw/", {}).status_code == 404
        assert browser.get(f"/supervision/penalties/propose/{facility.pk}/").status_code == 404
    penalty.refresh_from_db()
    assert penalty.status == "proposed"


def test_the_proposer_gets_no_decide_form_and_is_refused_on_post(facility, gusu_officer, web_client_for):
    penalty = propose(gusu_officer, facility)
    browser = web_client_for(gusu_officer)
    page = browser.get(f"/supervision/penalties/{penalty.pk}/").content.decode()
    assert f'action="/supervision/penalties/{penalty.pk}/decide/"' not in page
    assert f'action="/supervision/penalties/{penalty.pk}/withdraw/"' in page  # the proposer may withdraw
    today = timezone.localdate().isoformat()
    form = {"decide-decision_number": "姑卫罚〔2025〕3号", "decide-decided_on": today, "decide-publish_days": "180"}
    response = browser.post(f"/supervision/penalties/{penalty.pk}/decide/", form)
    assert response.status_code == 422
    assert 'data-error-code="maker_checker"' in response.content.decode()
    penalty.refresh_from_db()
    assert penalty.status == "proposed"


def test_an_operator_of_the_facility_reads_but_cannot_decide(facility, operator, gusu_inspector, web_client_for):
    penalty = propose_ban(gusu_inspector, facility)
    browser = web_client_for(operator)
    page = browser.get(f"/supervision/penalties/{penalty.pk}/").content.decode()
    assert "decide/" not in page and "withdraw/" not in page
    assert BANNED_ID not in page and "1101**********002X" in page  # masked
    today = timezone.localdate().isoformat()
    form = {"decide-decision_number": "姑卫罚〔2025〕3号", "decide-decided_on": today, "decide-publish_days": "180"}
    assert browser.post(f"/supervision/penalties/{penalty.pk}/decide/", form).status_code == 403
    assert browser.get(f"/supervision/penalties/propose/{facility.pk}/").status_code == 404


def test_another_officer_decides_on_the_page(facility, operator, gusu_inspector, gusu_officer, web_client_for):
    penalty = propose(gusu_inspector, facility, "suspension", Decimal("60000"))
    browser = web_client_for(gusu_officer)
    page = browser.get(f"/supervision/penalties/{penalty.pk}/").content.decode()
    assert f'action="/supervision/penalties/{penalty.pk}/decide/"' in page
    today = timezone.localdate().isoformat()
    response = browser.post(
        f"/supervision/penalties/{penalty.pk}/decide/",
        {"decide-decision_number": "", "decide-decided_on": today, "decide-publish_days": "180"},
    )
    assert response.status_code == 400  # the service says what is missing, next to the field
    response = browser.post(
        f"/supervision/penalties/{penalty.pk}/decide/",
        {"decide-decision_number": "姑卫罚〔2025〕21号", "decide-decided_on": today, "decide-publish_days": "180"},
    )
    assert response.status_code == 302
    penalty.refresh_from_db()
    assert penalty.status == "decided" and penalty.decision_number == "姑卫罚〔2025〕21号"
    facility.refresh_from_db()
    assert facility.serious_violation_on == timezone.localdate()


def test_an_inspector_proposes_on_the_page(facility, gusu_inspector, web_client_for):
    browser = web_client_for(gusu_inspector)
    page = browser.get(f"/supervision/penalties/propose/{facility.pk}/")
    assert page.status_code == 200 and "50,000" in page.content.decode()  # the ranges in force, from data
    url = f"/supervision/penalties/propose/{facility.pk}/"
    response = browser.post(url, {"kind": "fine", "amount": "4999.99", "facts": FACTS})
    assert response.status_code == 400
    alert = response.content.decode().split('class="alert alert-danger"', 1)[1].split("</div>", 2)[0]
    assert "第四十一条" in alert  # the clause of the refusing rule, above the form
    assert 'id="id_amount-errors"' in response.content.decode()  # and the message at the amount
    assert not Penalty.objects.exists()
    response = browser.post(url, {"kind": "fine", "amount": "5000", "facts": FACTS})
    penalty = Penalty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/penalties/{penalty.pk}/"
    assert penalty.amount == Decimal("5000.00") and penalty.proposed_by == gusu_inspector


def test_the_list_picker_leads_to_the_propose_page(facility, gusu_inspector, operator, web_client_for):
    response = web_client_for(gusu_inspector).get(f"/supervision/penalties/propose/?facility={facility.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/penalties/propose/{facility.pk}/"
    assert web_client_for(operator).get(f"/supervision/penalties/propose/?facility={facility.pk}").status_code == 404


def test_a_proposal_is_withdrawn_on_the_page(facility, gusu_inspector, web_client_for):
    penalty = propose(gusu_inspector, facility)
    browser = web_client_for(gusu_inspector)
    url = f"/supervision/penalties/{penalty.pk}/withdraw/"
    assert browser.post(url, {"withdraw-reason": ""}).status_code == 400
    assert browser.post(url, {"withdraw-reason": "已整改"}).status_code == 302
    penalty.refresh_from_db()
    assert penalty.status == "withdrawn"


def test_anonymous_visitors_are_sent_to_log_in(facility, gusu_inspector, client):
    penalty = propose(gusu_inspector, facility)
    response = client.get(f"/supervision/penalties/{penalty.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
