"""The synthetic demo history (`facilities.demo`): the seed's 2021-05-31 figures through the as-of queries, the
later published figures, realistic filing records and today's queues. Loaded once for the module (committed,
then removed), since every test only reads it."""

from __future__ import annotations

import io
import re
import time
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Sum
from django.utils import timezone
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_std

from facilities.demo import DEMO_USCC_PATTERN, SEED_FIGURES, allocate, load_demo_history, plan_demo_history
from facilities.models import (
    Facility,
    FacilityClass,
    FacilityForm,
    FacilityVersion,
    FilingSequence,
    FilingStatus,
    Person,
    ServiceForm,
    ServiceOffering,
    StaffMember,
)
from facilities.selectors import facility_list_for, facility_review, totals_as_of
from facilities.services.lifecycle import IN_FORCE
from facilities.services.records import PERSON_ID_PURPOSE
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.workdays.services import add_working_days

from ..accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

FILING_NUMBER = re.compile(r"^(?P<unit>\d{6})-(?P<year>\d{4})-(?P<sequence>\d{4})$")
TABLES = (Facility, FacilityVersion, FacilityClass, ServiceOffering, Person, StaffMember, FilingSequence)


def _demo():
    return Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN)


def _remove_demo_history(*, sequences_before: set[int], operator) -> None:
    demo = _demo()
    persons = list(Person.objects.filter(employments__facility__in=demo).values_list("pk", flat=True).distinct())
    StaffMember.objects.filter(facility__in=demo).delete()
    Person.objects.filter(pk__in=persons).delete()
    demo.filter(hub__isnull=False).delete()  # the "1+N" sites protect their hubs
    demo.delete()
    FilingSequence.objects.exclude(pk__in=sequences_before).delete()
    operator.delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    today = timezone.localdate()
    with django_db_blocker.unblock():
        sequences_before = set(FilingSequence.objects.values_list("pk", flat=True))
        operator = UserFactory(username="operator", role=Role.OPERATOR)
        started = time.perf_counter()
        counts = load_demo_history(today=today)
        seconds = time.perf_counter() - started
    try:
        yield SimpleNamespace(counts=counts, operator=operator, today=today, seconds=seconds)
    finally:
        with django_db_blocker.unblock():
            _remove_demo_history(sequences_before=sequences_before, operator=operator)


def test_the_seed_day_equals_the_post_evaluation_report(demo):
    totals = totals_as_of(date(2021, 5, 31))

    assert {key: totals[key] for key in SEED_FIGURES} == {
        "facilities": 543,
        "facilities_kindergarten_class": 165,
        "facilities_social": 378,
        "slots": 27_000,
        "enrolled": 17_000,
        "staff": 4_295,
        "staff_kindergarten_class": 1_415,
        "staff_social": 2_880,
    }
    # A minority filed; the history grows through 2021-01..05 and some facilities closed before the day.
    assert 110 <= totals["facilities_filed"] <= 130
    assert totals_as_of(date(2021, 1, 31))["facilities"] < 543
    assert _demo().filter(closed_on__gte=date(2021, 1, 1), closed_on__lte=date(2021, 5, 31)).exists()


def test_the_seed_day_has_only_the_early_filing_states(demo):
    statuses = set(
        FacilityVersion.objects.filter(valid_from__lte=date(2021, 5, 31), opened_on__lte=date(2021, 5, 31))
        .exclude(valid_to__lte=date(2021, 5, 31))
        .exclude(closed_on__lte=date(2021, 5, 31))
        .values_list("filing_status", flat=True)
    )

    assert statuses <= {
        FilingStatus.KNOWN,
        FilingStatus.DRAFT,
        FilingStatus.SUBMITTED,
        FilingStatus.FILED,
        FilingStatus.VERIFIED,
    }


