"""The facility master record (托育机构), its classes and service forms, its filing state and its history."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RegistrationRoute(models.TextChoices):
    """Where the registrant is registered before filing (国卫办人口发〔2019〕25号)."""

    PUBLIC_INSTITUTION = "public_institution", _("Public institution (事业单位)")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("Private non-enterprise unit (民办非企业单位)")
    ENTERPRISE = "enterprise", _("Enterprise (企业)")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE_NON_PROFIT = "private_non_profit", _("Private non-profit")
    PRIVATE_FOR_PROFIT = "private_for_profit", _("Private for-profit")


OWNERSHIP_BY_ROUTE = {
    RegistrationRoute.PUBLIC_INSTITUTION: Ownership.PUBLIC,
    RegistrationRoute.PRIVATE_NON_ENTERPRISE: Ownership.PRIVATE_NON_PROFIT,
    RegistrationRoute.ENTERPRISE: Ownership.PRIVATE_FOR_PROFIT,
}


class Category(models.TextChoices):
    KINDERGARTEN_CLASS = "kindergarten_class", _("Kindergarten nursery class (幼儿园托班)")
    SOCIAL = "social", _("Socially-run facility (社会办托育机构)")


class FacilityForm(models.TextChoices):
    STANDALONE = "standalone", _("Standalone")
    COMMUNITY_EMBEDDED = "community_embedded", _("Community-embedded (社区嵌入式)")
    EMPLOYER = "employer", _("Employer-run (用人单位办托)")
    COMPREHENSIVE_CENTER = "comprehensive_center", _("Comprehensive service centre (托育综合服务中心)")
    FAMILY_POINT = "family_point", _("Family childcare point (家庭托育点)")


class ServiceForm(models.TextChoices):
    FULL_DAY = "full_day", _("Full-day (全日托)")
    HALF_DAY = "half_day", _("Half-day (半日托)")
    HOURLY = "hourly", _("Hourly (计时托)")
    TEMPORARY = "temporary", _("Temporary (临时托)")


class PremisesTenure(models.TextChoices):
    OWNED = "owned", _("Owned")
    LEASED = "leased", _("Leased")


class InsuranceMode(models.TextChoices):
    OWN_POLICY = "own_policy", _("Own policy")
    DISTRICT_GROUP = "district_group", _("Covered by the district's group policy")
    NONE = "none", _("None")


class FilingStatus(models.TextChoices):
    KNOWN = "known", _("Operating, not filed")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    FILED = "filed", _("Filed")
    VERIFIED = "verified", _("Verified")
    NONCONFORMING = "nonconforming", _("Non-conforming")
    CHANGE_PENDING = "change_pending", _("Change pending")
    CANCELLED = "cancelled", _("Cancelled")


class Facility(models.Model):
    """A childcare facility for infants under 3. Written only through `facilities.services`."""

    name = models.CharField(_("name"), max_length=200)
    registration_route = models.CharField(
        _("registration route"), max_length=30, choices=RegistrationRoute.choices, blank=True
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    form = models.CharField(_("form"), max_length=30, choices=FacilityForm.choices, default=FacilityForm.STANDALONE)
    hub = models.ForeignKey(
        "self",
        verbose_name=_("hub (1+N)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    medical_integration = models.BooleanField(_("medical-care integration (医育结合)"), default=False)
    elderly_child_integration = models.BooleanField(_("“one old, one young” integration (一老一小)"), default=False)

    district = models.ForeignKey("regions.District", verbose_name=_("county-level unit"), on_delete=models.PROTECT)
    street = models.ForeignKey(
        "regions.Street", verbose_name=_("street or town"), on_delete=models.PROTECT, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    slots = models.PositiveIntegerField(_("slots (托位)"), default=0)
    enrolled = models.PositiveIntegerField(_("enrolled infants"), default=0)
    meals_served = models.BooleanField(_("meals served"), default=False)

    premises_tenure = models.CharField(
        _("premises"), max_length=10, choices=PremisesTenure.choices, blank=True, default=""
    )
    lease_start = models.DateField(_("lease start"), null=True, blank=True)
    lease_end = models.DateField(_("lease end"), null=True, blank=True)
    lowest_floor = models.SmallIntegerField(_("lowest floor used"), null=True, blank=True)
    highest_floor = models.SmallIntegerField(_("highest floor used"), null=True, blank=True)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    observation_room_area = models.DecimalField(
        _("observation room area (m²)"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    surveillance_covers_infant_areas = models.BooleanField(_("surveillance covers infants' areas"), default=False)
    surveillance_retention_days = models.PositiveIntegerField(_("footage kept (days)"), null=True, blank=True)
    one_click_alarm = models.BooleanField(_("one-click alarm (一键报警)"), default=False)
    licensed_guard = models.BooleanField(_("licensed security guard"), default=False)
    insurance_mode = models.CharField(
        _("infant accident insurance"), max_length=20, choices=InsuranceMode.choices, default=InsuranceMode.NONE
    )
    insurer = models.CharField(_("insurer"), max_length=200, blank=True)
    policy_number = models.CharField(_("policy number"), max_length=100, blank=True)
    policy_expires_on = models.DateField(_("policy expiry"), null=True, blank=True)

    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    # --- filing (备案) ---
    filing_status = models.CharField(
        _("filing status"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.DRAFT, db_index=True
    )
    filing_number = models.CharField(_("filing number"), max_length=30, null=True, blank=True, unique=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    record_deadline = models.DateField(_("record deadline"), null=True, blank=True, db_index=True)
    notice_deadline = models.DateField(_("non-conformity notice deadline"), null=True, blank=True, db_index=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    nonconforming_on = models.DateField(_("notified non-conforming on"), null=True, blank=True)
    review_reasons = models.TextField(_("officer's reasons"), blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    # A change filing (变更备案) collects its changes here; the filed record stays in force until recorded.
    pending_changes = models.JSONField(_("changes awaiting record"), default=dict, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewing officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Facts pushed down by supervision (inspections app), on which recognitions and subsidies rest.
    quality_grade = models.CharField(_("quality grade (WS/T 821—2023)"), max_length=1, blank=True)
    quality_assessed_on = models.DateField(_("quality assessed on"), null=True, blank=True)
    serious_violation_on = models.DateField(_("last serious violation decided on"), null=True, blank=True)
    serious_violation_reference = models.CharField(_("serious violation decision"), max_length=100, blank=True)
    # Pushed by training: whether every role meets its training, assessment and certificate requirements.
    training_compliant = models.BooleanField(_("staff training compliant"), null=True, blank=True)
    training_gaps = models.JSONField(_("staff training gaps"), default=list, blank=True)
    training_checked_on = models.DateField(_("training checked on"), null=True, blank=True)

    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("operators"), related_name="facilities", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["district_id", "name", "id"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            # One registrant, one facility; only the sites of a "1+N" hub may share the hub's code.
            models.UniqueConstraint(
                fields=["uscc"], condition=Q(hub__isnull=True) & ~Q(uscc=""), name="facility_uscc_unique_unless_site"
            ),
            models.CheckConstraint(condition=Q(enrolled__gte=0) & Q(slots__gte=0), name="facility_counts_positive"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(opened_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="facility_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(filing_status__in=["filed", "verified", "nonconforming", "change_pending"])
                | Q(filing_number__isnull=False),
                name="facility_filed_has_number",
            ),
        ]
        indexes = [models.Index(fields=["district", "filing_status"], name="facility_district_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def ownership(self) -> str:
        return OWNERSHIP_BY_ROUTE.get(self.registration_route, "")


class ServiceOffering(models.Model):
    """A service form the facility offers (全日托/半日托/计时托/临时托), with its monthly fee in yuan."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="offerings")
    service_form = models.CharField(_("service form"), max_length=20, choices=ServiceForm.choices)
    monthly_fee = models.DecimalField(_("monthly fee (yuan)"), max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["facility_id", "service_form"]
        verbose_name = _("service offering")
        verbose_name_plural = _("service offerings")
        constraints = [
            models.UniqueConstraint(fields=["facility", "service_form"], name="offering_one_per_form"),
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="offering_fee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_form_display()} {self.monthly_fee}"


class ClassType(models.TextChoices):
    INFANT = "infant", _("Infant class 6–12 months (乳儿班)")
    TODDLER = "toddler", _("Toddler class 12–24 months (托小班)")
    OLDER = "older", _("Older class 24–36 months (托大班)")
    MIXED = "mixed", _("Mixed class 18 months and over (混合班)")


class FacilityClass(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(_("name"), max_length=100, blank=True)
    class_type = models.CharField(_("class type"), max_length=10, choices=ClassType.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0)
    carers = models.PositiveIntegerField(_("carers"), default=0)
    youngest_months = models.PositiveSmallIntegerField(_("youngest child (months)"), null=True, blank=True)

    class Meta:
        ordering = ["facility_id", "class_type", "id"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self) -> str:
        return self.name or self.get_class_type_display()


class FacilityVersion(models.Model):
    """The facility as it stood from `valid_from` until `valid_to` (exclusive; open-ended when null).

    Typed columns carry what statistics aggregate as of a date; `snapshot` keeps the whole record so any
    past date can be reconstructed. A new row is written by every service that changes the facility.
    """

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    district = models.ForeignKey("regions.District", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    form = models.CharField(max_length=30, choices=FacilityForm.choices)
    filing_status = models.CharField(max_length=20, choices=FilingStatus.choices)
    slots = models.PositiveIntegerField()
    enrolled = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "valid_from"], name="facility_version_one_per_day"),
            models.UniqueConstraint(
                fields=["facility"], condition=Q(valid_to__isnull=True), name="facility_version_one_current"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="facility_version_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="facility_version_period_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.valid_from}–{self.valid_to or ''}"


class FilingSequence(models.Model):
    """The last filing number issued per unit and year; locked row by row when a filing is recorded."""

    district = models.ForeignKey("regions.District", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="filing_sequence_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.district_id}-{self.year}: {self.last_number}"
