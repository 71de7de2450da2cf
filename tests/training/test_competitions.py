"""Skills competition pages and API: creating (the city or a unit's officer), entering a staff member (the
operator of their facility), recording the result (the city or the competition's unit officer). Another unit's
officer and another facility's operator get 404; bad input answers 400 and writes nothing; no ID number shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from facilities.models import StaffRole
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry
from training.models import Competition, CompetitionEntry
from training.services import awards as services

from ..facilities.factories import complete_draft

WUJIANG = "320509"


@pytest.fixture
def carer(db, operator):
    facility = complete_draft(operator)
    facility.staff.update(employed_from=timezone.localdate() - timedelta(days=400))
    return facility.staff.filter(role=StaffRole.CARER).select_related("person", "facility").first()


@pytest.fixture
def other_operator(make_user):
    """The operator of a facility in 吴江区."""
    user = make_user(Role.OPERATOR, username="other_operator")
    complete_draft(user, district_code=WUJIANG, name="吴江小树托育中心")
    return user


@pytest.fixture
def competition(gusu_officer):
    return services.competition_create(actor=gusu_officer, title="姑苏技能比武", held_on=timezone.localdate())


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


# Pages


def test_city_admin_and_unit_officer_create_competitions(client, city_admin, gusu_officer):
    url = reverse("training:competition_new")
    client.force_login(city_admin)
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "全市技能大赛", "held_on": "2025-09-01", "district": ""})
    city_wide = Competition.objects.get(title="全市技能大赛")
    assert response.status_code == 302 and city_wide.district_id is None
    client.force_login(gusu_officer)
    response = client.post(url, {"title": "姑苏比武", "held_on": "2025-09-02", "district": WUJIANG})
    assert response.status_code == 302
    assert Competition.objects.get(title="姑苏比武").district_id == gusu_officer.district_id
    assert AuditEntry.objects.filter(action="training.competition_create").count() == 2


def test_creating_with_bad_input_is_400_and_writes_nothing(client, gusu_officer, operator):
    client.force_login(gusu_officer)
    response = client.post(reverse("training:competition_new"), {"title": "  ", "held_on": "not a date"})
    assert response.status_code == 400
    assert not Competition.objects.exists()
    client.force_login(operator)
    assert client.get(reverse("training:competition_new")).status_code == 404


def test_operator_enters_a_staff_member_of_their_facility(client, operator, carer, competition):
    client.force_login(operator)
    page = client.get(reverse("training:competition_enter", args=[competition.pk]))
    assert page.status_code == 200 and carer.name in page.content.decode()
    response = client.post(reverse("training:competition_enter", args=[competition.pk]), {"staff_member": carer.pk})
    assert response.status_code == 302
    entry = CompetitionEntry.objects.get()
    assert (entry.person_id, entry.facility_id) == (carer.person_id, carer.facility_id)
    detail = client.get(reverse("training:competition_detail", args=[competition.pk])).content.decode()
    assert carer.name in detail and carer.person.id_number not in detail


def test_entering_twice_or_an_unknown_staff_member_is_400(client, operator, carer, competition):
    services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    client.force_login(operator)
    url = reverse("training:competition_enter", args=[competition.pk])
    response = client.post(url, {"staff_member": carer.pk})
    assert response.status_code == 400 and "alert-danger" in response.content.decode()
    assert client.post(url, {"staff_member": "999999"}).status_code == 400
    assert CompetitionEntry.objects.count() == 1


def test_another_facilitys_operator_gets_404(client, other_operator, carer, competition):
    client.force_login(other_operator)
    assert client.get(reverse("training:competition_detail", args=[competition.pk])).status_code == 404
    response = client.post(reverse("training:competition_enter", args=[competition.pk]), {"staff_member": carer.pk})
    assert response.status_code == 404
    assert not CompetitionEntry.objects.exists()


def test_officer_records_the_result(client, operator, gusu_officer, carer, competition):
    entry = services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    client.force_login(gusu_officer)
    detail = client.get(reverse("training:competition_detail", args=[competition.pk])).content.decode()
    assert reverse("training:competition_result", args=[entry.pk]) in detail
    assert carer.person.id_number not in detail
    response = client.post(reverse("training:competition_result", args=[entry.pk]), {"rank": "1", "award": "一等奖"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.rank, entry.award) == (1, "一等奖")


def test_result_with_bad_input_is_400_and_writes_nothing(client, operator, gusu_officer, carer, competition):
    entry = services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    client.force_login(gusu_officer)
    url = reverse("training:competition_result", args=[entry.pk])
    response = client.post(url, {"rank": "0", "award": "一等奖"})
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    assert client.post(url, {"rank": "abc", "award": ""}).status_code == 400
    entry.refresh_from_db()
    assert (entry.rank, entry.award) == (None, "")


def test_another_units_officer_and_the_operator_cannot_record_results(
    client, operator, wujiang_officer, carer, competition
):
    entry = services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    url = reverse("training:competition_result", args=[entry.pk])
    for user in (wujiang_officer, operator):
        client.force_login(user)
        assert client.post(url, {"rank": "1", "award": "一等奖"}).status_code == 404
    entry.refresh_from_db()
    assert entry.rank is None


# API


def test_api_create_enter_and_result(city_admin, gusu_officer, operator, carer):
    created = _api(gusu_officer).post(
        "/api/v1/training/competitions/", {"title": "姑苏比武", "held_on": "2025-09-01"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["district"] == gusu_officer.district_id
    pk = created.json()["id"]
    entered = _api(operator).post(
        f"/api/v1/training/competitions/{pk}/entries/", {"staff_member": carer.pk}, format="json"
    )
    assert entered.status_code == 201, entered.content
    body = entered.json()
    assert body["person_name"] == carer.name and carer.person.id_number not in entered.content.decode()
    result = _api(gusu_officer).post(
        f"/api/v1/training/competitions/entries/{body['id']}/result/", {"rank": 2, "award": "二等奖"}, format="json"
    )
    assert result.status_code == 200, result.content
    assert (result.json()["rank"], result.json()["award"]) == (2, "二等奖")
    city_wide = _api(city_admin).post(
        "/api/v1/training/competitions/", {"title": "全市大赛", "held_on": "2025-10-01"}, format="json"
    )
    assert city_wide.status_code == 201 and city_wide.json()["district"] is None


def test_api_refusals_write_nothing(gusu_officer, wujiang_officer, operator, other_operator, carer, competition):
    api = _api(gusu_officer)
    assert api.post("/api/v1/training/competitions/", {"title": "", "held_on": "x"}, format="json").status_code == 400
    assert (
        _api(operator)
        .post("/api/v1/training/competitions/", {"title": "t", "held_on": "2025-09-01"}, format="json")
        .status_code
        == 403
    )
    assert Competition.objects.count() == 1

    enter = f"/api/v1/training/competitions/{competition.pk}/entries/"
    assert _api(other_operator).post(enter, {"staff_member": carer.pk}, format="json").status_code == 404
    assert _api(operator).post(enter, {"staff_member": "x"}, format="json").status_code == 400
    assert not CompetitionEntry.objects.exists()

    entry = services.competition_enter(actor=operator, competition=competition, staff_member=carer)
    result = f"/api/v1/training/competitions/entries/{entry.pk}/result/"
    assert _api(wujiang_officer).post(result, {"rank": 1}, format="json").status_code == 404
    assert api.post(result, {"rank": 0}, format="json").status_code == 400
    entry.refresh_from_db()
    assert entry.rank is None