def test_later_dates_follow_the_published_figures(demo):
    january_2022 = totals_as_of(date(2022, 1, 31))
    end_2022 = totals_as_of(date(2022, 12, 31))
    today = totals_as_of(demo.today)

    assert 31_000 <= january_2022["slots"] <= 33_000
    assert end_2022["facilities"] >= 700
    assert end_2022["facilities_filed"] == 207
    assert 800 <= today["facilities"] <= 900
    assert 40_000 <= today["slots"] <= 45_000
    assert today["facilities_filed"] > today["facilities"] / 2
    assert today["facilities_filed"] > end_2022["facilities_filed"]


def test_filing_numbers_are_unique_well_formed_and_continue_in_the_sequence(demo):
    numbers = list(_demo().exclude(filing_number=None).values_list("filing_number", "district_id", "filed_on"))
    assert len(numbers) > 400
    assert len({number for number, _unit, _day in numbers}) == len(numbers)
    issued: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number, unit, filed_on in numbers:
        match = FILING_NUMBER.match(number)
        assert match, number
        assert match["unit"] == unit
        assert int(match["year"]) <= filed_on.year  # a resubmission keeps its first number
        issued[(unit, int(match["year"]))].append(int(match["sequence"]))
    last = {(row.district_id, row.year): row.last_number for row in FilingSequence.objects.all()}
    for key, sequences in issued.items():
        assert last[key] >= max(sequences), key
    # Every facility in force has a number; none of the others before their record.
    assert not _demo().filter(filing_status__in=IN_FORCE, filing_number=None).exists()
    assert not _demo().filter(filing_status__in=["known", "draft", "submitted"], filed_on__isnull=False).exists()


def test_past_filings_follow_the_lifecycle(demo):
    verified = _demo().filter(filing_status=FilingStatus.VERIFIED)
    assert verified.count() > 300
    for facility in verified:
        assert facility.received_on < facility.filed_on < facility.verified_on < demo.today
        assert facility.opened_on <= facility.received_on
        assert facility.notice_deadline == add_working_days(facility.received_on, 15).date
    # Versions of one facility cover its history without gaps or overlaps; one is current.
    for facility in verified[:50]:
        versions = list(facility.versions.order_by("valid_from"))
        assert versions[-1].valid_to is None
        assert all(a.valid_to == b.valid_from for a, b in pairwise(versions))
        assert {v.filing_status for v in versions} >= {FilingStatus.SUBMITTED, FilingStatus.FILED} or (
            versions[0].valid_from == date(2021, 1, 1)  # filed before the history starts
        )


def test_the_current_queues_look_like_a_working_week(demo):
    today = demo.today
    submitted = list(_demo().filter(filing_status=FilingStatus.SUBMITTED))
    filed = list(_demo().filter(filing_status=FilingStatus.FILED))

    assert 15 <= len(submitted) <= 25
    for facility in submitted:
        assert (today - facility.received_on).days <= 14
        assert facility.record_deadline == add_working_days(facility.received_on, 5).date
    assert any(f.record_deadline < today for f in submitted)
    assert any(f.record_deadline >= today for f in submitted)
    assert 10 <= len(filed) <= 20
    for facility in filed:
        assert facility.notice_deadline == add_working_days(facility.received_on, 15).date
        assert facility.received_on < facility.filed_on < today
    nonconforming = _demo().filter(filing_status=FilingStatus.NONCONFORMING)
    assert nonconforming.exists()
    assert all(f.review_reasons and f.nonconforming_on for f in nonconforming)
    changes = _demo().filter(filing_status=FilingStatus.CHANGE_PENDING)
    assert changes.exists()
    assert all(f.pending_changes and f.record_deadline > f.received_on for f in changes)
    current = Counter(_demo().filter(closed_on=None).values_list("filing_status", flat=True))
    assert current[FilingStatus.DRAFT] >= 10
    assert current[FilingStatus.KNOWN] >= 50
    assert not _demo().filter(closed_on__isnull=False).exclude(filing_status=FilingStatus.CANCELLED).exists()


