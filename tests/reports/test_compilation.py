"""Compiling the indicators into snapshots and reading them back through the statistics API.

The facility demo history (the seed's 2021-05-31 figures) is loaded once for the module (committed, then
removed); each test empties the snapshot tables, compiles inside its own transaction and is rolled back.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from facilities.demo import DEMO_USCC_PATTERN, SEED_FIGURES, load_demo_history
from facilities.models import Facility, FacilityVersion, FilingSequence, Person, StaffMember
from facilities.selectors import versions_as_of
from inspections.models import Inspection
from reports.compilation import chunks_of_units, compile_period, finalise_period
from reports.models import PeriodState, Snapshot
from reports.selectors import DRILLDOWN_INDICATORS
from suzhou_childcare.outbox.models import Job, JobStatus, MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import enqueue, job_create
from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.selectors import population_by_district

pytestmark = pytest.mark.django_db

MAY = date(2021, 5, 1)
GUSU = "320508"
CITY_URL = "/api/v1/statistics/city/"
DISTRICTS_URL = "/api/v1/statistics/districts/"
SERIES_URL = "/api/v1/statistics/series/"
DRILLDOWN_URL = "/api/v1/statistics/drilldown/"
FOUR = Decimal("0.0001")


def _remove_demo_history(*, sequences_before: set[int]) -> None:
    demo = Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)
    persons = list(Person.objects.filter(employments__facility__in=demo).values_list("pk", flat=True).distinct())
    StaffMember.objects.filter(facility__in=demo).delete()
    Person.objects.filter(pk__in=persons).delete()
    demo.filter(hub__isnull=False).delete()  # the "1+N" sites protect their hubs
    demo.delete()
    FilingSequence.objects.exclude(pk__in=sequences_before).delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The facility demo history, without an operator account (so the `operator` fixture stays usable)."""
    with django_db_blocker.unblock():
        sequences_before = set(FilingSequence.objects.values_list("pk", flat=True))
        load_demo_history(today=timezone.localdate())
    try:
        yield SimpleNamespace(today=timezone.localdate())
    finally:
        with django_db_blocker.unblock():
            _remove_demo_history(sequences_before=sequences_before)


@pytest.fixture
def compiled(demo):
    """May 2021 compiled from an empty snapshot table."""
    Snapshot.objects.all().delete()
    PeriodState.objects.all().delete()
    written = compile_period(period=MAY)
    return SimpleNamespace(written=written)


@pytest.fixture
def api(city_admin, api_client_for):
    client = api_client_for(city_admin)
    client.raise_request_exception = False
    return client


def dump() -> list[tuple]:
    """Every snapshot as (period, unit, indicator, value, status, revision), sorted."""
    return sorted(
        (row.period, row.district_id or "", row.indicator, row.value, row.status, row.revision)
        for row in Snapshot.objects.all()
    )


def latest_values() -> dict[tuple[str, str], Decimal | None]:
    """{(unit or "city", indicator): value of the latest revision}."""
    latest: dict[tuple[str, str], tuple[int, Decimal | None]] = {}
    for row in Snapshot.objects.filter(period=MAY):
        key = (row.district_id or "city", row.indicator)
        if key not in latest or latest[key][0] < row.revision:
            latest[key] = (row.revision, row.value)
    return {key: value for key, (_revision, value) in latest.items()}


def add_filed_facility(*, district: str = GUSU, slots: int = 30, enrolled: int = 20, form: str = "community_embedded"):
    """A socially-run facility filed and operating since March 2021, through its versioned history."""
    facility = Facility.objects.create(
        name="测试新增托育中心",
        category="social",
        form=form,
        district_id=district,
        slots=slots,
        enrolled=enrolled,
        opened_on=date(2021, 3, 1),
        filing_status="filed",
        filing_number=f"{district}-2021-9999",
        filed_on=date(2021, 3, 15),
    )
    FacilityVersion.objects.create(
        facility=facility,
        valid_from=date(2021, 3, 1),
        opened_on=date(2021, 3, 1),
        district_id=district,
        category="social",
        form=form,
        filing_status="filed",
        slots=slots,
        enrolled=enrolled,
    )
    return facility


