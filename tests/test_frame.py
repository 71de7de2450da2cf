"""The frame around every page and endpoint: language, error shape, health, production settings, admin."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from suzhou_childcare.accounts.models import User

ROOT = Path(__file__).resolve().parents[1]


# --- language ---------------------------------------------------------------------------------------------


def test_chinese_whatever_the_browser_asks_for(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_english_when_the_user_picks_it_and_it_sticks(client, gusu_officer, password):
    client.post("/accounts/login/", {"username": "gusu_officer", "password": password})
    client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=gusu_officer.pk).language == "en"
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert "Log out" in response.content.decode()
    # Picked on the login page before logging in, too.
    other = type(client)()
    other.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})
    assert other.get("/accounts/login/")["Content-Language"] == "en"


def test_an_unknown_language_is_ignored(client, db):
    client.post("/accounts/language/", {"language": "fr"})
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_the_language_switch_does_not_redirect_off_site(client, db):
    response = client.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


# --- error shape ------------------------------------------------------------------------------------------


def test_unauthenticated_api_call_has_the_error_shape(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "fields", "clause"}
    assert body["code"] == "not_authenticated"
    assert body["message"]


def test_an_unknown_api_url_is_a_json_404(db, gusu_officer, api_client_for):
    response = api_client_for(gusu_officer).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_wrong_method_has_the_error_shape(gusu_officer, api_client_for):
    response = api_client_for(gusu_officer).delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_page_size_is_capped(city_admin, api_client_for, settings):
    settings.API_MAX_PAGE_SIZE = 3
    body = api_client_for(city_admin).get("/api/v1/regions/districts/?page_size=1000").json()
    assert body["count"] == 10
    assert len(body["results"]) == 3


def test_an_unknown_page_of_a_web_list_is_a_chinese_404(client, gusu_officer, password):
    client.post("/accounts/login/", {"username": "gusu_officer", "password": password})
    response = client.get("/regions/999999/")
    assert response.status_code == 404
    assert "不存在" in response.content.decode() or "未找到" in response.content.decode()


# --- health -----------------------------------------------------------------------------------------------


def test_healthz_reports_database_and_broker(client, db, celery_app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == ("in-process" if celery_app.conf.task_always_eager else "ok")


@pytest.mark.redis
def test_healthz_reports_a_broker_that_is_down(client, db, monkeypatch, celery_app):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


# --- production settings ----------------------------------------------------------------------------------


def _production(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_", "BLIND_"))}
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "suzhou_childcare.settings.production", "DJANGO_READ_DOT_ENV": "false", **env}
    )
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "p" * 20 + "-production-test-key-" + "q" * 20,
    "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1wcmltYXJ5LTAwMDA=",
    "BLIND_INDEX_KEY": "production-test-blind-index",
}


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _production(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_check_deploy_is_clean():
    result = _production(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


# --- admin ------------------------------------------------------------------------------------------------


def test_the_admin_reads_but_does_not_edit_domain_data(client, city_admin, password):
    client.post("/accounts/login/", {"username": "city_admin", "password": password})
    assert client.get("/admin/regions/district/").status_code == 200
    assert client.get("/admin/regions/district/add/").status_code == 403
    page = client.get("/admin/regions/district/320508/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
