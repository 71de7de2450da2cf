"""The sealed audit trail: a hash chain over the committed entries, `verify_audit`, and the database refusing
changes on PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from suzhou_childcare.audit.models import GENESIS_HASH, AppendOnlyError, AuditEntry, AuditSeal, AuditVerification
from suzhou_childcare.audit.sealing import LATE_COMMIT_WINDOW, audit_seal, audit_verify, chain_hash
from suzhou_childcare.audit.services import audit_record

pytestmark = pytest.mark.django_db


def entries(user, count: int, *, action: str = "test.entry") -> list[AuditEntry]:
    with transaction.atomic():
        return [audit_record(actor=user, action=action, target=user, after={"n": n, "名": "值"}) for n in range(count)]


def tamper(sql: str, params: list) -> None:
    """What someone with direct database access could do: on PostgreSQL the append-only triggers (and the
    foreign-key checks) are switched off for this statement, as a superuser can."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def verify() -> tuple[str, str | None]:
    """Runs `manage.py verify_audit`: (what it printed, the error it exited with, if any)."""
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        assert exc.returncode == 1  # the process exits with status 1
        return out.getvalue(), str(exc)
    return out.getvalue(), None


# --- sealing ----------------------------------------------------------------------------------------------------


def test_sealing_chains_every_entry_and_a_second_run_appends_nothing(city_admin):
    written = entries(city_admin, 4)
    assert audit_seal() == 4
    seals = list(AuditSeal.objects.order_by("position"))
    assert [seal.position for seal in seals] == [1, 2, 3, 4]
    assert [seal.entry_id for seal in seals] == [entry.pk for entry in written]
    assert seals[0].prev_hash == GENESIS_HASH
    for previous, seal in itertools.pairwise(seals):
        assert seal.prev_hash == previous.hash
    assert all(len(seal.hash) == 64 for seal in seals)

    assert audit_seal() == 0
    assert AuditSeal.objects.count() == 4

    entries(city_admin, 2)
    assert audit_seal() == 2
    assert list(AuditSeal.objects.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_sealing_goes_in_batches(city_admin):
    entries(city_admin, 7)
    assert audit_seal(batch_size=3) == 7
    assert audit_verify().verified == 7


def test_an_entry_committed_late_is_sealed_later_in_the_chain(city_admin):
    """Commit order: an entry with a lower id that becomes visible after a higher id was sealed is chained
    after it. (Simulated with explicit ids: in production the lower id belongs to a longer transaction.)"""
    first, _second = entries(city_admin, 2)
    audit_seal()
    with transaction.atomic():
        late = audit_record(actor=city_admin, action="test.late", target=city_admin)
    # Give the late entry an id below the last sealed one, as a transaction that took its id earlier would have.
    tamper("UPDATE audit_auditentry SET id = %s WHERE id = %s", [first.pk - 1000, late.pk])
    assert audit_seal() == 1
    seal = AuditSeal.objects.get(position=3)
    assert seal.entry_id == first.pk - 1000 and seal.entry.action == "test.late"
    output, error = verify()
    assert error is None
    assert "3 entries verified, 0 not sealed yet" in output


def test_a_forgotten_old_entry_is_counted_as_unsealed_and_sealed_by_a_full_run(city_admin):
    first, _second = entries(city_admin, 2)
    audit_seal()
    with transaction.atomic():
        old = audit_record(actor=city_admin, action="test.old", target=city_admin)
    long_ago = timezone.now() - LATE_COMMIT_WINDOW - timedelta(hours=1)
    tamper("UPDATE audit_auditentry SET id = %s, created_at = %s WHERE id = %s", [first.pk - 1000, long_ago, old.pk])
    assert audit_seal() == 0  # outside the window of the periodic run
    output, error = verify()
    assert error is None and "2 entries verified, 1 not sealed yet" in output

    out = StringIO()
    call_command("verify_audit", "--seal", stdout=out)
    assert "Sealed 1 entry." in out.getvalue()
    assert "3 entries verified, 0 not sealed yet" in out.getvalue()


def test_seals_cannot_be_changed_or_deleted_through_the_orm(city_admin):
    entries(city_admin, 1)
    audit_seal()
    seal = AuditSeal.objects.get()
    seal.hash = "0" * 64
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        seal.delete()
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.update(hash="0" * 64)
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().delete()
    assert AuditSeal.objects.get().hash == chain_hash(GENESIS_HASH, AuditEntry.objects.get())


# --- verify_audit -------------------------------------------------------------------------------------------------


def test_an_intact_chain_verifies_and_reports_what_is_not_sealed_yet(city_admin):
    entries(city_admin, 3)
    audit_seal()
    entries(city_admin, 2)
    output, error = verify()
    assert error is None
    assert "Audit chain intact: 3 entries verified, 2 not sealed yet." in output
    assert f"Head: position 3, hash {AuditSeal.objects.get(position=3).hash}" in output
    result = AuditVerification.objects.get()
    assert (result.ok, result.verified, result.unsealed) == (True, 3, 2)


def test_an_empty_trail_verifies(db):
    output, error = verify()
    assert error is None and "0 entries verified, 0 not sealed yet" in output


def test_verification_streams_in_chunks(city_admin):
    entries(city_admin, 5)
    audit_seal()
    assert audit_verify(chunk_size=2).verified == 5


def test_changing_one_sealed_entry_is_reported_at_its_position(city_admin):
    written = entries(city_admin, 5)
    audit_seal()
    tamper("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改过了", written[2].pk])
    _output, error = verify()
    assert error is not None
    assert f"position 3 (entry {written[2].pk}): content changed" in error
    assert "2 entries verified before it" in error
    result = AuditVerification.objects.get()
    assert (result.ok, result.broken_position) == (False, 3)


