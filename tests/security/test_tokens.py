"""REST tokens: listed with their prefix only, revoked by their holder or the city admin, refused at once."""

from __future__ import annotations

from rest_framework.test import APIClient

from suzhou_childcare.accounts.models import ApiToken
from suzhou_childcare.accounts.services import api_token_issue
from suzhou_childcare.audit.models import AuditEntry

ME = "/api/v1/me/"
TOKENS = "/api/v1/auth/tokens/"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_city_admin_revokes_a_token_and_it_is_refused_at_the_very_next_request(
    city_admin, operator, api_client_for
):
    token, key = api_token_issue(user=operator)
    holder = client_with(key)
    assert holder.get(ME).status_code == 200

    response = api_client_for(city_admin).delete(f"{TOKENS}{token.pk}/")

    assert response.status_code == 204
    refused = holder.get(ME)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    entry = AuditEntry.objects.get(action="api_token.revoke", object_id=str(operator.pk))
    assert entry.actor == city_admin
    assert entry.before["prefix"] == token.prefix


def test_a_user_revokes_their_own_tokens_even_the_one_in_use(operator):
    first, first_key = api_token_issue(user=operator)
    second, second_key = api_token_issue(user=operator)
    client = client_with(first_key)
    assert client.delete(f"{TOKENS}{second.pk}/").status_code == 204
    assert client_with(second_key).get(ME).status_code == 401
    assert client.get(ME).status_code == 200
    assert client.delete(f"{TOKENS}{first.pk}/").status_code == 204
    assert client.get(ME).status_code == 401


def test_a_non_admin_cannot_revoke_another_accounts_token(gusu_officer, operator, api_client_for, web_client_for):
    token, key = api_token_issue(user=operator)
    assert api_client_for(gusu_officer).delete(f"{TOKENS}{token.pk}/").status_code == 404
    assert web_client_for(gusu_officer).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client_with(key).get(ME).status_code == 200
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_id_beyond_the_column_is_not_found(operator, api_client_for):
    assert api_client_for(operator).delete(f"{TOKENS}{2**63}/").status_code == 404


def test_the_token_list_api_shows_prefixes_scoped_to_the_user(city_admin, operator, gusu_officer, api_client_for):
    operator_token, operator_key = api_token_issue(user=operator)
    api_token_issue(user=gusu_officer)
    own = api_client_for(operator).get(TOKENS).json()["results"]
    assert {row["username"] for row in own} == {"operator"}
    assert operator_key not in str(own)
    everyone = api_client_for(city_admin).get(TOKENS).json()["results"]
    assert {"operator", "gusu_officer", "city_admin"} <= {row["username"] for row in everyone}
    assert operator_token.prefix in {row["prefix"] for row in everyone}


def test_a_statistics_client_revokes_its_own_token(stats_client):
    token, key = api_token_issue(user=stats_client)
    client = client_with(key)
    assert client.get(TOKENS).status_code == 200
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert client.get(TOKENS).status_code == 401


def test_the_city_admin_sees_every_token_on_the_page_and_revokes_one(city_admin, operator, web_client_for):
    token, key = api_token_issue(user=operator)
    web = web_client_for(city_admin)
    page = web.get("/accounts/tokens/")
    content = page.content.decode()
    assert page.status_code == 200
    assert f"{token.prefix}…" in content and "operator" in content
    assert key not in content

    response = web.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert client_with(key).get(ME).status_code == 401
    after = web.get("/accounts/tokens/").content.decode()
    assert f'data-token="{token.pk}"' not in after


def test_other_users_see_only_their_own_tokens_on_the_page(operator, gusu_officer, web_client_for):
    own, _key = api_token_issue(user=gusu_officer)
    foreign, _other = api_token_issue(user=operator)
    content = web_client_for(gusu_officer).get("/accounts/tokens/").content.decode()
    assert f'data-token="{own.pk}"' in content
    assert f'data-token="{foreign.pk}"' not in content


def test_revoking_needs_a_post(operator, web_client_for):
    token, _key = api_token_issue(user=operator)
    assert web_client_for(operator).get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()
