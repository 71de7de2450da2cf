"""Two retention runs at once (beat and the page): each row is changed and audited once (row locks)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from inspections.models import Complaint
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.privacy import services
from suzhou_childcare.regions.models import District

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = date(2026, 6, 15)


def test_concurrent_runs_change_and_audit_each_row_once(postgres_only, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    district = District.objects.get(code="320508")
    for i in range(12):
        Complaint.objects.create(
            channel="letter",
            received_at=timezone.now(),
            district=district,
            subject="投诉",
            description="午睡室无人看护",
            complainant_name=f"投诉人{i:02d}号",
            complainant_phone=f"139000000{i:02d}",
            status="closed",
            closed_on=date(2022, 1, 1),
        )
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            services.retention_apply(today=TODAY)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert not Complaint.objects.exclude(complainant_name="").exists()
    audited = [
        pk
        for entry in AuditEntry.objects.filter(action="privacy.retention_applied", after__model="inspections.complaint")
        for pk in entry.after["ids"]
    ]
    assert sorted(audited) == sorted(Complaint.objects.values_list("pk", flat=True))
