from django.core.management.base import BaseCommand

from suzhou_childcare.outbox.services import outbox_resend_due


class Command(BaseCommand):
    help = "Send every outbox message that is due (what the periodic sweep does), once."

    def handle(self, *args, **options):
        self.stdout.write(f"Sent {outbox_resend_due()} message(s).")
