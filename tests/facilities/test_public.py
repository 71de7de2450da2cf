"""Public filing verification (no login) and the printable filing receipt (备案回执) with its QR code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import qrcode
from django.contrib.staticfiles import finders
from django.test import Client
from qrcode.image.svg import SvgPathImage

from facilities import services
from facilities.models import Facility
from facilities.selectors_public import filing_public_get

from .factories import complete_draft

pytestmark = pytest.mark.django_db

ID_NUMBER = re.compile(r"\d{17}[\dX]")
STAFF_NAMES = ("王丽", "李娜", "张敏", "刘芳", "陈静", "赵强")


def recorded(operator, officer, **kwargs) -> Facility:
    facility = complete_draft(operator, **kwargs)
    services.facility_submit(actor=operator, facility=facility)
    return services.facility_record(actor=officer, facility=facility)


# --- public verification ------------------------------------------------------------------------------------


def test_anyone_verifies_a_recorded_filing_without_personal_data(operator, gusu_officer, django_assert_num_queries):
    facility = recorded(operator, gusu_officer, name="苏州小苗托育中心")
    url = f"/verify/{facility.filing_number}/"
    with django_assert_num_queries(2):  # only the public fields, in one query; the recognitions in force, one more
        response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "苏州小苗托育中心" in page
    assert facility.filing_number in page and facility.filing_number.startswith("320508-")
    assert "姑苏区" in page
    assert "已备案" in page  # the status, translated
    assert facility.uscc in page  # public registration data
    assert not any(name in page for name in STAFF_NAMES)
    assert not ID_NUMBER.search(page.replace(facility.uscc, ""))
    assert operator.username not in page and gusu_officer.username not in page
    assert "人民路" not in page  # no address
    assert 'name="csrfmiddlewaretoken"' not in page
    assert 'data-filing-status="filed"' in page


def test_the_public_page_may_be_cached_briefly_and_sets_no_cookie(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    response = Client().get(f"/verify/{facility.filing_number}/")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies  # a publicly cached response must not hand one visitor's cookie to others
    assert "Cookie" in response.get("Vary", "")  # the language comes from the session


def test_a_logged_in_user_sees_the_same_public_page(operator, gusu_officer, web_client_for):
    facility = recorded(operator, gusu_officer)
    response = web_client_for(operator).get(f"/verify/{facility.filing_number}/")
    assert response.status_code == 200
    assert operator.username not in response.content.decode()


def test_an_unknown_number_is_a_friendly_404(db):
    response = Client().get("/verify/320508-2099-9999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "320508-2099-9999" in page
    assert 'action="/verify/"' in page  # a form to try another number
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]


def test_a_number_keeps_verifying_while_corrections_are_reviewed(operator, gusu_officer):
    """A non-conforming filing keeps its number when the operator resubmits; returned, it is a draft again.
    Its 回执 must not turn into "not found" meanwhile: the page says the corrections are under review."""
    facility = recorded(operator, gusu_officer)
    number = facility.filing_number
    services.facility_verify(actor=gusu_officer, facility=facility, conforming=False, reasons="观察室面积不足")
    services.facility_submit(actor=operator, facility=facility)
    facility.refresh_from_db()
    assert facility.filing_status == "submitted" and facility.filing_number == number
    page = Client().get(f"/verify/{number}/")
    assert page.status_code == 200 and 'data-filing-status="submitted"' in page.content.decode()
    services.facility_reject(actor=gusu_officer, facility=facility, reason="请补充消防材料")
    facility.refresh_from_db()
    assert facility.filing_status == "draft" and facility.filing_number == number
    assert Client().get(f"/verify/{number}/").status_code == 200
    assert filing_public_get(filing_number=number).pk == facility.pk


def test_the_public_selector_loads_only_what_the_page_shows(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    public = filing_public_get(filing_number=facility.filing_number)
    assert public.pk == facility.pk
    assert {"address", "review_reasons", "pending_changes", "reviewer_id", "policy_number"} <= (
        public.get_deferred_fields()
    )
    assert {"name", "uscc", "filing_number", "filing_status", "filed_on"}.isdisjoint(public.get_deferred_fields())


def test_a_draft_has_no_public_page(operator):
    draft = complete_draft(operator)
    assert draft.filing_number is None
    assert Client().get(f"/verify/{draft.pk}/").status_code == 404
    assert Client().get("/verify/None/").status_code == 404


def test_a_nonconforming_filing_shows_its_status_but_not_the_reasons(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    services.facility_verify(actor=gusu_officer, facility=facility, conforming=False, reasons="王丽健康证明过期")
    page = Client().get(f"/verify/{facility.filing_number}/").content.decode()
    assert "不符合" in page
    assert "王丽" not in page and "健康证明过期" not in page


def test_a_cancelled_filing_verifies_as_cancelled(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    services.facility_cancel(actor=operator, facility=facility, reason="停止经营")
    response = Client().get(f"/verify/{facility.filing_number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "已注销" in page and 'data-filing-status="cancelled"' in page
    assert "已备案" not in page


def test_the_lookup_form_is_public(db):
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()


def test_the_lookup_form_redirects_to_the_numbers_page(db):
    response = Client().get("/verify/", {"number": " 320508-2025-0001 "})
    assert response.status_code == 302 and response["Location"] == "/verify/320508-2025-0001/"


def test_the_lookup_form_accepts_what_a_chinese_keyboard_types(db):
    response = Client().get("/verify/", {"number": "３２０５０８－２０２５—０００１"})
    assert response["Location"] == "/verify/320508-2025-0001/"


@pytest.mark.parametrize("number", ["", "../admin", "320508/2025/0001", "<script>"])
def test_the_lookup_form_refuses_what_is_not_a_number(db, number):
    response = Client().get("/verify/", {"number": number})
    assert response.status_code == 400
    assert "320508-2025-0001" in response.content.decode()  # the example of a valid number
    assert "<script>" not in response.content.decode()


def test_a_recorded_filing_is_found_through_the_form(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    response = Client().get("/verify/", {"number": facility.filing_number}, follow=True)
    assert response.status_code == 200 and facility.name in response.content.decode()


# --- receipt ------------------------------------------------------------------------------------------------


def _svg_path(url: str) -> str:
    """The QR modules of `url`, drawn independently of the view, to prove the page's code encodes it."""
    svg = qrcode.make(url, image_factory=SvgPathImage).to_string(encoding="unicode")
    return re.search(r' d="([^"]+)"', svg).group(1)


