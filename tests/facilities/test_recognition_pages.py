"""The recognition pages: applying with the criteria check shown, the unit and city queues, an application's
page with the forms its reader may use, the recognitions with their export, page and certificate."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from facilities.models import (
    ApplicationStatus,
    CriteriaSet,
    Facility,
    FeeReference,
    Recognition,
    RecognitionApplication,
    RecognitionStatus,
    ServiceOffering,
)
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.regions.models import District

from .recognition_helpers import apply_inclusive, filed_facility, granted

pytestmark = pytest.mark.django_db

LIST = "/recognitions/"
APPLICATIONS = "/recognitions/applications/"


def apply_url(facility) -> str:
    return f"/recognitions/apply/{facility.pk}/"


def application_url(application) -> str:
    return f"/recognitions/applications/{application.pk}/"


def application_action_url(application, action: str) -> str:
    return f"/recognitions/applications/{application.pk}/do/{action}/"


def detail_url(recognition) -> str:
    return f"/recognitions/{recognition.pk}/"


def action_url(recognition, action: str) -> str:
    return f"/recognitions/{recognition.pk}/do/{action}/"


def certificate_url(recognition) -> str:
    return f"/recognitions/{recognition.pk}/certificate/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def facility(operator, gusu_officer):
    return filed_facility(operator, gusu_officer)


@pytest.fixture
def other_operator(make_user):
    return make_user(Role.OPERATOR, username="other_operator")


@pytest.fixture
def second_admin(make_user):
    return make_user(Role.CITY_ADMIN, username="city_admin_2")


@pytest.fixture
def application(operator, facility):
    return apply_inclusive(operator, facility)


@pytest.fixture
def recognition(operator, gusu_officer, city_admin, facility):
    return granted(operator, gusu_officer, city_admin, facility)


def apply_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "kind": "municipal_inclusive",
        "agreement_signed_on": (today - timedelta(days=2)).isoformat(),
        "agreement_reference": "姑卫普惠〔2026〕7号",
        "statement": "我们申请市级普惠托育机构认定。",
        "renews": "",
    }
    data.update(overrides)
    return data


def shown(text, response) -> bool:
    """`text` is on the page (as the template escapes it)."""
    return escape(str(text)) in response.content.decode()


def failed_results(response) -> list:
    return [result for result in response.context["results"] if not result.passed]


# --- the apply page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["operator", "gusu_officer", "city_admin"])
def test_the_apply_page_shows_the_criteria_check(request, who, facility, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(apply_url(facility))
    assert response.status_code == 200
    results = response.context["results"]
    assert [r.check_code for r in results] == [
        "filed",
        "full_day_fee_within_reference",
        "support_agreement_signed",
        "no_serious_violation",
    ]
    for result in results:
        assert shown(result.label, response) and shown(result.evidence, response)
    # No agreement declared yet: that criterion fails and the submit button is disabled.
    assert [r.check_code for r in failed_results(response)] == ["support_agreement_signed"]
    html = response.content.decode()
    assert "data-check-submit disabled" in html
    assert "js/recognition-check.js" in html
    assert 'data-url="/api/v1/recognition-applications/check/"' in html


@pytest.mark.parametrize("who", ["wujiang_officer", "other_operator", "gusu_inspector", "training_base"])
def test_the_apply_page_is_404_to_others(request, who, facility, web_client_for):
    assert web_client_for(request.getfixturevalue(who)).get(apply_url(facility)).status_code == 404


def test_the_apply_page_checks_the_values_in_the_query(operator, facility, web_client_for):
    signed = (timezone.localdate() - timedelta(days=5)).isoformat()
    response = web_client_for(operator).get(
        apply_url(facility), {"kind": "municipal_inclusive", "agreement_signed_on": signed}
    )
    assert response.context["check_passed"] is True
    assert failed_results(response) == []
    assert "data-check-submit disabled" not in response.content.decode()


def test_the_apply_page_ignores_garbage_in_the_query(operator, facility, web_client_for):
    response = web_client_for(operator).get(
        apply_url(facility), {"kind": "bogus", "agreement_signed_on": "2026-13-45", "renews": "abc"}
    )
    assert response.status_code == 200
    assert response.context["check_values"]["kind"] == "municipal_inclusive"
    assert response.context["check_values"]["agreement_signed_on"] is None
    assert web_client_for(operator).get("/recognitions/apply/999999/").status_code == 404


def test_the_model_kind_shows_its_own_criteria_with_local_defaults(operator, facility, web_client_for):
    response = web_client_for(operator).get(apply_url(facility), {"kind": "municipal_model"})
    results = response.context["results"]
    assert "guidance_duties_accepted" in [r.check_code for r in results]
    assert any(r.is_default for r in results)
    assert "badge text-bg-warning" in response.content.decode()


def test_check_again_re_renders_the_check_without_submitting(operator, facility, web_client_for):
    response = web_client_for(operator).post(apply_url(facility), {**apply_data(), "op": "check"})
    assert response.status_code == 200
    assert response.context["check_passed"] is True
    assert not RecognitionApplication.objects.exists()


def test_bad_input_on_the_apply_form_is_a_400_and_creates_nothing(operator, facility, web_client_for):
    web = web_client_for(operator)
    response = web.post(apply_url(facility), apply_data(kind="bogus", agreement_signed_on="yesterday"))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"kind", "agreement_signed_on"}
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = web.post(apply_url(facility), apply_data(agreement_signed_on=future))
    assert response.status_code in (400, 422)
    response = web.post(apply_url(facility), apply_data(renews="999999"))
    assert response.status_code == 400
    assert not RecognitionApplication.objects.exists()


def test_a_failing_criterion_is_shown_and_the_submission_refused(operator, facility, web_client_for):
    reference = FeeReference.objects.get(district_id=facility.district_id, year=timezone.localdate().year)
    ServiceOffering.objects.filter(facility=facility, service_form="full_day").update(
        monthly_fee=reference.full_day_monthly_fee + Decimal("100")
    )
    web = web_client_for(operator)
    signed = (timezone.localdate() - timedelta(days=5)).isoformat()
    page = web.get(apply_url(facility), {"agreement_signed_on": signed})
    [failed] = failed_results(page)
    assert failed.check_code == "full_day_fee_within_reference"
    html = page.content.decode()
    assert shown(failed.label, page) and shown(failed.evidence, page)
    assert str(reference.full_day_monthly_fee) in failed.evidence
    assert "data-check-submit disabled" in html

    refused = web.post(apply_url(facility), apply_data(agreement_signed_on=signed))
    assert refused.status_code == 422
    errors = " ".join(refused.context["form"].non_field_errors())
    assert failed.label in errors and failed.evidence in errors
    assert "1477" in errors  # the clause it comes from
    assert not RecognitionApplication.objects.exists()


# --- the full journey ----------------------------------------------------------------------------------


def test_apply_review_decide_and_print_through_the_pages(
    operator, gusu_officer, city_admin, second_admin, facility, web_client_for
):
    operator_web, officer_web = web_client_for(operator), web_client_for(gusu_officer)
    response = operator_web.post(apply_url(facility), apply_data())
    application = RecognitionApplication.objects.get()
    assert response.status_code == 302 and response.url == application_url(application)
    assert application.route == "applied" and application.submitted_by == operator

    queue = officer_web.get(APPLICATIONS)
    assert queue.context["stage"] == "unit"
    assert [a.pk for a in queue.context["page"].object_list] == [application.pk]
    page = officer_web.get(application_url(application))
    assert page.context["review_form"] is not None and page.context["decide_form"] is None
    assert officer_web.post(application_action_url(application, "review"), {"approve": "1"}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED and application.unit_reviewer == gusu_officer

    # The unit's officer reviewed it: no decide form, a note saying why, and a forced decision is refused.
    page = officer_web.get(application_url(application))
    assert page.context["decide_form"] is None and shown(page.context["decide_note"], page)
    assert 'data-form="decide"' not in page.content.decode()
    forced = officer_web.post(application_action_url(application, "decide"), {"grant": "1"})
    assert forced.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED

    admin_web = web_client_for(city_admin)
    assert [a.pk for a in admin_web.get(APPLICATIONS).context["page"].object_list] == [application.pk]
    page = admin_web.get(application_url(application))
    assert page.context["decide_form"] is not None and page.context["review_form"] is None
    response = admin_web.post(
        application_action_url(application, "decide"), {"grant": "1", "decision_reference": "苏卫人口〔2026〕9号"}
    )
    assert response.status_code == 302
    recognition = Recognition.objects.get()
    assert recognition.decided_by == city_admin and recognition.decision_reference == "苏卫人口〔2026〕9号"

    detail = operator_web.get(detail_url(recognition))
    assert detail.status_code == 200
    assert recognition.number in detail.content.decode()
    assert detail.context["may_renew"] is True
    assert operator_web.get(application_url(application)).context["recognition"] == recognition

    certificate = operator_web.get(certificate_url(recognition))
    html = certificate.content.decode()
    record_url = f"http://testserver/public/recognitions/{recognition.number}/"
    assert certificate.context["record_url"] == record_url
    assert "<svg" in html and record_url in html
    assert certificate.context["banner"] is False
    assert facility.name in html and "苏卫人口〔2026〕9号" in html


def test_the_reviewer_never_decides_and_a_forced_post_changes_nothing(
    operator, city_admin, second_admin, application, web_client_for
):
    reviewer = web_client_for(city_admin)
    assert reviewer.post(application_action_url(application, "review"), {"approve": "1"}).status_code == 302
    page = reviewer.get(application_url(application))
    assert page.context["decide_form"] is None
    assert page.context["decide_note"]
    assert shown(page.context["decide_note"], page)
    assert 'data-form="decide"' not in page.content.decode()

    forced = reviewer.post(application_action_url(application, "decide"), {"grant": "1", "decision_reference": "X"})
    assert forced.status_code == 403
    assert forced.context["error"].code == "maker_checker"
    assert shown(forced.context["error"].message, forced)
    assert 'data-form="decide"' not in forced.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FORWARDED and application.decided_by is None
    assert not Recognition.objects.exists()

    other = web_client_for(second_admin)
    assert other.get(application_url(application)).context["decide_form"] is not None
    assert other.post(application_action_url(application, "decide"), {"grant": "1"}).status_code == 302
    assert Recognition.objects.get().decided_by == second_admin


# --- the application pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "stage", "sees"),
    [
        ("gusu_officer", "unit", True),
        ("wujiang_officer", "unit", False),
        ("city_admin", "city", False),  # not yet forwarded: not in the city's queue
        ("operator", "all", True),
        ("other_operator", "all", False),
        ("gusu_inspector", "all", True),
    ],
)
def test_the_queues_by_role(request, who, stage, sees, application, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(APPLICATIONS)
    assert response.status_code == 200
    assert response.context["stage"] == stage
    assert [a.pk for a in response.context["page"].object_list] == ([application.pk] if sees else [])


def test_the_queues_are_404_to_roles_without_them(training_base, stats_client, web_client_for):
    assert web_client_for(training_base).get(APPLICATIONS).status_code == 404
    assert web_client_for(training_base).get(LIST).status_code == 404


def test_the_unit_queue_is_sorted_by_deadline_and_marks_the_overdue(operator, gusu_officer, make_user, web_client_for):
    first = apply_inclusive(operator, filed_facility(operator, gusu_officer, name="甲托育"))
    second = apply_inclusive(operator, filed_facility(operator, gusu_officer, name="乙托育"))
    RecognitionApplication.objects.filter(pk=second.pk).update(unit_deadline=timezone.localdate() - timedelta(days=1))
    response = web_client_for(gusu_officer).get(APPLICATIONS, {"stage": "unit"})
    rows = response.context["page"].object_list
    assert [a.pk for a in rows] == [second.pk, first.pk]
    assert [a.overdue for a in rows] == [True, False]
    assert response.content.decode().count("data-overdue") == 1


def test_the_city_filters_all_applications(operator, gusu_officer, city_admin, application, web_client_for):
    web = web_client_for(city_admin)
    assert [a.pk for a in web.get(APPLICATIONS, {"stage": "all", "district": "320508"}).context["page"]] == [
        application.pk
    ]
    assert list(web.get(APPLICATIONS, {"stage": "all", "district": "320509"}).context["page"]) == []
    assert list(web.get(APPLICATIONS, {"stage": "all", "kind": "municipal_model"}).context["page"]) == []
    assert list(web.get(APPLICATIONS, {"stage": "all", "status": "granted"}).context["page"]) == []
    for garbage in ({"stage": "nonsense"}, {"kind": "x", "status": "y", "district": "z", "page": "abc"}):
        assert web.get(APPLICATIONS, garbage).status_code == 200
    # The district filter is the city's: a unit officer's list ignores it.
    officer = web_client_for(gusu_officer).get(APPLICATIONS, {"stage": "all", "district": "320509"})
    assert "district" not in officer.context["form"].fields
    assert [a.pk for a in officer.context["page"]] == [application.pk]


@pytest.mark.parametrize(
    ("who", "forms"),
    [
        ("operator", {"withdraw_form"}),
        ("gusu_officer", {"review_form"}),
        ("city_admin", {"review_form", "withdraw_form"}),
        ("gusu_inspector", set()),
    ],
)
def test_the_application_page_by_role(request, who, forms, application, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(application_url(application))
    assert response.status_code == 200
    shown = {name for name in ("review_form", "decide_form", "withdraw_form") if response.context[name] is not None}
    assert shown == forms
    assert [r.check_code for r in response.context["results_today"]] == [
        r.check_code for r in response.context["results_stored"]
    ]
    assert response.context["results_stored"]
    assert all(r.passed for r in response.context["results_stored"])


@pytest.mark.parametrize("who", ["wujiang_officer", "other_operator", "training_base"])
def test_the_application_page_is_404_to_others(request, who, application, web_client_for):
    web = web_client_for(request.getfixturevalue(who))
    assert web.get(application_url(application)).status_code == 404
    assert web.post(application_action_url(application, "withdraw"), {}).status_code == 404


def test_the_check_today_shows_what_changed_since_the_last_step(operator, facility, application, web_client_for):
    Facility.objects.filter(pk=facility.pk).update(
        serious_violation_on=timezone.localdate(), serious_violation_reference="苏卫罚〔2026〕1号"
    )
    response = web_client_for(operator).get(application_url(application))
    today = {r.check_code: r.passed for r in response.context["results_today"]}
    stored = {r.check_code: r.passed for r in response.context["results_stored"]}
    assert today["no_serious_violation"] is False and stored["no_serious_violation"] is True


def test_bad_actions_on_an_application(operator, gusu_officer, application, web_client_for):
    officer = web_client_for(gusu_officer)
    assert officer.post(application_action_url(application, "approve"), {}).status_code == 404
    assert officer.get(application_action_url(application, "review")).status_code == 405
    assert officer.post("/recognitions/applications/999999/do/review/", {"approve": "1"}).status_code == 404
    missing = officer.post(application_action_url(application, "review"), {"approve": "maybe"})
    assert missing.status_code == 400
    assert missing.context["review_form"].errors
    no_reason = officer.post(application_action_url(application, "review"), {"approve": "0", "opinion": " "})
    assert no_reason.status_code == 400
    assert "opinion" in no_reason.context["review_form"].errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # An operator cannot review their own application: the service does not find it for them.
    assert (
        web_client_for(operator).post(application_action_url(application, "review"), {"approve": "1"}).status_code
        == 404
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_unit_rejects_with_reasons_and_the_operator_sees_them(operator, gusu_officer, application, web_client_for):
    response = web_client_for(gusu_officer).post(
        application_action_url(application, "review"), {"approve": "0", "opinion": "协议未加盖公章"}
    )
    assert response.status_code == 302
    page = web_client_for(operator).get(application_url(application))
    assert "协议未加盖公章" in page.content.decode()
    assert page.context["withdraw_form"] is None
    # A second review of a closed application is a conflict shown on the page, not a 500.
    again = web_client_for(gusu_officer).post(application_action_url(application, "review"), {"approve": "1"})
    assert again.status_code == 409


def test_the_operator_withdraws(operator, application, web_client_for):
    response = web_client_for(operator).post(application_action_url(application, "withdraw"), {"reason": "暂缓"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


# --- renewal --------------------------------------------------------------------------------------------


def test_a_renewal_from_the_recognition_page(operator, recognition, web_client_for):
    web = web_client_for(operator)
    detail = web.get(detail_url(recognition))
    link = f"/recognitions/apply/{recognition.facility_id}/?kind=municipal_inclusive&amp;renews={recognition.pk}"
    assert link in detail.content.decode()
    form = web.get(apply_url(recognition.facility), {"renews": recognition.pk}).context["form"]
    assert form.initial["renews"] == recognition and form.initial["kind"] == "municipal_inclusive"
    kinds = web.get(apply_url(recognition.facility)).context["renews_kinds"]
    assert json.loads(kinds) == {str(recognition.pk): "municipal_inclusive"}
    response = web.post(apply_url(recognition.facility), apply_data(renews=str(recognition.pk)))
    assert response.status_code == 302
    assert RecognitionApplication.objects.get(status="submitted").route == "renewal"
    assert web.get(detail_url(recognition)).context["may_renew"] is False


def test_applying_again_for_a_held_recognition_is_refused_on_the_form(operator, recognition, web_client_for):
    response = web_client_for(operator).post(apply_url(recognition.facility), apply_data())
    assert response.status_code == 409
    assert recognition.number in " ".join(response.context["form"].non_field_errors())


# --- recognitions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("city_admin", True),
        ("gusu_officer", True),
        ("wujiang_officer", False),
        ("operator", True),
        ("other_operator", False),
        ("citywide_inspector", True),
    ],
)
def test_the_recognition_list_by_role(request, who, sees, recognition, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(LIST)
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == ([recognition.pk] if sees else [])


def test_the_recognition_list_filters(city_admin, recognition, web_client_for):
    web = web_client_for(city_admin)
    today = timezone.localdate()

    def pks(**query):
        response = web.get(LIST, query)
        assert response.status_code == 200
        return [r.pk for r in response.context["page"].object_list]

    assert pks(kind="municipal_inclusive") == [recognition.pk]
    assert pks(kind="municipal_model") == []
    assert pks(status="active") == [recognition.pk]
    assert pks(status="revoked") == []
    assert pks(district="320508") == [recognition.pk]
    assert pks(district="320509") == []
    assert pks(as_of=today.isoformat()) == [recognition.pk]
    assert pks(as_of=(today - timedelta(days=1)).isoformat()) == []
    assert pks(q=recognition.number[-4:]) == [recognition.pk]
    assert pks(q="不存在的机构") == []
    # Garbage drops only its own filter and says so.
    response = web.get(LIST, {"as_of": "31/12/2021", "kind": "nope", "status": "active", "page": "x"})
    assert response.status_code == 200
    assert {"as_of", "kind"} <= response.context["form"].errors.keys()
    assert [r.pk for r in response.context["page"].object_list] == [recognition.pk]


def test_the_district_filter_is_the_citys(gusu_officer, recognition, web_client_for):
    response = web_client_for(gusu_officer).get(LIST, {"district": "320509"})
    assert "district" not in response.context["form"].fields
    assert [r.pk for r in response.context["page"].object_list] == [recognition.pk]


def test_the_export_has_the_filtered_rows_and_no_formulas(
    operator, gusu_officer, city_admin, recognition, web_client_for
):
    risky = filed_facility(operator, gusu_officer, name='=HYPERLINK("http://x")托育')
    other = granted(operator, gusu_officer, city_admin, risky)
    web = web_client_for(city_admin)
    response = web.get("/recognitions/export.xlsx", {"kind": "municipal_inclusive"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {recognition.number, other.number}
    names = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")托育' in names
    filtered = load_workbook(BytesIO(web.get("/recognitions/export.xlsx", {"q": other.number}).content)).active
    assert [row[0] for row in filtered.iter_rows(min_row=2, values_only=True)] == [other.number]
    # The unit's officer has no district filter: the export is their unit's, whatever the query says.
    unit = web_client_for(gusu_officer).get("/recognitions/export.xlsx", {"district": "320509"})
    assert load_workbook(BytesIO(unit.content)).active.max_row == 3


def test_the_export_is_scoped(wujiang_officer, other_operator, recognition, web_client_for):
    for user in (wujiang_officer, other_operator):
        sheet = load_workbook(BytesIO(web_client_for(user).get("/recognitions/export.xlsx").content)).active
        assert sheet.max_row == 1


@pytest.mark.parametrize(
    ("who", "renew", "forms"),
    [
        ("operator", True, set()),
        ("gusu_officer", True, set()),
        ("city_admin", True, {"suspend_form", "revoke_form"}),
        ("gusu_inspector", False, set()),
    ],
)
def test_the_recognition_page_by_role(request, who, renew, forms, recognition, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(detail_url(recognition))
    assert response.status_code == 200
    assert response.context["may_renew"] is renew
    shown = {n for n in ("suspend_form", "reinstate_form", "revoke_form") if response.context[n] is not None}
    assert shown == forms
    assert [r.check_code for r in response.context["results"]][:1] == ["filed"]
    assert all(r.passed for r in response.context["results"])


@pytest.mark.parametrize("who", ["wujiang_officer", "other_operator", "training_base"])
def test_the_recognition_pages_are_404_to_others(request, who, recognition, web_client_for):
    web = web_client_for(request.getfixturevalue(who))
    assert web.get(detail_url(recognition)).status_code == 404
    assert web.get(certificate_url(recognition)).status_code == 404
    assert web.post(action_url(recognition, "suspend"), {"suspend-reason": "x"}).status_code == 404
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE


def test_the_city_suspends_reinstates_and_revokes(city_admin, operator, recognition, web_client_for):
    web = web_client_for(city_admin)
    assert web.post(action_url(recognition, "suspend"), {"suspend-reason": "投诉核查中"}).status_code == 302
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.SUSPENDED
    page = web.get(detail_url(recognition))
    assert "投诉核查中" in page.content.decode()
    assert page.context["reinstate_form"] is not None and page.context["suspend_form"] is None
    assert page.context["may_renew"] is False
    certificate = web_client_for(operator).get(certificate_url(recognition))
    assert certificate.context["banner"] is True
    assert "data-certificate-banner" in certificate.content.decode()

    assert web.post(action_url(recognition, "reinstate"), {"reinstate-reason": "核查无问题"}).status_code == 302
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE
    assert web.post(action_url(recognition, "revoke"), {"revoke-reason": "弄虚作假"}).status_code == 302
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.REVOKED
    assert "data-certificate-banner" in web.get(certificate_url(recognition)).content.decode()
    # Nothing left to do on a revoked recognition; a forced suspension is a conflict on the page.
    forced = web.post(action_url(recognition, "suspend"), {"suspend-reason": "再次"})
    assert forced.status_code == 409
    assert forced.context["error"] is not None


def test_only_the_city_acts_on_a_recognition(gusu_officer, operator, city_admin, recognition, web_client_for):
    refused = web_client_for(gusu_officer).post(action_url(recognition, "suspend"), {"suspend-reason": "x"})
    assert refused.status_code == 403
    assert shown(refused.context["error"].message, refused)
    assert web_client_for(operator).post(action_url(recognition, "revoke"), {"revoke-reason": "x"}).status_code == 404
    web = web_client_for(city_admin)
    assert web.post(action_url(recognition, "delete"), {}).status_code == 404
    empty = web.post(action_url(recognition, "suspend"), {"suspend-reason": "  "})
    assert empty.status_code == 400
    assert empty.context["suspend_form"].errors
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.ACTIVE
    assert not recognition.suspensions.exists()
    assert web.get("/recognitions/999999/").status_code == 404


def test_reinstating_a_facility_that_fails_a_criterion_says_which(city_admin, facility, recognition, web_client_for):
    web = web_client_for(city_admin)
    web.post(action_url(recognition, "suspend"), {"suspend-reason": "重大处罚"})
    Facility.objects.filter(pk=facility.pk).update(
        serious_violation_on=timezone.localdate(), serious_violation_reference="苏卫罚〔2026〕2号"
    )
    refused = web.post(action_url(recognition, "reinstate"), {"reinstate-reason": "整改完成"})
    assert refused.status_code == 422
    assert "苏卫罚〔2026〕2号" in " ".join(refused.context["reinstate_form"].non_field_errors())
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.SUSPENDED


@pytest.mark.parametrize("who", ["operator", "gusu_officer", "city_admin", "gusu_inspector"])
def test_the_certificate_by_role(request, who, recognition, web_client_for):
    response = web_client_for(request.getfixturevalue(who)).get(certificate_url(recognition))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert f"http://testserver/public/recognitions/{recognition.number}/" in html
    # The A4 landscape print layout comes from the page's own stylesheet (no inline style: CSP).
    assert 'href="/static/css/certificate.css"' in html
    assert "size: A4 landscape" in Path(finders.find("css/certificate.css")).read_text()
    assert response.context["authority"] in html


def test_a_provincial_certificate_names_the_province(recognition, city_admin, web_client_for):
    Recognition.objects.filter(pk=recognition.pk).update(kind="provincial_inclusive")
    provincial = web_client_for(city_admin).get(certificate_url(recognition)).context["authority"]
    Recognition.objects.filter(pk=recognition.pk).update(kind="municipal_inclusive")
    municipal = web_client_for(city_admin).get(certificate_url(recognition)).context["authority"]
    assert provincial != municipal
    assert municipal in ("苏州市卫生健康委员会", "Suzhou Municipal Health Commission")


def test_an_expired_certificate_shows_the_banner(city_admin, recognition, web_client_for):
    Recognition.objects.filter(pk=recognition.pk).update(status="expired", expired_on=recognition.valid_to)
    response = web_client_for(city_admin).get(certificate_url(recognition))
    assert response.context["banner"] is True


# --- query counts -------------------------------------------------------------------------------------


def _many(count: int, *, operator, submitter) -> None:
    districts = list(District.objects.filter(code__in=["320508", "320509"]))
    start = Facility.objects.count()
    facilities = Facility.objects.bulk_create(
        Facility(name=f"批量机构{start + i:03d}", district=districts[i % 2], slots=40, filing_status="draft")
        for i in range(count)
    )
    for each in facilities:
        each.operators.add(operator)
    criteria_set = CriteriaSet.objects.filter(kind="municipal_inclusive").exclude(status="draft").first()
    today = timezone.localdate()
    Recognition.objects.bulk_create(
        Recognition(
            facility=f,
            kind="municipal_inclusive",
            number=f"MI-2099-{f.pk:05d}",
            valid_from=date(2021, 1, 1),
            valid_to=date(2031, 1, 1),
            granted_on=date(2021, 1, 1),
            criteria_set=criteria_set,
            decided_by=submitter,
        )
        for f in facilities
    )
    RecognitionApplication.objects.bulk_create(
        RecognitionApplication(
            facility=f,
            kind="municipal_model",
            route="applied",
            criteria_set=criteria_set,
            submitted_by=submitter,
            submitted_on=today,
            unit_deadline=today + timedelta(days=i - 2),
            status="submitted" if (i // 2) % 2 else "forwarded",
            city_deadline=today + timedelta(days=3),
            unit_reviewer=None if (i // 2) % 2 else submitter,
        )
        for i, f in enumerate(facilities)
    )


@pytest.mark.parametrize("who", ["city_admin", "gusu_officer", "operator"])
@pytest.mark.parametrize("path", [LIST, APPLICATIONS, APPLICATIONS + "?stage=all", APPLICATIONS + "?stage=city"])
def test_list_pages_run_a_fixed_number_of_queries(request, who, path, operator, gusu_officer, web_client_for):
    user = request.getfixturevalue(who)
    web = web_client_for(user)
    _many(3, operator=operator, submitter=gusu_officer)
    web.get(path)  # warm the session and the language
    with CaptureQueriesContext(connection) as few:
        small = web.get(path)
    _many(30, operator=operator, submitter=gusu_officer)
    with CaptureQueriesContext(connection) as many:
        large = web.get(path)
    assert small.status_code == large.status_code == 200
    assert len(large.context["page"].object_list) > len(small.context["page"].object_list)
    assert len(few) == len(many), (len(few), len(many))