def test_changing_a_json_value_of_a_sealed_entry_is_reported(city_admin):
    written = entries(city_admin, 3)
    audit_seal()
    tamper("UPDATE audit_auditentry SET after = %s WHERE id = %s", ['{"n": 99, "名": "值"}', written[0].pk])
    _output, error = verify()
    assert error is not None and f"position 1 (entry {written[0].pk}): content changed" in error


def test_deleting_a_sealed_entry_is_reported(city_admin):
    written = entries(city_admin, 4)
    audit_seal()
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [written[1].pk])
    try:
        _output, error = verify()
        assert error is not None
        assert f"position 2 (entry {written[1].pk}): entry missing" in error
    finally:
        # Only so the test database's foreign-key check at teardown passes on SQLite (PostgreSQL skipped it).
        tamper("DELETE FROM audit_auditseal WHERE entry_id = %s", [written[1].pk])


def test_deleting_a_seal_is_reported_as_a_gap(city_admin):
    entries(city_admin, 4)
    audit_seal()
    tamper("DELETE FROM audit_auditseal WHERE position = %s", [2])
    _output, error = verify()
    assert error is not None and "position 2" in error and "position gap" in error


def test_rewriting_a_seal_to_match_a_changed_entry_breaks_the_next_link(city_admin):
    written = entries(city_admin, 3)
    audit_seal()
    tamper("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["test.forged", written[1].pk])
    entry = AuditEntry.objects.get(pk=written[1].pk)
    forged = chain_hash(AuditSeal.objects.get(position=1).hash, entry)
    tamper("UPDATE audit_auditseal SET hash = %s WHERE position = %s", [forged, 2])
    _output, error = verify()
    assert error is not None
    assert f"position 3 (entry {written[2].pk}): prev_hash mismatch" in error


# --- the task ---------------------------------------------------------------------------------------------------


def test_the_task_is_registered_under_the_beat_entrys_name(celery_app, city_admin):
    from suzhou_childcare.audit.tasks import audit_seal_task

    assert celery_app.conf.beat_schedule["audit-seal"]["task"] == "audit.seal" == audit_seal_task.name
    assert celery_app.tasks["audit.seal"].acks_late
    assert celery_app.tasks["audit.seal"].max_retries == 3
    assert celery_app.tasks["audit.seal"].soft_time_limit < celery_app.tasks["audit.seal"].time_limit
    entries(city_admin, 2)
    assert audit_seal_task() == 2
    assert audit_seal_task() == 0


@pytest.mark.redis
def test_the_seal_task_runs_on_a_real_worker(celery_worker, city_admin):
    import time

    from suzhou_childcare.audit.tasks import audit_seal_task
    from suzhou_childcare.outbox.models import MessageStatus
    from suzhou_childcare.outbox.services import enqueue

    entries(city_admin, 3)
    with transaction.atomic():
        message = enqueue(audit_seal_task)
    deadline = time.monotonic() + 30
    while AuditSeal.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert AuditSeal.objects.count() == 3
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == MessageStatus.DONE:
            break
        time.sleep(0.1)
    assert message.status == MessageStatus.DONE
    assert audit_verify().ok


# --- PostgreSQL: the database itself ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_on_entries_and_seals(postgres_only, city_admin):
    (entry,) = entries(city_admin, 1)
    audit_seal()
    seal = AuditSeal.objects.get()
    for sql, params in (
        ("UPDATE audit_auditentry SET action = 'tampered' WHERE id = %s", [entry.pk]),
        ("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk]),
        ("UPDATE audit_auditseal SET hash = 'x' WHERE id = %s", [seal.pk]),
        ("DELETE FROM audit_auditseal WHERE id = %s", [seal.pk]),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"
    assert AuditSeal.objects.get(pk=seal.pk).hash == seal.hash
    assert audit_verify().ok


@pytest.mark.postgres
def test_postgresql_still_lets_the_owner_truncate(postgres_only, city_admin):
    entries(city_admin, 2)
    audit_seal()
    with connection.cursor() as cursor:
        # The deferred foreign-key checks of this (test) transaction must run first, or PostgreSQL refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_auditseal, audit_auditentry")
    assert not AuditEntry.objects.exists() and not AuditSeal.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_fork_the_chain(postgres_only, city_admin):
    entries(city_admin, 40)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            for _ in range(3):
                audit_seal(batch_size=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditSeal.objects.count() == 40
    result = audit_verify()
    assert result.ok and result.verified == 40 and result.unsealed == 0
