"""Development targets per unit and year, the build projects that meet them (e.g. the 2021 practical project's
30 inclusive facilities), and the guidance duties model facilities carry out (示范带动)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TargetIndicator(models.TextChoices):
    INCLUSIVE_FACILITIES_BUILT = "inclusive_facilities_built", _("Inclusive facilities built")
    MODEL_FACILITIES = "model_facilities", _("Municipal model facilities recognised")
    STREETS_WITH_INCLUSIVE_SHARE = "streets_with_inclusive_share", _("Streets/towns with an inclusive facility (%)")
    SLOTS_PER_THOUSAND = "slots_per_thousand", _("Slots per 1,000 residents")


class DevelopmentTarget(models.Model):
    """A target of a unit (or of the whole city when `district` is empty) for a year.

    `from_year` makes a cumulative target over several years (at least 50 municipal model facilities over
    2021–2025 is `from_year=2021, year=2025`); otherwise the target is for `year` alone.
    """

    district = models.ForeignKey(
        "regions.District",
        verbose_name=_("county-level unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty for a target of the whole city."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    from_year = models.PositiveSmallIntegerField(_("counted from year"), null=True, blank=True)
    indicator = models.CharField(_("indicator"), max_length=40, choices=TargetIndicator.choices)
    value = models.DecimalField(_("target"), max_digits=9, decimal_places=2)
    source = models.CharField(_("source"), max_length=300)
    is_default = models.BooleanField(_("local default"), default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["year", "indicator", "district_id"]
        verbose_name = _("development target")
        verbose_name_plural = _("development targets")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "indicator"],
                condition=Q(district__isnull=False),
                name="target_one_per_unit_year_indicator",
            ),
            models.UniqueConstraint(
                fields=["year", "indicator"],
                condition=Q(district__isnull=True),
                name="target_one_per_city_year_indicator",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_positive"),
            models.CheckConstraint(
                condition=Q(from_year__isnull=True) | Q(from_year__lte=F("year")), name="target_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id or 'city'} {self.year} {self.indicator} = {self.value}"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    OPENED = "opened", pgettext_lazy("build project", "Opened")
    CANCELLED = "cancelled", pgettext_lazy("build project", "Cancelled")


class BuildProject(models.Model):
    """A facility to build (e.g. one of the 2021 practical project's inclusive facilities), from plan to opening.

    It counts towards the unit's `inclusive_facilities_built` target of `target_year` once opened.
    """

    name = models.CharField(_("name"), max_length=200)
    programme = models.CharField(_("programme"), max_length=200)
    district = models.ForeignKey("regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT)
    street = models.ForeignKey(
        "regions.Street", verbose_name=_("street or town"), on_delete=models.PROTECT, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("target year"))
    planned_slots = models.PositiveIntegerField(_("planned slots"))
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    planned_opening_on = models.DateField(_("planned opening"), null=True, blank=True)
    started_on = models.DateField(_("construction started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    opened_on = models.DateField(pgettext_lazy("build project", "opened on"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    facility = models.OneToOneField(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="build_project",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["target_year", "district_id", "name", "id"]
        verbose_name = _("build project")
        verbose_name_plural = _("build projects")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="opened") | (Q(opened_on__isnull=False) & Q(facility__isnull=False)),
                name="project_opened_has_facility_and_date",
            ),
            models.CheckConstraint(condition=Q(planned_slots__gt=0), name="project_slots_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class GuidanceKind(models.TextChoices):
    MENTORING = "mentoring", _("Facility mentored (结对帮扶)")
    OPEN_DAY = "open_day", _("Open day (开放日)")
    PARENTING_SESSION = "parenting_session", _("Parenting guidance for families (家庭养育指导)")
    COMMUNITY_CLASS = "community_class", _("Community class (社区课堂)")


class GuidanceActivity(models.Model):
    """A guidance duty a model facility carried out (示范带动)."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="guidance_activities")
    recognition = models.ForeignKey(
        "facilities.Recognition", on_delete=models.PROTECT, related_name="guidance_activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GuidanceKind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    mentored_facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility mentored"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentored_by",
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("guidance activity")
        verbose_name_plural = _("guidance activities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="mentoring") | Q(mentored_facility__isnull=False),
                name="guidance_mentoring_names_facility",
            ),
            models.CheckConstraint(
                condition=Q(mentored_facility__isnull=True) | ~Q(mentored_facility=F("facility")),
                name="guidance_not_self_mentoring",
            ),
        ]
        indexes = [models.Index(fields=["facility", "held_on"], name="guidance_facility_day_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.kind} {self.held_on}"
