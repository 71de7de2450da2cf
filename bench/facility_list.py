"""The facility list (selector + serializer, one page of 100) against raw SQL returning the same columns.

Creates a throw-away test database, fills it with 2,000 facilities with classes and staff, and prints the
median time of each path, their ratio and the peak memory of one portal call.
"""

import os
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suzhou_childcare.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

ROUNDS = 30
FACILITIES = 2000
PAGE = 100

RAW = """
SELECT f.id, f.name, f.uscc, f.category, f.form, f.district_id, d.name, s.name, f.slots, f.enrolled,
       f.filing_status, f.filing_number, f.record_deadline, f.notice_deadline,
       (SELECT COUNT(*) FROM facilities_facilityclass c WHERE c.facility_id = f.id),
       (SELECT COUNT(*) FROM facilities_staffmember m WHERE m.facility_id = f.id
          AND (m.employed_to IS NULL OR m.employed_to > %s))
FROM facilities_facility f
JOIN regions_district d ON d.code = f.district_id
LEFT JOIN regions_street s ON s.id = f.street_id
ORDER BY f.district_id, f.name, f.id
LIMIT %s
"""


def fill() -> None:
    from facilities.models import Facility, FacilityClass, Person, StaffMember
    from suzhou_childcare.crypto import blind_index
    from suzhou_childcare.regions.models import District

    districts = list(District.objects.all())
    facilities = Facility.objects.bulk_create(
        Facility(name=f"机构{i:05d}", category="social", district=districts[i % 10], slots=40, enrolled=20)
        for i in range(FACILITIES)
    )
    FacilityClass.objects.bulk_create(
        FacilityClass(facility=f, class_type="toddler", capacity=15, enrolled=10, carers=3)
        for f in facilities
        for _ in range(3)
    )
    people = Person.objects.bulk_create(
        Person(name=f"员工{i}", id_number="110105194912310021", id_number_index=blind_index(str(i), purpose="b"))
        for i in range(FACILITIES * 4)
    )
    StaffMember.objects.bulk_create(
        StaffMember(facility=facilities[i // 4], person=p, role="carer", employed_from=date(2021, 1, 1))
        for i, p in enumerate(people)
    )


def portal_call(user):
    from facilities.api import FacilityListOutputSerializer
    from facilities.selectors import facility_list_for

    page = list(facility_list_for(user=user, filters={})[:PAGE])
    return FacilityListOutputSerializer(page, many=True).data


def raw_call():
    with connection.cursor() as cursor:
        cursor.execute(RAW, [timezone.localdate(), PAGE])
        return cursor.fetchall()


def median_seconds(fn) -> float:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from suzhou_childcare.accounts.models import User

        fill()
        admin = User.objects.create(username="bench_admin", role="city_admin")
        assert len(portal_call(admin)) == len(raw_call()) == PAGE
        portal = median_seconds(lambda: portal_call(admin))
        raw = median_seconds(raw_call)
        tracemalloc.start()
        portal_call(admin)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"database: {connection.vendor}, {FACILITIES} facilities, page of {PAGE}")
        print(f"portal {portal * 1000:.2f} ms, raw SQL {raw * 1000:.2f} ms, ratio {portal / raw:.1f}")
        print(f"peak memory of one portal call: {peak / 1048576:.2f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
