"""Setting standards as versioned data: each value with its edition, effective period, clause and source."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardRule(models.Model):
    """One figure of a standard (a class size, a ratio, a minimum area), in force from a date.

    `is_default` marks figures not found in a public text: they ship as editable, labelled defaults.
    """

    code = models.CharField(_("code"), max_length=80)
    value = models.JSONField(_("value"))
    edition = models.CharField(_("edition"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    clause = models.CharField(_("clause"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["code", "-effective_from"]
        verbose_name = _("standard rule")
        verbose_name_plural = _("standard rules")
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="standard_rule_one_per_start"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=models.F("effective_from")),
                name="standard_rule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} = {self.value} ({self.edition})"
