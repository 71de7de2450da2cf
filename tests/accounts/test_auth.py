"""Login, lockout, logout, password change, idle timeout, and REST tokens."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from suzhou_childcare.accounts.models import ApiToken
from suzhou_childcare.audit.models import AuditEntry

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_login_page_is_in_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in response.content.decode()


def test_a_user_logs_in_and_reaches_their_home(client, gusu_officer, password):
    response = login(client, "gusu_officer", password)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "姑苏区" in home.content.decode()


def test_a_wrong_password_shows_the_form_again_with_an_error(client, gusu_officer):
    response = login(client, "gusu_officer", "wrong-password")
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_account_for_that_address_only(client, gusu_officer, password):
    for _attempt in range(5):
        login(client, "gusu_officer", "wrong-password", address="10.0.0.7")
    locked = login(client, "gusu_officer", password, address="10.0.0.7")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same account from another address is not locked.
    elsewhere = Client()
    assert login(elsewhere, "gusu_officer", password, address="10.0.0.8").status_code == 302


def test_four_wrong_passwords_do_not_lock(client, gusu_officer, password):
    for _attempt in range(4):
        login(client, "gusu_officer", "wrong-password", address="10.0.0.9")
    assert login(client, "gusu_officer", password, address="10.0.0.9").status_code == 302


def test_a_statistics_client_cannot_log_in_to_the_web_portal(client, stats_client, password):
    response = login(client, "stats_client", password)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, gusu_officer, password):
    login(client, "gusu_officer", password)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_the_session_expires_after_idle_time(settings, client, gusu_officer, password):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    login(client, "gusu_officer", password)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    session = client.session
    session.set_expiry(timezone.now() - timedelta(seconds=1))
    session.save()
    assert client.get("/").status_code == 302


def test_password_change_is_audited_and_ends_old_tokens(client, gusu_officer, password, api_client_for):
    api = api_client_for(gusu_officer)
    login(client, "gusu_officer", password)
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Brand-New-Pass-2026", "new_password2": "Brand-New-Pass-2026"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still logged in
    assert AuditEntry.objects.filter(action="account.change_password", object_id=str(gusu_officer.pk)).exists()
    assert api.get("/api/v1/me/").status_code == 401


def test_password_change_with_a_weak_password_shows_field_errors(client, gusu_officer, password):
    login(client, "gusu_officer", password)
    response = client.post(
        "/accounts/password/", {"old_password": password, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"]


# --- REST tokens ---------------------------------------------------------------------------------------------


def test_a_token_is_issued_for_good_credentials_and_works(gusu_officer, password):
    api = APIClient()
    response = api.post(TOKEN, {"username": "gusu_officer", "password": password}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert len(key) >= 40
    stored = ApiToken.objects.get(user=gusu_officer)
    assert key not in (stored.key_hash, stored.prefix)  # only a hash is stored
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["district"] == "320508"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "username"),
        ({"username": "x"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_input_on_the_token_endpoint_gives_field_errors(db, payload, field):
    response = APIClient().post(TOKEN, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields", "clause"}
    assert body["code"] == "invalid"
    assert body["fields"][field]
    assert body["message"]


def test_malformed_json_on_the_token_endpoint_is_a_400_not_a_500(db):
    response = APIClient().post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_credentials_on_the_token_endpoint(gusu_officer):
    response = APIClient().post(TOKEN, {"username": "gusu_officer", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "authentication_failed"


def test_the_token_endpoint_locks_out_after_five_failures(gusu_officer, password):
    api = APIClient(REMOTE_ADDR="10.1.1.1")
    for _attempt in range(5):
        api.post(TOKEN, {"username": "gusu_officer", "password": "nope"}, format="json")
    response = api.post(TOKEN, {"username": "gusu_officer", "password": password}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_an_expired_token_is_refused(gusu_officer, api_client_for):
    api = api_client_for(gusu_officer)
    ApiToken.objects.filter(user=gusu_officer).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_token_of_a_disabled_account_is_refused(gusu_officer, api_client_for):
    api = api_client_for(gusu_officer)
    gusu_officer.is_active = False
    gusu_officer.save()
    assert api.get("/api/v1/me/").status_code == 401
