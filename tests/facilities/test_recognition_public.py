"""Recognitions in public (no login): the register of those in force today, the live record a certificate's QR
code opens, the filing verification page; and the recognitions section of the (scoped) facility page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.models import CriteriaSet, Facility, Recognition, RecognitionStatus
from facilities.views.public_recognition import public_state
from suzhou_childcare.regions.models import District

from .recognition_helpers import apply_inclusive, filed_facility, granted

pytestmark = pytest.mark.django_db

REGISTER = "/public/recognitions/"
ID_NUMBER = re.compile(r"\d{17}[\dX]")
STAFF_NAMES = ("王丽", "李娜", "张敏", "刘芳", "陈静", "赵强")
PENALTY = "姑卫罚〔2026〕3号"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def recognition(operator, gusu_officer, city_admin) -> Recognition:
    facility = filed_facility(operator, gusu_officer, name="苏州普惠托育中心")
    return granted(operator, gusu_officer, city_admin, facility)


def record_url(number: str) -> str:
    return f"/public/recognitions/{number}/"


def listed(response) -> list[str]:
    return [recognition.number for recognition, _until in response.context["entries"]]


def state_of(number: str) -> str:
    response = Client().get(record_url(number))
    assert response.status_code == 200
    return response.context["state"].key


# --- the register ------------------------------------------------------------------------------------------


def test_urls_are_where_the_certificate_and_the_layout_expect_them():
    assert reverse("recognitions_public:register") == REGISTER
    assert reverse("recognitions_public:record", args=["MI-2026-0001"]) == record_url("MI-2026-0001")


def test_anyone_reads_the_register_without_personal_data(recognition, operator, gusu_officer, city_admin):
    response = Client().get(REGISTER)
    assert response.status_code == 200
    assert listed(response) == [recognition.number]
    page = response.content.decode()
    assert "苏州普惠托育中心" in page and "姑苏区" in page
    assert f'href="{record_url(recognition.number)}"' in page
    for username in (operator.username, gusu_officer.username, city_admin.username):
        assert username not in page
    assert not any(name in page for name in STAFF_NAMES)
    assert not ID_NUMBER.search(page)
    assert "人民路" not in page  # no address
    assert "苏卫人口〔2026〕8号" not in page and "姑卫普惠〔2026〕1号" not in page  # no decision, no agreement
    assert 'name="csrfmiddlewaretoken"' not in page
    assert not response.cookies


def test_the_register_loads_no_personal_columns(recognition, django_assert_num_queries):
    with CaptureQueriesContext(connection) as queries:
        Client().get(REGISTER)
    register_sql = next(q["sql"] for q in queries if '"facilities_recognition"."number"' in q["sql"])
    for column in ("facts", "evaluation", "decided_by_id", "revocation_reason", "address", "uscc"):
        assert f'."{column}"' not in register_sql


def test_a_suspension_takes_the_recognition_off_the_register_at_once(recognition, city_admin):
    services.facility_flag_serious_violation(
        actor=city_admin, facility=recognition.facility, decided_on=timezone.localdate(), reference=PENALTY
    )
    response = Client().get(REGISTER)
    assert listed(response) == []
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]

    page = Client().get(record_url(recognition.number))
    assert page.context["state"].key == "suspended"
    assert page.context["state"].on == timezone.localdate()
    body = page.content.decode()
    assert 'data-recognition-state="suspended"' in body
    assert PENALTY not in body  # the reason stays internal: "suspended pending review" only
    assert "Serious violation" not in body and "严重违法" not in body


def test_a_reinstated_suspension_lifts_on_the_record_too(recognition, city_admin):
    services.recognition_suspend(actor=city_admin, recognition=recognition, reason="材料存疑，待核查")
    assert state_of(recognition.number) == "suspended"
    Recognition.objects.filter(pk=recognition.pk).update(status=RecognitionStatus.ACTIVE)
    recognition.suspensions.update(lifted_on=timezone.localdate())
    assert state_of(recognition.number) == "in_force"
    assert listed(Client().get(REGISTER)) == [recognition.number]


def test_a_revoked_recognition_says_so_without_the_reason(recognition, city_admin):
    services.recognition_revoke(actor=city_admin, recognition=recognition, reason="弄虚作假骗取认定")
    page = Client().get(record_url(recognition.number))
    assert page.context["state"].key == "revoked"
    assert page.context["state"].on == timezone.localdate()
    assert "弄虚作假" not in page.content.decode()
    assert listed(Client().get(REGISTER)) == []


def test_an_expired_recognition_says_so_and_leaves_the_register(recognition):
    today = timezone.localdate()
    Recognition.objects.filter(pk=recognition.pk).update(
        valid_from=today - timedelta(days=1100), valid_to=today - timedelta(days=5)
    )
    # Lapsed but not yet expired by the nightly task: the record already says expired, on the end date.
    assert state_of(recognition.number) == "expired"
    assert services.recognitions_expire(today=today) == 1
    page = Client().get(record_url(recognition.number))
    assert page.context["state"].key == "expired"
    assert 'data-recognition-state="expired"' in page.content.decode()
    assert listed(Client().get(REGISTER)) == []


def test_a_renewed_recognition_links_to_its_successor(recognition, operator, gusu_officer, city_admin):
    application = apply_inclusive(operator, recognition.facility, renews=recognition)
    application = services.recognition_unit_review(actor=gusu_officer, application=application, approve=True)
    successor = services.recognition_decide(actor=city_admin, application=application, grant=True).recognition
    page = Client().get(record_url(recognition.number))
    assert page.context["state"].key == "in_force"  # the old certificate holds until its end
    assert f'href="{record_url(successor.number)}"' in page.content.decode()
    assert state_of(successor.number) == "pending"  # starts where the old one ends
    assert listed(Client().get(REGISTER)) == [recognition.number]

    old = Recognition.objects.select_related("renewed_by").prefetch_related("suspensions").get(pk=recognition.pk)
    state = public_state(old, today=old.valid_to)
    assert (state.key, state.on, state.successor) == ("renewed", old.valid_to, successor)


def test_an_unknown_number_is_a_friendly_404(db, django_assert_num_queries):
    response = Client().get(record_url("MI-2099-9999"))
    assert response.status_code == 404
    page = response.content.decode()
    assert "MI-2099-9999" in page and "data-recognition-missing" in page
    assert f'href="{REGISTER}"' in page
    with django_assert_num_queries(0):  # not a number at all: refused before the database
        assert Client().get(record_url("..%3Cscript%3E")).status_code == 404


def test_the_public_pages_only_read(recognition):
    assert Client().post(REGISTER).status_code == 405
    assert Client().post(record_url(recognition.number)).status_code == 405


def test_the_register_filters_by_kind_unit_and_name(operator, make_user, gusu_officer, city_admin):
    gusu = granted(operator, gusu_officer, city_admin, filed_facility(operator, gusu_officer, name="姑苏甲托育"))
    wujiang_officer = make_user("district_officer", district_code="320509", username="wj_officer")
    other = make_user("operator", username="wj_operator")
    wujiang = granted(
        other,
        wujiang_officer,
        city_admin,
        filed_facility(other, wujiang_officer, name="吴江乙托育", district_code="320509"),
        kind="provincial_inclusive",
    )
    web = Client()
    assert set(listed(web.get(REGISTER))) == {gusu.number, wujiang.number}
    assert listed(web.get(REGISTER, {"district": "320509"})) == [wujiang.number]
    assert listed(web.get(REGISTER, {"kind": "municipal_inclusive"})) == [gusu.number]
    assert listed(web.get(REGISTER, {"q": "吴江"})) == [wujiang.number]
    assert listed(web.get(REGISTER, {"q": "　吴江　"})) == [wujiang.number]  # full-width spaces from an IME
    # Unknown values are ignored, never an error.
    response = web.get(REGISTER, {"kind": "nonsense", "district": "999999", "page": "x", "q": "x" * 500})
    assert response.status_code == 200


def _many(count: int) -> None:
    """`count` facilities, each with a recognition in force, without the workflow (the page only reads)."""
    today = timezone.localdate()
    criteria_set = CriteriaSet.objects.filter(kind="municipal_inclusive", status="active").first()
    districts = list(District.objects.all())
    start = Facility.objects.count()
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"认定机构{start + i:03d}",
            category="social",
            district=districts[i % len(districts)],
            slots=40,
            enrolled=20,
            filing_status="draft",
        )
        for i in range(count)
    )
    Recognition.objects.bulk_create(
        Recognition(
            facility=facility,
            kind="municipal_inclusive",
            number=f"MI-2026-{9000 - start - i:04d}",
            valid_from=today - timedelta(days=10),
            valid_to=today + timedelta(days=300),
            granted_on=today - timedelta(days=10),
            criteria_set=criteria_set,
        )
        for i, facility in enumerate(facilities)
    )


def test_the_register_runs_the_same_queries_at_two_sizes(db):
    _many(3)
    with CaptureQueriesContext(connection) as few:
        response = Client().get(REGISTER)
    assert len(response.context["entries"]) == 3
    _many(80)
    with CaptureQueriesContext(connection) as many:
        response = Client().get(REGISTER)
    assert len(response.context["entries"]) == 50  # one page
    assert len(few) == len(many) <= 3, [q["sql"] for q in many]
    assert len(Client().get(REGISTER, {"page": 2}).context["entries"]) == 33


# --- the filing verification page ---------------------------------------------------------------------------


def test_the_verification_page_lists_the_recognitions_in_force(recognition, city_admin):
    facility = recognition.facility
    page = Client().get(f"/verify/{facility.filing_number}/").content.decode()
    assert 'data-recognitions-in-force="1"' in page
    assert f'href="{record_url(recognition.number)}"' in page
    services.recognition_suspend(actor=city_admin, recognition=recognition, reason="待核查")
    page = Client().get(f"/verify/{facility.filing_number}/").content.decode()
    assert 'data-recognitions-in-force="0"' in page
    assert recognition.number not in page


# --- the facility page --------------------------------------------------------------------------------------


def test_the_facility_page_shows_recognitions_and_the_apply_link_to_the_right_roles(recognition, users, web_client_for):
    facility = recognition.facility
    url = f"/facilities/{facility.pk}/"
    apply_url = reverse("recognitions:apply", args=[facility.pk])
    for role in ("operator", "district_officer", "city_admin", "inspector", "citywide_inspector"):
        response = web_client_for(users[role]).get(url)
        assert response.status_code == 200, role
        page = response.content.decode()
        assert f'data-recognition-number="{recognition.number}"' in page, role
        assert f'href="{reverse("recognitions:detail", args=[recognition.pk])}"' in page, role
        assert f'href="{reverse("recognitions:certificate", args=[recognition.pk])}"' in page, role
        may_apply = role in ("operator", "district_officer", "city_admin")
        assert (f'href="{apply_url}"' in page) is may_apply, role
    for role in ("wujiang_officer", "training_base", "mch_assessor"):
        assert web_client_for(users[role]).get(url).status_code == 404, role


def test_a_stranger_operator_does_not_see_the_facility(recognition, make_user, web_client_for):
    stranger = make_user("operator", username="stranger")
    assert web_client_for(stranger).get(f"/facilities/{recognition.facility.pk}/").status_code == 404


def test_the_facility_page_lists_open_applications(operator, gusu_officer, web_client_for):
    facility = filed_facility(operator, gusu_officer)
    application = apply_inclusive(operator, facility)
    page = web_client_for(operator).get(f"/facilities/{facility.pk}/").content.decode()
    assert f'href="{reverse("recognitions:application", args=[application.pk])}"' in page
    assert 'data-recognition-status="' not in page  # nothing granted yet


def test_the_facility_page_adds_two_queries_whatever_the_number_of_recognitions(recognition, operator, web_client_for):
    facility = recognition.facility
    web = web_client_for(operator)
    url = f"/facilities/{facility.pk}/"
    web.get(url)
    with CaptureQueriesContext(connection) as few:
        web.get(url)
    today = timezone.localdate()
    Recognition.objects.bulk_create(
        Recognition(
            facility=facility,
            kind=kind,
            number=f"OLD-{i}",
            status=RecognitionStatus.EXPIRED,
            valid_from=today - timedelta(days=2000),
            valid_to=today - timedelta(days=900),
            granted_on=today - timedelta(days=2000),
            criteria_set=recognition.criteria_set,
        )
        for i, kind in enumerate(["municipal_inclusive", "provincial_inclusive", "municipal_model"])
    )
    apply_inclusive(operator, facility, kind="provincial_inclusive")
    with CaptureQueriesContext(connection) as many:
        page = web.get(url).content.decode()
    assert page.count("data-recognition-number=") == 4
    assert len(few) == len(many)
    recognition_sql = [q for q in many if re.search(r'FROM "facilities_recognition(application)?"', q["sql"])]
    assert len(recognition_sql) == 2, [q["sql"] for q in recognition_sql]
