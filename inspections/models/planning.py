"""Inspection plans and their random draw (双随机): a logged seed makes every draw reproducible."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InspectionPlan(models.Model):
    """A plan of one county-level unit for a period, or a city-wide plan (district empty)."""

    title = models.CharField(_("title"), max_length=200)
    district = models.ForeignKey(
        "regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT, null=True, blank=True
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    sample_size = models.PositiveIntegerField(_("facilities to draw"))
    inspectors_per_facility = models.PositiveSmallIntegerField(_("inspectors per facility"), default=2)
    # Facilities with a serious finding in the last 12 months are drawn this many times more often.
    serious_finding_weight = models.PositiveSmallIntegerField(_("weight after a serious finding"), default=3)
    draw_seed = models.BigIntegerField(_("draw seed"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="plan_period_ordered")
        ]

    def __str__(self) -> str:
        return self.title


class PlanTarget(models.Model):
    """A facility drawn for a plan, with the inspectors drawn for it."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="targets")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="plan_targets")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "facility"], name="plan_target_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.facility_id}"