def test_records_are_consistent(demo):
    facilities = _demo().annotate(
        capacity=Sum("classes__capacity"), in_classes=Sum("classes__enrolled"), class_count=Count("classes")
    )
    for facility in facilities:
        assert uscc_std.is_valid(facility.uscc)
        assert (
            facility.uscc[0]
            == {"public_institution": "1", "private_non_enterprise": "5", "enterprise": "9"}[
                facility.registration_route
            ]
        )
        if facility.form == FacilityForm.FAMILY_POINT:
            assert facility.slots <= 5 and facility.enrolled <= 5 and facility.class_count == 0
        else:
            assert facility.in_classes == facility.enrolled
            assert facility.capacity == facility.slots
    codes = Counter(_demo().filter(hub=None).values_list("uscc", flat=True))
    assert max(codes.values()) == 1
    assert _demo().filter(hub__isnull=False).exists()
    assert (
        _demo()
        .filter(category="kindergarten_class")
        .values("registration_route")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["registration_route"]
        == "public_institution"
    )
    full_day = ServiceOffering.objects.filter(facility__in=_demo(), service_form=ServiceForm.FULL_DAY)
    assert full_day.count() == _demo().count()
    assert (
        not FacilityVersion.objects.filter(facility__in=_demo(), valid_to=None)
        .exclude(
            slots=F("facility__slots"), enrolled=F("facility__enrolled"), filing_status=F("facility__filing_status")
        )
        .exists()
    )


def test_some_records_fall_short_of_the_standards(demo):
    warnings = Counter()
    for facility in _demo().filter(filing_status=FilingStatus.VERIFIED, form=FacilityForm.STANDALONE)[:150]:
        warnings.update(finding.code for finding in facility_review(facility, on=demo.today).warnings)
    assert warnings["class_oversize"] or warnings["class_ratio"]


def test_employment_periods_fit_the_facilities(demo):
    staff = StaffMember.objects.filter(facility__in=_demo())
    assert not staff.filter(employed_to__lt=F("employed_from")).exists()
    assert not staff.filter(facility__closed_on__isnull=False, employed_to=None).exists()
    assert not staff.filter(employed_to__gt=F("facility__closed_on")).exists()
    # People left and were replaced; guards carry a licence number.
    assert staff.filter(employed_to__isnull=False, facility__closed_on=None).count() > 500
    assert staff.filter(role="security_guard").exclude(guard_licence_number="").exists()
    assert staff.filter(role="director").values("facility").distinct().count() == _demo().count()


def test_person_id_numbers_are_valid_unique_encrypted_and_indexed(demo):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM facilities_person")
        stored = dict(cursor.fetchall())
    persons = list(Person.objects.filter(employments__facility__in=_demo()).distinct())
    assert len(persons) == demo.counts["persons"]
    numbers = [person.id_number for person in persons]
    assert len(set(numbers)) == len(numbers)
    for person in persons:
        assert ric.is_valid(person.id_number)
        assert 1960 <= int(person.id_number[6:10]) <= 2000
        assert stored[person.pk] != person.id_number
        assert person.id_number not in stored[person.pk]
        assert person.id_number_index == blind_index(person.id_number, purpose=PERSON_ID_PURPOSE)


def test_loading_twice_changes_nothing(demo):
    before = {model.__name__: model.objects.count() for model in TABLES}

    again = load_demo_history(today=demo.today)

    assert again["created"] is False
    assert {key: value for key, value in again.items() if key != "created"} == {
        key: value for key, value in demo.counts.items() if key != "created"
    }
    assert {model.__name__: model.objects.count() for model in TABLES} == before


def test_the_counts_are_labelled_synthetic_and_the_load_is_fast(demo):
    assert demo.counts["created"] is True
    assert demo.counts["synthetic"] is True
    assert "Synthetic" in demo.counts["note"]
    assert demo.counts["facilities"] == _demo().count()
    assert demo.seconds < 60, f"loading took {demo.seconds:.1f} s"


def test_the_demo_operator_sees_its_facilities(demo):
    facilities = list(facility_list_for(user=demo.operator, filters={}))

    assert {f.filing_status for f in facilities} == {FilingStatus.DRAFT, FilingStatus.FILED, FilingStatus.VERIFIED}
    assert {f.district_id for f in facilities} == {"320508"}
    draft = next(f for f in facilities if f.filing_status == FilingStatus.DRAFT)
    assert facility_review(draft, on=demo.today).blocking  # incomplete: it cannot be submitted yet
    assert demo.counts["operator_facilities"] == 3


