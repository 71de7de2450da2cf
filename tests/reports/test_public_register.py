"""The public register (/public/facilities/): the directory of filed facilities, a facility's public card and the
city's published headline figures; anonymous, cached briefly, without personal data, constant queries."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities.models import CriteriaSet, Facility, FilingStatus, Recognition, ServiceOffering
from inspections.models import Penalty
from reports import views_public
from reports.models import PeriodState, Snapshot
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.regions.models import Street

from ..facilities.factories import complete_draft
from ..facilities.recognition_helpers import filed_facility, granted
from ..inspections.factories import completed, finding_on, inspection_of
from ..inspections.test_penalties import BANNED_ID, BANNED_NAME, FACTS, decide, propose, propose_ban

pytestmark = pytest.mark.django_db

DIRECTORY = "/public/facilities/"
GUSU = "320508"
WUJIANG = "320509"
ID_NUMBER = re.compile(r"\d{17}[\dX]")
STAFF_NAMES = ("王丽", "李娜", "张敏", "刘芳", "陈静", "赵强")
FINDING_TEXT = "保育员张某某未持健康证上岗"
DECISION = "姑卫罚〔2026〕7号"
_seq = count(1)


def card_url(pk: int) -> str:
    return f"/public/facilities/{pk}/"


def listed(response) -> list[str]:
    return [facility.name for facility, _fee in response.context["facilities"]]


@pytest.fixture(autouse=True)
def _media_and_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the register's rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def streets(db) -> dict[str, Street]:
    return {
        "平江": Street.objects.create(district_id=GUSU, name="平江街道"),
        "双塔": Street.objects.create(district_id=GUSU, name="双塔街道"),
        "松陵": Street.objects.create(district_id=WUJIANG, name="松陵街道"),
    }


@pytest.fixture
def named_operator(make_user):
    return make_user(Role.OPERATOR, username="qian_xuefen", first_name="雪芬", last_name="钱")


@pytest.fixture
def recognised(named_operator, gusu_officer, city_admin, streets) -> Facility:
    """A filed facility in 平江街道 with a municipal inclusive recognition in force."""
    facility = filed_facility(
        named_operator, gusu_officer, name="苏州普惠托育中心", street=streets["平江"], address="姑苏区平江路88号"
    )
    granted(named_operator, gusu_officer, city_admin, facility)
    return facility


def raw_facility(name: str, *, status: str = FilingStatus.FILED, district: str = GUSU, street=None, **extra):
    """A facility straight in the table (no workflow): for visibility rules and sizes."""
    n = next(_seq)
    numbered = status not in (FilingStatus.KNOWN, FilingStatus.DRAFT, FilingStatus.SUBMITTED)
    facility = Facility.objects.create(
        name=name,
        category=extra.pop("category", "social"),
        form=extra.pop("form", "standalone"),
        district_id=district,
        street=street,
        address=extra.pop("address", f"测试路{n}号"),
        slots=extra.pop("slots", 30),
        filing_status=status,
        filing_number=f"{district}-2025-{n:04d}" if numbered else None,
        **extra,
    )
    ServiceOffering.objects.create(facility=facility, service_form="full_day", monthly_fee=Decimal("2800.00"))
    return facility


def raw_recognition(facility, kind: str = "municipal_inclusive") -> Recognition:
    today = timezone.localdate()
    return Recognition.objects.create(
        facility=facility,
        kind=kind,
        number=f"MI-2099-{next(_seq):04d}",
        valid_from=today - timedelta(days=10),
        valid_to=today + timedelta(days=365),
        granted_on=today - timedelta(days=10),
        criteria_set=CriteriaSet.objects.filter(kind=kind).first(),
    )


def assert_no_personal_data(page: str, *users) -> None:
    for user in users:
        assert user.username not in page
        for part in (user.first_name, user.last_name, user.get_full_name()):
            if part.strip():
                assert part not in page
    assert not any(name in page for name in STAFF_NAMES)
    assert not ID_NUMBER.search(page)


# --- the visitor's path ----------------------------------------------------------------------------------------


def test_urls():
    assert reverse("register:directory") == DIRECTORY
    assert reverse("register:card", args=[7]) == card_url(7)


def test_a_visitor_finds_a_facility_by_street_and_recognition_and_reads_its_card(
    recognised, named_operator, gusu_officer, gusu_inspector, city_admin, streets
):
    raw_facility("平江另一家托育园", street=streets["平江"])  # same street, no recognition
    raw_recognition(raw_facility("双塔普惠托育园", street=streets["双塔"]))  # recognised, other street
    inspection = inspection_of(recognised, actor=gusu_inspector, inspected_on=timezone.localdate() - timedelta(days=20))
    finding_on(inspection, actor=gusu_inspector, weight="moderate", description=FINDING_TEXT)
    finding_on(inspection, actor=gusu_inspector, weight="minor", description="消毒记录不全")
    completed(inspection, actor=gusu_inspector)
    decide(gusu_officer, propose(gusu_inspector, recognised, "fine", Decimal("12000")), number=DECISION)

    client = Client()
    search = {"district": GUSU, "street": streets["平江"].pk, "recognition": "municipal_inclusive"}
    response = client.get(DIRECTORY, search)
    assert response.status_code == 200
    assert listed(response) == ["苏州普惠托育中心"]
    page = response.content.decode()
    assert f'href="{card_url(recognised.pk)}"' in page
    assert "平江街道" in page and "姑苏区平江路88号" in page and "¥3,200" in page
    assert 'data-recognition-kind="municipal_inclusive"' in page
    assert_no_personal_data(page, named_operator, gusu_officer, gusu_inspector, city_admin)

    card = client.get(card_url(recognised.pk))
    assert card.status_code == 200
    body = card.content.decode()
    recognised.refresh_from_db()
    recognition = recognised.recognitions.get()
    assert f'href="/verify/{recognised.filing_number}/"' in body
    assert 'data-filing-status="filed"' in body
    assert f'href="/public/recognitions/{recognition.number}/"' in body
    assert f'data-latest-inspection="{inspection.inspected_on:%Y-%m-%d}"' in body
    assert 'data-findings="2"' in body and 'data-weight="moderate"' in body and 'data-weight="minor"' in body
    assert 'data-weight="serious"' not in body
    assert f'data-decision-number="{DECISION}"' in body and "12,000" in body
    penalty = Penalty.objects.get(decision_number=DECISION)
    assert penalty.legal_basis in body
    assert "姑苏区平江路88号" in body and 'data-slots="40"' in body and "平江街道" in body
    # Counts only: never a finding's text, the facts of a penalty, or any person.
    assert FINDING_TEXT not in body and "消毒记录不全" not in body and FACTS not in body
    assert_no_personal_data(body, named_operator, gusu_officer, gusu_inspector, city_admin)
    assert 'name="csrfmiddlewaretoken"' not in body


def test_a_lifetime_ban_shows_on_the_card_without_the_person(recognised, gusu_inspector, gusu_officer):
    decide(gusu_officer, propose_ban(gusu_inspector, recognised), number="姑卫罚〔2026〕9号")
    body = Client().get(card_url(recognised.pk)).content.decode()
    assert 'data-decision-number="姑卫罚〔2026〕9号"' in body
    assert BANNED_NAME not in body and BANNED_ID not in body and BANNED_ID[-4:] not in body


def test_only_penalties_within_their_publication_period_show(recognised, gusu_inspector, gusu_officer):
    shown = decide(gusu_officer, propose(gusu_inspector, recognised), number="姑卫罚〔2026〕11号")
    expired = decide(gusu_officer, propose(gusu_inspector, recognised), number="姑卫罚〔2026〕12号")
    propose(gusu_inspector, recognised)  # proposed, not decided
    today = timezone.localdate()
    Penalty.objects.filter(pk=expired.pk).update(
        publish_from=today - timedelta(days=200), publish_until=today - timedelta(days=1)
    )
    response = Client().get(card_url(recognised.pk))
    assert [p["decision_number"] for p in response.context["penalties"]] == [shown.decision_number]
    assert "姑卫罚〔2026〕12号" not in response.content.decode()


def test_the_latest_completed_inspection_is_shown(recognised, gusu_inspector):
    today = timezone.localdate()
    older = inspection_of(recognised, actor=gusu_inspector, inspected_on=today - timedelta(days=90))
    finding_on(older, actor=gusu_inspector, weight="serious")
    completed(older, actor=gusu_inspector)
    newer = inspection_of(recognised, actor=gusu_inspector, inspected_on=today - timedelta(days=10))
    completed(newer, actor=gusu_inspector)
    inspection_of(recognised, actor=gusu_inspector, inspected_on=today - timedelta(days=1))  # still in progress
    response = Client().get(card_url(recognised.pk))
    body = response.content.decode()
    assert f'data-latest-inspection="{newer.inspected_on:%Y-%m-%d}"' in body
    assert 'data-findings="0"' in body


def test_a_facility_without_inspection_recognition_or_penalty_says_so(streets):
    facility = raw_facility("清净托育园", street=streets["双塔"], status=FilingStatus.VERIFIED)
    response = Client().get(card_url(facility.pk))
    assert response.status_code == 200
    assert response.context["inspection"] is None and response.context["penalties"] == []
    body = response.content.decode()
    assert 'data-recognitions-in-force="0"' in body and 'data-published-penalties="0"' in body


# --- who is listed -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        FilingStatus.KNOWN,
        FilingStatus.DRAFT,
        FilingStatus.SUBMITTED,
        FilingStatus.NONCONFORMING,
        FilingStatus.CANCELLED,
    ],
)
def test_facilities_not_filed_are_not_listed_and_their_card_is_404(status):
    hidden = raw_facility("不公示的托育点", status=status)
    raw_facility("公示的托育园")
    response = Client().get(DIRECTORY)
    assert listed(response) == ["公示的托育园"]
    assert "不公示的托育点" not in response.content.decode()
    assert Client().get(DIRECTORY, {"q": "不公示"}).context["facilities"] == []
    missing = Client().get(card_url(hidden.pk))
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "data-register-missing" in body and "不公示的托育点" not in body


@pytest.mark.parametrize("status", [FilingStatus.FILED, FilingStatus.VERIFIED, FilingStatus.CHANGE_PENDING])
def test_filed_verified_and_change_pending_are_listed(status):
    facility = raw_facility("在册托育园", status=status)
    assert listed(Client().get(DIRECTORY)) == ["在册托育园"]
    assert Client().get(card_url(facility.pk)).status_code == 200


def test_a_closed_facility_is_not_listed():
    today = timezone.localdate()
    closed = raw_facility("已关停托育园", opened_on=today - timedelta(days=400), closed_on=today - timedelta(days=1))
    closing = raw_facility("月底关停托育园", opened_on=today - timedelta(days=400), closed_on=today + timedelta(days=5))
    assert listed(Client().get(DIRECTORY)) == ["月底关停托育园"]
    assert Client().get(card_url(closed.pk)).status_code == 404
    assert Client().get(card_url(closing.pk)).status_code == 200


def test_a_facility_filed_through_the_workflow_appears_and_a_draft_does_not(operator, gusu_officer, make_user):
    draft = complete_draft(make_user(Role.OPERATOR, username="draft_operator"), name="草稿托育园")
    filed = filed_facility(operator, gusu_officer, name="已备案托育园")
    assert listed(Client().get(DIRECTORY)) == ["已备案托育园"]
    assert Client().get(card_url(draft.pk)).status_code == 404
    assert Client().get(card_url(filed.pk)).status_code == 200


@pytest.mark.parametrize("pk", ["0", "99999999", "9223372036854775807", "99999999999999999999999"])
def test_unknown_ids_are_a_friendly_404(pk):
    response = Client().get(f"/public/facilities/{pk}/")
    assert response.status_code == 404


def test_a_suspended_or_expired_recognition_does_not_count(streets):
    suspended = raw_facility("停牌托育园", street=streets["平江"])
    recognition = raw_recognition(suspended)
    recognition.suspensions.create(suspended_on=timezone.localdate(), reason="待核查")
    lapsed = raw_facility("过期托育园", street=streets["平江"])
    Recognition.objects.filter(pk=raw_recognition(lapsed).pk).update(valid_to=timezone.localdate())
    held = raw_facility("在期托育园", street=streets["平江"])
    raw_recognition(held)
    assert listed(Client().get(DIRECTORY, {"recognition": "municipal_inclusive"})) == ["在期托育园"]
    body = Client().get(card_url(suspended.pk)).content.decode()
    assert 'data-recognitions-in-force="0"' in body


# --- filters -------------------------------------------------------------------------------------------------------


@pytest.fixture
def spread(streets) -> dict[str, Facility]:
    """Facilities differing in one attribute each."""
    social = raw_facility("平江社会托育园", street=streets["平江"], address="平江路1号")
    kg = raw_facility("平江幼儿园托班", street=streets["平江"], category="kindergarten_class", address="平江路2号")
    family = raw_facility("双塔家庭托育点", street=streets["双塔"], form="family_point", address="十全街3号")
    model = raw_facility("松陵示范托育园", district=WUJIANG, street=streets["松陵"], address="松陵大道4号")
    raw_recognition(model, "provincial_model")
    raw_recognition(social, "municipal_inclusive")
    return {"social": social, "kg": kg, "family": family, "model": model}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["平江幼儿园托班", "平江社会托育园", "双塔家庭托育点", "松陵示范托育园"]),
        ({"district": GUSU}, ["平江幼儿园托班", "平江社会托育园", "双塔家庭托育点"]),
        ({"district": GUSU, "category": "social"}, ["平江社会托育园", "双塔家庭托育点"]),
        ({"district": GUSU, "category": "social", "form": "standalone"}, ["平江社会托育园"]),
        ({"form": "family_point"}, ["双塔家庭托育点"]),
        ({"category": "kindergarten_class", "recognition": "municipal_inclusive"}, []),
        ({"recognition": "provincial_model"}, ["松陵示范托育园"]),
        ({"district": GUSU, "recognition": "provincial_model"}, []),
        ({"q": "平江"}, ["平江幼儿园托班", "平江社会托育园"]),
        ({"q": "十全街"}, ["双塔家庭托育点"]),  # the address
        ({"q": "ｓｏｎｇ"}, []),
        ({"q": "  松陵  ", "category": "social"}, ["松陵示范托育园"]),
        ({"q": "松陵", "district": GUSU}, []),
    ],
)
def test_filters_combine(spread, params, expected):
    response = Client().get(DIRECTORY, params)
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(expected)
    assert response.context["page"].paginator.count == len(expected)


def test_the_street_depends_on_the_unit(spread, streets):
    gusu = Client().get(DIRECTORY, {"district": GUSU})
    assert [s.name for s in gusu.context["streets"]] == ["双塔街道", "平江街道"]
    assert "松陵街道" not in gusu.content.decode()
    by_street = Client().get(DIRECTORY, {"district": GUSU, "street": streets["双塔"].pk})
    assert listed(by_street) == ["双塔家庭托育点"]
    # A street of another unit, or a street without its unit, is ignored.
    foreign = Client().get(DIRECTORY, {"district": GUSU, "street": streets["松陵"].pk})
    assert foreign.context["filters"]["street"] is None
    assert len(listed(foreign)) == 3
    assert len(listed(Client().get(DIRECTORY, {"street": streets["双塔"].pk}))) == 4
    assert Client().get(DIRECTORY).context["streets"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"district": "999999"},
        {"district": "<script>"},
        {"street": "abc", "district": GUSU},
        {"street": "-1", "district": GUSU},
        {"street": "٣", "district": GUSU},  # a non-ASCII digit
        {"street": "99999999999999999999999", "district": GUSU},
        {"category": "nursery"},
        {"form": "x" * 500},
        {"recognition": "national_model"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999"},
        {"q": "a\x00b"},
        {"q": "%' OR 1=1 --"},
        {"q": "字" * 5000},
    ],
)
def test_bad_filter_values_are_ignored_never_a_500(spread, params):
    client = Client(raise_request_exception=False)
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    # The bad value is dropped: what remains is what the visitor sees (no search term matches these names).
    expected = 0 if "q" in params else 3 if params.get("district") == GUSU else 4
    assert response.context["page"].paginator.count == expected
    assert len(response.context["filters"]["q"]) <= 100
    assert "\x00" not in response.context["filters"]["q"]


def test_repeated_parameters_and_unsafe_methods():
    raw_facility("公示的托育园")
    response = Client().get(DIRECTORY + "?district=320508&district=nonsense&category=social&category=social")
    assert response.status_code == 200
    assert Client().post(DIRECTORY).status_code == 405
    assert Client().post(card_url(1)).status_code == 405


def test_the_directory_pages_by_25(streets):
    for i in range(27):
        raw_facility(f"托育园{i:02d}", street=streets["平江"])
    first = Client().get(DIRECTORY)
    assert len(listed(first)) == 25 and first.context["page"].paginator.num_pages == 2
    second = Client().get(DIRECTORY, {"page": 2})
    assert listed(second) == ["托育园25", "托育园26"]


# --- headline figures --------------------------------------------------------------------------------------------


def _snapshots(period: date, figures: dict[str, str | None], *, revision: int = 1, estimated: bool = False):
    for code, value in figures.items():
        Snapshot.objects.create(
            period=period,
            district=None,
            indicator=code,
            revision=revision,
            value=None if value is None else Decimal(value),
            status="unavailable" if value is None else "final",
            estimated=estimated,
            as_of=timezone.now(),
        )


CITY = {
    "facilities": "543",
    "slots": "27000",
    "slots_per_thousand": "2.0764",
    "recognitions_provincial_inclusive": "12",
    "recognitions_municipal_inclusive": "30",
}


def headline(response) -> dict[str, str | None]:
    return {figure["code"]: figure["value"] for figure in response.context["headline_figures"]}


def test_no_headline_figures_without_a_published_final_month():
    may = date(2021, 5, 1)
    _snapshots(may, CITY)
    assert "data-headline" not in Client().get(DIRECTORY).content.decode()
    PeriodState.objects.create(period=may, status="final", published=False)
    assert "data-headline" not in Client().get(DIRECTORY).content.decode()
    june = date(2021, 6, 1)
    _snapshots(june, CITY)
    PeriodState.objects.create(period=june, status="provisional", published=True)  # published but not final
    assert "data-headline" not in Client().get(DIRECTORY).content.decode()


def test_headline_figures_of_the_latest_published_final_month(settings):
    settings.LANGUAGE_CODE = "en"
    may, june, july = date(2021, 5, 1), date(2021, 6, 1), date(2021, 7, 1)
    _snapshots(may, CITY)
    _snapshots(may, {"facilities": "550", "slots_per_thousand": None}, revision=2)  # a recompute after finalising
    PeriodState.objects.create(period=may, status="final", published=True)
    _snapshots(june, {**CITY, "facilities": "600"})
    PeriodState.objects.create(period=june, status="final", published=False)
    _snapshots(july, {**CITY, "facilities": "700"})
    PeriodState.objects.create(period=july, status="provisional", published=True)
    response = Client().get(DIRECTORY)
    assert response.context["headlines"].period == may
    assert headline(response) == {
        "facilities": "550",
        "slots": "27,000",
        "slots_per_thousand": None,  # unavailable in the latest revision: shown as such, never 0
        "inclusive_recognitions": "42",
    }
    page = response.content.decode()
    assert 'data-headline-period="2021-05"' in page and 'data-headline="slots"' in page
    Snapshot.objects.filter(period=may, indicator="slots_per_thousand", revision=2).delete()
    assert headline(Client().get(DIRECTORY))["slots_per_thousand"] == "2.08"


def test_an_estimated_figure_is_flagged():
    may = date(2021, 5, 1)
    _snapshots(may, CITY, estimated=True)
    PeriodState.objects.create(period=may, status="final", published=True)
    assert "data-estimated" in Client().get(DIRECTORY).content.decode()


# --- caching, rate limit -----------------------------------------------------------------------------------------


def test_pages_are_cached_briefly_and_set_no_cookie():
    facility = raw_facility("公示的托育园")
    for url in (DIRECTORY, card_url(facility.pk)):
        response = Client().get(url)
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        assert not response.cookies
        assert "Cookie" in response.get("Vary", "")


def test_a_signed_in_visitor_gets_a_private_page(web_client_for, gusu_officer):
    response = web_client_for(gusu_officer).get(DIRECTORY)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_reads_are_rate_limited_per_address(monkeypatch):
    monkeypatch.setattr(views_public, "RATE_LIMIT", 3)
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [client.get(DIRECTORY).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(DIRECTORY)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert "public" not in limited["Cache-Control"] and "no-cache" in limited["Cache-Control"]
    assert client.get(card_url(1)).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(DIRECTORY).status_code == 200


# --- queries -----------------------------------------------------------------------------------------------------


def _fill(n: int, streets) -> None:
    for i in range(n):
        facility = raw_facility(f"批量托育园{next(_seq)}", street=streets["平江"] if i % 2 else streets["双塔"])
        raw_recognition(facility)
        if i % 3 == 0:
            raw_recognition(facility, "provincial_model")


def test_the_directory_runs_the_same_queries_at_two_sizes(streets):
    _snapshots(date(2021, 5, 1), CITY)
    PeriodState.objects.create(period=date(2021, 5, 1), status="final", published=True)
    _fill(3, streets)
    params = {"district": GUSU, "recognition": "municipal_inclusive"}
    with CaptureQueriesContext(connection) as few:
        response = Client().get(DIRECTORY, params)
    assert len(listed(response)) == 3
    _fill(30, streets)
    with CaptureQueriesContext(connection) as many:
        response = Client().get(DIRECTORY, params)
    assert len(listed(response)) == 25
    assert len(many) == len(few)
    # units, streets of the unit, count, page, recognitions of the page, headline figures
    assert len(many) == 6


def test_the_card_runs_the_same_queries_whatever_it_shows(recognised, gusu_inspector, gusu_officer):
    bare = raw_facility("清净托育园")
    with CaptureQueriesContext(connection) as empty:
        Client().get(card_url(bare.pk))
    inspection = inspection_of(recognised, actor=gusu_inspector, inspected_on=timezone.localdate() - timedelta(days=3))
    for weight in ("serious", "moderate", "minor", "minor"):
        finding_on(inspection, actor=gusu_inspector, weight=weight)
    completed(inspection, actor=gusu_inspector)
    for _ in range(4):
        decide(gusu_officer, propose(gusu_inspector, recognised))
    raw_recognition(recognised, "provincial_model")
    with CaptureQueriesContext(connection) as full:
        response = Client().get(card_url(recognised.pk))
    assert len(response.context["penalties"]) == 4
    assert response.context["inspection"]["total"] == 4
    assert len(full) == len(empty) == 4  # facility, recognitions in force, latest inspection, penalties


def test_the_directory_loads_no_personal_columns(recognised):
    with CaptureQueriesContext(connection) as queries:
        Client().get(DIRECTORY)
        Client().get(card_url(recognised.pk))
    facility_sql = [q["sql"] for q in queries if 'FROM "facilities_facility"' in q["sql"]]
    assert facility_sql
    for sql in facility_sql:
        for column in ("review_reasons", "policy_number", "insurer", "uscc", "pending_changes", "reviewer_id"):
            assert f'"facilities_facility"."{column}"' not in sql
    assert not any("accounts_user" in q["sql"] or "staffmember" in q["sql"] for q in queries)
