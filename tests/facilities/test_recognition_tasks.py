"""Expiry and expiry notices: once per recognition whatever the number of runs, workers or deliveries."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from facilities import services
from facilities.models import Recognition, RecognitionStatus
from facilities.tasks import recognitions_daily
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.notices.models import Notice
from suzhou_childcare.outbox.services import enqueue

from .recognition_helpers import filed_facility, granted
from .test_concurrency import race


def _lapsing(operator, officer, city_admin, *, ends_on):
    facility = filed_facility(operator, officer)
    recognition = granted(operator, officer, city_admin, facility)
    Recognition.objects.filter(pk=recognition.pk).update(valid_from=ends_on - timedelta(days=1095), valid_to=ends_on)
    recognition.refresh_from_db()
    return recognition


@pytest.mark.django_db
def test_expiry_notice_goes_out_once_sixty_days_ahead(operator, gusu_officer, city_admin):
    today = timezone.localdate()
    recognition = _lapsing(operator, gusu_officer, city_admin, ends_on=today + timedelta(days=61))
    assert services.recognition_expiry_notices_send(today=today) == 0
    assert services.recognition_expiry_notices_send(today=today + timedelta(days=1)) == 1
    assert services.recognition_expiry_notices_send(today=today + timedelta(days=2)) == 0
    notices = Notice.objects.filter(kind="recognition.expiring")
    assert {n.recipient_id for n in notices} == {operator.pk, gusu_officer.pk}
    recognition.refresh_from_db()
    assert recognition.expiry_notice_sent_on == today + timedelta(days=1)


@pytest.mark.django_db
def test_no_expiry_notice_while_a_renewal_is_under_review(operator, gusu_officer, city_admin):
    today = timezone.localdate()
    recognition = _lapsing(operator, gusu_officer, city_admin, ends_on=today + timedelta(days=30))
    services.recognition_apply(
        actor=operator,
        facility=recognition.facility,
        kind=recognition.kind,
        agreement_signed_on=today,
        renews=recognition,
    )
    assert services.recognition_expiry_notices_send(today=today) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_expiring_at_once_expire_each_recognition_once(postgres_only, operator, gusu_officer, city_admin):
    today = timezone.localdate()
    recognition = _lapsing(operator, gusu_officer, city_admin, ends_on=today)
    outcomes = race(
        lambda: services.recognitions_expire(today=today), lambda: services.recognitions_expire(today=today)
    )
    assert sorted(outcomes) == [0, 1]
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.EXPIRED
    assert recognition.expired_on == today
    assert AuditEntry.objects.filter(action="recognition.expire").count() == 1
    assert Notice.objects.filter(kind="recognition.expired").count() == 2  # the operator and the unit, once each


@pytest.mark.redis
def test_the_daily_task_run_twice_by_a_real_worker_expires_once(celery_worker, operator, gusu_officer, city_admin):
    today = timezone.localdate()
    recognition = _lapsing(operator, gusu_officer, city_admin, ends_on=today)
    for _run in range(2):
        with transaction.atomic():
            enqueue(recognitions_daily)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Recognition.objects.get(pk=recognition.pk).status != "expired":
        time.sleep(0.1)
    time.sleep(1.5)  # let the second run finish
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.EXPIRED
    assert AuditEntry.objects.filter(action="recognition.expire", object_id=str(recognition.pk)).count() == 1
