"""REST for penalties: `/api/v1/penalties/` list/propose, detail, decide, withdraw, in the shared error shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from facilities import services as facility_services
from facilities.models import Person
from inspections.models import Penalty

from .test_penalties import BANNED_ID, BANNED_NAME, FACTS, WUJIANG, a_facility, decide, propose, propose_ban

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "fields", "clause"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == ERROR_KEYS and body["message"]
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def facility(operator):
    return a_facility(operator)


def decision(number: str = "姑卫罚〔2025〕31号") -> dict:
    return {"decision_number": number, "decided_on": timezone.localdate().isoformat()}


def test_an_inspector_proposes_a_fine(facility, gusu_inspector, api_client_for):
    response = api_client_for(gusu_inspector).post(
        "/api/v1/penalties/",
        {"facility": facility.pk, "kind": "fine", "amount": "5000.00", "facts": FACTS},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed" and body["amount"] == "5000.00"
    assert "第四十一条" in body["legal_basis"]
    assert body["person_id_number"] is None and body["proposed_by"] == gusu_inspector.username
    assert body["can_decide"] is False and body["can_withdraw"] is True


@pytest.mark.parametrize(("kind", "amount"), [("fine", "4999.99"), ("fine", "50000.01"), ("suspension", "49999.99")])
def test_an_amount_outside_the_range_is_refused_with_its_clause(facility, gusu_inspector, api_client_for, kind, amount):
    response = api_client_for(gusu_inspector).post(
        "/api/v1/penalties/", {"facility": facility.pk, "kind": kind, "amount": amount, "facts": FACTS}, format="json"
    )
    body = assert_error(response, 422, "penalty_amount")
    assert "amount" in body["fields"] and "第四十一条" in body["clause"]
    assert not Penalty.objects.exists()


def test_a_warning_with_an_amount_is_refused(facility, gusu_inspector, api_client_for):
    response = api_client_for(gusu_inspector).post(
        "/api/v1/penalties/",
        {"facility": facility.pk, "kind": "warning", "amount": "100", "facts": FACTS},
        format="json",
    )
    assert "amount" in assert_error(response, 422)["fields"]


def test_a_ban_takes_the_id_number_and_never_gives_it_back(facility, gusu_inspector, api_client_for):
    client = api_client_for(gusu_inspector)
    response = client.post(
        "/api/v1/penalties/",
        {
            "facility": facility.pk,
            "kind": "lifetime_ban",
            "facts": FACTS,
            "person_name": BANNED_NAME,
            "person_id_number": BANNED_ID,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert BANNED_ID not in response.content.decode()
    assert response.json()["person_id_number"] == "1101**********002X"
    pk = response.json()["id"]
    for url in ("/api/v1/penalties/", f"/api/v1/penalties/{pk}/"):
        assert BANNED_ID not in client.get(url).content.decode()
    assert Person.objects.get(pk=Penalty.objects.get(pk=pk).person_id).name == BANNED_NAME


def test_the_proposer_cannot_decide(facility, gusu_officer, api_client_for):
    penalty = propose(gusu_officer, facility)
    response = api_client_for(gusu_officer).post(f"/api/v1/penalties/{penalty.pk}/decide/", decision(), format="json")
    body = assert_error(response, 422, "maker_checker")
    assert body["clause"]


def test_operators_and_inspectors_cannot_decide(facility, operator, gusu_inspector, citywide_inspector, api_client_for):
    penalty = propose(gusu_inspector, facility)
    for user in (operator, citywide_inspector):
        response = api_client_for(user).post(f"/api/v1/penalties/{penalty.pk}/decide/", decision(), format="json")
        assert_error(response, 403)
    assert Penalty.objects.get(pk=penalty.pk).status == "proposed"


def test_another_officer_decides_a_suspension_and_the_facility_is_flagged(
    facility, gusu_inspector, gusu_officer, api_client_for
):
    penalty = propose(gusu_inspector, facility, "suspension", Decimal("100000"))
    response = api_client_for(gusu_officer).post(
        f"/api/v1/penalties/{penalty.pk}/decide/", {**decision(), "publish_days": 90}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "decided" and body["decided_by"] == gusu_officer.username
    assert body["decision_number"] == "姑卫罚〔2025〕31号"
    assert body["publish_from"] == timezone.localdate().isoformat()
    facility.refresh_from_db()
    assert facility.serious_violation_on == timezone.localdate()


def test_a_proposal_is_withdrawn_and_a_decision_is_not(facility, gusu_inspector, gusu_officer, api_client_for):
    client = api_client_for(gusu_inspector)
    penalty = propose(gusu_inspector, facility)
    assert_error(client.post(f"/api/v1/penalties/{penalty.pk}/withdraw/", {"reason": ""}, format="json"), 400)
    response = client.post(f"/api/v1/penalties/{penalty.pk}/withdraw/", {"reason": "已整改"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    decided = decide(gusu_officer, propose(gusu_inspector, facility))
    response = api_client_for(gusu_officer).post(
        f"/api/v1/penalties/{decided.pk}/withdraw/", {"reason": "撤回"}, format="json"
    )
    assert_error(response, 409, "conflict")


def test_the_list_is_scoped_and_filtered(facility, operator, gusu_inspector, city_admin, api_client_for, make_user):
    fine = propose(gusu_inspector, facility)
    warning = propose(gusu_inspector, facility, "warning", None)
    for user in (operator, gusu_inspector, city_admin):
        body = api_client_for(user).get("/api/v1/penalties/").json()
        assert {row["id"] for row in body["results"]} == {fine.pk, warning.pk}
    body = api_client_for(city_admin).get("/api/v1/penalties/?kind=warning").json()
    assert [row["id"] for row in body["results"]] == [warning.pk]
    others = (
        make_user("inspector", district_code=WUJIANG, username="wujiang_inspector"),
        make_user("operator", username="another_operator"),
    )
    for user in others:
        assert api_client_for(user).get("/api/v1/penalties/").json()["count"] == 0


def test_other_units_and_other_operators_get_404(facility, gusu_inspector, wujiang_officer, api_client_for, make_user):
    penalty = propose(gusu_inspector, facility)
    others = (
        make_user("inspector", district_code=WUJIANG, username="wujiang_inspector"),
        wujiang_officer,
        make_user("operator", username="another_operator"),
    )
    for user in others:
        client = api_client_for(user)
        assert_error(client.get(f"/api/v1/penalties/{penalty.pk}/"), 404, "not_found")
        assert_error(client.post(f"/api/v1/penalties/{penalty.pk}/decide/", decision(), format="json"), 404)
        assert_error(client.post(f"/api/v1/penalties/{penalty.pk}/withdraw/", {"reason": "x"}, format="json"), 404)
    response = api_client_for(others[0]).post(
        "/api/v1/penalties/", {"facility": facility.pk, "kind": "warning", "facts": FACTS}, format="json"
    )
    assert_error(response, 404)
    assert Penalty.objects.get(pk=penalty.pk).status == "proposed"


def test_an_operator_cannot_propose(facility, operator, api_client_for):
    response = api_client_for(operator).post(
        "/api/v1/penalties/", {"facility": facility.pk, "kind": "warning", "facts": FACTS}, format="json"
    )
    assert_error(response, 403)


def test_anonymous_clients_get_401(facility):
    assert_error(APIClient().get("/api/v1/penalties/"), 401)


def test_the_list_runs_the_same_queries_at_two_page_sizes(facility, gusu_inspector, city_admin, api_client_for):
    propose_ban(gusu_inspector, facility)
    for _ in range(11):
        propose(gusu_inspector, facility)
    client = api_client_for(city_admin)
    counts = []
    for size in (2, 12):
        client.get(f"/api/v1/penalties/?page_size={size}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/penalties/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_banned_person_is_named_as_the_facilitys_roster_has_them(
    facility, operator, gusu_inspector, api_client_for, make_user, web_client_for
):
    other_operator = make_user("operator", username="another_operator")
    elsewhere = a_facility(other_operator, name="吴江乙托育园", district_code=WUJIANG)
    day = timezone.localdate()
    # Another facility entered the person first: the registry keeps that name, which is not shown here.
    facility_services.staff_add(
        actor=other_operator,
        facility=elsewhere,
        name="别处的名字",
        id_number=BANNED_ID,
        role="carer",
        employed_from=day,
    )
    facility_services.staff_add(
        actor=operator, facility=facility, name="本园的名字", id_number=BANNED_ID, role="carer", employed_from=day
    )
    penalty = propose_ban(gusu_inspector, facility)
    body = api_client_for(operator).get(f"/api/v1/penalties/{penalty.pk}/").json()
    assert body["person_name"] == "本园的名字"
    page = web_client_for(operator).get(f"/supervision/penalties/{penalty.pk}/").content.decode()
    assert "本园的名字" in page and "别处的名字" not in page and BANNED_NAME not in page


def test_a_banned_person_not_on_the_roster_shows_by_masked_number_only(facility, gusu_inspector, api_client_for):
    penalty = propose_ban(gusu_inspector, facility)
    body = api_client_for(gusu_inspector).get(f"/api/v1/penalties/{penalty.pk}/").json()
    assert body["person_name"] is None and body["person_id_number"] == "1101**********002X"
