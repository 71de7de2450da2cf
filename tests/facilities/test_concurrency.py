"""Races on PostgreSQL: the facility row and the number sequence are locked, so one wins and one is refused."""

import threading

import pytest
from django.db import connection

from facilities import services
from facilities.models import Facility, FilingSequence
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict

from .factories import complete_draft

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment, each in its own thread (its own connection); collect outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_officers_recording_the_same_filing_give_one_number(postgres_only, operator, gusu_officer, make_user):
    second_officer = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    outcomes = race(
        lambda: services.facility_record(actor=gusu_officer, facility=facility),
        lambda: services.facility_record(actor=second_officer, facility=facility),
    )
    assert sum(isinstance(o, Facility) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    facility.refresh_from_db()
    assert facility.filing_number == f"320508-{facility.filed_on.year}-0001"
    assert FilingSequence.objects.get(district_id="320508").last_number == 1
    assert AuditEntry.objects.filter(action="facility.record", object_id=str(facility.pk)).count() == 1


def test_two_filings_recorded_at_once_get_different_numbers(postgres_only, operator, gusu_officer, make_user):
    second_officer = make_user("district_officer", district_code="320508", username="gusu_officer_2")
    first, second = complete_draft(operator, name="甲"), complete_draft(operator, name="乙")
    for facility in (first, second):
        services.facility_submit(actor=operator, facility=facility)
    outcomes = race(
        lambda: services.facility_record(actor=gusu_officer, facility=first),
        lambda: services.facility_record(actor=second_officer, facility=second),
    )
    assert all(isinstance(o, Facility) for o in outcomes), outcomes
    numbers = {o.filing_number for o in outcomes}
    assert len(numbers) == 2
    assert {n.rsplit("-", 1)[1] for n in numbers} == {"0001", "0002"}


def test_a_double_submit_at_once_submits_once(postgres_only, operator):
    facility = complete_draft(operator)
    outcomes = race(
        lambda: services.facility_submit(actor=operator, facility=facility),
        lambda: services.facility_submit(actor=operator, facility=facility),
    )
    assert sum(isinstance(o, Facility) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    assert AuditEntry.objects.filter(action="facility.submit", object_id=str(facility.pk)).count() == 1
