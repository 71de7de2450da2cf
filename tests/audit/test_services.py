"""The audit trail: written in the same transaction as the change, and append-only."""

import pytest
from django.db import DatabaseError, connection, transaction

from suzhou_childcare.audit.models import AppendOnlyError, AuditEntry
from suzhou_childcare.audit.services import audit_record
from suzhou_childcare.regions.models import DistrictPopulation, PopulationStatus
from suzhou_childcare.regions.services import district_population_set
from tests.accounts.factories import district


def test_a_write_through_a_service_leaves_an_entry_with_before_and_after(city_admin):
    gusu = district("320508")
    district_population_set(
        actor=city_admin, district=gusu, year=2020, population=930000, status=PopulationStatus.OFFICIAL, source="统计局"
    )
    entry = AuditEntry.objects.get(action="region.population_set")
    assert entry.actor == city_admin
    assert entry.object_id == "320508"
    assert entry.before["population"] == 922900
    assert entry.after["population"] == 930000
    assert entry.after["status"] == "official"


def test_when_the_audit_entry_cannot_be_written_the_change_rolls_back(city_admin):
    gusu = district("320508")
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    hidden = connection.ops.quote_name("audit_hidden_for_test")
    # A real failure of the audit insert: its table is not there (the test's transaction undoes this).
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {hidden}")
    try:
        with pytest.raises(DatabaseError):
            district_population_set(
                actor=city_admin, district=gusu, year=2021, population=940000, status=PopulationStatus.ESTIMATE
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {hidden} RENAME TO {table}")
    assert not DistrictPopulation.objects.filter(district=gusu, year=2021).exists()


def test_audit_record_outside_a_transaction_is_refused(city_admin, transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=city_admin, action="x", target=city_admin)


def _an_entry(user) -> AuditEntry:
    with transaction.atomic():
        return audit_record(actor=user, action="test.entry", target=user, after={"a": 1})


def test_entries_cannot_be_changed_or_deleted_through_the_orm(city_admin):
    entry = _an_entry(city_admin)
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


@pytest.mark.postgres
def test_postgresql_refuses_changing_entries_even_in_raw_sql(postgres_only, city_admin):
    entry = _an_entry(city_admin)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'tampered' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_entries_carry_the_request_id(city_admin, web_client_for):
    web = web_client_for(city_admin)
    response = web.post(
        "/regions/320508/",
        {"pop-year": 2022, "pop-population": 950000, "pop-status": "estimate", "pop-source": ""},
        HTTP_X_REQUEST_ID="req-abc-123",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abc-123"
    assert AuditEntry.objects.get(action="region.population_set").request_id == "req-abc-123"
