"""`manage.py create_account`: the password from the environment, role and unit checked, a working login."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Gusu-Canal-2024-xyz"


@pytest.fixture
def account_password(monkeypatch) -> str:
    monkeypatch.setenv("ACCOUNT_PASSWORD", NEW_PASSWORD)
    return NEW_PASSWORD


def create(*args, **options) -> str:
    out = StringIO()
    call_command("create_account", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_creates_a_district_officer_who_can_log_in(client, account_password):
    output = create("zhang_wei", role="district_officer", district="320508", name="张伟")

    user = User.objects.get(username="zhang_wei")
    assert (user.role, user.district_id, user.get_full_name()) == (Role.DISTRICT_OFFICER, "320508", "张伟")
    assert not user.is_staff
    assert "zhang_wei" in output
    assert account_password not in output

    response = client.post("/accounts/login/", {"username": "zhang_wei", "password": account_password})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "姑苏区" in home.content.decode()


def test_the_created_account_obtains_an_api_token(client, account_password):
    create("zhang_wei", role="district_officer", district="320508")
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "zhang_wei", "password": account_password},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_creation_is_audited_as_the_system(account_password):
    create("li_na", role="city_admin")
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.actor_username == "system"
    assert entry.object_repr == "li_na"
    assert "password" not in entry.after


def test_a_city_admin_gets_staff_rights_for_the_read_only_admin(account_password):
    create("li_na", role="city_admin")
    user = User.objects.get(username="li_na")
    assert user.is_staff
    assert user.district is None


def test_a_citywide_inspector(account_password):
    create("wang_fang", role="inspector", citywide=True)
    user = User.objects.get(username="wang_fang")
    assert user.is_citywide
    assert user.district is None


def test_an_unknown_district_is_refused_naming_the_known_ones(account_password):
    with pytest.raises(CommandError) as caught:
        create("zhang_wei", role="district_officer", district="999999")
    message = str(caught.value)
    assert "999999" in message
    assert "320508" in message
    assert not User.objects.filter(username="zhang_wei").exists()


def test_a_district_officer_without_a_district_is_refused_with_a_message(account_password):
    with pytest.raises(CommandError) as caught:
        create("zhang_wei", role="district_officer")
    message = str(caught.value)
    assert "district:" in message
    assert len(message) > len("district:")
    assert not User.objects.filter(username="zhang_wei").exists()
    assert not AuditEntry.objects.filter(action="account.create").exists()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"role": "city_admin", "district": "320508"}, "district"),
        ({"role": "statistics_client", "district": "320508"}, "district"),
        ({"role": "inspector"}, "district"),
        ({"role": "inspector", "district": "320508", "citywide": True}, "district"),
        ({"role": "operator", "citywide": True}, "is_citywide"),
    ],
    ids=["city-admin-with-unit", "stats-with-unit", "inspector-nowhere", "inspector-both", "citywide-operator"],
)
def test_role_and_unit_must_fit_together(account_password, options, field):
    with pytest.raises(CommandError) as caught:
        create("zhang_wei", **options)
    assert f"{field}:" in str(caught.value)
    assert not User.objects.filter(username="zhang_wei").exists()


def test_an_unknown_role_is_refused(account_password):
    with pytest.raises(CommandError):
        create("zhang_wei", role="mayor")
    assert not User.objects.filter(username="zhang_wei").exists()


def test_a_weak_password_is_refused(monkeypatch):
    monkeypatch.setenv("ACCOUNT_PASSWORD", "12345678")
    with pytest.raises(CommandError) as caught:
        create("zhang_wei", role="operator")
    assert "password:" in str(caught.value)
    assert "12345678" not in str(caught.value)
    assert not User.objects.filter(username="zhang_wei").exists()


def test_a_taken_username_is_refused_whatever_its_case(account_password, gusu_officer):
    with pytest.raises(CommandError) as caught:
        create("GUSU_OFFICER", role="operator")
    assert "username:" in str(caught.value)
    assert User.objects.filter(username__iexact="gusu_officer").count() == 1


def test_without_the_environment_variable_the_password_is_prompted_twice(monkeypatch, client):
    monkeypatch.delenv("ACCOUNT_PASSWORD", raising=False)
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    create("zhang_wei", role="operator")

    response = client.post("/accounts/login/", {"username": "zhang_wei", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_prompted_passwords_that_differ_are_refused(monkeypatch):
    monkeypatch.delenv("ACCOUNT_PASSWORD", raising=False)
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    with pytest.raises(CommandError):
        create("zhang_wei", role="operator")
    assert not User.objects.filter(username="zhang_wei").exists()
