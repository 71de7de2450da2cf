"""Key rotation from the city admin's home page: a job whose progress page the admin follows."""

from cryptography.fernet import Fernet

from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.crypto import is_under_primary_key
from suzhou_childcare.outbox.models import Job, JobStatus


def test_city_admin_starts_the_re_encryption_and_follows_it(
    transactional_db, settings, city_admin, gusu_officer, web_client_for, celery_app
):
    account_set_id_number(actor=None, user=gusu_officer, id_number="11010519491231002X")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    web = web_client_for(city_admin)
    response = web.post("/accounts/personal-data/rekey/")
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.id}/"
    page = web.get(response["Location"])
    assert page.status_code == 200
    assert f"/api/v1/jobs/{job.id}/" in page.content.decode()  # the page polls the job's progress
    assert AuditEntry.objects.filter(action="personal_data.rekey_start", actor=city_admin).exists()
    if celery_app.conf.task_always_eager:  # in-process: already done after the request's commit
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED
        gusu_officer.refresh_from_db()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [gusu_officer.pk])
            assert is_under_primary_key(cursor.fetchone()[0])


def test_a_district_officer_cannot_start_it(gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).post("/accounts/personal-data/rekey/")
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_it_only_accepts_post(city_admin, web_client_for):
    assert web_client_for(city_admin).get("/accounts/personal-data/rekey/").status_code == 405
