"""Operator sign-up: an account tied to its facility."""

import pytest
from django.test import Client

from facilities import services
from facilities.models import Facility, FilingStatus
from suzhou_childcare.accounts.models import User

from .factories import valid_uscc


def form(**overrides):
    return {
        "username": "xiaomiao",
        "full_name": "林小苗",
        "email": "lin@example.cn",
        "password1": "Qingshan-Road-88",
        "password2": "Qingshan-Road-88",
        "facility_name": "小苗托育",
        "uscc": valid_uscc("9"),
        "registration_route": "enterprise",
        "category": "social",
        "district": "320508",
        **overrides,
    }


def test_sign_up_creates_the_account_and_a_draft_and_opens_the_form(db):
    client = Client()
    response = client.post("/facilities/signup/", form())
    facility = Facility.objects.get(name="小苗托育")
    assert response.status_code == 302
    assert response["Location"] == f"/facilities/{facility.pk}/file/basic/"
    user = User.objects.get(username="xiaomiao")
    assert user.role == "operator" and list(facility.operators.all()) == [user]
    assert facility.filing_status == FilingStatus.DRAFT
    assert client.get(response["Location"]).status_code == 200  # logged in


def test_sign_up_never_takes_over_a_facility_the_unit_entered(gusu_officer, db):
    """A credit code is public: knowing it must not hand the facility to whoever signs up with it."""
    uscc = valid_uscc("9")
    known = services.facility_create(
        actor=gusu_officer, data={"name": "在营未备案机构", "category": "social", "district": "320508", "uscc": uscc}
    )
    response = Client().post("/facilities/signup/", form(uscc=uscc, facility_name="在营未备案机构"))
    assert response.status_code == 400
    assert response.context["form"].errors["uscc"]
    known.refresh_from_db()
    assert known.filing_status == FilingStatus.KNOWN and not known.operators.exists()
    assert not User.objects.filter(username="xiaomiao").exists()


def test_the_units_officer_links_the_operator_account_instead(gusu_officer, wujiang_officer, operator, db):
    known = services.facility_create(
        actor=gusu_officer, data={"name": "在营未备案机构", "category": "social", "district": "320508"}
    )
    from suzhou_childcare.errors import NotFound

    with pytest.raises(NotFound):
        services.facility_link_operator(actor=wujiang_officer, facility=known, username="operator")
    services.facility_link_operator(actor=gusu_officer, facility=known, username="operator")
    assert list(known.operators.all()) == [operator]
    known = services.facility_start_draft(actor=operator, facility=known)
    assert known.filing_status == FilingStatus.DRAFT


def test_a_refused_sign_up_leaves_no_account(db):
    response = Client().post("/facilities/signup/", form(uscc="91110000600037341X"))
    assert response.status_code == 400
    assert response.context["form"].errors["uscc"]
    assert not User.objects.filter(username="xiaomiao").exists()
    response = Client().post("/facilities/signup/", form(password2="other-password-1"))
    assert response.status_code == 400 and response.context["form"].errors["password2"]
    response = Client().post("/facilities/signup/", form(password1="1234567890", password2="1234567890"))
    assert response.status_code == 400 and response.context["form"].errors["password1"]
    assert not User.objects.filter(username="xiaomiao").exists()
    assert not Facility.objects.exists()


def test_a_taken_username_is_a_field_error(operator):
    response = Client().post("/facilities/signup/", form(username="operator"))
    assert response.status_code == 400 and response.context["form"].errors["username"]
