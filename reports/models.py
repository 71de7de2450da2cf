"""County-level performance indicators: the catalogue (versioned definitions) and the compiled snapshots.

Reads are served from `Snapshot` rows, compiled by Celery jobs (DHIS2's lesson: compile on a schedule, read from
snapshots). A snapshot is keyed by (period, unit, indicator, revision); the city's rows have no unit. A provisional
period is updated in place when a figure changes; a final period is never changed: a recompute that finds a
different figure writes a new revision, and reads take the latest.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class IndicatorUnit(models.TextChoices):
    COUNT = "count", _("count")
    PERCENT = "percent", _("percent")
    PER_THOUSAND = "per_thousand", _("per 1,000 residents")
    YUAN = "yuan", _("yuan")
    PERSONS = "persons", _("persons")


class Indicator(models.Model):
    """One indicator's definition in force from a date (a changed formula is a new row)."""

    code = models.CharField(_("code"), max_length=60)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    formula = models.CharField(_("formula"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, choices=IndicatorUnit.choices)
    source_app = models.CharField(_("source"), max_length=30)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "code", "-effective_from"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="indicator_one_per_start"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="indicator_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class SnapshotStatus(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional")
    FINAL = "final", _("Final")
    UNAVAILABLE = "unavailable", _("Unavailable")


class Snapshot(models.Model):
    """A compiled figure. `value` is null exactly when the source has no data for the period (`unavailable`).

    Rates keep their numerator and denominator, so the city's rate is computed from the units' sums, never
    averaged. `estimated` flags a figure resting on an estimated population.
    """

    period = models.DateField(_("month"))
    district = models.ForeignKey(
        "regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT, null=True, blank=True
    )
    indicator = models.CharField(_("indicator"), max_length=60)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=SnapshotStatus.choices)
    estimated = models.BooleanField(_("rests on an estimate"), default=False)
    as_of = models.DateTimeField(_("compiled at"))

    class Meta:
        ordering = ["period", "district_id", "indicator", "-revision"]
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "district", "indicator", "revision"],
                condition=Q(district__isnull=False),
                name="snapshot_unit_key",
            ),
            models.UniqueConstraint(
                fields=["period", "indicator", "revision"], condition=Q(district__isnull=True), name="snapshot_city_key"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="snapshot_period_first_day"),
            models.CheckConstraint(
                condition=Q(status="unavailable", value__isnull=True)
                | (~Q(status="unavailable") & Q(value__isnull=False)),
                name="snapshot_null_exactly_when_unavailable",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "district", "period"], name="snapshot_series_idx")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.district_id or 'city'} {self.indicator} = {self.value}"


class PeriodState(models.Model):
    """Per month: provisional until finalised after the month ends; `changed_at` drives ETag/Last-Modified."""

    period = models.DateField(_("month"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=SnapshotStatus.choices, default="provisional")
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    published = models.BooleanField(_("published to the public register"), default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-period"]
        verbose_name = _("compiled month")
        verbose_name_plural = _("compiled months")
        constraints = [models.CheckConstraint(condition=Q(period__day=1), name="period_state_first_day")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.status}"
