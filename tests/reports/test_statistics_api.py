"""The statistics API (/api/v1/statistics/): who reads what, CSV, conditional requests, caching, bad input.

The facility demo history is loaded once for the module; each test compiles May 2021 inside its transaction.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from facilities.demo import load_demo_history
from facilities.models import FilingSequence
from reports.catalogue import CATALOGUE
from reports.compilation import compile_period, finalise_period
from reports.models import Indicator, PeriodState, Snapshot

from .test_compilation import MAY, _remove_demo_history, add_filed_facility

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
BASE = "/api/v1/statistics/"
ERROR_KEYS = {"code", "message", "fields", "clause"}
AGGREGATES = {
    "indicators": {},
    "districts": {"period": "2021-05"},
    "city": {"period": "2021-05"},
    "series": {"indicator": "slots", "district": GUSU, "from": "2021-01", "to": "2021-06"},
}
READERS = ["city_admin", "district_officer", "wujiang_officer", "inspector", "citywide_inspector", "statistics_client"]
REFUSED = ["operator", "training_base", "mch_assessor"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        sequences_before = set(FilingSequence.objects.values_list("pk", flat=True))
        load_demo_history(today=timezone.localdate())
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            _remove_demo_history(sequences_before=sequences_before)


@pytest.fixture
def compiled(demo):
    Snapshot.objects.all().delete()
    PeriodState.objects.all().delete()
    compile_period(period=MAY)
    return PeriodState.objects.get(period=MAY)


@pytest.fixture
def api(users, api_client_for):
    clients: dict[str, APIClient] = {}

    def for_role(role: str) -> APIClient:
        if role not in clients:
            clients[role] = api_client_for(users[role])
            clients[role].raise_request_exception = False
        return clients[role]

    return for_role


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- who reads what ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("endpoint", list(AGGREGATES))
def test_roles_that_read_statistics_read_every_units_aggregates(compiled, api, role, endpoint):
    response = api(role).get(BASE + endpoint + "/", AGGREGATES[endpoint])
    assert response.status_code == 200
    body = response.json()
    if endpoint == "districts":
        assert {unit["district"] for unit in body["results"]} >= {GUSU, WUJIANG}
        assert len(body["results"]) == 10
    elif endpoint == "city":
        assert body["indicators"]["facilities"] == 543
    elif endpoint == "series":
        assert [point["period"] for point in body["results"]] == ["2021-05"]
    else:
        assert body["count"] == len(CATALOGUE)


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("endpoint", [*AGGREGATES, "drilldown", "population"])
def test_other_roles_are_refused_the_statistics_api_with_403(compiled, api, role, endpoint):
    query = AGGREGATES.get(endpoint, {"period": "2021-05", "district": GUSU, "indicator": "slots", "year": "2020"})
    body = assert_error(api(role).get(BASE + endpoint + "/", query), 403, "permission_denied")
    assert "indicators" not in body and "results" not in body


@pytest.mark.parametrize("endpoint", [*AGGREGATES, "drilldown"])
def test_anonymous_gets_401(compiled, endpoint):
    assert_error(APIClient().get(BASE + endpoint + "/", AGGREGATES.get(endpoint, {})), 401, "not_authenticated")


def test_a_browser_session_reads_the_statistics_too(compiled, city_admin, web_client_for):
    response = web_client_for(city_admin).get(BASE + "city/", {"period": "2021-05"})
    assert response.status_code == 200
    assert response.json()["indicators"]["slots"] == 27_000


@pytest.mark.parametrize("role", ["inspector", "citywide_inspector"])
def test_inspectors_now_read_the_population_statistics(api, role):
    response = api(role).get(BASE + "population/", {"year": "2020"})
    assert response.status_code == 200
    assert response.json()["city_population"] == 12_748_262


@pytest.mark.parametrize(
    "path", ["/api/v1/facilities/", f"/api/v1/regions/districts/{GUSU}/", "/api/v1/regions/districts/", "/api/schema/"]
)
def test_statistics_clients_still_get_404_everywhere_else(api, path):
    response = api("statistics_client").get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 404


DRILL = {"period": "2021-05", "indicator": "slots"}


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("city_admin", GUSU, 200),
        ("city_admin", WUJIANG, 200),
        ("city_admin", "city", 200),
        ("citywide_inspector", WUJIANG, 200),
        ("citywide_inspector", "city", 200),
        ("district_officer", GUSU, 200),
        ("district_officer", WUJIANG, 404),
        ("district_officer", "city", 404),
        ("wujiang_officer", WUJIANG, 200),
        ("wujiang_officer", GUSU, 404),
        ("inspector", GUSU, 200),
        ("inspector", WUJIANG, 404),
        ("inspector", "city", 404),
        ("statistics_client", GUSU, 404),
        ("statistics_client", "city", 404),
        ("operator", GUSU, 403),
    ],
)
def test_drilldown_into_a_unit_by_jurisdiction(compiled, api, role, unit, status):
    response = api(role).get(BASE + "drilldown/", {**DRILL, "district": unit})
    if status == 200:
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == body["figure"] > 0
        assert all(row["district"] == unit for row in body["results"]) or unit == "city"
    else:
        body = assert_error(response, status, {404: "not_found", 403: "permission_denied"}[status])
        assert "results" not in body


def test_drilldown_of_an_unknown_unit_is_404_like_a_foreign_one(compiled, api):
    assert_error(api("city_admin").get(BASE + "drilldown/", {**DRILL, "district": "999999"}), 404, "not_found")


def test_drilldown_lists_facilities_with_their_contribution(compiled, api):
    body = api("district_officer").get(BASE + "drilldown/", {**DRILL, "district": GUSU, "page_size": 5}).json()
    assert set(body) == {
        "period",
        "district",
        "indicator",
        "as_of_day",
        "figure",
        "total",
        "count",
        "next",
        "previous",
        "results",
    }
    assert len(body["results"]) == 5
    assert body["next"]
    values = [row["value"] for row in body["results"]]
    assert values == sorted(values, reverse=True)
    assert all(row["name"] for row in body["results"])


def test_drilldown_of_an_aggregate_that_is_not_facility_based_is_400(compiled, api):
    body = assert_error(
        api("city_admin").get(BASE + "drilldown/", {**DRILL, "district": GUSU, "indicator": "filing_rate"}),
        400,
        "invalid",
    )
    assert list(body["fields"]) == ["indicator"]


def test_drilldown_runs_the_same_queries_whatever_the_page_size(compiled, api):
    client = api("city_admin")
    counts = []
    for size in (5, 50):
        client.get(BASE + "drilldown/", {**DRILL, "district": "city", "page_size": size})  # warm the token cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(BASE + "drilldown/", {**DRILL, "district": "city", "page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the figures' shape -------------------------------------------------------------------------------------------


def test_the_catalogue_lists_every_indicator_in_force(compiled, api):
    body = api("statistics_client").get(BASE + "indicators/").json()
    rows = {row["code"]: row for row in body["results"]}
    assert len(rows) == len(CATALOGUE)
    assert rows["slots_per_thousand"] == {
        "code": "slots_per_thousand",
        "name_zh": "每千人口托位数",
        "name_en": "Slots per 1,000 residents",
        "formula": "slots ÷ resident population × 1,000",
        "unit": "per_thousand",
        "source_app": "facilities",
        "effective_from": "2019-01-01",
    }


def test_counts_are_integers_rates_are_trimmed_numbers_and_missing_sources_null(compiled, api):
    body = api("statistics_client").get(BASE + "districts/", {"period": "2021-05"}).json()
    assert body["period"] == "2021-05"
    assert body["status"] == "provisional"
    gusu = next(unit for unit in body["results"] if unit["district"] == GUSU)
    assert gusu["name"] == "姑苏区"
    figures = gusu["indicators"]
    assert set(figures) == {row[0] for row in CATALOGUE}
    assert isinstance(figures["facilities"], int) and isinstance(figures["staff"], int)
    assert isinstance(figures["slots_per_thousand"], float)
    stored = Snapshot.objects.get(period=MAY, district_id=GUSU, indicator="slots_per_thousand").value
    assert str(figures["slots_per_thousand"]) == str(stored.normalize())
    assert figures["penalties"] is None
    assert "population" in gusu["estimated"]  # 姑苏区's 2020 figure is an estimate


def test_the_series_lists_compiled_months_only(compiled, api):
    compile_period(period=date(2021, 3, 1))
    body = (
        api("statistics_client")
        .get(BASE + "series/", {"indicator": "facilities", "district": "city", "from": "2021-01", "to": "2021-12"})
        .json()
    )
    assert body["indicator"] == "facilities"
    assert body["district"] == "city"
    assert [point["period"] for point in body["results"]] == ["2021-03", "2021-05"]
    assert body["results"][1] == {"period": "2021-05", "value": 543, "status": "provisional", "revision": 1}
    assert body["results"][0]["value"] < 543  # the history shows growth from 2021-01


# --- CSV --------------------------------------------------------------------------------------------------------


def test_districts_as_csv_one_row_per_unit_and_indicator(compiled, api):
    response = api("statistics_client").get(BASE + "districts/", {"period": "2021-05", "format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert len(rows) == 10 * len(CATALOGUE)
    assert set(rows[0]) == {"period", "district", "name", "indicator", "value", "unit", "status", "estimated"}
    slots = {row["district"]: row for row in rows if row["indicator"] == "slots"}
    assert slots[GUSU]["name"] == "姑苏区"
    assert sum(int(row["value"]) for row in slots.values()) == 27_000
    penalties = next(row for row in rows if row["indicator"] == "penalties")
    assert (penalties["value"], penalties["status"]) == ("", "unavailable")
    assert "attachment" in response["Content-Disposition"]


def test_city_and_series_as_csv(compiled, api):
    client = api("city_admin")
    city = csv_rows(client.get(BASE + "city/", {"period": "2021-05", "format": "csv"}))
    assert len(city) == len(CATALOGUE)
    figures = {row["indicator"]: row["value"] for row in city}
    assert (figures["slots"], figures["slots_per_thousand"]) == ("27000", "2.1179")
    series = csv_rows(client.get(BASE + "series/", {**AGGREGATES["series"], "format": "csv"}))
    assert [(row["period"], row["revision"], row["status"]) for row in series] == [("2021-05", "1", "provisional")]


def test_csv_cells_that_excel_would_run_as_formulas_are_defused(compiled, api):
    Indicator.objects.create(
        code="zz_test",
        name_zh='=HYPERLINK("http://x")',
        name_en="+1",
        formula="@SUM(A1)",
        unit="count",
        source_app="facilities",
        position=999,
        effective_from=date(2020, 1, 1),
    )
    rows = csv_rows(api("city_admin").get(BASE + "indicators/", {"format": "csv"}))
    test_row = next(row for row in rows if row["code"] == "zz_test")
    assert (test_row["name_zh"], test_row["name_en"], test_row["formula"]) == (
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'@SUM(A1)",
    )


# --- conditional requests and the cache ----------------------------------------------------------------------------


def test_etag_and_last_modified_answer_304(compiled, api):
    client = api("statistics_client")
    query = {"period": "2021-05"}
    first = client.get(BASE + "city/", query)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and len(etag) > 10
    assert last_modified == http_date(int(compiled.changed_at.timestamp()))

    again = client.get(BASE + "city/", query, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(BASE + "city/", query, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date(int(compiled.changed_at.timestamp()) - 3600)
    assert client.get(BASE + "city/", query, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    assert client.get(BASE + "city/", query, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # Another query, another version: the CSV and the units' figures have their own validators.
    assert client.get(BASE + "city/", {**query, "format": "csv"})["ETag"] != etag
    assert client.get(BASE + "districts/", query)["ETag"] != etag


def test_series_answer_304_too(compiled, api):
    client = api("city_admin")
    first = client.get(BASE + "series/", AGGREGATES["series"])
    assert client.get(BASE + "series/", AGGREGATES["series"], HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_body_is_cached_until_the_month_changes(compiled, api):
    cache.clear()
    client = api("city_admin")
    query = {"period": "2021-05"}
    assert client.get(BASE + "city/", query).json()["indicators"]["slots"] == 27_000
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BASE + "city/", query).json()["indicators"]["slots"] == 27_000
    assert not any('"reports_snapshot"' in q["sql"] for q in queries), "a cached body reads no snapshot"

    # A figure changed behind the month's back is not seen: the body comes from the cache.
    Snapshot.objects.filter(period=MAY, district__isnull=True, indicator="slots").update(value=1)
    assert client.get(BASE + "city/", query).json()["indicators"]["slots"] == 27_000


def test_a_recompile_that_changes_a_figure_invalidates_the_cache_and_the_etag(compiled, api):
    client = api("city_admin")
    query = {"period": "2021-05"}
    first = client.get(BASE + "city/", query)
    csv_before = client.get(BASE + "city/", {**query, "format": "csv"})
    assert first.json()["indicators"]["slots"] == 27_000

    add_filed_facility(slots=30, enrolled=20)
    compile_period(period=MAY)

    response = client.get(BASE + "city/", query, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response.json()["indicators"]["slots"] == 27_030
    assert response["ETag"] != first["ETag"]
    csv_after = csv_rows(client.get(BASE + "city/", {**query, "format": "csv"}, HTTP_IF_NONE_MATCH=csv_before["ETag"]))
    assert {row["indicator"]: row["value"] for row in csv_after}["slots"] == "27030"
    units = {u["district"]: u for u in client.get(BASE + "districts/", query).json()["results"]}
    assert units[GUSU]["indicators"]["slots"] == int(
        Snapshot.objects.get(period=MAY, district_id=GUSU, indicator="slots").value
    )


def test_a_recompile_that_changes_nothing_keeps_the_etag(compiled, api):
    client = api("city_admin")
    first = client.get(BASE + "city/", {"period": "2021-05"})
    compile_period(period=MAY)
    assert client.get(BASE + "city/", {"period": "2021-05"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_reading_a_month_runs_the_same_queries_for_one_or_twelve_months_of_series(compiled, api):
    client = api("city_admin")
    counts = []
    for start in ("2021-05", "2020-06"):
        query = {"indicator": "slots", "district": GUSU, "from": start, "to": "2021-05"}
        client.get(BASE + "series/", {**query, "format": "csv"})  # warm the token cache
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BASE + "series/", query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_month_is_read_in_the_same_queries_with_one_revision_or_two(compiled, api):
    client = api("city_admin")
    client.get(BASE + "indicators/")  # warm the token cache

    def cold_queries(endpoint: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BASE + endpoint + "/", {"period": "2021-05"}).status_code == 200
        return len(queries)

    before = {endpoint: cold_queries(endpoint) for endpoint in ("districts", "city")}
    finalise_period(period=MAY)
    add_filed_facility()
    compile_period(period=MAY)
    assert Snapshot.objects.filter(period=MAY, revision=2).exists()
    assert {endpoint: cold_queries(endpoint) for endpoint in ("districts", "city")} == before
    assert before["districts"] <= 6


# --- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2021-13", "abc", "2021-5", "", "2021-00", "21-05", "2021-05-01", "²⁰²¹-05"])
@pytest.mark.parametrize("endpoint", ["districts", "city", "drilldown"])
def test_a_malformed_period_is_400_naming_it(compiled, api, endpoint, period):
    query = {"period": period, "district": GUSU, "indicator": "slots"}
    body = assert_error(api("city_admin").get(BASE + endpoint + "/", query), 400, "invalid")
    assert list(body["fields"]) == ["period"]


def test_a_missing_period_is_400(compiled, api):
    body = assert_error(api("city_admin").get(BASE + "city/"), 400, "invalid")
    assert list(body["fields"]) == ["period"]


def test_a_month_never_compiled_is_404_not_compiled(compiled, api):
    client = api("statistics_client")
    for endpoint in ("districts", "city"):
        body = assert_error(client.get(BASE + endpoint + "/", {"period": "2019-01"}), 404, "not_compiled")
        assert "2019-01" in body["message"]
    body = assert_error(
        api("city_admin").get(BASE + "drilldown/", {**DRILL, "period": "2019-01", "district": GUSU}),
        404,
        "not_compiled",
    )


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"indicator": "nonsense", "district": GUSU}, ["indicator"]),
        ({"district": GUSU}, ["indicator"]),
        ({"indicator": "slots", "district": "999999"}, ["district"]),
        ({"indicator": "slots", "district": "'; drop"}, ["district"]),
        ({"indicator": "slots"}, ["district"]),
        ({"indicator": "slots", "district": GUSU, "from": "2021-06", "to": "2021-05"}, ["from"]),
        ({"indicator": "slots", "district": GUSU, "from": "2011-05", "to": "2021-05"}, ["to"]),
        ({"indicator": "slots", "district": GUSU, "from": "2021-5"}, ["from"]),
        ({"indicator": "x", "district": "y", "from": "z", "to": "w"}, ["indicator", "district", "from", "to"]),
    ],
)
def test_bad_series_parameters_are_400_with_fields(compiled, api, query, fields):
    body = assert_error(api("city_admin").get(BASE + "series/", query), 400, "invalid")
    assert sorted(body["fields"]) == sorted(fields)


def test_a_series_of_exactly_120_months_is_accepted(compiled, api):
    query = {"indicator": "slots", "district": "city", "from": "2012-06", "to": "2022-05"}
    assert api("city_admin").get(BASE + "series/", query).status_code == 200


def test_an_unknown_format_is_400_in_json(compiled, api):
    response = api("city_admin").get(BASE + "city/", {"period": "2021-05", "format": "xml"})
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["format"]


def test_errors_asked_for_as_csv_come_in_the_json_error_shape(compiled, api):
    response = api("city_admin").get(BASE + "city/", {"period": "2021-13", "format": "csv"})
    assert response["Content-Type"] == "application/json"
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["period"]


def test_the_statistics_are_read_only(compiled, api):
    response = api("city_admin").post(BASE + "city/?period=2021-05", {}, format="json")
    assert_error(response, 405, "method_not_allowed")


# --- the contract -------------------------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_schema_under_statistics(api):
    schema = api("city_admin").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for endpoint in ("indicators", "districts", "city", "series", "drilldown"):
        operation = schema["paths"][f"/api/v1/statistics/{endpoint}/"]["get"]
        assert operation["tags"] == ["statistics"], endpoint
    city = schema["paths"]["/api/v1/statistics/city/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(city)


def test_the_urls_have_names_in_the_api_namespace():
    from django.urls import reverse

    assert reverse("api:statistics-city") == BASE + "city/"
    assert reverse("api:statistics-drilldown") == BASE + "drilldown/"
    assert reverse("api:statistics-series") == BASE + "series/"
