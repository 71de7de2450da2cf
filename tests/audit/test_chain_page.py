"""The chain status page: the city admin's alone, read-only, a constant number of queries."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from suzhou_childcare.audit.sealing import audit_seal
from suzhou_childcare.audit.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/audit/chain/"


@pytest.fixture
def web(web_client_for):
    """A browser session in English (the portal's own strings are asserted, not their translations)."""

    def make(user):
        user.language = "en"
        user.save(update_fields=["language"])
        return web_client_for(user)

    return make


def _entries(user, count):
    with transaction.atomic():
        for n in range(count):
            audit_record(actor=user, action="test.entry", target=user, after={"n": n})


def test_the_city_admin_sees_sealed_and_unsealed_counts_and_the_last_verification(city_admin, web):
    browser = web(city_admin)
    page = browser.get(URL).content.decode()
    assert "Not verified yet." in page

    _entries(city_admin, 3)
    audit_seal()
    call_command("verify_audit", stdout=StringIO())
    _entries(city_admin, 2)
    response = browser.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd class="col-sm-8" id="sealed">3</dd>' in page
    assert '<dd class="col-sm-8" id="unsealed">2</dd>' in page
    assert "Intact" in page and "3 entries verified, 0 not sealed yet." in page


def test_a_broken_chain_shows_on_the_page(city_admin, web):
    _entries(city_admin, 2)
    audit_seal()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditentry SET reason = 'x' WHERE id = (SELECT MIN(id) FROM audit_auditentry)")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO())
    page = web(city_admin).get(URL).content.decode()
    assert "Broken" in page and "first broken link at position 1" in page and "content changed" in page


@pytest.mark.parametrize(
    "role",
    ["district_officer", "inspector", "citywide_inspector", "operator", "training_base", "mch_assessor"],
)
def test_every_other_role_gets_404(users, role, web):
    assert web(users[role]).get(URL).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_runs_a_constant_number_of_queries(city_admin, web):
    browser = web(city_admin)
    _entries(city_admin, 2)
    audit_seal()
    browser.get(URL)
    with CaptureQueriesContext(connection) as few:
        browser.get(URL)
    _entries(city_admin, 30)
    audit_seal()
    with CaptureQueriesContext(connection) as many:
        browser.get(URL)
    assert len(few.captured_queries) == len(many.captured_queries)
