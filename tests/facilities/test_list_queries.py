"""The facility list runs a constant number of queries, whatever the page size."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilities.models import Facility, FacilityClass, Person, StaffMember
from suzhou_childcare.crypto import blind_index
from suzhou_childcare.regions.models import District

LIST = "/api/v1/facilities/"


@pytest.fixture
def many_facilities(db, operator):
    districts = list(District.objects.all())
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"托育机构{i:03d}",
            category="social" if i % 3 else "kindergarten_class",
            district=districts[i % len(districts)],
            slots=40,
            enrolled=20,
            filing_status="draft",
        )
        for i in range(160)
    )
    FacilityClass.objects.bulk_create(
        FacilityClass(facility=f, class_type=t, capacity=15, enrolled=10, carers=2)
        for f in facilities
        for t in ("toddler", "older")
    )
    people = Person.objects.bulk_create(
        Person(name=f"员工{i}", id_number=f"3205021985010{i:05d}", id_number_index=blind_index(str(i), purpose="t"))
        for i in range(480)
    )
    StaffMember.objects.bulk_create(
        StaffMember(facility=facilities[i // 3], person=p, role="carer", employed_from=date(2021, 1, 1))
        for i, p in enumerate(people)
    )
    for facility in facilities[:120]:
        facility.operators.add(operator)
    return facilities


@pytest.mark.parametrize("user_fixture", ["city_admin", "gusu_officer", "operator"])
def test_same_number_of_queries_at_page_sizes_10_and_100(many_facilities, request, api_client_for, user_fixture):
    api = api_client_for(request.getfixturevalue(user_fixture))
    api.get("/api/v1/me/")  # the token's first use records its last-use time once: not part of the list
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(LIST, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


def test_the_list_shows_class_and_staff_counts(many_facilities, city_admin, api_client_for):
    first = api_client_for(city_admin).get(LIST, {"page_size": 1, "q": "托育机构000"}).json()["results"][0]
    assert (first["class_count"], first["staff_count"]) == (2, 3)
