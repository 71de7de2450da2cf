import pytest


@pytest.fixture(autouse=True)
def _retention_rules(request):
    """The default schedule, as its data migration left it: a transactional test (elsewhere in the run too)
    flushes the table, so tests that use the database put it back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from suzhou_childcare.privacy.models import RetentionRule
    from suzhou_childcare.privacy.reference import load_retention_rules

    load_retention_rules(RetentionRule)
