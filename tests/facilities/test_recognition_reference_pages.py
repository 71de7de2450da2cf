"""The city admin's reference pages of recognitions: criteria sets as versions (draft, edit, activate) and the
full-day fee references. Staff read them; only the city admin writes; anyone else gets a 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities.models import CriteriaSet, CriteriaSetStatus, Criterion, FeeReference
from facilities.services import recognition_reference as reference_services
from suzhou_childcare.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CRITERIA = "/recognitions/criteria/"
FEES = "/recognitions/fee-references/"
SOURCE = "苏州市卫生健康委员会文件（测试）"


def in_force(kind: str = "municipal_inclusive") -> CriteriaSet:
    return CriteriaSet.objects.get(kind=kind, status="active", effective_to__isnull=True)


@pytest.fixture
def draft(city_admin) -> CriteriaSet:
    return reference_services.criteria_set_draft(
        actor=city_admin,
        kind="municipal_inclusive",
        edition="2027",
        effective_from=timezone.localdate() + timedelta(days=30),
        source=SOURCE,
    )


def criterion_post(**overrides) -> dict:
    return {
        "check_code": "min_slots",
        "params": '{"slots": 20}',
        "clause": "托位不少于20个",
        "source": SOURCE,
        **overrides,
    }


def snapshot() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        list(CriteriaSet.objects.order_by("pk").values_list("pk", "status", "effective_to")),
        list(Criterion.objects.order_by("pk").values_list("pk", "check_code", "params", "clause")),
        list(FeeReference.objects.order_by("pk").values_list("pk", "full_day_monthly_fee", "source")),
        AuditEntry.objects.count(),
    )


def test_urls_sit_in_the_recognitions_namespace(draft):
    assert reverse("recognitions:criteria") == CRITERIA
    assert reverse("recognitions:criteria_new") == CRITERIA + "new/"
    assert reverse("recognitions:criteria_detail", args=[draft.pk]) == f"{CRITERIA}{draft.pk}/"
    assert reverse("recognitions:fee_references") == FEES


# --- reading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "inspector", "citywide_inspector"])
def test_staff_read_the_criteria_and_the_fee_references(role, users, web_client_for):
    web = web_client_for(users[role])
    response = web.get(CRITERIA)
    assert response.status_code == 200
    page = response.content.decode()
    current = in_force()
    assert f'data-criteria-set="{current.pk}"' in page
    assert 'data-check="no_serious_violation"' in page and "{&quot;months&quot;: 12}" in page
    assert "发改价格〔2024〕1477号" in page  # the source of a criterion
    assert 'class="badge text-bg-warning"' in page  # local defaults are marked
    detail = web.get(f"{CRITERIA}{current.pk}/")
    assert detail.status_code == 200
    assert "data-read-only" in detail.content.decode()
    fees = web.get(FEES)
    assert fees.status_code == 200
    assert 'data-district="320508"' in fees.content.decode()
    editor = role == "city_admin"
    assert ('id="fee-form"' in fees.content.decode()) is editor
    assert (reverse("recognitions:criteria_new") in page) is editor


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor"])
def test_everyone_else_gets_404(role, users, web_client_for, draft):
    web = web_client_for(users[role])
    before = snapshot()
    for url in (CRITERIA, CRITERIA + "new/", f"{CRITERIA}{draft.pk}/", FEES):
        assert web.get(url).status_code == 404, url
    for url, data in (
        (CRITERIA + "new/", {"kind": "municipal_inclusive"}),
        (f"{CRITERIA}{draft.pk}/criterion/", criterion_post()),
        (f"{CRITERIA}{draft.pk}/remove/", {"check_code": "filed"}),
        (f"{CRITERIA}{draft.pk}/activate/", {}),
        (FEES, {"district": "320508", "year": "2026", "fee": "1", "source": "x"}),
    ):
        assert web.post(url, data).status_code == 404, url
    assert snapshot() == before


def test_without_login_the_pages_ask_to_log_in(client, draft):
    for url in (CRITERIA, f"{CRITERIA}{draft.pk}/", FEES):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_set_is_404(city_admin, web_client_for):
    web = web_client_for(city_admin)
    assert web.get(f"{CRITERIA}999999/").status_code == 404
    assert web.post(f"{CRITERIA}999999/criterion/", criterion_post()).status_code == 404


def test_the_criteria_list_runs_the_same_queries_with_more_versions(city_admin, web_client_for):
    web = web_client_for(city_admin)
    web.get(CRITERIA)
    with CaptureQueriesContext(connection) as few:
        web.get(CRITERIA)
    for year in range(2030, 2036):
        reference_services.criteria_set_draft(
            actor=city_admin,
            kind="municipal_model",
            edition=str(year),
            effective_from=timezone.localdate(),
            source=SOURCE,
        )
    with CaptureQueriesContext(connection) as many:
        response = web.get(CRITERIA)
    assert sum(len(section["sets"]) for section in response.context["sections"]) == 12
    assert len(few) == len(many)


def test_the_fee_table_runs_the_same_queries_with_more_years(city_admin, web_client_for):
    web = web_client_for(city_admin)
    web.get(FEES)
    with CaptureQueriesContext(connection) as few:
        web.get(FEES)
    for year in (2027, 2028):
        reference_services.fee_reference_set(
            actor=city_admin, district_code="320508", year=year, fee="3800", source=SOURCE
        )
    with CaptureQueriesContext(connection) as many:
        response = web.get(FEES)
    assert 2028 in response.context["years"]
    assert len(few) == len(many)


# --- the city admin drafts, edits and activates -------------------------------------------------------------


def test_the_city_admin_drafts_a_version_from_the_one_in_force(city_admin, web_client_for):
    web = web_client_for(city_admin)
    assert web.get(CRITERIA + "new/?kind=municipal_model").status_code == 200
    response = web.post(
        CRITERIA + "new/",
        {
            "kind": "municipal_inclusive",
            "edition": "2027",
            "effective_from": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "source": SOURCE,
            "validity_years": "3",
            "unit_review_working_days": "15",
            "city_decision_working_days": "20",
            "expiry_notice_days": "60",
            "copy_criteria": "on",
        },
    )
    draft = CriteriaSet.objects.get(status="draft")
    assert response.status_code == 302 and response["Location"] == f"{CRITERIA}{draft.pk}/"
    assert set(draft.criteria.values_list("check_code", flat=True)) == set(
        in_force().criteria.values_list("check_code", flat=True)
    )
    page = web.get(response["Location"]).content.decode()
    assert f'action="{CRITERIA}{draft.pk}/criterion/"' in page
    assert f'action="{CRITERIA}{draft.pk}/activate/"' in page


def test_a_bad_draft_is_refused_with_field_errors(city_admin, web_client_for):
    before = snapshot()
    response = web_client_for(city_admin).post(
        CRITERIA + "new/", {"kind": "nonsense", "edition": "", "effective_from": "2027-02-30", "validity_years": "0"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"kind", "edition", "effective_from", "source", "validity_years"} <= set(errors)
    assert snapshot() == before


def test_the_city_admin_adds_and_replaces_a_criterion(city_admin, web_client_for, draft):
    web = web_client_for(city_admin)
    url = f"{CRITERIA}{draft.pk}/criterion/"
    response = web.post(url, criterion_post())
    assert response.status_code == 302
    added = draft.criteria.get(check_code="min_slots")
    assert added.params == {"slots": 20} and added.clause == "托位不少于20个"
    response = web.post(url, criterion_post(params='{"slots": 30}', is_default="on"))
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.params == {"slots": 30} and added.is_default
    assert draft.criteria.filter(check_code="min_slots").count() == 1
    edit = web.get(f"{CRITERIA}{draft.pk}/?edit=min_slots")
    assert edit.context["form"].initial["params"] == '{"slots": 30}'


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (criterion_post(params="{slots: 20"), "params"),  # not JSON
        (criterion_post(params="[20]"), "params"),  # not an object
        (criterion_post(params='{"slots": "many"}'), "params"),  # wrong type
        (criterion_post(params='{"slots": -1}'), "params"),
        (criterion_post(params='{"slots": 1e999}'), "params"),
        (criterion_post(params="NaN"), "params"),
        (criterion_post(params='{"slots": 20, "extra": 1}'), "params"),
        (criterion_post(check_code="quality_grade", params='{"grades": ["E"]}'), "params"),
        (criterion_post(check_code="min_occupancy", params='{"percent": 101}'), "params"),
        (criterion_post(params="{}"), "params"),  # a required parameter missing
        (criterion_post(check_code="no_such_check"), "check_code"),
        (criterion_post(clause=""), "clause"),
        (criterion_post(params="[" * 400 + "]" * 400), "params"),
    ],
)
def test_bad_params_give_a_field_error_and_save_nothing(city_admin, web_client_for, draft, data, field):
    before = snapshot()
    response = web_client_for(city_admin).post(f"{CRITERIA}{draft.pk}/criterion/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot() == before


def test_the_city_admin_removes_a_criterion(city_admin, web_client_for, draft):
    web = web_client_for(city_admin)
    response = web.post(f"{CRITERIA}{draft.pk}/remove/", {"check_code": "support_agreement_signed"})
    assert response.status_code == 302
    assert not draft.criteria.filter(check_code="support_agreement_signed").exists()
    before = snapshot()
    response = web.post(f"{CRITERIA}{draft.pk}/remove/", {"check_code": "support_agreement_signed"})
    assert response.status_code == 400
    assert snapshot() == before


def test_the_city_admin_activates_a_draft_and_the_old_version_ends(city_admin, web_client_for, draft):
    old = in_force()
    response = web_client_for(city_admin).post(f"{CRITERIA}{draft.pk}/activate/")
    assert response.status_code == 302
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == CriteriaSetStatus.ACTIVE
    assert old.effective_to == draft.effective_from


def test_a_draft_starting_in_the_past_cannot_be_activated(city_admin, web_client_for):
    past = reference_services.criteria_set_draft(
        actor=city_admin,
        kind="municipal_inclusive",
        edition="补",
        effective_from=timezone.localdate() - timedelta(days=1),
        source=SOURCE,
    )
    before = snapshot()
    response = web_client_for(city_admin).post(f"{CRITERIA}{past.pk}/activate/")
    assert response.status_code == 400
    assert "effective_from" in response.context["error"]["fields"]
    assert snapshot() == before


def test_an_active_set_is_never_edited(city_admin, web_client_for):
    web = web_client_for(city_admin)
    active = in_force()
    page = web.get(f"{CRITERIA}{active.pk}/")
    assert "data-read-only" in page.content.decode()
    assert page.context["editable"] is False
    assert f'action="{CRITERIA}{active.pk}/criterion/"' not in page.content.decode()
    before = snapshot()
    for url, data in (
        (f"{CRITERIA}{active.pk}/criterion/", criterion_post()),
        (f"{CRITERIA}{active.pk}/remove/", {"check_code": "filed"}),
        (f"{CRITERIA}{active.pk}/activate/", {}),
    ):
        response = web.post(url, data)
        assert response.status_code == 409, url
        assert response.context["error"]["code"] == "criteria_in_use"
    assert snapshot() == before


def test_a_district_officer_reads_but_every_write_is_refused(gusu_officer, web_client_for, draft):
    web = web_client_for(gusu_officer)
    page = web.get(f"{CRITERIA}{draft.pk}/")
    assert page.status_code == 200
    assert page.context["editable"] is False
    assert f'action="{CRITERIA}{draft.pk}/criterion/"' not in page.content.decode()
    before = snapshot()
    assert web.get(CRITERIA + "new/").status_code == 404
    assert web.post(CRITERIA + "new/", {"kind": "municipal_inclusive"}).status_code == 404
    for url, data in (
        (f"{CRITERIA}{draft.pk}/criterion/", criterion_post()),
        (f"{CRITERIA}{draft.pk}/remove/", {"check_code": "filed"}),
        (f"{CRITERIA}{draft.pk}/activate/", {}),
        (FEES, {"district": "320508", "year": "2026", "fee": "1000", "source": SOURCE}),
    ):
        assert web.post(url, data).status_code == 403, url
    assert snapshot() == before


# --- fee references ----------------------------------------------------------------------------------------


def test_the_city_admin_sets_a_fee_reference(city_admin, web_client_for):
    web = web_client_for(city_admin)
    year = timezone.localdate().year
    assert web.get(FEES, {"district": "320509", "year": str(year)}).context["form"].initial["district"] == "320509"
    response = web.post(FEES, {"district": "320508", "year": str(year), "fee": "3,650.50", "source": SOURCE})
    assert response.status_code == 302 and response["Location"] == FEES
    reference = FeeReference.objects.get(district_id="320508", year=year)
    assert reference.full_day_monthly_fee == Decimal("3650.50")
    assert not reference.is_default and reference.source == SOURCE
    page = web.get(FEES)
    row = next(r for r in page.context["rows"] if r["district"].code == "320508")
    cell = next(c for c in row["cells"] if c["year"] == year)
    assert cell["reference"].full_day_monthly_fee == Decimal("3650.50")
    assert SOURCE in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fee": "abc"}, "fee"),
        ({"fee": "-1"}, "fee"),
        ({"fee": "1e9"}, "fee"),
        ({"fee": "0"}, "fee"),
        ({"fee": "NaN"}, "fee"),
        ({"fee": "sNaN"}, "fee"),
        ({"fee": "3200.123"}, "fee"),
        ({"district": "999999"}, "district"),
        ({"year": "20x6"}, "year"),
        ({"year": "1900"}, "year"),
        ({"source": ""}, "source"),
    ],
)
def test_a_bad_fee_reference_is_refused(city_admin, web_client_for, data, field):
    before = snapshot()
    post = {"district": "320508", "year": "2026", "fee": "3200", "source": SOURCE, **data}
    response = web_client_for(city_admin).post(FEES, post)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot() == before
