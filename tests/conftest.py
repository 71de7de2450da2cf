"""Shared fixtures: one account per role (two units for territorial roles), API clients with real tokens,
and the rules for tests that need PostgreSQL or Redis: skipped when their URL is not set, failed when it is
set and the service does not answer."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection
from rest_framework.test import APIClient

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.accounts.services import api_token_issue

from .accounts.factories import PASSWORD, UserFactory, district

GUSU = "320508"
WUJIANG = "320509"


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("redis"):
        url = os.environ.get("CELERY_BROKER_URL", "")
        if not url:
            pytest.skip("needs Redis: CELERY_BROKER_URL is not set")
        if not _redis_answers(url):
            pytest.fail(f"CELERY_BROKER_URL is set but Redis does not answer at {url}", pytrace=False)
    database_url = os.environ.get("DATABASE_URL", "")
    if item.get_closest_marker("postgres") and not database_url.startswith(("postgres", "pgsql")):
        pytest.skip("needs PostgreSQL: DATABASE_URL is not set to a PostgreSQL server")


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test flushes the database, reference data included: put it back (units, calendar,
    standards), as the data migrations left it."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        reload_reference_data()


def reload_reference_data() -> None:
    """The reference data of the data migrations, loaded again where missing (idempotent): for fixtures that build
    data of their own after a transactional test may have flushed the tables."""
    from facilities.models import StandardRule
    from facilities.standards_seed import seed_rows
    from suzhou_childcare.regions.models import District, DistrictPopulation
    from suzhou_childcare.regions.reference import load_county_level_units
    from suzhou_childcare.workdays.models import CalendarYear, SpecialDay
    from suzhou_childcare.workdays.reference import seed_from_chinesecalendar

    load_county_level_units(District, DistrictPopulation)
    seed_from_chinesecalendar(CalendarYear, SpecialDay)
    for row in seed_rows():
        StandardRule.objects.get_or_create(code=row["code"], effective_from=row["effective_from"], defaults=row)
    from inspections.models import AssessmentScheme, PenaltyRule, RectificationDeadlineRule
    from inspections.reference import load_reference

    load_reference(RectificationDeadlineRule, PenaltyRule, AssessmentScheme)
    from inspections.models import IncidentReportRule
    from inspections.reference import load_incident_rules

    load_incident_rules(IncidentReportRule)
    from facilities.models import CriteriaSet, Criterion, DevelopmentTarget, FeeReference
    from facilities.recognition_seed import load_recognition_reference

    load_recognition_reference(CriteriaSet, Criterion, FeeReference, DevelopmentTarget)
    from subsidies.models import RuleSet
    from subsidies.reference import load_subsidy_reference

    load_subsidy_reference(RuleSet)
    from reports.catalogue import load_catalogue
    from reports.models import Indicator

    load_catalogue(Indicator)
    from training.models import AwardRule
    from training.reference import load_award_rules

    load_award_rules(AwardRule)
    from suzhou_childcare.privacy.models import RetentionRule
    from suzhou_childcare.privacy.reference import load_retention_rules

    load_retention_rules(RetentionRule)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters (and anything else cached) never carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def postgres_only(db):
    """Fails, rather than skips, a PostgreSQL test that ended up on another database."""
    if connection.vendor != "postgresql":
        pytest.fail("DATABASE_URL names PostgreSQL but the tests run on " + connection.vendor)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(role: str, *, district_code: str | None = None, username: str | None = None, **extra):
        kwargs = {"role": role, **extra}
        if district_code:
            kwargs["district"] = district(district_code)
        if username:
            kwargs["username"] = username
        return UserFactory(**kwargs)

    return make


@pytest.fixture
def city_admin(make_user):
    return make_user(Role.CITY_ADMIN, username="city_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def gusu_officer(make_user):
    return make_user(Role.DISTRICT_OFFICER, district_code=GUSU, username="gusu_officer")


@pytest.fixture
def wujiang_officer(make_user):
    return make_user(Role.DISTRICT_OFFICER, district_code=WUJIANG, username="wujiang_officer")


@pytest.fixture
def gusu_inspector(make_user):
    return make_user(Role.INSPECTOR, district_code=GUSU, username="gusu_inspector")


@pytest.fixture
def citywide_inspector(make_user):
    return make_user(Role.INSPECTOR, is_citywide=True, username="city_inspector")


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, username="operator")


@pytest.fixture
def training_base(make_user):
    return make_user(Role.TRAINING_BASE, username="training_base", organisation="苏州市托育人才培训基地")


@pytest.fixture
def mch_assessor(make_user):
    return make_user(Role.MCH_ASSESSOR, username="mch_assessor", organisation="苏州市妇幼保健院")


@pytest.fixture
def stats_client(make_user):
    return make_user(Role.STATISTICS_CLIENT, username="stats_client")


@pytest.fixture
def users(
    city_admin,
    gusu_officer,
    wujiang_officer,
    gusu_inspector,
    citywide_inspector,
    operator,
    training_base,
    mch_assessor,
    stats_client,
) -> dict:
    """Every role; the officers and the unit inspector of 姑苏区 unless named otherwise."""
    return {
        "city_admin": city_admin,
        "district_officer": gusu_officer,
        "wujiang_officer": wujiang_officer,
        "inspector": gusu_inspector,
        "citywide_inspector": citywide_inspector,
        "operator": operator,
        "training_base": training_base,
        "mch_assessor": mch_assessor,
        "statistics_client": stats_client,
    }


@pytest.fixture
def api_client_for(db):
    """An API client that authenticates as a REST client would: with a real, expiring token."""

    def make(user) -> APIClient:
        client = APIClient()
        _token, key = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def web_client_for(client):
    """A browser session logged in as `user` (through the login form's backend, so axes sees it)."""
    from django.test import Client

    def make(user) -> Client:
        web = Client()
        web.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return web

    return make


@pytest.fixture
def celery_app():
    from suzhou_childcare.celery import app

    return app


@pytest.fixture
def celery_worker(transactional_db, celery_app):
    """A real Celery worker in a thread of this process, consuming this run's queue through Redis,
    against the test database (hence `transactional_db`: it must see committed rows)."""
    from celery.contrib.testing.worker import start_worker

    assert not celery_app.conf.task_always_eager, "worker tests need CELERY_BROKER_URL"
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20) as worker:
        yield worker