def test_the_same_seed_and_day_give_the_same_history(demo):
    def fingerprint(seed: int) -> list:
        builder = plan_demo_history(today=demo.today, seed=seed)
        return [
            (p.values["name"], p.values["uscc"], p.opened_on, p.closed_on, p.filing_number, p.versions, p.employments)
            for p in builder.plans
        ]

    first = fingerprint(2021)

    assert fingerprint(2021) == first
    assert fingerprint(7) != first


@pytest.mark.timeout(600)  # walks every route (or loads the whole demo): minutes on a busy machine
def test_the_demo_command_loads_the_history_once_and_says_so(demo, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Pass-123")
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    line = next(line for line in out.getvalue().splitlines() if line.startswith("Facility history"))
    assert "synthetic" in line and "already present" in line
    assert f"{demo.counts['facilities']} facilities" in line


def test_today_before_the_history_ends_is_refused(demo):
    with pytest.raises(ValueError, match="today"):
        load_demo_history(today=date(2022, 6, 1))


@pytest.mark.parametrize(
    ("total", "weights", "low", "high"),
    [
        (100, [1.0, 1.0, 1.0], [0, 0, 0], [100, 100, 100]),
        (17, [5.0, 1.0, 0.5], [1, 1, 1], [10, 10, 10]),
        (30, [1.0, 2.0], [15, 15], [15, 15]),
    ],
)
def test_allocate_hits_the_total_within_the_bounds(total, weights, low, high):
    values = allocate(total, weights, low, high)

    assert sum(values) == total
    assert all(lo <= v <= hi for v, lo, hi in zip(values, low, high, strict=True))


def test_allocate_refuses_an_impossible_total():
    with pytest.raises(ValueError):
        allocate(50, [1.0, 1.0], [0, 0], [10, 10])


def test_the_filing_rate_page_matches_the_demo_data(demo, city_admin, web_client_for):
    """Per unit: operating facilities and filed ones, counted independently from the facility rows."""
    rows = web_client_for(city_admin).get("/facilities/filing-rate/").context["rows"]
    today = demo.today
    for row in rows:
        operating = Facility.objects.filter(district=row["district"], opened_on__lte=today).exclude(
            closed_on__lte=today
        )
        assert row["operating"] == operating.count(), row["district"].name
        assert row["filed"] == operating.filter(filing_status__in=IN_FORCE).count(), row["district"].name
    assert sum(r["operating"] for r in rows) == totals_as_of(today)["facilities"]
    assert sum(r["filed"] for r in rows) == totals_as_of(today)["facilities_filed"]


def test_the_overdue_list_matches_the_demo_data(demo, city_admin, gusu_officer, web_client_for):
    today = demo.today
    late = Facility.objects.filter(
        filing_status__in=[FilingStatus.SUBMITTED, FilingStatus.CHANGE_PENDING], record_deadline__lt=today
    ) | Facility.objects.filter(filing_status=FilingStatus.FILED, notice_deadline__lt=today)
    expected = set(late.values_list("pk", flat=True))
    assert expected, "the demo has overdue filings"
    page = web_client_for(city_admin).get("/facilities/overdue/")
    assert {f.pk for f in page.context["rows"]} == expected
    gusu = web_client_for(gusu_officer).get("/facilities/overdue/").context["rows"]
    assert {f.pk for f in gusu} == set(late.filter(district_id="320508").values_list("pk", flat=True))


def test_demo_filings_past_the_draft_carry_their_materials(demo):
    """The queues show real completeness: a submitted or filed demo facility is not missing its materials."""
    submitted = Facility.objects.filter(uscc__regex=DEMO_USCC_PATTERN, filing_status__in=IN_FORCE).first()
    assert submitted is not None
    missing = [f for f in facility_review(submitted, on=demo.today).blocking if f.code.startswith("material")]
    assert missing == []
