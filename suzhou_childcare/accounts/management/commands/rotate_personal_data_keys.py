from django.core.management.base import BaseCommand

from suzhou_childcare.accounts.rekey import personal_data_rekey_run
from suzhou_childcare.outbox.services import job_create


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the first key of FIELD_ENCRYPTION_KEYS (runs here, now)."

    def handle(self, *args, **options):
        job = job_create(kind="personal_data_rekey", title="Re-encrypt personal data (command line)")
        result = personal_data_rekey_run(job_id=str(job.id))
        self.stdout.write(f"Checked {result['rows']} row(s), re-encrypted {result['rewritten']}.")
