"""The second factor (TOTP) of browser logins: enrolment, the code step, back-off and lockout, the admin's reset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry

from .conftest import SETUP, VERIFY, code_for, login, wrong_code_for

# Every test here uses the database (pytest-django orders database tests by this marker; a fixture asked
# for by name at run time would not count).
pytestmark = pytest.mark.django_db

ADDRESS = "10.9.0.1"
WEB_ROLES = [
    "city_admin",
    "gusu_officer",
    "gusu_inspector",
    "citywide_inspector",
    "operator",
    "training_base",
    "mch_assessor",
]
# A few pages of different apps, the Django admin and the accounts pages: none is reachable half-logged-in.
PAGES = ["/", "/facilities/", "/accounts/", "/accounts/tokens/", "/accounts/security/", "/admin/"]


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True


def browser() -> Client:
    return Client(REMOTE_ADDR=ADDRESS)


def test_the_setting_is_off_in_the_demo_and_on_in_production(settings):
    assert settings.OTP_REQUIRED is False
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1  # django-otp's back-off after wrong codes is on
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_", "BLIND_", "OTP_"))}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "suzhou_childcare.settings.production",
            "DJANGO_READ_DOT_ENV": "false",
            "DJANGO_SECRET_KEY": "p" * 20 + "-production-test-key-" + "q" * 20,
            "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
            "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1wcmltYXJ5LTAwMDA=",
            "BLIND_INDEX_KEY": "production-test-blind-index",
        }
    )
    command = "from django.conf import settings; print(settings.OTP_REQUIRED, settings.OTP_TOTP_THROTTLE_FACTOR)"
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "1"]


def test_without_the_requirement_a_login_without_device_works_as_before(gusu_officer, password):
    web = browser()
    response = login(web, "gusu_officer", password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert web.get("/").status_code == 200
    assert web.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("role_fixture", WEB_ROLES)
def test_required_and_not_enrolled_the_password_alone_reaches_no_page(request, required, role_fixture, password):
    user = request.getfixturevalue(role_fixture)
    web = browser()
    response = login(web, user.username, password)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    for page in PAGES:
        refused = web.get(page)
        assert refused.status_code == 302, page
        assert refused["Location"].startswith(SETUP), page
    # Nor a POST to a page: it is not carried out.
    assert web.post("/accounts/personal-data/rekey/").status_code == 302
    # The REST API with the session answers 403 with a message, not data.
    api = web.get("/api/v1/me/")
    assert api.status_code == 403
    body = api.json()
    assert body["code"] == "second_factor_required" and body["message"]
    assert "username" not in body
    # The enrolment page itself is there.
    assert web.get(SETUP).status_code == 200


def test_required_enrolment_shows_a_qr_code_and_a_confirmed_code_opens_the_portal(required, gusu_officer, password):
    web = browser()
    login(web, "gusu_officer", password, next_url="/facilities/")
    page = web.get(f"{SETUP}?next=/facilities/")
    content = page.content.decode()
    assert page.status_code == 200
    assert 'src="/accounts/second-factor/setup/qr.svg"' in content
    assert "<script" not in content.split("</main>")[0].split("<main")[1]
    assert 'style="' not in content
    device = TOTPDevice.objects.get(user=gusu_officer, confirmed=False)
    qr = web.get("/accounts/second-factor/setup/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") or b"<svg" in qr.content[:200]
    assert "no-store" in qr["Cache-Control"]
    # The key for typing in, in base32 groups.
    assert page.context["secret"].replace(" ", "")

    confirmed = web.post(SETUP, {"otp_token": code_for(device), "next": "/facilities/"})

    assert confirmed.status_code == 302 and confirmed["Location"] == "/facilities/"
    device.refresh_from_db()
    assert device.confirmed
    assert web.get("/").status_code == 200
    assert web.get("/api/v1/me/").status_code == 200
    assert AuditEntry.objects.filter(action="second_factor.enrol", object_id=str(gusu_officer.pk)).exists()


def test_a_wrong_code_does_not_confirm_an_enrolment(required, gusu_officer, password):
    web = browser()
    login(web, "gusu_officer", password)
    web.get(SETUP)
    device = TOTPDevice.objects.get(user=gusu_officer)
    response = web.post(SETUP, {"otp_token": wrong_code_for(device)})
    assert response.status_code == 400
    assert response.context["form"].errors["otp_token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert web.get("/").status_code == 302


@pytest.mark.parametrize("otp_required", [True, False])
def test_with_a_device_the_right_code_after_the_password_opens_the_portal(
    settings, otp_required, gusu_officer, password, device_for
):
    settings.OTP_REQUIRED = otp_required
    device = device_for(gusu_officer)
    web = browser()
    response = login(web, "gusu_officer", password, next_url="/facilities/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert web.get("/").status_code == 302
    assert web.get("/api/v1/me/").status_code == 403

    verified = web.post(VERIFY, {"otp_token": code_for(device), "next": "/facilities/"})

    assert verified.status_code == 302 and verified["Location"] == "/facilities/"
    assert web.get("/").status_code == 200
    assert web.get("/api/v1/me/").json()["username"] == "gusu_officer"


def test_a_wrong_code_is_refused_and_the_pages_stay_closed(required, gusu_officer, password, device_for):
    device = device_for(gusu_officer)
    web = browser()
    login(web, "gusu_officer", password)
    response = web.post(VERIFY, {"otp_token": wrong_code_for(device)})
    assert response.status_code == 400
    assert response.context["form"].errors["otp_token"]
    assert web.get("/").status_code == 302
    malformed = web.post(VERIFY, {"otp_token": "12ab56"})
    assert malformed.status_code == 400
    assert malformed.context["form"].errors["otp_token"]


def test_after_a_wrong_code_the_device_backs_off_even_for_the_right_one(gusu_officer, password, device_for):
    device = device_for(gusu_officer)
    web = browser()
    login(web, "gusu_officer", password)
    web.post(VERIFY, {"otp_token": wrong_code_for(device)})

    too_soon = web.post(VERIFY, {"otp_token": code_for(device)})

    assert too_soon.status_code == 400
    assert too_soon.context["form"].errors["otp_token"]
    assert web.get("/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_five_wrong_codes_lock_the_account_out_like_wrong_passwords(settings, gusu_officer, password, device_for):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off, so that every attempt reaches the check
    device = device_for(gusu_officer)
    web = browser()
    login(web, "gusu_officer", password)
    statuses = [web.post(VERIFY, {"otp_token": wrong_code_for(device)}).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    # The half-open session is over, and the password is refused from this address for a while.
    assert web.get("/").status_code == 302
    assert web.get("/")["Location"].startswith("/accounts/login/")
    assert login(browser(), "gusu_officer", password).status_code == 429


def test_a_device_holder_cannot_enrol_a_new_device_to_skip_the_code(gusu_officer, password, device_for):
    device_for(gusu_officer)
    web = browser()
    login(web, "gusu_officer", password)
    assert web.get(SETUP)["Location"].startswith(VERIFY)
    assert web.post(SETUP, {"otp_token": "123456"})["Location"].startswith(VERIFY)
    TOTPDevice.objects.create(user=gusu_officer, name="pending", confirmed=False)
    assert web.get("/accounts/second-factor/setup/qr.svg").status_code == 404
    assert web.get("/").status_code == 302


def test_rest_tokens_never_need_the_second_factor(required, gusu_officer, password, device_for, api_client_for):
    from rest_framework.test import APIClient

    device_for(gusu_officer)
    assert api_client_for(gusu_officer).get("/api/v1/me/").status_code == 200
    issued = APIClient().post("/api/v1/auth/token/", {"username": "gusu_officer", "password": password})
    assert issued.status_code == 200


def test_a_user_enrols_from_their_account_page_when_it_is_optional(gusu_officer, web_client_for):
    web = web_client_for(gusu_officer)
    page = web.get("/accounts/security/")
    assert page.status_code == 200
    assert 'data-second-factor="off"' in page.content.decode()
    assert SETUP in page.content.decode()
    web.get(SETUP)
    device = TOTPDevice.objects.get(user=gusu_officer)
    assert web.post(SETUP, {"otp_token": code_for(device)}).status_code == 302
    assert 'data-second-factor="on"' in web.get("/accounts/security/").content.decode()
    # Still in: the session was verified by the enrolment itself.
    assert web.get("/").status_code == 200


def test_the_city_admin_resets_a_second_factor_and_the_account_enrols_again(
    settings, city_admin, gusu_officer, password, device_for, web_client_for
):
    device = device_for(gusu_officer)
    officer = browser()
    login(officer, "gusu_officer", password)
    officer.post(VERIFY, {"otp_token": code_for(device)})
    assert officer.get("/").status_code == 200
    admin = web_client_for(city_admin)
    listing = admin.get("/accounts/").content.decode()
    assert f'action="/accounts/{gusu_officer.pk}/second-factor/reset/"' in listing

    response = admin.post(f"/accounts/{gusu_officer.pk}/second-factor/reset/")

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=gusu_officer).exists()
    entry = AuditEntry.objects.get(action="second_factor.reset", object_id=str(gusu_officer.pk))
    assert entry.actor == city_admin
    # The session verified with the old device is verified no more.
    settings.OTP_REQUIRED = True
    assert officer.get("/")["Location"].startswith(SETUP)


def test_only_the_city_admin_resets_and_a_foreign_account_is_not_found(
    gusu_officer, wujiang_officer, make_user, device_for, web_client_for
):
    colleague = make_user(Role.DISTRICT_OFFICER, district_code="320508", username="gusu_colleague")
    device_for(colleague)
    device_for(wujiang_officer)
    web = web_client_for(gusu_officer)
    assert web.post(f"/accounts/{colleague.pk}/second-factor/reset/").status_code == 403
    assert web.post(f"/accounts/{wujiang_officer.pk}/second-factor/reset/").status_code == 404
    assert TOTPDevice.objects.filter(user__in=[colleague, wujiang_officer]).count() == 2
    assert "second-factor/reset" not in web.get("/accounts/").content.decode()


def test_the_code_step_does_not_follow_a_foreign_next(gusu_officer, password, device_for):
    device = device_for(gusu_officer)
    web = browser()
    login(web, "gusu_officer", password)
    response = web.post(VERIFY, {"otp_token": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
