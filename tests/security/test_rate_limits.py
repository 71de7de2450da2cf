"""Rate limits per client address: the token endpoint (DRF throttle), the login form and the public complaint
form (page limiter). Rates are settings, lowered here so that the tests stay quick and deterministic."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from inspections.models import Complaint
from suzhou_childcare.accounts.models import ApiToken
from suzhou_childcare.ratelimit import Rate, parse_rate, too_many_response

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"
COMPLAINT = "/public/complaints/"
TOO_MANY = "请求过于频繁，请稍后再试。"


def test_the_token_endpoint_answers_429_after_the_limit(settings, gusu_officer, password):
    settings.RATE_LIMIT_API_TOKEN = "3/minute"
    api = APIClient(REMOTE_ADDR="10.8.0.1")
    wrong = {"username": "gusu_officer", "password": "not-the-password"}
    assert [api.post(TOKEN, wrong, format="json").status_code for _ in range(3)] == [400, 400, 400]

    refused = api.post(TOKEN, {"username": "gusu_officer", "password": password}, format="json")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert body["message"] == TOO_MANY
    assert 0 < int(refused["Retry-After"]) <= 60
    assert not ApiToken.objects.filter(user=gusu_officer).exists()
    # Another address is not affected.
    other = APIClient(REMOTE_ADDR="10.8.0.2")
    assert other.post(TOKEN, {"username": "gusu_officer", "password": password}, format="json").status_code == 200


def test_the_login_form_answers_429_after_the_limit(settings, gusu_officer, password):
    settings.RATE_LIMIT_LOGIN = "2/minute"
    browser = Client(REMOTE_ADDR="10.8.0.3")
    wrong = {"username": "someone", "password": "guess"}
    assert [browser.post(LOGIN, wrong).status_code for _ in range(2)] == [400, 400]

    refused = browser.post(LOGIN, {"username": "gusu_officer", "password": password})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert TOO_MANY in refused.content.decode()
    assert "_auth_user_id" not in browser.session
    # Reading the form is not limited, and another address still logs in.
    assert browser.get(LOGIN).status_code == 200
    elsewhere = Client(REMOTE_ADDR="10.8.0.4")
    assert elsewhere.post(LOGIN, {"username": "gusu_officer", "password": password}).status_code == 302


def _complaint(subject: str) -> dict:
    return {
        "district": "320508",
        "facility_name": "苏州小苗托育中心",
        "subject": subject,
        "description": "午睡室无人看护。",
    }


def test_the_public_complaint_form_answers_429_after_the_limit(settings, db):
    settings.RATE_LIMIT_PUBLIC_COMPLAINT = "2/hour"
    visitor = Client(REMOTE_ADDR="10.8.0.5")
    assert [visitor.post(COMPLAINT, _complaint(f"第{n}次")).status_code for n in range(2)] == [302, 302]

    refused = visitor.post(COMPLAINT, _complaint("第三次"))

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert 'data-error-code="rate_limited"' in refused.content.decode()
    assert not Complaint.objects.filter(subject="第三次").exists()
    assert Client(REMOTE_ADDR="10.8.0.6").post(COMPLAINT, _complaint("别处")).status_code == 302


@pytest.mark.parametrize(
    ("text", "rate"),
    [("5/hour", Rate(5, 3600)), ("10/minute", Rate(10, 60)), ("10/5m", Rate(10, 300)), ("1/s", Rate(1, 1))],
)
def test_rates_are_read_from_their_setting_text(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "five/hour", "5", "5/fortnight"])
def test_a_malformed_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


def test_the_page_limiter_answers_json_under_the_api(rf: RequestFactory):
    response = too_many_response(rf.post("/api/v1/something/"), retry_after=30)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert b"throttled" in response.content