def rate(numerator, denominator, scale: int = 100) -> Decimal:
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(FOUR, rounding=ROUND_HALF_UP)


# --- the seed, reproduced ---------------------------------------------------------------------------------------


def test_an_emptied_snapshot_table_recompiled_serves_the_seed(compiled, api):
    assert compiled.written > 0
    response = api.get(CITY_URL, {"period": "2021-05"})

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2021-05"
    assert body["status"] == "provisional"
    assert body["as_of"]
    figures = body["indicators"]
    assert {code: figures[code] for code in SEED_FIGURES} == SEED_FIGURES
    assert (figures["facilities"], figures["facilities_kindergarten_class"], figures["facilities_social"]) == (
        543,
        165,
        378,
    )
    assert (figures["slots"], figures["enrolled"]) == (27_000, 17_000)
    assert (figures["staff"], figures["staff_kindergarten_class"], figures["staff_social"]) == (4_295, 1_415, 2_880)
    assert isinstance(figures["slots"], int)
    assert figures["population"] == 12_748_262
    # 27,000 ÷ 12,748,262 × 1,000, to the snapshot's four places.
    assert figures["slots_per_thousand"] == 2.1179
    # The city's population includes estimated units' figures, so does every figure resting on it.
    assert {"population", "slots_per_thousand"} <= set(body["estimated"])
    assert "slots" not in body["estimated"]


def test_each_units_slots_per_thousand_is_its_slots_over_its_population(compiled, api):
    body = api.get(DISTRICTS_URL, {"period": "2021-05"}).json()
    population = {row["code"]: row for row in population_by_district(year=2021)}

    assert len(body["results"]) == 10
    assert sum(unit["indicators"]["slots"] for unit in body["results"]) == 27_000
    for unit in body["results"]:
        figures = unit["indicators"]
        people = population[unit["district"]]["population"]
        assert figures["population"] == people
        expected = rate(figures["slots"], people, scale=1000)
        assert Decimal(str(figures["slots_per_thousand"])) == expected, unit["district"]
        estimated = population[unit["district"]]["population_status"] == "estimate"
        assert ("slots_per_thousand" in unit["estimated"]) is estimated, unit["district"]


def test_each_facility_based_figure_is_the_sum_of_its_drilldown(compiled, api):
    units = api.get(DISTRICTS_URL, {"period": "2021-05"}).json()["results"]
    assert set(DRILLDOWN_INDICATORS) >= {"facilities", "facilities_filed", "slots", "enrolled", "staff_social"}

    for unit in units:
        for indicator in DRILLDOWN_INDICATORS:
            response = api.get(
                DRILLDOWN_URL,
                {"period": "2021-05", "district": unit["district"], "indicator": indicator, "page_size": 1},
            )
            assert response.status_code == 200, (unit["district"], indicator)
            body = response.json()
            figure = unit["indicators"][indicator]
            assert body["total"] == body["figure"] == figure, (unit["district"], indicator)
            if indicator.startswith(("facilities", "recognitions")):
                assert body["count"] == figure, (unit["district"], indicator)
    city = api.get(CITY_URL, {"period": "2021-05"}).json()["indicators"]
    for indicator in ("facilities", "slots", "staff"):
        body = api.get(DRILLDOWN_URL, {"period": "2021-05", "district": "city", "indicator": indicator}).json()
        assert body["total"] == city[indicator] == SEED_FIGURES[indicator]


def test_the_drilldown_rows_of_every_page_add_up_to_the_figure(compiled, api):
    figure = Snapshot.objects.get(period=MAY, district_id=GUSU, indicator="slots").value
    seen, total, page = set(), 0, 1
    while True:
        body = api.get(
            DRILLDOWN_URL,
            {"period": "2021-05", "district": GUSU, "indicator": "slots", "page": page, "page_size": 25},
        ).json()
        for row in body["results"]:
            assert set(row) == {"facility", "name", "district", "value"}
            assert row["district"] == GUSU
            seen.add(row["facility"])
            total += row["value"]
        if not body["next"]:
            break
        page += 1
    assert len(seen) == body["count"]
    assert total == body["total"] == int(figure)
    assert body["as_of_day"] == "2021-05-31"


