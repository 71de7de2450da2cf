"""Quality assessments per WS/T 821—2023: seven dimensions, a total of 1000 points, grades A–D, veto items."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentScheme(models.Model):
    """The scoring scheme in force: dimensions and their maxima, grade thresholds, veto items (data, sourced)."""

    edition = models.CharField(max_length=100)
    effective_from = models.DateField(unique=True)
    dimensions = models.JSONField(help_text="{code: {label, max}}")
    grade_thresholds = models.JSONField(help_text="[[grade, minimum total], ...] from A down")
    veto_items = models.JSONField(help_text="{code: label}")
    source = models.CharField(max_length=300)
    thresholds_are_default = models.BooleanField(default=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.edition


class QualityAssessment(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="quality_assessments")
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT)
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("scores"), help_text="{dimension code: points}")
    vetoes_failed = models.JSONField(_("veto items failed"), default=list, blank=True)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("quality assessment")
        verbose_name_plural = _("quality assessments")

    def __str__(self) -> str:
        return f"{self.facility} {self.assessed_on} {self.grade}"
