"""The fault tests run only under `make faults` (scripts/faults.sh sets FAULTS=1 after starting private PostgreSQL
and Redis instances that the tests may stop, kill and restart); the normal suite skips them."""

from __future__ import annotations

import os

import pytest

ENABLED = os.environ.get("FAULTS") == "1"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="fault tests stop and kill services: run them with `make faults`")
    for item in items:
        if "tests/faults/" in item.nodeid.replace(os.sep, "/") and not ENABLED:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_services_only():
    """Each test starts with an empty private Redis: a message a killed worker left unacknowledged in one test must
    not be delivered into the next one's database."""
    if not ENABLED:
        return
    if not os.environ.get("FAULT_PG_DATA"):
        pytest.fail("FAULTS=1 needs the private services of scripts/faults.sh (FAULT_PG_DATA is not set)")
    from .support import redis_flush

    redis_flush()