# --- idempotence and changes ------------------------------------------------------------------------------------


def test_a_second_compile_without_changes_writes_nothing(compiled):
    before = dump()
    changed_at = PeriodState.objects.get(period=MAY).changed_at

    assert compile_period(period=MAY) == 0

    assert dump() == before
    assert PeriodState.objects.get(period=MAY).changed_at == changed_at
    # Ten units and the city, every indicator of the catalogue, all revision 1.
    assert Snapshot.objects.filter(period=MAY, district__isnull=True).count() == len(
        {row[2] for row in before if row[1] == GUSU}
    )
    assert {row[5] for row in before} == {1}


def test_adding_a_filed_facility_changes_exactly_the_figures_it_should(compiled):
    before = latest_values()

    add_filed_facility(slots=30, enrolled=20, form="community_embedded")
    assert compile_period(period=MAY) > 0

    after = latest_values()
    changed = {key for key in after if after[key] != before.get(key)}
    moved = {
        "facilities",
        "facilities_social",
        "facilities_form_community_embedded",
        "facilities_filed",
        "filing_rate",
        "slots",
        "enrolled",
        "occupancy_rate",
        "slots_per_thousand",
    }
    assert changed == {(unit, indicator) for unit in (GUSU, "city") for indicator in moved}
    for unit in (GUSU, "city"):
        delta = {indicator: after[(unit, indicator)] - before[(unit, indicator)] for indicator in moved}
        assert delta["facilities"] == delta["facilities_social"] == delta["facilities_filed"] == 1
        assert delta["facilities_form_community_embedded"] == 1
        assert (delta["slots"], delta["enrolled"]) == (30, 20)
        assert after[(unit, "filing_rate")] == rate(after[(unit, "facilities_filed")], after[(unit, "facilities")])
        assert after[(unit, "occupancy_rate")] == rate(after[(unit, "enrolled")], after[(unit, "slots")])
        assert after[(unit, "slots_per_thousand")] == rate(
            after[(unit, "slots")], after[(unit, "population")], scale=1000
        )
    assert after[("city", "slots")] == 27_030
    assert after[("city", "facilities")] == 543 + 1


def test_adding_a_facility_outside_the_month_changes_nothing(compiled):
    before = dump()
    facility = add_filed_facility()
    FacilityVersion.objects.filter(facility=facility).update(valid_from=date(2021, 6, 1), opened_on=date(2021, 6, 1))

    assert compile_period(period=MAY) == 0
    assert dump() == before


def test_a_final_month_is_never_changed_a_recompute_makes_revision_2(compiled, api):
    finalise_period(period=MAY)
    assert api.get(CITY_URL, {"period": "2021-05"}).json()["status"] == "final"
    final_rows = {(r.district_id, r.indicator): r.value for r in Snapshot.objects.filter(period=MAY)}

    add_filed_facility(slots=30, enrolled=20)
    compile_period(period=MAY)

    slots = Snapshot.objects.filter(period=MAY, district__isnull=True, indicator="slots").order_by("revision")
    assert [(row.revision, row.value, row.status) for row in slots] == [
        (1, Decimal("27000.0000"), "final"),
        (2, Decimal("27030.0000"), "final"),
    ]
    # Revision 1 of every figure is kept as it was.
    assert {
        (r.district_id, r.indicator): r.value for r in Snapshot.objects.filter(period=MAY, revision=1)
    } == final_rows
    # Unchanged figures have no second revision.
    assert not Snapshot.objects.filter(period=MAY, revision=2, indicator="staff").exists()
    body = api.get(CITY_URL, {"period": "2021-05"}).json()
    assert (body["status"], body["indicators"]["slots"], body["indicators"]["staff"]) == ("final", 27_030, 4_295)
    units = {u["district"]: u for u in api.get(DISTRICTS_URL, {"period": "2021-05"}).json()["results"]}
    assert units[GUSU]["indicators"]["facilities"] == int(final_rows[(GUSU, "facilities")]) + 1
    series = api.get(SERIES_URL, {"indicator": "slots", "district": "city", "from": "2021-05", "to": "2021-05"}).json()
    assert series["results"] == [{"period": "2021-05", "value": 27_030, "status": "final", "revision": 2}]
    # A further compile with nothing new writes nothing (no revision 3).
    assert compile_period(period=MAY) == 0


