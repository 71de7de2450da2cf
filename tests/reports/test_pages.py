"""The indicator pages: the dashboard (charts' data, every figure, the data-quality panel), the drill-down to the
facilities behind a figure, the city admin's recompute / finalise / publish, and the performance evaluation."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from facilities.models import (
    CriteriaSet,
    DevelopmentTarget,
    Facility,
    FacilityVersion,
    Recognition,
)
from facilities.models.development import BuildProject
from reports import selectors_pages as pages
from reports.compilation import compile_period, month_end
from reports.models import PeriodState, Snapshot, SnapshotStatus
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.outbox.models import Job, OutboxMessage
from suzhou_childcare.regions.models import District

from ..facilities.factories import complete_draft, submitted

pytestmark = pytest.mark.django_db

GUSU = "320508"
WUJIANG = "320509"
CHANGSHU = "320581"
KUNSHAN = "320583"
DASHBOARD = "/reports/dashboard/"
DRILL = "/reports/dashboard/drilldown/"
EVALUATION = "/reports/evaluation/"
_numbers = count(1)


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def last_month() -> date:
    return (this_month() - timedelta(days=1)).replace(day=1)


def quick_facility(district: str, *, slots: int = 20, enrolled: int = 5, opened: date = date(2020, 1, 1)) -> Facility:
    """A facility and its version straight in the database (sizes for the query counts)."""
    facility = Facility.objects.create(
        name=f"测试托育机构{next(_numbers)}",
        category="social",
        district_id=district,
        slots=slots,
        enrolled=enrolled,
        filing_status="draft",
        opened_on=opened,
    )
    FacilityVersion.objects.create(
        facility=facility,
        valid_from=opened,
        opened_on=opened,
        district_id=district,
        category="social",
        form="standalone",
        filing_status="draft",
        slots=slots,
        enrolled=enrolled,
    )
    return facility


def recognise(facility: Facility, kind: str = "municipal_inclusive") -> Recognition:
    granted = date(2021, 1, 1)
    return Recognition.objects.create(
        facility=facility,
        kind=kind,
        number=f"T-{kind[:3]}-{next(_numbers):05d}",
        status="active",
        valid_from=granted,
        valid_to=date(2099, 1, 1),
        granted_on=granted,
        criteria_set=CriteriaSet.objects.filter(kind=kind).first(),
    )


@pytest.fixture
def data_set(make_user):
    """Two facilities filed the operator's way in 姑苏区 (staff, a class, a full-day fee), one in 吴江区, a
    quick one with an inclusive recognition, compiled for this month."""
    operator = make_user("operator", username="op_pages")
    first = submitted(operator, district_code=GUSU, name="姑苏小苗托育中心")
    second = complete_draft(operator, district_code=GUSU, name="姑苏小树托育园", slots=60, enrolled=30)
    third = submitted(operator, district_code=WUJIANG, name="吴江小星托育中心", category="kindergarten_class")
    inclusive = quick_facility(GUSU, slots=30, enrolled=12)
    recognise(inclusive)
    compile_period(period=this_month())
    return {"facilities": [first, second, third, inclusive], "operator": operator}


def chart_data(response) -> dict:
    match = re.search(rb'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content, re.S)
    assert match, "the dashboard embeds its chart data"
    return json.loads(match.group(1))


# --- who sees the pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "inspector", "citywide_inspector"])
def test_staff_see_the_dashboard_and_the_evaluation(users, web_client_for, data_set, role):
    web = web_client_for(users[role])
    dashboard = web.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert dashboard.context["period"] == this_month()  # the latest compiled month by default
    assert b"vendor/echarts/echarts.min.js" in dashboard.content
    assert b"js/reports-dashboard.js" in dashboard.content
    assert web.get(EVALUATION).status_code == 200


@pytest.mark.parametrize("role", ["operator", "training_base", "mch_assessor", "statistics_client"])
def test_other_roles_find_no_indicator_pages(users, web_client_for, data_set, role):
    web = web_client_for(users[role])
    period = f"{this_month():%Y-%m}"
    assert web.get(DASHBOARD).status_code == 404
    assert web.get(DRILL, {"period": period, "district": GUSU, "indicator": "slots"}).status_code == 404
    assert web.get(EVALUATION).status_code == 404
    assert web.get(EVALUATION + "export.xlsx").status_code == 404
    assert web.post("/reports/dashboard/recompute/", {"period": period}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the dashboard ----------------------------------------------------------------------------------------------


def test_the_table_shows_every_figure_and_marks_unavailable_and_estimated(city_admin, web_client_for, data_set):
    response = web_client_for(city_admin).get(DASHBOARD, {"period": f"{this_month():%Y-%m}"})

    rows = {row["info"].code: row for row in response.context["table"]}
    gusu = [u.code for u in response.context["units"]].index(GUSU)
    assert rows["facilities"]["city"]["text"] == "4"
    assert rows["facilities"]["units"][gusu]["text"] == "3"
    assert rows["slots"]["units"][gusu]["text"] == "130"  # 40 + 60 + 30
    # No subsidy statement exists for the month: "—" with its tooltip, never 0.
    subsidies = rows["subsidies_paid"]["units"][gusu]
    assert subsidies["unavailable"] and subsidies["text"] == "—" and subsidies["url"] is None
    assert f'title="{gettext("no data for this period")}"' in response.content.decode()
    # 姑苏区's population is an estimate: its slots per 1,000 residents is marked.
    assert rows["slots_per_thousand"]["units"][gusu]["estimated"] is True
    assert f'title="{gettext("rests on an estimated population")}"' in response.content.decode()
    # Every facility-based figure links to its facilities.
    assert rows["slots"]["units"][gusu]["url"] == f"{DRILL}?period={this_month():%Y-%m}&district={GUSU}&indicator=slots"
    assert rows["population"]["units"][gusu]["url"] is None  # no facilities behind a population


def test_charts_read_the_embedded_json_with_translated_labels(city_admin, web_client_for, data_set):
    response = web_client_for(city_admin).get(DASHBOARD, {"indicator": "slots", "unit": GUSU})

    data = chart_data(response)
    assert b"<script>" not in response.content  # no inline script: the JSON is data, the JS a static file
    assert [bar["name"] for bar in data["units"]] == [d.name for d in District.objects.order_by("code")]
    gusu = next(bar for bar in data["units"] if bar["name"] == "姑苏区")
    assert gusu["value"] == 130 and gusu["url"].endswith(f"district={GUSU}&indicator=slots")
    assert len(data["trend"]) == 24
    assert data["trend"][-1] == {
        "period": f"{this_month():%Y-%m}",
        "value": 130.0,
        "text": "130",
        "url": f"{DRILL}?period={this_month():%Y-%m}&district={GUSU}&indicator=slots",
    }
    assert data["trend"][0]["value"] is None  # never compiled
    assert data["labels"]["indicator"] == "Slots" or data["labels"]["indicator"] == "托位数"
    assert data["labels"]["trendOf"] == "姑苏区"
    assert data["targets"]["units"][-1] in ("City", "全市")


def test_a_units_officer_sees_every_units_figures_but_links_only_into_their_own(gusu_officer, web_client_for, data_set):
    response = web_client_for(gusu_officer).get(DASHBOARD)

    data = chart_data(response)
    linked = {bar["name"] for bar in data["units"] if bar["url"]}
    assert linked == {"姑苏区"}
    assert all(bar["value"] is not None for bar in data["units"])
    rows = {row["info"].code: row for row in response.context["table"]}
    assert rows["facilities"]["city"]["url"] is None
    assert [cell["url"] is not None for cell in rows["facilities"]["units"]] == [
        code == GUSU for code in District.objects.order_by("code").values_list("code", flat=True)
    ]


def test_a_month_never_compiled_says_so(city_admin, web_client_for):
    response = web_client_for(city_admin).get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["compiled"] is False
    assert all(bar["value"] is None for bar in chart_data(response)["units"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2021-13"}, "period"),
        ({"period": "May 2021"}, "period"),
        ({"period": "2099-01"}, "period"),
        ({"indicator": "nonsense"}, "indicator"),
        ({"unit": "999999"}, "unit"),
    ],
)
def test_bad_dashboard_input_is_a_400_naming_the_field(city_admin, web_client_for, query, field):
    response = web_client_for(city_admin).get(DASHBOARD, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_the_data_quality_panel_counts_per_unit(city_admin, web_client_for, data_set):
    response = web_client_for(city_admin).get(DASHBOARD)

    rows = {row["unit"].code: row for row in response.context["quality"]["rows"]}
    late, unreported, no_fee, no_street, no_classes = (cell["value"] for cell in rows[GUSU]["cells"])
    assert late == 0
    # No facility has filed last month's report: every one operating at its end is counted.
    end = month_end(last_month())
    operating = (
        FacilityVersion.objects.filter(district_id=GUSU, opened_on__lte=end).values("facility").distinct().count()
    )
    assert unreported == operating >= 1
    # The quick facility has no offering, no street and no class; the operator's two have a fee and a class.
    assert (no_fee, no_street, no_classes) == (1, 3, 1)
    assert rows[GUSU]["cells"][4]["url"].endswith(f"district={GUSU}&indicator=dq_no_classes")
    assert rows["320505"]["cells"][4] == {"value": 0, "url": None}


# --- the drill-down ---------------------------------------------------------------------------------------------


def test_every_drill_down_total_equals_its_compiled_figure(city_admin, data_set):
    today = timezone.localdate()
    period = this_month()
    checked = 0
    for (district, indicator), snap in pages.latest_snapshots(period=period).items():
        if indicator not in pages.DRILLS:
            continue
        drill = pages.drilldown_for(
            user=city_admin, period=period, district_code=district, indicator=indicator, today=today
        )
        live = None if drill.unavailable else drill.total
        assert live == snap.value, (district, indicator)
        checked += 1
    assert checked == 11 * (len(pages.DRILLS) - len(pages.QUALITY_CHECKS))


@pytest.mark.parametrize(
    ("indicator", "expected", "facilities"),
    [
        ("slots", "130", 3),
        ("staff", "12", 3),
        ("inclusive_slots_share", "23.1%", 3),
        ("recognitions_municipal_inclusive", "1", 1),
        ("facilities_kindergarten_class", "0", 0),
    ],
)
def test_the_drill_down_page_lists_the_facilities_and_shows_the_figure(
    city_admin, web_client_for, data_set, indicator, expected, facilities
):
    response = web_client_for(city_admin).get(
        DRILL, {"period": f"{this_month():%Y-%m}", "district": GUSU, "indicator": indicator}
    )

    assert response.status_code == 200
    assert response.context["total_text"] == expected
    assert response.context["figure_text"] == expected
    assert response.context["page"].paginator.count == facilities
    assert not response.context["differs"]


def test_the_total_is_the_figures_whatever_the_page(city_admin, web_client_for, data_set, monkeypatch):
    monkeypatch.setattr("reports.views.drilldown.PAGE_SIZE", 1)
    web = web_client_for(city_admin)
    query = {"period": f"{this_month():%Y-%m}", "district": GUSU, "indicator": "slots"}

    pages_seen = [web.get(DRILL, {**query, "page": n}) for n in (1, 2, 3)]

    names = [r.context["rows"][0]["name"] for r in pages_seen]
    assert len(set(names)) == 3
    assert {r.context["total_text"] for r in pages_seen} == {"130"}
    assert b"district=320508&amp;indicator=slots&amp;page=2" in pages_seen[0].content


@pytest.mark.parametrize(
    ("role", "district", "status"),
    [
        ("district_officer", GUSU, 200),
        ("district_officer", WUJIANG, 404),
        ("district_officer", "", 404),
        ("inspector", GUSU, 200),
        ("inspector", WUJIANG, 404),
        ("citywide_inspector", WUJIANG, 200),
        ("city_admin", WUJIANG, 200),
        ("city_admin", "", 200),
    ],
)
def test_units_staff_drill_down_only_into_their_own_unit(users, web_client_for, data_set, role, district, status):
    response = web_client_for(users[role]).get(
        DRILL, {"period": f"{this_month():%Y-%m}", "district": district, "indicator": "facilities"}
    )
    assert response.status_code == status


def test_the_citys_drill_down_lists_every_unit(city_admin, web_client_for, data_set):
    response = web_client_for(city_admin).get(DRILL, {"period": f"{this_month():%Y-%m}", "indicator": "staff"})
    assert response.context["total_text"] == response.context["figure_text"] == "18"


@pytest.mark.parametrize(
    "query",
    [
        {"period": "2021-5", "district": GUSU, "indicator": "slots"},
        {"district": GUSU, "indicator": "slots"},
        {"period": "2021-05", "district": GUSU, "indicator": "population"},
        {"period": "2021-05", "district": "000000", "indicator": "slots"},
    ],
)
def test_bad_drill_down_input_is_a_400(city_admin, web_client_for, query):
    assert web_client_for(city_admin).get(DRILL, query).status_code == 400


def test_data_quality_lists_drill_down_too(city_admin, web_client_for, data_set):
    response = web_client_for(city_admin).get(
        DRILL, {"period": f"{this_month():%Y-%m}", "district": GUSU, "indicator": "dq_no_full_day_fee"}
    )
    assert response.status_code == 200
    assert [row["facility_pk"] for row in response.context["rows"]] == [data_set["facilities"][3].pk]


# --- query counts -----------------------------------------------------------------------------------------------


def _queries(web, url, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert web.get(url, query).status_code == 200
    return len(captured)


def test_the_dashboard_and_the_drill_down_run_the_same_queries_whatever_the_size(city_admin, web_client_for):
    web = web_client_for(city_admin)
    period = f"{this_month():%Y-%m}"
    drill = {"period": period, "district": GUSU, "indicator": "staff"}
    quick_facility(GUSU)
    compile_period(period=this_month())
    small = (_queries(web, DASHBOARD, {}), _queries(web, DRILL, drill))
    for _ in range(12):
        quick_facility(GUSU)
        quick_facility(WUJIANG)
    compile_period(period=this_month())
    large = (_queries(web, DASHBOARD, {}), _queries(web, DRILL, drill))
    assert small == large, (small, large)


# --- recompute, finalise, publish -------------------------------------------------------------------------------


def test_the_city_admin_recomputes_a_month_as_a_job(city_admin, web_client_for):
    response = web_client_for(city_admin).post("/reports/dashboard/recompute/", {"period": "2021-05"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.id}/"
    assert job.owner == city_admin and job.kind == "reports.compile_month"
    message = OutboxMessage.objects.get()
    assert message.task_name == "reports.compile_month"
    assert message.kwargs == {"period": "2021-05-01", "job_id": str(job.id)}
    assert web_client_for(city_admin).get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", ["district_officer", "inspector", "citywide_inspector"])
def test_other_staff_may_not_recompute_finalise_or_publish(users, web_client_for, role):
    web = web_client_for(users[role])
    month = f"{last_month():%Y-%m}"
    assert web.post("/reports/dashboard/recompute/", {"period": month}).status_code == 403
    assert web.post("/reports/dashboard/finalise/", {"period": month}).status_code == 403
    assert web.post("/reports/dashboard/publish/", {"period": month, "published": "1"}).status_code == 403
    assert not Job.objects.exists() and not OutboxMessage.objects.exists()


def test_recompute_needs_a_month_up_to_this_one(city_admin, web_client_for):
    web = web_client_for(city_admin)
    assert web.post("/reports/dashboard/recompute/", {"period": "2099-01"}).status_code == 400
    assert web.post("/reports/dashboard/recompute/", {}).status_code == 400
    assert web.get("/reports/dashboard/recompute/").status_code == 405
    assert not Job.objects.exists()


def test_finalise_then_publish_a_past_month_with_audit_entries(city_admin, web_client_for):
    quick_facility(GUSU)
    period = last_month()
    compile_period(period=period)
    web = web_client_for(city_admin)

    response = web.post("/reports/dashboard/finalise/", {"period": f"{period:%Y-%m}"})

    assert response.status_code == 302
    state = PeriodState.objects.get(period=period)
    assert state.status == SnapshotStatus.FINAL and state.finalised_at is not None
    assert not Snapshot.objects.filter(period=period, status=SnapshotStatus.PROVISIONAL).exists()
    entry = AuditEntry.objects.get(action="period_state.finalise")
    assert entry.object_id == str(state.pk) and entry.actor == city_admin
    assert entry.before["status"] == "provisional" and entry.after["status"] == "final"
    assert web.post("/reports/dashboard/finalise/", {"period": f"{period:%Y-%m}"}).status_code == 409

    web.post("/reports/dashboard/publish/", {"period": f"{period:%Y-%m}", "published": "1"})
    state.refresh_from_db()
    assert state.published is True and state.published_by == city_admin
    assert AuditEntry.objects.get(action="period_state.publish").after["published"] is True

    web.post("/reports/dashboard/publish/", {"period": f"{period:%Y-%m}", "published": "0"})
    state.refresh_from_db()
    assert state.published is False
    assert AuditEntry.objects.filter(action="period_state.withdraw").count() == 1


def test_only_a_compiled_ended_final_month_is_finalised_or_published(city_admin, web_client_for):
    web = web_client_for(city_admin)
    compile_period(period=this_month())
    now = f"{this_month():%Y-%m}"
    assert web.post("/reports/dashboard/finalise/", {"period": now}).status_code == 400  # not ended
    assert web.post("/reports/dashboard/finalise/", {"period": "2021-03"}).status_code == 400  # not compiled
    assert web.post("/reports/dashboard/publish/", {"period": now, "published": "1"}).status_code == 400  # provisional
    assert web.post("/reports/dashboard/publish/", {"period": now, "published": "maybe"}).status_code == 400
    assert PeriodState.objects.get(period=this_month()).published is False
    assert not AuditEntry.objects.filter(action__startswith="period_state.").exists()


# --- the performance evaluation ---------------------------------------------------------------------------------


def test_rank_shares_places_between_equals():
    assert pages.rank([Decimal("1"), Decimal("0.5"), None, Decimal("1"), Decimal("0.25")]) == [1, 3, None, 1, 4]
    assert pages.rank([]) == []


@pytest.fixture
def targets():
    """This year's unit targets: 姑苏区 and 常熟市 complete theirs (100 %, tied first); 吴江区 (50 % and 0 %) and
    昆山市 (25 %) average 25 % (tied third); the other units have no target and are not ranked."""
    year = timezone.localdate().year
    opened_on = date(year, 1, 1)

    def target(district, indicator, value):
        DevelopmentTarget.objects.create(district_id=district, year=year, indicator=indicator, value=value, source="t")

    def built(district, n):
        for _ in range(n):
            BuildProject.objects.create(
                name="项目",
                programme="实事项目",
                district_id=district,
                target_year=year,
                planned_slots=50,
                status="opened",
                opened_on=opened_on,
                facility=Facility.objects.create(
                    name=f"项目机构{next(_numbers)}", category="social", district_id=district
                ),
            )

    target(GUSU, "inclusive_facilities_built", 2)
    built(GUSU, 2)
    target(CHANGSHU, "inclusive_facilities_built", 1)
    built(CHANGSHU, 1)
    target(WUJIANG, "inclusive_facilities_built", 4)
    target(WUJIANG, "slots_per_thousand", Decimal("4.5"))
    built(WUJIANG, 2)
    target(KUNSHAN, "inclusive_facilities_built", 8)
    built(KUNSHAN, 2)
    return year


def test_the_evaluation_ranks_units_by_their_average_completion(gusu_officer, web_client_for, targets):
    response = web_client_for(gusu_officer).get(EVALUATION, {"year": targets})

    assert response.status_code == 200
    rows = response.context["table"]["rows"]
    ranked = [(row["code"], row["rank"], row["average_percent"]) for row in rows]
    assert ranked[:4] == [
        (GUSU, 1, Decimal("100.00")),
        (CHANGSHU, 1, Decimal("100.00")),
        (WUJIANG, 3, Decimal("25.00")),
        (KUNSHAN, 3, Decimal("25.00")),
    ]
    assert len(rows) == 10  # a unit's officer sees every unit's completion, for the ranking
    assert {rank for _code, rank, _avg in ranked[4:]} == {None}
    wujiang = next(row for row in rows if row["code"] == WUJIANG)
    assert [cell["percent"] for cell in wujiang["indicators"]] == [Decimal("50.0"), None, None, Decimal("0.0")]


def test_the_evaluation_exports_to_excel_safely(city_admin, web_client_for, targets):
    District.objects.filter(code="320585").update(name="=HYPERLINK(1)")

    response = web_client_for(city_admin).get(EVALUATION + "export.xlsx", {"year": targets})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="evaluation-{targets}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:2] == (1, "姑苏区")
    assert values[1][-1] == 100.0
    assert values[3][:2] == (3, "吴江区")
    names = [row[1] for row in values if row and len(row) > 1]
    assert "'=HYPERLINK(1)" in names  # written as text, never as a formula
    assert any(row[1] in ("City", "全市") for row in values if row and len(row) > 1)


@pytest.mark.parametrize("year", ["abc", "1999", "2999"])
def test_a_bad_year_is_a_400(city_admin, web_client_for, year):
    web = web_client_for(city_admin)
    assert web.get(EVALUATION, {"year": year}).status_code == 400
    assert web.get(EVALUATION + "export.xlsx", {"year": year}).status_code == 400
