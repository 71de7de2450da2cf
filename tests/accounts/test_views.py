"""The accounts list shows ID numbers masked; the full number is shown once, for a reason, and audited."""

from __future__ import annotations

import pytest

from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
MASKED = "1101**********002X"
OTHER_ID_NUMBER = "320502199001011234"
OTHER_MASKED = "3205**********1234"


def reveals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="personal_data.reveal"))


@pytest.fixture
def inspector_with_id(gusu_inspector):
    """An account of 姑苏区 with a real-name ID number, which the 姑苏 officer and the city admin can see."""
    return account_set_id_number(actor=None, user=gusu_inspector, id_number=ID_NUMBER)


# --- the list -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["city_admin", "gusu_officer"])
def test_account_list_shows_id_numbers_masked_only(request, web_client_for, inspector_with_id, viewer):
    response = web_client_for(request.getfixturevalue(viewer)).get("/accounts/")

    assert response.status_code == 200
    content = response.content.decode()
    assert MASKED in content
    assert ID_NUMBER not in content
    assert f"/accounts/{inspector_with_id.pk}/reveal/" in content


def test_account_list_masks_every_number_on_the_page(city_admin, wujiang_officer, web_client_for, inspector_with_id):
    account_set_id_number(actor=None, user=wujiang_officer, id_number=OTHER_ID_NUMBER)
    content = web_client_for(city_admin).get("/accounts/").content.decode()
    assert MASKED in content
    assert OTHER_MASKED in content
    assert ID_NUMBER not in content
    assert OTHER_ID_NUMBER not in content


def test_accounts_without_an_id_number_offer_nothing_to_reveal(city_admin, operator, web_client_for):
    content = web_client_for(city_admin).get("/accounts/").content.decode()
    assert f"/accounts/{operator.pk}/reveal/" not in content


def test_listing_does_not_write_to_the_audit_trail(city_admin, web_client_for, inspector_with_id):
    before = AuditEntry.objects.count()
    web_client_for(city_admin).get("/accounts/")
    assert AuditEntry.objects.count() == before


# --- revealing ----------------------------------------------------------------------------------------------


def test_reveal_page_shows_the_masked_number_and_asks_for_a_reason(gusu_officer, web_client_for, inspector_with_id):
    response = web_client_for(gusu_officer).get(f"/accounts/{inspector_with_id.pk}/reveal/")

    assert response.status_code == 200
    content = response.content.decode()
    assert MASKED in content
    assert ID_NUMBER not in content
    assert 'name="reason"' in content
    assert reveals() == []


@pytest.mark.parametrize("reason", ["", "   ", "abc"], ids=["empty", "blank", "too-short"])
def test_reveal_without_a_reason_is_a_field_error_and_reveals_nothing(
    gusu_officer, web_client_for, inspector_with_id, reason
):
    response = web_client_for(gusu_officer).post(f"/accounts/{inspector_with_id.pk}/reveal/", {"reason": reason})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["reason"]
    assert errors["reason"][0]
    content = response.content.decode()
    assert errors["reason"][0] in content
    assert ID_NUMBER not in content
    assert MASKED in content
    assert reveals() == []


def test_reveal_with_a_reason_shows_the_full_number_once_and_audits_it(gusu_officer, web_client_for, inspector_with_id):
    browser = web_client_for(gusu_officer)
    url = f"/accounts/{inspector_with_id.pk}/reveal/"

    response = browser.post(url, {"reason": "核对托育机构负责人实名信息"})

    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    [entry] = reveals()
    assert entry.actor == gusu_officer
    assert entry.object_id == str(inspector_with_id.pk)
    assert entry.reason == "核对托育机构负责人实名信息"
    assert entry.request_id
    assert ID_NUMBER not in str(entry.before) + str(entry.after)

    again = browser.get(url)
    assert ID_NUMBER not in again.content.decode()
    assert MASKED in again.content.decode()
    assert len(reveals()) == 1


def test_a_reveal_appears_in_the_accounts_history_without_the_number(
    city_admin, gusu_officer, web_client_for, inspector_with_id
):
    web_client_for(gusu_officer).post(f"/accounts/{inspector_with_id.pk}/reveal/", {"reason": "核对实名信息"})

    response = web_client_for(city_admin).get(f"/history/accounts.user/{inspector_with_id.pk}/")

    content = response.content.decode()
    assert "personal_data.reveal" in content
    assert "核对实名信息" in content
    assert ID_NUMBER not in content


def test_city_admin_reveals_a_number_in_any_unit(city_admin, wujiang_officer, web_client_for):
    account_set_id_number(actor=None, user=wujiang_officer, id_number=OTHER_ID_NUMBER)
    response = web_client_for(city_admin).post(f"/accounts/{wujiang_officer.pk}/reveal/", {"reason": "补贴发放核查"})
    assert OTHER_ID_NUMBER in response.content.decode()
    assert [e.actor for e in reveals()] == [city_admin]


@pytest.mark.parametrize("role_fixture", ["operator", "gusu_inspector", "citywide_inspector"])
def test_roles_without_the_right_cannot_reveal_even_their_own_number(request, web_client_for, role_fixture):
    user = request.getfixturevalue(role_fixture)
    account_set_id_number(actor=None, user=user, id_number=ID_NUMBER)
    browser = web_client_for(user)

    assert browser.get(f"/accounts/{user.pk}/reveal/").status_code == 404
    response = browser.post(f"/accounts/{user.pk}/reveal/", {"reason": "查看本人信息"})

    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()
    assert reveals() == []


def test_a_foreign_officer_cannot_reveal(wujiang_officer, web_client_for, inspector_with_id):
    response = web_client_for(wujiang_officer).post(
        f"/accounts/{inspector_with_id.pk}/reveal/", {"reason": "核对实名信息"}
    )
    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()
    assert reveals() == []


def test_reveal_needs_a_login(client, inspector_with_id):
    response = client.post(f"/accounts/{inspector_with_id.pk}/reveal/", {"reason": "核对实名信息"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert reveals() == []
