"""`manage.py retention`: the retention schedule's dry run (default), or `--apply` to purge and anonymise."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from suzhou_childcare.privacy import selectors, services


def _day(value) -> str:
    if value is None:
        return "-"
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


class Command(BaseCommand):
    help = "List the records past their retention period (dry run), or purge/anonymise them with --apply."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Purge or anonymise (default: dry run only).")
        parser.add_argument("--today", help="Judge as of this day (YYYY-MM-DD); default today in Shanghai.")

    def handle(self, *args, apply: bool = False, today: str | None = None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today must be a date, YYYY-MM-DD.") from exc
        for due in selectors.retention_due(today=day):
            rule = due.rule
            self.stdout.write(
                f"[{rule.kind}] {rule.get_action_display()} after {rule.period_value} {rule.period_unit} "
                f"from {rule.counted_from} (rule #{rule.pk}, valid from {rule.valid_from}; "
                f"{'local default' if rule.is_default else 'legal rule'}): {rule.source}"
            )
            self.stdout.write(f"  due if dated on or before {due.cutoff.isoformat()}")
            for part in due.parts:
                rows = list(part.queryset.order_by("pk").values_list("pk", "basis_on"))
                self.stdout.write(f"  {part.model_label}: {len(rows)}")
                for pk, basis_on in rows:
                    self.stdout.write(f"    #{pk} {_day(basis_on)}")
        if not apply:
            self.stdout.write("Dry run: nothing changed. Run with --apply to purge and anonymise.")
            return
        summary = services.retention_apply(today=day, actor=None)
        changed = sum(n for parts in summary.values() for n in parts.values())
        for kind, parts in summary.items():
            for label, n in parts.items():
                self.stdout.write(f"applied [{kind}] {label}: {n}")
        self.stdout.write(self.style.SUCCESS(f"{changed} record(s) purged or anonymised."))