def test_a_source_without_any_data_is_null_and_unavailable(compiled, api):
    assert not Inspection.objects.exists()
    body = api.get(CITY_URL, {"period": "2021-05"}).json()
    assert body["indicators"]["inspection_coverage"] is None
    assert body["indicators"]["penalties"] is None
    assert body["indicators"]["facilities"] == 543  # while the facilities are there
    row = Snapshot.objects.get(period=MAY, district__isnull=True, indicator="inspection_coverage")
    assert (row.value, row.status) == (None, "unavailable")
    series = api.get(
        SERIES_URL, {"indicator": "inspection_coverage", "district": GUSU, "from": "2021-05", "to": "2021-05"}
    ).json()
    assert series["results"] == [{"period": "2021-05", "value": None, "status": "unavailable", "revision": 1}]
    units = api.get(DISTRICTS_URL, {"period": "2021-05"}).json()["results"]
    assert all(unit["indicators"]["inspection_coverage"] is None for unit in units)


def test_a_month_never_compiled_is_404_not_compiled(demo, api):
    Snapshot.objects.all().delete()
    PeriodState.objects.all().delete()
    for url in (CITY_URL, DISTRICTS_URL):
        response = api.get(url, {"period": "2021-05"})
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_compiled"
        assert "2021-05" in body["message"]


# --- a real worker ----------------------------------------------------------------------------------------------


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _job_finished(job_id):
    return lambda: Job.objects.get(id=job_id).status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


@pytest.mark.redis
@override_settings(INDICATOR_CHUNK_UNITS=3)
def test_the_month_compiled_by_a_real_worker_in_chunks_and_again_without_writes(celery_worker, city_admin):
    from reports.tasks import compile_month_task

    add_filed_facility(slots=40, enrolled=25)
    period = timezone.localdate().replace(day=1).isoformat()
    with transaction.atomic():
        job = job_create(kind="reports.compile", title="compile", owner=city_admin)
        message = enqueue(compile_month_task, period=period, job_id=str(job.id))

    assert _wait_for(_job_finished(job.id)), "the worker did not finish the job"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.done == job.total == District.objects.count() == 10
    assert len(chunks_of_units()) == 4  # the work really was split: 10 units in chunks of 3
    units = set(Snapshot.objects.filter(period=period, district__isnull=False).values_list("district_id", flat=True))
    assert units == set(District.objects.values_list("code", flat=True))
    city = {r.indicator: r.value for r in Snapshot.objects.filter(period=period, district__isnull=True)}
    operating = versions_as_of(timezone.localdate())
    assert city["facilities"] == operating.count() >= 1
    assert city["slots"] == sum(operating.values_list("slots", flat=True)) >= 40
    assert _wait_for(lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DONE).exists(), 10)
    before = [(row, row.as_of) for row in Snapshot.objects.order_by("pk")]
    changed_at = PeriodState.objects.get(period=period).changed_at

    # The broker delivers the same message again: it is not run a second time.
    compile_month_task.apply_async(kwargs={"period": period, "job_id": str(job.id)}, task_id=str(message.id))
    # A new request for the same month runs, and finds nothing to write.
    with transaction.atomic():
        again = job_create(kind="reports.compile", title="compile again", owner=city_admin)
        enqueue(compile_month_task, period=period, job_id=str(again.id))
    assert _wait_for(_job_finished(again.id)), "the second job did not finish"
    time.sleep(1.0)

    assert Job.objects.get(id=again.id).status == JobStatus.SUCCEEDED
    message.refresh_from_db()
    assert message.run_attempts == 1
    after = [(row, row.as_of) for row in Snapshot.objects.order_by("pk")]
    assert [(r.pk, r.value, r.revision, a) for r, a in after] == [(r.pk, r.value, r.revision, a) for r, a in before]
    assert PeriodState.objects.get(period=period).changed_at == changed_at
    # What the worker stored is exactly what compiling here computes.
    assert compile_period(period=date.fromisoformat(period)) == 0
