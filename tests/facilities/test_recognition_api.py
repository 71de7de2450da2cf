"""The recognitions REST contract over real tokens: the workflow, maker-checker, criteria failures as 422,
scoping (foreign → 404), bad input (400, nothing changed), the live check's shape, `as_of` counts, query
counts, and the OpenAPI schema."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities.models import (
    ApplicationStatus,
    CriteriaSet,
    Facility,
    FeeReference,
    Recognition,
    RecognitionApplication,
    RecognitionStatus,
    RecognitionSuspension,
    ServiceOffering,
)
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.regions.models import District

from .recognition_helpers import apply_inclusive, filed_facility, granted

pytestmark = pytest.mark.django_db

RECOGNITIONS = "/api/v1/recognitions/"
APPLICATIONS = "/api/v1/recognition-applications/"
CHECK = "/api/v1/recognition-applications/check/"
CRITERIA = "/api/v1/recognition-criteria/"
FEES = "/api/v1/fee-references/"
FACILITIES = "/api/v1/facilities/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_operator(make_user):
    return make_user(Role.OPERATOR, username="other_operator")


@pytest.fixture
def second_admin(make_user):
    return make_user(Role.CITY_ADMIN, username="city_admin_2")


@pytest.fixture
def facility(operator, gusu_officer):
    return filed_facility(operator, gusu_officer)


def _today() -> date:
    return timezone.localdate()


def _apply_body(target, /, **extra) -> dict:
    return {
        "facility": target.pk,
        "kind": "municipal_inclusive",
        "agreement_signed_on": (_today() - timedelta(days=3)).isoformat(),
        "agreement_reference": "姑卫普惠〔2026〕1号",
        **extra,
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


# --- the workflow -----------------------------------------------------------------------------------------


def test_operator_applies_officer_reviews_city_decides_then_suspends_reinstates_revokes(
    facility, operator, gusu_officer, city_admin, api_client_for
):
    op, officer, admin = api_client_for(operator), api_client_for(gusu_officer), api_client_for(city_admin)

    created = op.post(APPLICATIONS, _apply_body(facility, statement="我们承诺普惠收费"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["route"], body["facility"]) == ("submitted", "applied", facility.pk)
    assert body["submitted_by"] == "operator"
    assert body["criteria_set"]["edition"] == "2021"
    assert body["criteria_check"] and all(row["passed"] for row in body["criteria_check"])
    pk = body["id"]

    assert pk in _ids(officer.get(APPLICATIONS, {"stage": "unit"}))
    assert pk not in _ids(admin.get(APPLICATIONS, {"stage": "city"}))
    reviewed = officer.post(f"{APPLICATIONS}{pk}/review/", {"approve": True, "opinion": "材料齐全"}, format="json")
    assert reviewed.status_code == 200, reviewed.json()
    assert (reviewed.json()["status"], reviewed.json()["unit_reviewer"]) == ("forwarded", "gusu_officer")
    assert reviewed.json()["city_deadline"]

    assert pk in _ids(admin.get(APPLICATIONS, {"stage": "city"}))
    decided = admin.post(
        f"{APPLICATIONS}{pk}/decide/", {"grant": True, "decision_reference": "苏卫人口〔2026〕8号"}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "granted"
    recognition_pk = decided.json()["recognition"]
    number = decided.json()["recognition_number"]
    assert number.startswith(f"MI-{_today().year}-")

    detail = op.get(f"{RECOGNITIONS}{recognition_pk}/")
    assert detail.status_code == 200
    shown = detail.json()
    assert (shown["status"], shown["number"], shown["in_force_today"]) == ("active", number, True)
    assert shown["public_url"].endswith(reverse("recognitions_public:record", args=[number]))
    assert shown["public_url"].startswith("http")
    assert shown["decision_reference"] == "苏卫人口〔2026〕8号"
    assert shown["application"] == pk
    assert shown["suspensions"] == []
    checks = {row["check_code"]: row for row in shown["criteria_check"]}
    assert checks["full_day_fee_within_reference"]["passed"] is True
    assert "1477" in checks["full_day_fee_within_reference"]["source"]
    assert recognition_pk in _ids(op.get(RECOGNITIONS))

    suspended = admin.post(f"{RECOGNITIONS}{recognition_pk}/suspend/", {"reason": "投诉核查中"}, format="json")
    assert suspended.status_code == 200, suspended.json()
    assert (suspended.json()["status"], suspended.json()["in_force_today"]) == ("suspended", False)
    assert [row["reason"] for row in suspended.json()["suspensions"]] == ["投诉核查中"]

    reinstated = admin.post(f"{RECOGNITIONS}{recognition_pk}/reinstate/", {"reason": "核查无问题"}, format="json")
    assert reinstated.status_code == 200, reinstated.json()
    assert reinstated.json()["status"] == "active"
    assert reinstated.json()["suspensions"][0]["lifted_on"] == _today().isoformat()

    revoked = admin.post(f"{RECOGNITIONS}{recognition_pk}/revoke/", {"reason": "不再符合条件"}, format="json")
    assert revoked.status_code == 200, revoked.json()
    assert (revoked.json()["status"], revoked.json()["revoked_on"]) == ("revoked", _today().isoformat())
    assert revoked.json()["revocation_reason"] == "不再符合条件"

    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "recognition_application.submit",
        "recognition_application.forward",
        "recognition.grant",
        "recognition.suspend",
        "recognition.reinstate",
        "recognition.revoke",
    } <= actions


def test_the_city_admin_who_reviewed_cannot_decide_a_second_one_does(
    facility, operator, city_admin, second_admin, api_client_for
):
    application = apply_inclusive(operator, facility)
    admin = api_client_for(city_admin)
    reviewed = admin.post(f"{APPLICATIONS}{application.pk}/review/", {"approve": True}, format="json")
    assert reviewed.status_code == 200, reviewed.json()

    refused = admin.post(f"{APPLICATIONS}{application.pk}/decide/", {"grant": True}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "maker_checker"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED
    assert not Recognition.objects.exists()

    decided = api_client_for(second_admin).post(
        f"{APPLICATIONS}{application.pk}/decide/", {"grant": True}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["decided_by"] == "city_admin_2"
    assert Recognition.objects.filter(facility=facility, status=RecognitionStatus.ACTIVE).count() == 1


def test_the_city_rejects_with_reasons(facility, operator, gusu_officer, city_admin, api_client_for):
    application = apply_inclusive(operator, facility)
    officer, admin = api_client_for(gusu_officer), api_client_for(city_admin)
    officer.post(f"{APPLICATIONS}{application.pk}/review/", {"approve": True}, format="json")
    no_reason = admin.post(f"{APPLICATIONS}{application.pk}/decide/", {"grant": False}, format="json")
    assert no_reason.status_code == 400
    assert "opinion" in no_reason.json()["fields"]
    rejected = admin.post(
        f"{APPLICATIONS}{application.pk}/decide/", {"grant": False, "opinion": "协议未盖章"}, format="json"
    )
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["decision_opinion"]) == ("rejected", "协议未盖章")
    assert rejected.json()["recognition"] is None


def test_a_district_officer_cannot_decide_and_an_inspector_only_reads(
    facility, operator, gusu_officer, gusu_inspector, city_admin, api_client_for
):
    application = apply_inclusive(operator, facility)
    officer, inspector = api_client_for(gusu_officer), api_client_for(gusu_inspector)

    assert application.pk in _ids(inspector.get(APPLICATIONS))
    assert inspector.get(f"{APPLICATIONS}{application.pk}/").status_code == 200
    assert (
        inspector.post(f"{APPLICATIONS}{application.pk}/review/", {"approve": True}, format="json").status_code == 403
    )
    assert inspector.post(
        APPLICATIONS, _apply_body(facility, kind="provincial_inclusive"), format="json"
    ).status_code == (403)

    officer.post(f"{APPLICATIONS}{application.pk}/review/", {"approve": True}, format="json")
    refused = officer.post(f"{APPLICATIONS}{application.pk}/decide/", {"grant": True}, format="json")
    assert refused.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED

    recognition = granted(operator, gusu_officer, city_admin, filed_facility(operator, gusu_officer, name="第二托育"))
    assert inspector.get(f"{RECOGNITIONS}{recognition.pk}/").status_code == 200
    for action in ("suspend", "revoke"):
        response = inspector.post(f"{RECOGNITIONS}{recognition.pk}/{action}/", {"reason": "x"}, format="json")
        assert response.status_code == 403, action
        response = officer.post(f"{RECOGNITIONS}{recognition.pk}/{action}/", {"reason": "x"}, format="json")
        assert response.status_code == 403, action
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE


def test_the_operator_withdraws_an_open_application(facility, operator, gusu_officer, api_client_for):
    application = apply_inclusive(operator, facility)
    refused = api_client_for(gusu_officer).post(f"{APPLICATIONS}{application.pk}/withdraw/", {}, format="json")
    assert refused.status_code == 403
    withdrawn = api_client_for(operator).post(
        f"{APPLICATIONS}{application.pk}/withdraw/", {"reason": "暂缓申请"}, format="json"
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    again = api_client_for(operator).post(f"{APPLICATIONS}{application.pk}/withdraw/", {}, format="json")
    assert again.status_code == 409


def test_a_renewal_is_applied_for_through_the_api(facility, operator, gusu_officer, city_admin, api_client_for):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    created = api_client_for(operator).post(APPLICATIONS, _apply_body(facility, renews=recognition.pk), format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["route"], created.json()["renews"]) == ("renewal", recognition.pk)


# --- criteria failures ------------------------------------------------------------------------------------


def test_a_failing_criterion_is_a_422_naming_the_check_and_its_clause(facility, operator, api_client_for):
    reference = FeeReference.objects.get(district_id="320508", year=_today().year)
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(
        monthly_fee=reference.full_day_monthly_fee + Decimal("0.01")
    )
    response = api_client_for(operator).post(APPLICATIONS, _apply_body(facility), format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "criteria_not_met"
    assert list(body["fields"]) == ["full_day_fee_within_reference"]
    assert str(reference.full_day_monthly_fee) in body["fields"]["full_day_fee_within_reference"][0]
    assert "1477" in body["clause"]
    assert not RecognitionApplication.objects.exists()


def test_without_an_agreement_the_agreement_criterion_fails(facility, operator, api_client_for):
    response = api_client_for(operator).post(
        APPLICATIONS, {"facility": facility.pk, "kind": "municipal_inclusive"}, format="json"
    )
    assert response.status_code == 422
    assert "support_agreement_signed" in response.json()["fields"]
    assert response.json()["clause"]
    assert not RecognitionApplication.objects.exists()


def test_reinstating_while_a_criterion_fails_is_refused(facility, operator, gusu_officer, city_admin, api_client_for):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    admin = api_client_for(city_admin)
    admin.post(f"{RECOGNITIONS}{recognition.pk}/suspend/", {"reason": "收费超标"}, format="json")
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(monthly_fee=Decimal("99999"))
    response = admin.post(f"{RECOGNITIONS}{recognition.pk}/reinstate/", {"reason": "已整改"}, format="json")
    assert response.status_code == 422
    assert "full_day_fee_within_reference" in response.json()["fields"]
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.SUSPENDED


# --- scoping ----------------------------------------------------------------------------------------------


def test_foreign_officer_and_operator_get_404(
    facility, operator, other_operator, gusu_officer, wujiang_officer, city_admin, api_client_for
):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    application = apply_inclusive(operator, facility, kind="provincial_inclusive")
    own = filed_facility(other_operator, gusu_officer, name="别家托育")
    for user in (wujiang_officer, other_operator):
        api = api_client_for(user)
        assert recognition.pk not in _ids(api.get(RECOGNITIONS))
        assert not _ids(api.get(RECOGNITIONS, {"facility": facility.pk}))
        assert application.pk not in _ids(api.get(APPLICATIONS))
        assert api.get(f"{RECOGNITIONS}{recognition.pk}/").status_code == 404
        assert api.get(f"{APPLICATIONS}{application.pk}/").status_code == 404
        for action in ("suspend", "reinstate", "revoke"):
            response = api.post(f"{RECOGNITIONS}{recognition.pk}/{action}/", {"reason": "x"}, format="json")
            assert response.status_code == 404, (user, action)
        for action, payload in (
            ("review", {"approve": True}),
            ("decide", {"grant": True}),
            ("withdraw", {"reason": "x"}),
        ):
            response = api.post(f"{APPLICATIONS}{application.pk}/{action}/", payload, format="json")
            assert response.status_code == 404, (user, action)
        response = api.post(APPLICATIONS, _apply_body(facility, kind="municipal_model"), format="json")
        assert response.status_code == 404
        assert api.get(CHECK, {"facility": facility.pk, "kind": "municipal_inclusive"}).status_code == 404
    # A renewal of someone else's recognition, on one's own facility: the recognition is not found.
    response = api_client_for(other_operator).post(APPLICATIONS, _apply_body(own, renews=recognition.pk), format="json")
    assert response.status_code == 404
    recognition.refresh_from_db()
    application.refresh_from_db()
    assert (recognition.status, application.status) == (RecognitionStatus.ACTIVE, ApplicationStatus.SUBMITTED)
    assert RecognitionApplication.objects.count() == 2


def test_statistics_clients_get_404_everywhere(
    facility, operator, gusu_officer, city_admin, stats_client, api_client_for
):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    application = recognition.application
    api = api_client_for(stats_client)
    for url in (
        RECOGNITIONS,
        f"{RECOGNITIONS}{recognition.pk}/",
        APPLICATIONS,
        f"{APPLICATIONS}{application.pk}/",
        f"{CHECK}?facility={facility.pk}&kind=municipal_inclusive",
        CRITERIA,
        FEES,
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    for url, payload in (
        (f"{RECOGNITIONS}{recognition.pk}/suspend/", {"reason": "x"}),
        (APPLICATIONS, _apply_body(facility, kind="provincial_inclusive")),
        (f"{APPLICATIONS}{application.pk}/withdraw/", {"reason": "x"}),
    ):
        assert api.post(url, payload, format="json").status_code == 404, url
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE


def test_roles_without_facilities_see_nothing(facility, operator, gusu_officer, city_admin, users, api_client_for):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    for role in ("training_base", "mch_assessor"):
        api = api_client_for(users[role])
        assert _ids(api.get(RECOGNITIONS)) == set()
        assert _ids(api.get(APPLICATIONS)) == set()
        assert api.get(f"{RECOGNITIONS}{recognition.pk}/").status_code == 404
        assert api.get(CRITERIA).status_code == 404
        assert api.get(FEES).status_code == 404
    for role in ("city_admin", "district_officer", "inspector", "citywide_inspector", "operator"):
        assert recognition.pk in _ids(api_client_for(users[role]).get(RECOGNITIONS)), role
    assert recognition.pk not in _ids(api_client_for(users["wujiang_officer"]).get(RECOGNITIONS))


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "national_model"}, "kind"),
        ({"kind": None}, "kind"),
        ({"agreement_signed_on": "2026-02-30"}, "agreement_signed_on"),
        ({"agreement_signed_on": "yesterday"}, "agreement_signed_on"),
        ({"agreement_signed_on": "2999-01-01"}, "agreement_signed_on"),
        ({"agreement_reference": "x" * 101}, "agreement_reference"),
        ({"guidance_accepted": "perhaps"}, "guidance_accepted"),
        ({"facility": "abc"}, "facility"),
        ({"facility": 2**40}, "facility"),
        ({"renews": "x"}, "renews"),
    ],
)
def test_bad_application_input_is_a_400_and_changes_nothing(facility, operator, api_client_for, changes, field):
    response = api_client_for(operator).post(APPLICATIONS, _apply_body(facility, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not RecognitionApplication.objects.exists()


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("review", {"approve": "maybe"}, "approve"),
        ("review", {"approve": None}, "approve"),
        ("review", {"opinion": "好"}, "approve"),
        ("review", {"approve": False}, "opinion"),
        ("review", {"approve": False, "opinion": "   "}, "opinion"),
        ("decide", {"grant": "perhaps"}, "grant"),
        ("decide", {}, "grant"),
    ],
)
def test_bad_decisions_are_400_and_change_nothing(
    facility, operator, city_admin, api_client_for, action, payload, field
):
    application = apply_inclusive(operator, facility)
    response = api_client_for(city_admin).post(f"{APPLICATIONS}{application.pk}/{action}/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.unit_reviewer is None


def test_a_missing_flag_in_form_data_is_not_read_as_no(facility, operator, gusu_officer, api_client_for):
    application = apply_inclusive(operator, facility)
    response = api_client_for(gusu_officer).post(f"{APPLICATIONS}{application.pk}/review/", {"opinion": "不同意"})
    assert response.status_code == 400
    assert "approve" in response.json()["fields"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}])
@pytest.mark.parametrize("action", ["suspend", "reinstate", "revoke"])
def test_recognition_actions_need_a_reason(
    facility, operator, gusu_officer, city_admin, api_client_for, action, payload
):
    recognition = granted(operator, gusu_officer, city_admin, facility)
    response = api_client_for(city_admin).post(f"{RECOGNITIONS}{recognition.pk}/{action}/", payload, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE
    assert not RecognitionSuspension.objects.exists()


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (RECOGNITIONS, {"as_of": "2021-13-01"}, "as_of"),
        (RECOGNITIONS, {"kind": "national_model"}, "kind"),
        (RECOGNITIONS, {"status": "sleeping"}, "status"),
        (RECOGNITIONS, {"district": "12"}, "district"),
        (RECOGNITIONS, {"facility": "abc"}, "facility"),
        (APPLICATIONS, {"stage": "province"}, "stage"),
        (APPLICATIONS, {"route": "lottery"}, "route"),
        (APPLICATIONS, {"status": "granted-ish"}, "status"),
        (CHECK, {"kind": "municipal_inclusive"}, "facility"),
        (CHECK, {"facility": "abc", "kind": "municipal_inclusive"}, "facility"),
        (CHECK, {"facility": 1, "kind": "bogus"}, "kind"),
        (
            CHECK,
            {"facility": 1, "kind": "municipal_inclusive", "agreement_signed_on": "2021/01/01"},
            "agreement_signed_on",
        ),
        (CHECK, {"facility": 1, "kind": "municipal_inclusive", "guidance_accepted": "perhaps"}, "guidance_accepted"),
        (CRITERIA, {"kind": "bogus"}, "kind"),
        (FEES, {"year": "20x1"}, "year"),
        (FEES, {"year": 1900}, "year"),
    ],
)
def test_bad_query_parameters_are_400(city_admin, api_client_for, url, params, field):
    response = api_client_for(city_admin).get(url, params)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


def test_unknown_ids_are_404(city_admin, api_client_for):
    api = api_client_for(city_admin)
    assert api.get(f"{RECOGNITIONS}999999/").status_code == 404
    assert api.get(f"{APPLICATIONS}999999/").status_code == 404
    assert api.get(f"{RECOGNITIONS}99999999999/").status_code == 404
    assert api.post(f"{APPLICATIONS}999999/review/", {"approve": True}, format="json").status_code == 404
    assert api.get(CHECK, {"facility": 999999, "kind": "municipal_inclusive"}).status_code == 404


# --- the live check ---------------------------------------------------------------------------------------

RESULT_KEYS = {"check_code", "label", "passed", "evidence", "clause", "source", "is_default"}


def test_the_check_endpoint_shape(facility, operator, gusu_officer, api_client_for, web_client_for):
    api = api_client_for(operator)
    # What the application form's script sends before anything is filled in: blank parameters.
    blank = api.get(
        f"{CHECK}?facility={facility.pk}&kind=municipal_inclusive"
        "&agreement_signed_on=&agreement_reference=&guidance_accepted="
    )
    assert blank.status_code == 200, blank.json()
    body = blank.json()
    assert set(body) == {"kind", "on", "criteria_set", "passed", "results"}
    assert (body["kind"], body["on"], body["passed"]) == ("municipal_inclusive", _today().isoformat(), False)
    assert set(body["criteria_set"]) == {"id", "edition", "effective_from"}
    criteria_set = CriteriaSet.objects.get(pk=body["criteria_set"]["id"])
    assert (criteria_set.kind, criteria_set.status) == ("municipal_inclusive", "active")
    assert body["criteria_set"]["effective_from"] == criteria_set.effective_from.isoformat()
    assert all(set(row) == RESULT_KEYS for row in body["results"])
    by_code = {row["check_code"]: row for row in body["results"]}
    assert list(by_code) == [
        "filed",
        "full_day_fee_within_reference",
        "support_agreement_signed",
        "no_serious_violation",
    ]
    assert by_code["support_agreement_signed"]["passed"] is False
    assert by_code["filed"]["passed"] is True
    assert by_code["no_serious_violation"]["is_default"] is True
    assert all(isinstance(row["evidence"], str) and row["evidence"] for row in body["results"])

    signed = api.get(
        CHECK,
        {
            "facility": facility.pk,
            "kind": "municipal_inclusive",
            "agreement_signed_on": (_today() - timedelta(days=1)).isoformat(),
            "agreement_reference": "姑卫普惠〔2026〕2号",
        },
    ).json()
    assert signed["passed"] is True
    assert (
        "姑卫普惠〔2026〕2号" in {r["check_code"]: r for r in signed["results"]}["support_agreement_signed"]["evidence"]
    )

    # The apply page's script calls it with the session cookie, as a browser does.
    session = web_client_for(operator).get(CHECK, {"facility": facility.pk, "kind": "municipal_inclusive"})
    assert session.status_code == 200
    assert set(session.json()) == {"kind", "on", "criteria_set", "passed", "results"}

    # Officers of the unit run it too; nothing is written.
    assert (
        api_client_for(gusu_officer).get(CHECK, {"facility": facility.pk, "kind": "municipal_model"}).status_code == 200
    )
    assert not RecognitionApplication.objects.exists()


def test_the_check_reads_the_guidance_flag_and_says_when_no_criteria_are_in_force(facility, operator, api_client_for):
    api = api_client_for(operator)

    def guidance(flag: str) -> bool:
        results = api.get(CHECK, {"facility": facility.pk, "kind": "municipal_model", "guidance_accepted": flag}).json()
        return {r["check_code"]: r for r in results["results"]}["guidance_duties_accepted"]["passed"]

    assert (guidance("true"), guidance("false")) == (True, False)
    CriteriaSet.objects.filter(kind="provincial_model").update(status="draft")
    body = api.get(CHECK, {"facility": facility.pk, "kind": "provincial_model"}).json()
    assert body == {
        "kind": "provincial_model",
        "on": _today().isoformat(),
        "criteria_set": None,
        "passed": False,
        "results": [],
    }


# --- in force "as of" a day -------------------------------------------------------------------------------


def test_facility_list_counts_recognitions_in_force_as_of_a_day(
    facility, operator, gusu_officer, city_admin, api_client_for
):
    api = api_client_for(city_admin)
    today = _today()

    def counted(on: date) -> int:
        response = api.get(FACILITIES, {"recognition": "municipal_inclusive", "as_of": on.isoformat()})
        assert response.status_code == 200
        return response.json()["count"]

    def listed(on: date) -> int:
        return api.get(RECOGNITIONS, {"kind": "municipal_inclusive", "as_of": on.isoformat()}).json()["count"]

    recognition = granted(operator, gusu_officer, city_admin, facility)
    assert (counted(today - timedelta(days=1)), counted(today)) == (0, 1)
    assert (listed(today - timedelta(days=1)), listed(today)) == (0, 1)
    assert api.get(FACILITIES, {"recognition": "municipal_model", "as_of": today.isoformat()}).json()["count"] == 0

    api.post(f"{RECOGNITIONS}{recognition.pk}/suspend/", {"reason": "投诉核查中"}, format="json")
    assert (counted(today - timedelta(days=1)), counted(today)) == (0, 0)
    assert listed(today) == 0
    assert api.get(RECOGNITIONS, {"status": "suspended"}).json()["count"] == 1


# --- criteria and fee references --------------------------------------------------------------------------


def test_criteria_sets_are_read_with_their_criteria(operator, city_admin, gusu_inspector, api_client_for):
    draft = CriteriaSet.objects.create(
        kind="municipal_model", edition="2027 草案", effective_from=date(2027, 1, 1), source="草案"
    )
    admin_rows = api_client_for(city_admin).get(CRITERIA, {"page_size": 100}).json()["results"]
    assert draft.pk in {row["id"] for row in admin_rows}
    for user in (operator, gusu_inspector):
        rows = api_client_for(user).get(CRITERIA, {"kind": "municipal_inclusive"}).json()["results"]
        assert rows and all(row["kind"] == "municipal_inclusive" for row in rows)
        every = api_client_for(user).get(CRITERIA, {"page_size": 100}).json()["results"]
        assert draft.pk not in {row["id"] for row in every}
    inclusive = rows[0]
    assert inclusive["criteria"][0]["check_code"] == "filed"
    assert inclusive["criteria"][0]["label"]
    assert any(c["params"] == {"months": 12} for c in inclusive["criteria"])


def test_fee_references_are_filtered_by_year_and_unit(operator, gusu_officer, api_client_for):
    year = _today().year
    for user in (operator, gusu_officer):
        rows = api_client_for(user).get(FEES, {"year": year, "district": "320508"}).json()["results"]
        expected = FeeReference.objects.get(year=year, district_id="320508")
        assert [(row["district"], row["year"], row["full_day_monthly_fee"]) for row in rows] == [
            ("320508", year, str(expected.full_day_monthly_fee))
        ]
    every = api_client_for(operator).get(FEES, {"year": year}).json()
    assert every["count"] == FeeReference.objects.filter(year=year).count() > 1


# --- query counts -----------------------------------------------------------------------------------------


@pytest.fixture
def many_recognitions(db, operator, gusu_officer, city_admin):
    districts = list(District.objects.filter(code__in=["320508", "320509"]))
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"认定机构{i:03d}",
            category="social",
            district=districts[i % 2],
            slots=40,
            enrolled=20,
            filing_status="draft",
        )
        for i in range(240)
    )
    for facility in facilities[:120]:
        facility.operators.add(operator)
    criteria_set = CriteriaSet.objects.get(kind="municipal_inclusive", edition="2021")
    today = _today()
    statuses = ["submitted", "forwarded", "granted"]
    applications = RecognitionApplication.objects.bulk_create(
        RecognitionApplication(
            facility=facility,
            kind="municipal_inclusive",
            route="applied",
            status=statuses[i % 3],
            criteria_set=criteria_set,
            submitted_by=operator,
            submitted_on=today - timedelta(days=i % 30),
            unit_deadline=today + timedelta(days=i % 20),
            unit_reviewer=gusu_officer if i % 3 else None,
            city_deadline=today + timedelta(days=30) if i % 3 else None,
            decided_by=city_admin if i % 3 == 2 else None,
        )
        for i, facility in enumerate(facilities)
    )
    Recognition.objects.bulk_create(
        Recognition(
            facility=facility,
            kind="municipal_inclusive",
            number=f"MI-2025-{i:04d}",
            valid_from=date(2025, 1, 1),
            valid_to=date(2028, 1, 1),
            granted_on=date(2025, 1, 1),
            decided_by=city_admin,
            criteria_set=criteria_set,
            application=applications[i] if i % 3 == 2 else None,
        )
        for i, facility in enumerate(facilities)
    )
    return facilities


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (RECOGNITIONS, {}),
        (RECOGNITIONS, {"as_of": "2026-01-01"}),
        (APPLICATIONS, {}),
        (APPLICATIONS, {"stage": "city"}),
    ],
)
@pytest.mark.parametrize("user_fixture", ["city_admin", "gusu_officer", "operator"])
def test_the_lists_run_the_same_queries_at_page_sizes_10_and_100(
    many_recognitions, request, api_client_for, user_fixture, url, params
):
    api = api_client_for(request.getfixturevalue(user_fixture))
    api.get("/api/v1/me/")  # the token's first use records its last-use time once: not part of the list
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, {**params, "page_size": size})
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) == min(size, body["count"])
        assert body["count"] > 10
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


# --- the schema -------------------------------------------------------------------------------------------


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/recognitions/{id}/{action}/:",
        "/api/v1/recognition-applications/check/:",
        "/api/v1/recognition-applications/{id}/decide/:",
        "/api/v1/recognition-criteria/:",
        "/api/v1/fee-references/:",
    ):
        assert path in text
    assert "- recognitions" in text


@pytest.mark.parametrize("url", [CRITERIA, FEES])
def test_the_reference_lists_run_the_same_queries_at_two_page_sizes(city_admin, api_client_for, url):
    api = api_client_for(city_admin)
    api.get("/api/v1/me/")
    counts = {}
    for size in (2, 5):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size < response.json()["count"]
        counts[size] = len(queries)
    assert counts[2] == counts[5], counts
