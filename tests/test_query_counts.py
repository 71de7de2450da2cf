"""Lists run a constant number of queries whatever their length: each list is measured at two sizes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.regions.models import District
from suzhou_childcare.regions.services import district_population_set, street_add

from .accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

GUSU = "320508"


def measure(client, url: str):
    """(number of queries, response) of one request, after a first one that fills per-process caches
    (content types) and the token's last-used time, which are not part of the list's cost."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), response


def add_accounts(count: int, start: int) -> None:
    districts = list(District.objects.all())
    for n in range(start, start + count):
        user = UserFactory(
            username=f"officer{n:03d}",
            role=Role.DISTRICT_OFFICER,
            district=districts[n % len(districts)],
            first_name=f"职员{n}",
        )
        # Every row has a number to mask, so masking is part of what is measured.
        account_set_id_number(actor=None, user=user, id_number="11010519491231002X")


def add_history(district: District, count: int, first_year: int) -> None:
    for year in range(first_year, first_year + count):
        district_population_set(actor=None, district=district, year=year, population=900_000 + year, status="official")


def test_district_list_api_queries_do_not_grow_with_the_page_size(city_admin, api_client_for):
    gusu = District.objects.get(code=GUSU)
    for name in ("平江街道", "沧浪街道", "双塔街道"):
        street_add(actor=None, district=gusu, name=name)
    client = api_client_for(city_admin)

    small, small_response = measure(client, "/api/v1/regions/districts/?page_size=2")
    large, large_response = measure(client, "/api/v1/regions/districts/?page_size=10")

    assert len(small_response.json()["results"]) == 2
    assert len(large_response.json()["results"]) == 10
    assert small == large


def test_account_list_page_queries_do_not_grow_with_the_number_of_accounts(city_admin, web_client_for):
    browser = web_client_for(city_admin)

    add_accounts(5, start=0)
    small, small_response = measure(browser, "/accounts/")
    add_accounts(25, start=5)
    large, large_response = measure(browser, "/accounts/")

    assert len(small_response.context["rows"]) == 5 + 1
    assert len(large_response.context["rows"]) == 30 + 1
    assert "1101**********002X" in large_response.content.decode()
    assert small == large


def test_history_api_queries_do_not_grow_with_the_number_of_entries(city_admin, api_client_for):
    gusu = District.objects.get(code=GUSU)
    client = api_client_for(city_admin)
    url = f"/api/v1/history/regions.district/{GUSU}/?page_size=50"

    add_history(gusu, 3, first_year=1990)
    small, small_response = measure(client, url)
    add_history(gusu, 27, first_year=1993)
    large, large_response = measure(client, url)

    assert len(small_response.json()["results"]) == 3
    assert len(large_response.json()["results"]) == 30
    assert small == large


def test_history_page_queries_do_not_grow_with_the_number_of_entries(city_admin, web_client_for):
    gusu = District.objects.get(code=GUSU)
    browser = web_client_for(city_admin)
    url = f"/history/regions.district/{GUSU}/"

    add_history(gusu, 3, first_year=1990)
    small, small_response = measure(browser, url)
    add_history(gusu, 27, first_year=1993)
    large, large_response = measure(browser, url)

    assert len(small_response.context["rows"]) == 3
    assert len(large_response.context["rows"]) == 30
    assert small == large


def test_unit_list_page_does_not_query_once_per_unit(city_admin, web_client_for):
    browser = web_client_for(city_admin)
    count, response = measure(browser, "/regions/")
    assert len(response.context["districts"]) == 10
    assert count < 10
