"""The retention schedule (保存期限): versioned rows, each with its legal basis or marked as a local default."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import rules


class RetentionKind(models.TextChoices):
    STAFF_OF_CLOSED_FACILITIES = rules.Kind.STAFF_OF_CLOSED_FACILITIES, _("Staff of closed facilities")
    STAFF_DOCUMENTS_OF_CLOSED_FACILITIES = (
        rules.Kind.STAFF_DOCUMENTS_OF_CLOSED_FACILITIES,
        _("Staff qualification scans of closed facilities"),
    )
    COMPLAINANT_CONTACTS = rules.Kind.COMPLAINANT_CONTACTS, _("Complainants' contacts")
    INCIDENT_DETAILS = rules.Kind.INCIDENT_DETAILS, _("Incident details")


class RetentionBasis(models.TextChoices):
    FACILITY_CLOSED_ON = rules.Basis.FACILITY_CLOSED_ON, _("the facility's closing date")
    COMPLAINT_CLOSED_ON = rules.Basis.COMPLAINT_CLOSED_ON, _("the complaint's closing date")
    INCIDENT_OCCURRED_ON = rules.Basis.INCIDENT_OCCURRED_ON, _("the incident's date")


class RetentionAction(models.TextChoices):
    PURGE = rules.Action.PURGE, _("Purge")
    ANONYMISE = rules.Action.ANONYMISE, _("Anonymise")


class PeriodUnit(models.TextChoices):
    DAYS = rules.Unit.DAYS, _("days")
    MONTHS = rules.Unit.MONTHS, _("months")
    YEARS = rules.Unit.YEARS, _("years")


def _kind_consistency() -> Q:
    condition = Q()
    for kind, spec in rules.KIND_SPECS.items():
        condition |= Q(kind=kind, counted_from=spec["basis"], action__in=list(spec["actions"]))
    return condition


class RetentionRule(models.Model):
    """How long a kind of record keeps its personal data, from which date, and what happens then.

    The rule in force for a kind on a day is the one with the latest `valid_from` on or before it; a change
    is a new row (the old one stays, with its source, for the record).
    """

    kind = models.CharField(_("kind of record"), max_length=40, choices=RetentionKind.choices)
    period_value = models.PositiveSmallIntegerField(pgettext_lazy("retention period", "period"))
    period_unit = models.CharField(pgettext_lazy("retention period", "unit"), max_length=10, choices=PeriodUnit.choices)
    counted_from = models.CharField(_("counted from"), max_length=30, choices=RetentionBasis.choices)
    action = models.CharField(_("action"), max_length=10, choices=RetentionAction.choices)
    source = models.CharField(_("legal basis or source"), max_length=500)
    is_default = models.BooleanField(
        _("local default"), default=True, help_text=_("No legal text fixes this period: the portal's own choice.")
    )
    valid_from = models.DateField(_("valid from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-valid_from"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "valid_from"], name="retention_rule_one_per_start"),
            models.CheckConstraint(condition=Q(period_value__gte=1), name="retention_rule_period_positive"),
            models.CheckConstraint(condition=_kind_consistency(), name="retention_rule_kind_consistent"),
        ]

    def __str__(self) -> str:
        # Shown as the audit entry's object: it names the rule, never a record's content.
        return f"{self.get_kind_display()}: {self.period_value} {self.get_period_unit_display()} ({self.valid_from})"
