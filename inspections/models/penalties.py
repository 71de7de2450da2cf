"""Administrative penalties (人口与计划生育法 2021, Art. 41), proposed by one person and decided by another."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning with an order to correct")
    FINE = "fine", _("Fine on refusal to correct (¥5,000–50,000)")
    SUSPENSION = "suspension", _("Order to stop childcare service with a fine (¥50,000–100,000)")
    LIFETIME_BAN = "lifetime_ban", _("Lifetime ban of a person who abused infants")


class PenaltyRule(models.Model):
    """The legal range of a kind of penalty, as data with its clause."""

    kind = models.CharField(max_length=20, choices=PenaltyKind.choices)
    min_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    serious = models.BooleanField(default=False)
    clause = models.CharField(max_length=300)
    effective_from = models.DateField()

    class Meta:
        ordering = ["kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="penalty_rule_one_per_start")]

    def __str__(self) -> str:
        return f"{self.kind} {self.min_amount}–{self.max_amount}"


class PenaltyStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Penalty(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="penalties")
    person = models.ForeignKey(
        "facilities.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="penalties"
    )
    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="penalties"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PenaltyKind.choices)
    amount = models.DecimalField(_("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    facts = models.TextField(_("facts"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=PenaltyStatus.choices, default="proposed")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_on = models.DateField(_("proposed on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    hearing_status = models.CharField(_("hearing"), max_length=100, blank=True)
    appeal_status = models.CharField(_("reconsideration or appeal"), max_length=100, blank=True)
    publish_from = models.DateField(_("published from"), null=True, blank=True)
    publish_until = models.DateField(_("published until"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        verbose_name = _("administrative penalty")
        verbose_name_plural = _("administrative penalties")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="decided") | (Q(decided_by__isnull=False) & ~Q(decided_by=models.F("proposed_by"))),
                name="penalty_decided_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(kind="lifetime_ban") | Q(person__isnull=False), name="penalty_ban_names_person"
            ),
            models.UniqueConstraint(
                fields=["decision_number"], condition=~Q(decision_number=""), name="penalty_decision_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.facility}"
