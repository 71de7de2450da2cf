"""The public register of penalties (行政处罚公示): decided penalties within their period, and nothing personal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import Penalty
from inspections.selectors.penalties import PUBLIC_FIELDS, published_penalties
from inspections.services.penalties import penalty_withdraw

from .test_penalties import BANNED_ID, BANNED_NAME, FACTS, a_facility, decide, propose, propose_ban

pytestmark = pytest.mark.django_db

URL = "/public/penalties/"


@pytest.fixture
def facility(operator):
    return a_facility(operator, name="苏州小苗托育中心")


def test_a_published_penalty_shows_without_personal_data(facility, gusu_inspector, gusu_officer):
    ban = decide(gusu_officer, propose_ban(gusu_inspector, facility), number="姑卫罚〔2025〕41号")
    fine = decide(
        gusu_officer, propose(gusu_inspector, facility, "fine", Decimal("12000")), number="姑卫罚〔2025〕42号"
    )
    response = Client().get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("苏州小苗托育中心") == 2 and "姑苏区" in page
    assert 'data-decision-number="姑卫罚〔2025〕41号"' in page and 'data-decision-number="姑卫罚〔2025〕42号"' in page
    assert "12,000" in page
    assert ban.legal_basis in page and fine.legal_basis in page
    # Never the person, however written; never the facts or the officials.
    assert BANNED_NAME not in page
    assert BANNED_ID not in page and "002X" not in page and BANNED_ID[:6] not in page
    assert FACTS not in page
    for user in (gusu_inspector, gusu_officer):
        assert user.username not in page


def test_the_register_reads_only_the_public_fields():
    assert not any(field.startswith(("person", "facts", "proposed_by", "decided_by")) for field in PUBLIC_FIELDS)


def test_the_register_rows_carry_no_person(facility, gusu_inspector, gusu_officer):
    decide(gusu_officer, propose_ban(gusu_inspector, facility))
    [row] = published_penalties(today=timezone.localdate())
    assert set(row) == set(PUBLIC_FIELDS)
    assert BANNED_NAME not in str(row) and BANNED_ID not in str(row)


def test_undecided_withdrawn_expired_and_future_penalties_are_not_shown(facility, gusu_inspector, gusu_officer):
    proposed = propose(gusu_inspector, facility)
    withdrawn = penalty_withdraw(actor=gusu_inspector, penalty=propose(gusu_inspector, facility), reason="已整改")
    shown = decide(gusu_officer, propose(gusu_inspector, facility), number="姑卫罚〔2025〕50号")
    expired = decide(gusu_officer, propose(gusu_inspector, facility), number="姑卫罚〔2025〕51号")
    future = decide(gusu_officer, propose(gusu_inspector, facility), number="姑卫罚〔2025〕52号")
    today = timezone.localdate()
    Penalty.objects.filter(pk=expired.pk).update(
        publish_from=today - timedelta(days=200), publish_until=today - timedelta(days=1)
    )
    Penalty.objects.filter(pk=future.pk).update(publish_from=today + timedelta(days=1))
    page = Client().get(URL).content.decode()
    assert 'data-decision-number="姑卫罚〔2025〕50号"' in page
    assert "姑卫罚〔2025〕51号" not in page and "姑卫罚〔2025〕52号" not in page
    numbers = [row["decision_number"] for row in published_penalties(today=today)]
    assert numbers == [shown.decision_number]
    assert {proposed.status, withdrawn.status} == {"proposed", "withdrawn"}
    # The last day of the period is still in it; the day after is not.
    last_day = Penalty.objects.get(pk=shown.pk).publish_until
    assert "姑卫罚〔2025〕50号" in [r["decision_number"] for r in published_penalties(today=last_day)]
    assert "姑卫罚〔2025〕50号" not in [
        r["decision_number"] for r in published_penalties(today=last_day + timedelta(days=1))
    ]


def test_the_register_is_searched_by_facility_name(facility, gusu_inspector, gusu_officer, make_user):
    other_operator = make_user("operator", username="another_operator")
    other = a_facility(other_operator, name="吴江彩虹托育园", district_code="320509")
    wujiang_officer = make_user("district_officer", district_code="320509", username="wujiang_officer2")
    decide(gusu_officer, propose(gusu_inspector, facility), number="姑卫罚〔2025〕60号")
    decide(wujiang_officer, propose(make_user("inspector", is_citywide=True, username="ci"), other), number="吴卫罚1号")
    page = Client().get(URL, {"q": "彩虹"}).content.decode()
    assert "吴江彩虹托育园" in page and "苏州小苗托育中心" not in page
    page = Client().get(URL, {"q": "ｓｕｚｈｏｕ不存在"}).content.decode()
    assert "data-decision-number" not in page


def test_the_register_is_cached_briefly_and_sets_no_cookie(facility, gusu_inspector, gusu_officer):
    decide(gusu_officer, propose(gusu_inspector, facility))
    response = Client().get(URL)
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies
    assert 'name="csrfmiddlewaretoken"' not in response.content.decode()
    assert Client().post(URL).status_code == 405


def test_the_register_runs_the_same_queries_whatever_the_rows(facility, gusu_inspector, gusu_officer):
    decide(gusu_officer, propose(gusu_inspector, facility))
    with CaptureQueriesContext(connection) as few:
        Client().get(URL)
    for _ in range(8):
        decide(gusu_officer, propose(gusu_inspector, facility, "suspension", Decimal("50000")))
    with CaptureQueriesContext(connection) as many:
        page = Client().get(URL).content.decode()
    assert page.count("data-decision-number=") == 9
    assert len(many) == len(few)
