"""`manage.py verify_audit [--seal]`: check the hash chain over the audit trail; non-zero exit when it is broken."""

from django.core.management.base import BaseCommand, CommandError

from suzhou_childcare.audit.sealing import audit_seal, audit_verify, verification_record


class Command(BaseCommand):
    help = (
        "Walk the audit seals in position order, recomputing each hash. Reports the first broken link "
        "(position, entry id, what differs) and exits with status 1; otherwise prints how many entries were "
        "verified and how many are not sealed yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="Seal every committed, unsealed entry first.")
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Seals read per query (memory stays constant)."
        )

    def handle(self, *args, **options):
        if options["seal"]:
            sealed = audit_seal(full=True)
            self.stdout.write(f"Sealed {sealed} entr{'y' if sealed == 1 else 'ies'}.")
        result = audit_verify(chunk_size=max(1, options["chunk_size"]))
        verification_record(result)
        if result.broken:
            broken = result.broken
            raise CommandError(
                f"Audit chain broken at position {broken.position} (entry {broken.entry_id}): "
                f"{broken.problem}: {broken.detail}. {result.verified} entries verified before it."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.verified} entries verified, {result.unsealed} not sealed yet."
            )
        )
        # Noted down outside the database, the head detects a chain cut short at its end.
        self.stdout.write(f"Head: position {result.head_position}, hash {result.head_hash}")