@pytest.mark.parametrize("who", ["operator", "district_officer", "inspector", "city_admin"])
def test_the_receipt_is_printable_with_a_qr_code_to_the_public_page(users, web_client_for, who):
    facility = recorded(users["operator"], users["district_officer"])
    response = web_client_for(users[who]).get(f"/facilities/{facility.pk}/receipt/")
    assert response.status_code == 200
    page = response.content.decode()
    verify_url = f"http://testserver/verify/{facility.filing_number}/"
    assert f'data-verify-url="{verify_url}"' in page
    assert verify_url in page.replace(f'data-verify-url="{verify_url}"', "")  # printed as text too
    assert "<svg" in page and _svg_path(verify_url) in page
    for text in (facility.filing_number, facility.name, "姑苏区", facility.uscc, "企业", "人民路100号", "25号"):
        assert text in page
    assert 'id="print-receipt"' in page and 'href="/static/css/receipt.css"' in page
    assert "@media print" in Path(finders.find("css/receipt.css")).read_text()  # its own stylesheet (CSP)


def test_the_receipt_url_is_reversible(operator, gusu_officer):
    from django.urls import reverse

    facility = recorded(operator, gusu_officer)
    assert reverse("facilities:receipt", args=[facility.pk]) == f"/facilities/{facility.pk}/receipt/"


def test_the_qr_code_verifies_the_filing(operator, gusu_officer, web_client_for):
    facility = recorded(operator, gusu_officer)
    page = web_client_for(operator).get(f"/facilities/{facility.pk}/receipt/").content.decode()
    verify_url = re.search(r'data-verify-url="([^"]+)"', page).group(1)
    assert Client().get(verify_url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize("who", ["wujiang_officer", "training_base", "mch_assessor"])
def test_the_receipt_is_not_found_outside_the_jurisdiction(users, web_client_for, who):
    facility = recorded(users["operator"], users["district_officer"])
    assert web_client_for(users[who]).get(f"/facilities/{facility.pk}/receipt/").status_code == 404


def test_another_operator_does_not_get_the_receipt(operator, gusu_officer, make_user, web_client_for):
    facility = recorded(operator, gusu_officer)
    stranger = make_user("operator", username="other_operator")
    complete_draft(stranger, name="另一家托育机构")
    assert web_client_for(stranger).get(f"/facilities/{facility.pk}/receipt/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(operator, gusu_officer):
    facility = recorded(operator, gusu_officer)
    response = Client().get(f"/facilities/{facility.pk}/receipt/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_receipt_before_the_filing_is_recorded(operator, gusu_officer, web_client_for):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    for user in (operator, gusu_officer):
        response = web_client_for(user).get(f"/facilities/{facility.pk}/receipt/")
        assert response.status_code == 404
        assert "<svg" not in response.content.decode()


def test_the_receipt_of_a_cancelled_filing_says_so(operator, gusu_officer, web_client_for):
    facility = recorded(operator, gusu_officer)
    services.facility_cancel(actor=operator, facility=facility)
    page = web_client_for(operator).get(f"/facilities/{facility.pk}/receipt/").content.decode()
    assert "已注销" in page
